// The shadow root's stylesheets (constructable: no <style>, so no CSP nonce is needed).
// Host pages cannot reach inside the shadow root, but inherited properties (font-size from
// `* { font-size: 30px !important }` on the host element) can: `*` below resets them.
// Theme variables for every part of the widget (the checklist uses them too):
// --shirube-brand, --shirube-on-brand (text on brand), --shirube-link, --shirube-font.
import type { Theme } from "./types";

const CSS = `*{box-sizing:border-box;font-family:var(--shirube-font);font-size:14px;line-height:1.5;letter-spacing:normal;text-transform:none;text-align:left}
[popover]{position:fixed;inset:auto;margin:0;border:0;padding:0;overflow:visible;background:none;color:#1f2328;z-index:2147483647}
.c{top:0;left:0;width:max-content;max-width:min(360px,calc(100vw - 16px));background:#fff;border-radius:8px;padding:16px;box-shadow:0 6px 24px #0004}
.c.m{inset:0;margin:auto;height:fit-content}
p,ul,ol{margin:0 0 8px}ul,ol{padding-left:20px}
.h{margin-right:28px}.h,.h *{font-size:16px;font-weight:700}.h p{margin:0 0 6px}
a{color:var(--shirube-link)}
button{cursor:pointer;border-radius:6px;padding:6px 12px;border:1px solid #8c959f;background:#fff;color:#1f2328}
:focus-visible{outline:2px solid var(--shirube-link);outline-offset:2px}
.x{position:absolute;top:8px;right:8px;border:0;padding:0;width:28px;height:28px;font-size:20px;line-height:1;color:#57606a;background:none}
.f{display:flex;align-items:center;gap:8px;margin-top:12px}
.n{color:#57606a;font-size:12px;white-space:nowrap}
.g{flex:1;min-width:40px;height:4px;background:#d0d7de;border-radius:2px;overflow:hidden}
.g i{display:block;height:100%;background:var(--shirube-brand)}
.p{background:var(--shirube-brand);border-color:var(--shirube-brand);color:var(--shirube-on-brand)}
.s{border:0;padding:6px 4px;color:#57606a;background:none}
.a{position:absolute;width:10px;height:10px;background:#fff;transform:rotate(45deg)}
.sp{inset:0;width:100vw;height:100vh;overflow:hidden;pointer-events:none}
.sp.m{pointer-events:auto}
.sp i{position:absolute;border-radius:4px;box-shadow:0 0 0 200vmax #00000080}
.hs{width:22px;height:22px;padding:0;border-radius:50%;border:3px solid #fff;background:var(--shirube-brand);box-shadow:0 0 0 2px var(--shirube-brand)}
@media (prefers-reduced-motion:no-preference){.c{animation:shirube-in .15s ease-out}.hs{animation:shirube-pulse 1.6s infinite}}
@keyframes shirube-in{from{opacity:0}}
@keyframes shirube-pulse{50%{box-shadow:0 0 0 9px #0000}}`;

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

export function styleSheets(theme: Theme): CSSStyleSheet[] {
  const brand = /^#[0-9a-f]{6}$/i.test(theme.brand_color || "") ? theme.brand_color! : "#0055cc";
  // White text on the brand colour passes WCAG AA (4.5:1) only below this luminance.
  const dark = luminance(brand) <= 0.18;
  const font =
    theme.font_family && /^[^;{}<>\\]+$/.test(theme.font_family)
      ? theme.font_family
      : 'system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans JP",Meiryo,sans-serif';
  return [
    sheet(CSS),
    sheet(
      `:host{--shirube-brand:${brand};--shirube-on-brand:${dark ? "#fff" : "#1f2328"};` +
        `--shirube-link:${dark ? brand : "#0550ae"};--shirube-font:${font}}`,
    ),
  ];
}
