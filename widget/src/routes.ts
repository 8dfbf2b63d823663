// Page patterns and SPA route changes.
import type { Scope } from "./dom";

/** Whether `text` is `parts` joined by runs of any characters. In linear time, no regex: a
 *  backtracking `.*` per star takes seconds on a long URL against a few stars. Each middle
 *  part at its leftmost place never loses a match. */
function fits(parts: string[], text: string): boolean {
  const last = parts.length - 1;
  if (!last) return text === parts[0];
  let at = parts[0].length;
  const end = text.length - parts[last].length;
  if (end < at || !text.startsWith(parts[0]) || !text.endsWith(parts[last])) return false;
  for (let i = 1; i < last; i++) {
    const found = text.indexOf(parts[i], at);
    if (found < 0 || (at = found + parts[i].length) > end) return false;
  }
  return true;
}

/** The server's page pattern rules exactly (server/shirube/content/pages.py, `PageMatcher`):
 *  `*` matches any run of characters, everything else is literal, queries are ignored (a hash
 *  route's own too: `#/a?x=1`), the fragment counts only for a pattern with a `#` (`/#/guide`),
 *  and a path pattern also matches absolute URLs with that path. */
export function matchPage(pattern: string, href: string): boolean {
  const url = href.replace(/#/.test(pattern) ? /\?[^#]*/g : /[?#].*/s, "");
  const parts = pattern.split("*");
  const host = pattern[0] === "/" && /^[a-z][a-z0-9+.-]*:\/\/[^/]+/.exec(url);
  return (!!host && fits(parts, url.slice(host[0].length))) || fits(parts, url);
}

/** Calls `changed` after every URL change: pushState, replaceState, popstate, hashchange.
 *  History methods are wrapped once per instance and put back by `scope.dispose()`. */
export function watchRoutes(scope: Scope, changed: () => void): void {
  let last = location.href;
  let active = true;
  // The URL of the change, taken when it happens: a Back then a Forward before the first
  // timer runs would otherwise look like no change at all, though a step may have been put
  // away meanwhile (its target left with the route) and must come back.
  const check = (href: string) => {
    if (active && href !== last) {
      last = href;
      changed();
    }
  };
  for (const name of ["pushState", "replaceState"] as const) {
    const own = Object.prototype.hasOwnProperty.call(history, name);
    const original = history[name];
    const wrapped = function (this: History, ...args: Parameters<History["pushState"]>) {
      const result = original.apply(this, args);
      // After the host's router has rendered the new route.
      setTimeout(check, 0, location.href);
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
  const later = () => setTimeout(check, 0, location.href);
  scope.listen(window, "popstate", later);
  scope.listen(window, "hashchange", later);
}
