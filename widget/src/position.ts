// Placement with Floating UI's engine (@floating-ui/core: offset, flip, shift, arrow, hide).
// Our cards are always in the top layer with position: fixed, so the platform reduces to
// viewport rectangles; @floating-ui/dom's general platform (offset parents, transforms,
// containing blocks) would cost a third of the 12 KB budget for cases that cannot occur here.
import { arrow, computePosition, flip, hide, offset, shift, type Platform, type Rect } from "@floating-ui/core";
import type { Placement } from "./types";

const OPPOSITE: Record<string, string> = { top: "bottom", bottom: "top", left: "right", right: "left" };

/** The part of `el` visible through the viewport and every clipping (scrolling) ancestor. */
export function visibleRect(el: Element): Rect {
  const box = el.getBoundingClientRect();
  const root = document.documentElement;
  let [l, t, r, b] = [0, 0, root.clientWidth || innerWidth, root.clientHeight || innerHeight];
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

const size = (el: HTMLElement) => ({ width: el.offsetWidth, height: el.offsetHeight });

const platform: Platform = {
  getElementRects: ({ reference, floating }) => {
    const r = (reference as Element).getBoundingClientRect();
    return { reference: { x: r.left, y: r.top, width: r.width, height: r.height }, floating: { x: 0, y: 0, ...size(floating) } };
  },
  getDimensions: size,
  // The card (a popover) is clipped by the viewport only; the target by its scrolling ancestors.
  getClippingRect: ({ element }) =>
    element.hasAttribute("popover") ? { x: 0, y: 0, width: innerWidth, height: innerHeight } : visibleRect(element),
};

/** Calls `update` now and whenever `target`'s box moves or resizes (scrolling containers,
 *  fixed ancestors, window resizes, layout shifts), until the returned function is called.
 *  One getBoundingClientRect per frame is cheaper than observers on every scroll ancestor. */
export function track(target: Element, update: () => void): () => void {
  let last = "";
  let frame = 0;
  const loop = () => {
    const r = target.getBoundingClientRect();
    const now = [r.left, r.top, r.width, r.height, innerWidth, innerHeight].join();
    if (now !== last) (last = now), update();
    frame = requestAnimationFrame(loop);
  };
  loop();
  return () => cancelAnimationFrame(frame);
}

/** Keeps `card` next to `target` (flipping and shifting to stay in the viewport) with its
 *  arrow pointing at the target; `also` runs on every move (spotlight). */
export function follow(target: Element, card: HTMLElement, arrowEl: HTMLElement, placement: Placement): () => void {
  const auto = placement === "auto";
  return track(target, () =>
    computePosition(target, card, {
      platform,
      strategy: "fixed",
      placement: auto ? "bottom" : placement,
      middleware: [
        offset(12),
        flip(auto ? { fallbackAxisSideDirection: "end" } : {}),
        shift({ padding: 8 }),
        arrow({ element: arrowEl, padding: 8 }),
        hide(),
      ],
    }).then(({ x, y, placement: side, middlewareData: data }) => {
      card.style.cssText = `left:${x}px;top:${y}px;visibility:${data.hide?.referenceHidden ? "hidden" : "visible"}`;
      card.setAttribute("data-placement", side);
      const a: { x?: number; y?: number } = data.arrow || {};
      arrowEl.style.cssText = `left:${a.x ?? ""}px;top:${a.y ?? ""}px;${OPPOSITE[side.split("-")[0]]}:-5px`;
    }),
  );
}
