// Placement of cards next to their targets. Cards are always in the top layer with
// position: fixed, so everything is in viewport coordinates: the side is flipped when the
// card does not fit, then shifted along the edge to stay inside the viewport, and the arrow
// points at the target's centre (what Floating UI's flip, shift and arrow do; its engine
// alone is 2.7 KB gzipped of the 12 KB budget, these few lines are about 0.5 KB).
import type { Placement } from "./types";

type Rect = { x: number; y: number; width: number; height: number };
const OPPOSITE: Record<string, string> = { top: "bottom", bottom: "top", left: "right", right: "left" };

/** The viewport's size without scrollbars: the client box of the scrolling element, which is
 *  <body> in quirks mode (there <html>'s is the whole document's). */
function viewport(): [number, number] {
  const v = document.scrollingElement || document.documentElement;
  return [v.clientWidth || innerWidth, v.clientHeight || innerHeight];
}

/** The part of `el` visible through the viewport and every clipping (scrolling) ancestor. */
export function visibleRect(el: Element): Rect {
  const box = el.getBoundingClientRect();
  const root = document.documentElement;
  let [l, t, r, b] = [0, 0, ...viewport()];
  let node: Element | null = el;
  while (node && getComputedStyle(node).position !== "fixed") {
    node = node.parentElement || ((node.parentNode as ShadowRoot | null)?.host ?? null);
    if (!node || node === document.body || node === root) break;
    if (getComputedStyle(node).overflow !== "visible") {
      // The padding box, without the scrollbars: what is scrolled away is not visible.
      const c = node.getBoundingClientRect();
      l = Math.max(l, c.left + node.clientLeft);
      t = Math.max(t, c.top + node.clientTop);
      r = Math.min(r, c.left + node.clientLeft + node.clientWidth);
      b = Math.min(b, c.top + node.clientTop + node.clientHeight);
    }
  }
  l = Math.max(l, box.left);
  t = Math.max(t, box.top);
  return { x: l, y: t, width: Math.max(0, Math.min(r, box.right) - l), height: Math.max(0, Math.min(b, box.bottom) - t) };
}

/** Calls `update` now and whenever `target`'s box moves or resizes (scrolling containers,
 *  fixed ancestors, window resizes, layout shifts), until the returned function is called.
 *  One getBoundingClientRect per frame is cheaper than observers on every scroll ancestor. */
export function track(target: Element, update: () => void, card?: HTMLElement): () => void {
  let last = "";
  let frame = 0;
  const loop = () => {
    // Scheduled first: `update` may end the step, and with it this loop.
    frame = requestAnimationFrame(loop);
    const r = target.getBoundingClientRect();
    // The card's own size too: late web fonts or a wrapping body change where it fits.
    const now = [r.left, r.top, r.width, r.height, innerWidth, innerHeight, card?.offsetWidth, card?.offsetHeight].join();
    if (now !== last) (last = now), update();
  };
  loop();
  return () => cancelAnimationFrame(frame);
}

const GAP = 12; // between target and card (the arrow sits in it)
const PAD = 8; // kept free at the viewport's edges

/** Where a w×h card goes next to `ref` on the requested side, or the first other side where
 *  it fits (the opposite side first), or else the side with the most room. */
export function place(ref: DOMRect, w: number, h: number, placement: Placement) {
  const [vw, vh] = viewport();
  const [wanted, align] = (placement === "auto" ? "bottom" : placement).split("-");
  const room: Record<string, number> = { top: ref.top - h, bottom: vh - ref.bottom - h, left: ref.left - w, right: vw - ref.right - w };
  const order = [wanted, OPPOSITE[wanted], ...(wanted === "top" || wanted === "bottom" ? ["right", "left"] : ["bottom", "top"])];
  const side = order.find((s) => room[s] >= GAP + PAD) || order.reduce((a, b) => (room[b] > room[a] ? b : a));
  const vertical = side === "top" || side === "bottom";
  const [start, size, length, max] = vertical ? [ref.left, ref.width, w, vw] : [ref.top, ref.height, h, vh];
  let along = align === "start" ? start : align === "end" ? start + size - length : start + size / 2 - length / 2;
  along = Math.max(PAD, Math.min(along, max - length - PAD));
  let across = side === "top" ? ref.top - GAP - h : side === "bottom" ? ref.bottom + GAP : side === "left" ? ref.left - GAP - w : ref.right + GAP;
  // Fits nowhere (small screens): stay readable inside the viewport, even over the target.
  across = Math.max(PAD, Math.min(across, (vertical ? vh - h : vw - w) - PAD));
  // Arrow: at the target's centre along the edge, never closer than 8px to the card's corners.
  const arrow = Math.max(PAD, Math.min(start + size / 2 - along - 5, length - PAD - 10));
  return vertical ? { x: along, y: across, side, vertical, arrow } : { x: across, y: along, side, vertical, arrow };
}

/** Keeps `card` next to `target` with its arrow pointing at it, hidden while the target is
 *  scrolled out of its containers. */
export function follow(target: Element, card: HTMLElement, arrowEl: HTMLElement, placement: Placement): () => void {
  return track(target, () => {
    const seen = visibleRect(target);
    const p = place(target.getBoundingClientRect(), card.offsetWidth, card.offsetHeight, placement);
    card.style.cssText = `left:${p.x}px;top:${p.y}px;visibility:${seen.width && seen.height ? "visible" : "hidden"}`;
    card.setAttribute("data-placement", p.side);
    arrowEl.style.cssText = `${p.vertical ? "left" : "top"}:${p.arrow}px;${OPPOSITE[p.side]}:-5px`;
  }, card);
}
