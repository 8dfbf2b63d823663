// A hotspot's beacon: a focusable button pinned to the target's top-right corner.
import { h, showTop } from "../dom";
import { visibleRect } from "../position";

export function beacon(root: ShadowRoot, stepId: string, label: string) {
  const el = h("button", {
    type: "button",
    class: "hs",
    popover: "manual",
    "data-shirube": "hotspot",
    "data-shirube-step": stepId,
    "aria-label": label,
    "aria-expanded": "false",
  });
  root.appendChild(el);
  showTop(el);
  return {
    el,
    update(target: Element): void {
      const r = visibleRect(target);
      el.style.cssText = `left:${r.x + r.width - 11}px;top:${r.y - 11}px;visibility:${r.width && r.height ? "visible" : "hidden"}`;
    },
  };
}
