// A hotspot's beacon: a focusable button pinned to the target's top-right corner, which opens
// the step's card (and Escape collapses it back). In the extras chunk (../extras.ts): most
// tours have no hotspot, so its code and rules stay out of the core bundle until one shows.
import { h, showTop } from "../dom";
import type { CardView, StepSpec, StepView } from "./step";

const CSS =
  ".hs{width:22px;height:22px;border-radius:50%;border:3px solid #fff;background:var(--shirube-brand);box-shadow:0 0 0 2px var(--shirube-brand)}" +
  "@media (prefers-reduced-motion:no-preference){.hs{animation:pu 1.6s infinite}}" +
  "@keyframes pu{50%{box-shadow:0 0 0 9px #0000}}";

const styled = new WeakSet<ShadowRoot>();

export function renderHotspot(p: StepSpec, view: CardView): StepView {
  const { root, scope, step } = p;
  if (!styled.has(root)) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    styled.add(root);
  }
  const el = h("button", {
    type: "button",
    class: "hs",
    popover: "manual",
    "data-shirube": "hotspot",
    "data-shirube-step": step.id,
    "aria-label": p.locale == "ja" ? "ヒントを開く" : "Open hint",
    "aria-expanded": "false",
  });
  root.appendChild(el);
  showTop(el);
  scope.add(() => el.remove());
  view.watch_((r) => {
    el.style.cssText = `left:${r.x + r.width - 11}px;top:${r.y - 11}px;visibility:${r.width && r.height ? "visible" : "hidden"}`;
  });
  let quiet = false; // focusing the beacon ourselves must not reopen its card
  const expand = (focus: boolean) => {
    view.show_(focus);
    el.setAttribute("aria-expanded", "true");
  };
  scope.listen(el, "click", () => expand(true));
  scope.listen(el, "focus", () => quiet || expand(false));
  return {
    card: view.card,
    collapse() {
      const open = view.card();
      if (!open) return;
      // Only pull focus back when it was in the card (not when the user moved on).
      const focused = open.contains(root.activeElement);
      view.shut_();
      el.setAttribute("aria-expanded", "false");
      quiet = true;
      if (focused) el.focus();
      quiet = false;
    },
  };
}
