// Finding a step's target (docs/content-format.md, "Targets"). A string is a CSS selector: its
// first visible match (before #14, its first match if that was visible: a hidden copy of the
// element earlier in the page, as a responsive layout's other variant, made it missing). A
// robust target (the visual builder's) is a primary selector, fallbacks and the element's
// text: the first of the primary and each fallback in order that matches exactly one visible
// element wins (with `name`, only elements of that accessible name count); when none does,
// the one visible element, among what all of them matched, whose text is `text`. Visible here
// means rendered (it has a box): covered or scrolled away still counts, the step scrolls it
// into view.
import type { Fallback, Target } from "./types";

/** How each strategy did, for `$target_missing`: `found` visible matches (those with its
 *  `name`, when it has one); exactly 1 wins. */
export type Tried = { by: string; found: number }[];

const shown = (css: string): Element[] => {
  try {
    return [...document.querySelectorAll(css)].filter((e) => e.getClientRects().length);
  } catch {
    return []; // an invalid selector matches nothing
  }
};

/** Runs of white space as one space, trimmed: how texts and accessible names compare. */
const words = (text: string | null | undefined) => (text || "").replace(/\s+/g, " ").trim();

export function resolve(target: Target, tried: Tried = []): Element | null {
  if (typeof target == "string") return shown(target)[0] || null;
  const seen = new Set<Element>();
  const one = (by: string, found: Element[]) => (tried.push({ by, found: found.length }), found.length == 1 && found[0]);
  for (const { by, css, name } of [{ by: "css", css: target.css } as Fallback, ...(target.fallbacks || [])]) {
    const found = shown(css);
    found.forEach((e) => seen.add(e));
    // The accessible name: aria-label, else the text.
    const hit = one(by, name ? found.filter((e) => words(e.getAttribute("aria-label") || e.textContent) == words(name)) : found);
    if (hit) return hit;
  }
  return (target.text && one("text", [...seen].filter((e) => words(e.textContent) == words(target.text)))) || null;
}
