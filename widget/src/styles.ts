// The shadow root's stylesheets (constructable: no <style>, so no CSP nonce is needed).
// Host pages cannot reach inside the shadow root, but inherited properties (font-size from
// `* { font-size: 30px !important }` on the host element) can: `*` below resets them.
// Theme variables for every part of the widget (the checklist uses them too):
// --shirube-brand, --shirube-on-brand (text on brand), --shirube-link, --shirube-font.
import { CHECKLIST_CSS } from "./checklist/styles";
import type { Theme } from "./types";

const CSS =
  "*{box-sizing:border-box;font:14px/1.5 var(--shirube-font);text-align:left;overflow-wrap:anywhere}" +
  "[popover]{position:fixed;inset:auto;margin:0;border:0;padding:0;overflow:visible;background:none;color:#1f2328}" +
  ".c{top:0;left:0;width:max-content;max-width:min(360px,100vw - 16px);max-height:calc(100dvh - 16px);display:flex;flex-direction:column;background:#fff;border-radius:8px;padding:16px;box-shadow:0 6px 24px #0004}" +
  ".b{overflow:auto}" +
  ".c.m{inset:0;margin:auto;height:fit-content}" +
  ".h{margin-right:28px}.h,.h *{font-size:16px;font-weight:700}" +
  "p,ul,ol{margin:0 0 8px}ul,ol{padding-left:20px}" +
  "a{color:var(--shirube-link)}" +
  "button{cursor:pointer;border-radius:6px;padding:6px 12px;border:1px solid #6e7781;background:#fff}" +
  ":focus-visible{outline:2px solid var(--shirube-link);outline-offset:2px}" +
  ".x{position:absolute;top:8px;right:8px;border:0;padding:2px 8px;font-size:20px;line-height:1;background:none}" +
  ".f{display:flex;align-items:center;gap:8px;margin-top:12px}" +
  ".n,.s,.x{color:#57606a}.n{font-size:12px}" +
  ".sr{position:fixed;width:1px;height:1px;margin:0;overflow:hidden;clip-path:inset(50%)}" +
  ".g{flex:1;min-width:40px;height:4px;background:#d0d7de}" +
  ".g i{display:block;height:100%;background:var(--shirube-brand)}" +
  ".p{background:var(--shirube-brand);border-color:var(--shirube-brand);color:var(--shirube-on-brand)}" +
  ".s{border:0;padding:6px 4px;background:none}" +
  ".a{position:absolute;width:10px;height:10px;background:#fff;rotate:45deg}" +
  ".sp{inset:0;width:auto;height:auto;overflow:hidden;pointer-events:none}.sp.k{pointer-events:auto}" +
  ".sp i{position:absolute;border-radius:4px;box-shadow:0 0 0 200vmax #0008}" +
  // The hotspot's beacon has its rules in its chunk (render/hotspot.ts).
  "@media (prefers-reduced-motion:no-preference){.c{animation:fi .15s}}" +
  "@keyframes fi{from{opacity:0}}";

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function sheet(css: string): CSSStyleSheet {
  const s = new CSSStyleSheet();
  s.replaceSync(css);
  return s;
}

/** The widget's rules, the checklist's included: they do not depend on the session. */
export const baseSheet = () => sheet(CSS + CHECKLIST_CSS);

/** The theme's variables (brand colour, font) from the session answer. */
export function themeSheet(theme: Theme): CSSStyleSheet {
  const brand = /^#[0-9a-f]{6}$/i.test(theme.brand_color || "") ? theme.brand_color! : "#0055cc";
  // White text on the brand colour passes WCAG AA (4.5:1) only below this luminance.
  const dark = luminance(brand) <= 0.18;
  const font =
    theme.font_family && /^[^;{}<>\\]+$/.test(theme.font_family)
      ? theme.font_family
      : "system-ui,sans-serif";
  return sheet(
    `:host{--shirube-brand:${brand};--shirube-on-brand:${dark ? "#fff" : "#1f2328"};` +
      `--shirube-link:${dark ? brand : "#0550ae"};--shirube-font:${font}}`,
  );
}
