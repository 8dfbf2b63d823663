// The pure core of card placement: rectangles in, rectangles out, no DOM, so that it can be
// unit-tested over fake rects (test/geometry.test.mjs); position.ts measures the page and
// calls it. Every rect is in the same client coordinates. The viewport is a rect, not just a
// size: an offset one (a pinch-zoomed visual viewport) is answered by the same code.
import type { Placement } from "./types";

export type Rect = { x: number; y: number; width: number; height: number };
export type Box = { left: number; top: number; right: number; bottom: number };

export const GAP = 12; // between target and card (the arrow sits in it)
export const PAD = 8; // kept free at the viewport's edges
export const OPPOSITE: Record<string, string> = { top: "bottom", bottom: "top", left: "right", right: "left" };

/** The part of the viewport inside every box: a target's border box and the padding boxes
 *  of its clipping (scrolling) ancestors. Zero-size, not negative, when nothing of it shows. */
export function visible(view: Rect, boxes: Box[]): Rect {
  const l = Math.max(view.x, ...boxes.map((c) => c.left));
  const t = Math.max(view.y, ...boxes.map((c) => c.top));
  const r = Math.min(view.x + view.width, ...boxes.map((c) => c.right));
  const b = Math.min(view.y + view.height, ...boxes.map((c) => c.bottom));
  return { x: l, y: t, width: Math.max(0, r - l), height: Math.max(0, b - t) };
}

/** `v` kept within PAD … max - PAD. */
const clamp = (v: number, max: number) => Math.max(PAD, Math.min(v, max - PAD));

/** Where a w×h card goes next to `ref` (the target's box, DOMRect-like: both forms) on the
 *  requested side, or the first other side where it fits (the opposite side first), or else
 *  the side with the most room; then shifted along that edge to stay PAD inside the viewport.
 *  `arrow` is the arrow's offset along the card's edge. */
export function place(ref: Box & Rect, w: number, h: number, placement: Placement, view: Rect) {
  const { x: vx, y: vy, width: vw, height: vh } = view;
  // From here on in the viewport's own coordinates (added back to x and y at the end).
  const [top, bottom, left, right] = [ref.top - vy, ref.bottom - vy, ref.left - vx, ref.right - vx];
  const [wanted, align] = (placement === "auto" ? "bottom" : placement).split("-");
  const room: Record<string, number> = { top: top - h, bottom: vh - bottom - h, left: left - w, right: vw - right - w };
  const order = [wanted, OPPOSITE[wanted], ...(wanted === "top" || wanted === "bottom" ? ["right", "left"] : ["bottom", "top"])];
  const side = order.find((s) => room[s] >= GAP + PAD) || order.reduce((a, b) => (room[b] > room[a] ? b : a));
  const vertical = side === "top" || side === "bottom";
  const [start, size, length, max, maxAcross] = vertical ? [left, ref.width, w, vw, vh - h] : [top, ref.height, h, vh, vw - w];
  const along = clamp(align === "start" ? start : align === "end" ? start + size - length : start + size / 2 - length / 2, max - length);
  // Fits nowhere (small screens): stay readable inside the viewport, even over the target.
  const across = clamp(side === "top" ? top - GAP - h : side === "bottom" ? bottom + GAP : side === "left" ? left - GAP - w : right + GAP, maxAcross);
  // Arrow: at the target's centre along the edge, never closer than 8px to the card's corners.
  const arrow = clamp(start + size / 2 - along - 5, length - 10);
  return { x: vx + (vertical ? along : across), y: vy + (vertical ? across : along), side, vertical, arrow };
}
