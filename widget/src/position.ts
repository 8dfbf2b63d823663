// Placement of cards next to their targets: the DOM side. Cards are always in the top layer
// with position: fixed, so everything is in viewport coordinates; this module measures the
// page (target, card, scrolling ancestors, viewport) and geometry.ts decides: the side is
// flipped when the card does not fit, then shifted along the edge to stay inside the
// viewport, and the arrow points at the target's centre (what Floating UI's flip, shift and
// arrow do; its engine alone is 2.7 KB gzipped of the 12 KB budget, these are about 0.5 KB).
import { OPPOSITE, place, visible, type Box, type Rect } from "./geometry";
import type { Placement } from "./types";

/** The viewport without scrollbars: the client box of the scrolling element, which is
 *  <body> in quirks mode (there <html>'s is the whole document's). */
function viewport(): Rect {
  const v = document.scrollingElement || document.documentElement;
  return new DOMRect(0, 0, v.clientWidth || innerWidth, v.clientHeight || innerHeight);
}

/** The part of `el` visible through the viewport and every clipping (scrolling) ancestor. */
export function visibleRect(el: Element): Rect {
  const boxes: Box[] = [el.getBoundingClientRect()];
  let node: Element | null = el;
  while (node && getComputedStyle(node).position !== "fixed") {
    node = node.parentElement || ((node.parentNode as ShadowRoot | null)?.host ?? null);
    if (!node || node === document.body || node === document.documentElement) break;
    if (getComputedStyle(node).overflow !== "visible") {
      // The padding box, without the scrollbars: what is scrolled away is not visible.
      const c = node.getBoundingClientRect();
      boxes.push(new DOMRect(c.left + node.clientLeft, c.top + node.clientTop, node.clientWidth, node.clientHeight));
    }
  }
  return visible(viewport(), boxes);
}

/** Calls `update` now and whenever `target`'s box moves or resizes (scrolling containers,
 *  fixed ancestors, window resizes, layout shifts), until the returned function is called.
 *  One getBoundingClientRect per frame is cheaper than observers on every scroll ancestor. */
export function watchBox(target: Element, update: () => void, card?: HTMLElement): () => void {
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

/** Keeps `card` next to `target` with its arrow pointing at it, hidden while the target is
 *  scrolled out of its containers. */
export function follow(target: Element, card: HTMLElement, arrowEl: HTMLElement, placement: Placement): () => void {
  return watchBox(target, () => {
    const seen = visibleRect(target);
    const p = place(target.getBoundingClientRect(), card.offsetWidth, card.offsetHeight, placement, viewport());
    card.style.cssText = `left:${p.x}px;top:${p.y}px;visibility:${seen.width && seen.height ? "visible" : "hidden"}`;
    card.dataset.placement = p.side;
    arrowEl.style.cssText = `${p.vertical ? "left" : "top"}:${p.arrow}px;${OPPOSITE[p.side]}:-5px`;
  }, card);
}
