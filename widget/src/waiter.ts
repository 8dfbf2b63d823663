// Waits for a step's target: present and rendered (has a box), or gives up after `ms`.
import type { Scope } from "./dom";
import { resolve as find } from "./target";
import type { Target } from "./types";

export function waitFor(selector: Target, ms: number, scope: Scope): Promise<Element | null> {
  const now = find(selector);
  if (now || !ms) return Promise.resolve(now);
  return new Promise((resolve) => {
    let queued = false;
    const done = (el: Element | null) => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(el);
    };
    const observer = new MutationObserver(() => {
      // Batch bursts of mutations into one lookup per frame.
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        const el = find(selector);
        if (el) done(el);
      });
    });
    observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true });
    const timer = setTimeout(() => done(find(selector)), ms);
    scope.add(() => {
      observer.disconnect();
      clearTimeout(timer);
    });
  });
}
