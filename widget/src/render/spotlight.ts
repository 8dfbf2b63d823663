// The dimmed page with a hole over the target's visible part (clipped by every scrolling
// ancestor). Pointer events pass through on tooltip steps (the target stays usable) and are
// blocked on modal steps.
import { h, showTop } from "../dom";
import { visibleRect } from "../position";

export function spotlight(root: ShadowRoot, modal: boolean) {
  const hole = h("i");
  const el = h("div", { class: modal ? "sp k" : "sp", popover: "manual", "data-shirube": "spotlight", "aria-hidden": "true" }, hole);
  root.appendChild(el);
  showTop(el);
  return {
    el,
    update(target: Element | null): void {
      const r = target ? visibleRect(target) : { x: innerWidth / 2, y: innerHeight / 2, width: 0, height: 0 };
      const pad = r.width && r.height ? 4 : 0;
      // A tooltip's dimming goes with its card when the target is not visible: a dimmed page
      // with nothing to read is a page the user cannot use (a modal's stays: it is the modal).
      el.style.visibility = modal || pad ? "" : "hidden";
      hole.style.cssText = `left:${r.x - pad}px;top:${r.y - pad}px;width:${r.width + 2 * pad}px;height:${r.height + 2 * pad}px`;
    },
  };
}
