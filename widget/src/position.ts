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

/** Whether `inner` is `outer` or inside it, across shadow roots. */
function within(inner: Node | null, outer: Node): boolean {
  for (; inner; inner = inner.parentNode instanceof ShadowRoot ? inner.parentNode.host : inner.parentNode)
    if (inner === outer) return true;
  return false;
}

/** The part of `el` really visible: through the viewport and every clipping ancestor (a
 *  collapsed sidebar's `width: 0; overflow: hidden` included), zero-size when it, or an
 *  ancestor, is `visibility: hidden`, transparent or not rendered, or when something of the
 *  page with a background covers all of it (a host modal's backdrop). Our own nodes never
 *  count as covering. */
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
  const r = visible(viewport(), boxes);
  const { x, y, width: w, height: h } = r;
  // The centre and two points near opposite corners of the visible part: one of them on it.
  const seen =
    w * h > 0 &&
    el.checkVisibility?.({ opacityProperty: true, visibilityProperty: true }) !== false &&
    [[.5, .5], [.1, .1], [.9, .9]].some(([a, b]) => {
      const hit = document.elementsFromPoint(x + a * w, y + b * h).find((e) => e.localName !== "shirube-root");
      // Covering means painting over it: a transparent layer (an invisible menu backdrop, a
      // stretched link, a chart's hover area) leaves the target in view.
      return !hit || within(hit, el) || within(el, hit) || /transparent|, 0\)/.test(getComputedStyle(hit).backgroundColor);
    });
  return seen ? r : { x, y, width: 0, height: 0 };
}

/** What a card is placed next to: the target, and the popup it opened (a dropdown's menu:
 *  the element its `aria-controls` names, or else its next sibling, while it is
 *  `aria-expanded` and the popup is absolutely or fixed positioned), which the card must not
 *  cover. */
function reference(target: Element): DOMRect {
  const r = target.getBoundingClientRect();
  const id = target.getAttribute("aria-controls")?.split(" ")[0];
  const popup = target.getAttribute("aria-expanded") == "true" && ((id && (target.getRootNode() as Document).getElementById(id)) || target.nextElementSibling);
  // Only a popup out of the flow: an expanded accordion or sidebar group pushes the page down.
  const p = popup && /^[af]/.test(getComputedStyle(popup).position) && popup.getBoundingClientRect();
  if (!p || !p.width) return r;
  const x = Math.min(r.x, p.x);
  const y = Math.min(r.y, p.y);
  return new DOMRect(x, y, Math.max(r.right, p.right) - x, Math.max(r.bottom, p.bottom) - y);
}

/** Calls `update` now and whenever `target`'s box, its visibility or the card's size may have
 *  changed, until the returned function is called. Driven by events, not by a per-frame poll
 *  (an open step must cost an idle page nothing): scrolling anywhere, viewport resizes, the
 *  target's and the card's size (ResizeObserver), its clipping (IntersectionObserver), any
 *  change to the page's nodes, classes or styles (MutationObserver: a sidebar collapsing
 *  around the target, the app replacing it) and CSS transitions and animations. After each,
 *  the box is measured every frame until it has stayed still for a few frames, which follows
 *  a transition from start to end. */
export function watchBox(target: Element, update: () => void, card?: HTMLElement): () => void {
  let last = "";
  let frame = 0;
  let still = 0;
  let done = false;
  const tick = () => {
    // Called by the mutation observer too, while a frame may be pending: one chain only.
    cancelAnimationFrame(frame);
    if (done) return;
    const r = visibleRect(target);
    const b = reference(target);
    // The card's own size too: late web fonts or a wrapping body change where it fits.
    const now = [r.x, r.y, r.width, r.height, b.x, b.y, b.width, b.height, innerWidth, innerHeight, card?.offsetWidth, card?.offsetHeight].join();
    if (now !== last) (last = now), (still = 0), update();
    // `update` may have ended the step, and with it this watch.
    frame = !done && ++still < 4 ? requestAnimationFrame(tick) : 0;
  };
  const poke = () => {
    still = 0;
    frame ||= requestAnimationFrame(tick);
  };
  const observers = [new ResizeObserver(poke), new IntersectionObserver(poke, { threshold: [0, 1] })];
  for (const o of observers) o.observe(target), card && o.observe(card);
  // The document and every shadow root on the target's way up, slots included (a web
  // component scrolling its slotted content, as Ionic's ion-content): neither their mutations
  // nor their scrolls (not composed) reach the document's observers and listeners.
  const trees: Node[] = [document];
  for (let n: Node | null = target; n; n = (n as Element).assignedSlot || n.parentNode) if (n instanceof ShadowRoot) trees.push(n), (n = n.host);
  const mutations = new MutationObserver(() => (target.isConnected ? poke() : tick()));
  // A transition's start comes with the mutation that caused it; its end settles the box.
  const events = ["scroll", "resize", "transitionend", "animationend"];
  const listeners = (on: boolean) => {
    for (const e of events) {
      for (const t of [window, ...trees]) on ? t.addEventListener(e, poke, true) : t.removeEventListener(e, poke, true);
      on ? visualViewport?.addEventListener(e, poke) : visualViewport?.removeEventListener(e, poke);
    }
  };
  for (const t of trees) mutations.observe(t, { attributes: true, childList: true, subtree: true });
  listeners(true);
  tick();
  return () => {
    done = true;
    cancelAnimationFrame(frame);
    mutations.disconnect();
    for (const o of observers) o.disconnect();
    listeners(false);
  };
}

/** Keeps `card` next to `target` with its arrow pointing at it, hidden while the target is
 *  not visible (`visibleRect`). */
export function follow(target: Element, card: HTMLElement, arrowEl: HTMLElement, placement: Placement): () => void {
  return watchBox(target, () => {
    const seen = visibleRect(target);
    const p = place(reference(target), card.offsetWidth, card.offsetHeight, placement, viewport());
    card.style.cssText = `left:${p.x}px;top:${p.y}px;visibility:${seen.width && seen.height ? "visible" : "hidden"}`;
    card.dataset.placement = p.side;
    arrowEl.style.cssText = `${p.vertical ? "left" : "top"}:${p.arrow}px;${OPPOSITE[p.side]}:-5px`;
  }, card);
}
