// Page patterns (same rules as the server's page_pattern_regex) and SPA route changes.
import type { Scope } from "./dom";

export function matchPage(pattern: string, href: string): boolean {
  const url = href.split("#")[0].split("?")[0];
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  const prefix = pattern[0] === "/" ? "(?:[a-z][a-z0-9+.\\-]*://[^/]+)?" : "";
  return new RegExp("^" + prefix + body + "$").test(url);
}

/** Calls `changed` after every URL change: pushState, replaceState, popstate, hashchange.
 *  History methods are wrapped once per instance and put back by `scope.dispose()`. */
export function watchRoutes(scope: Scope, changed: () => void): void {
  let last = location.href;
  let active = true;
  const check = () => {
    if (active && location.href !== last) {
      last = location.href;
      changed();
    }
  };
  for (const name of ["pushState", "replaceState"] as const) {
    const own = Object.prototype.hasOwnProperty.call(history, name);
    const original = history[name];
    const wrapped = function (this: History, ...args: Parameters<History["pushState"]>) {
      const result = original.apply(this, args);
      // After the host's router has rendered the new route.
      setTimeout(check);
      return result;
    };
    history[name] = wrapped;
    scope.add(() => {
      active = false;
      // Someone wrapped it after us: leave their wrapper (ours is now a pass-through).
      if (history[name] !== wrapped) return;
      if (own) history[name] = original;
      else delete (history as Partial<History>)[name];
    });
  }
  const later = () => setTimeout(check);
  scope.listen(window, "popstate", later);
  scope.listen(window, "hashchange", later);
}
