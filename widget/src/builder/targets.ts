// Robust targets for a picked element (docs/content-format.md, "Targets"): a primary selector
// and ordered fallbacks, each by one strategy, most stable first, so that a step still finds
// its element after the host app's markup changes (an id removed, classes renamed, an element
// moved). Pure: reads the DOM it is given, writes nothing; `npm test` runs it on happy-dom.
//
//   {"css": "<primary>", "fallbacks": [{"by": "<strategy>", "css": "…", "name": "…"}], "text": "…"}
//
// The widget (and the server's validator) resolve exactly this shape: each entry's css (with,
// for `aria`, the accessible name among the matches), the first that finds exactly one
// visible element wins.

export type Strategy = "shirube-id" | "testid" | "id" | "name" | "aria" | "class" | "path";

export interface Fallback {
  by: Strategy;
  css: string;
  name?: string;
}

export interface RobustTarget {
  css: string;
  fallbacks: Fallback[];
  text?: string;
}

export const MAX_FALLBACKS = 8;
const TEXT_MAX = 200;
const NAME_MAX = 200;
const PATH_DEPTH = 6;
/** What the server takes (content/target.py, SELECTOR_MAX): a longer selector is refused. */
const SELECTOR_MAX = 500;

const clean = (s: string | null | undefined, max: number): string => (s || "").replace(/\s+/g, " ").trim().slice(0, max);

/** CSS.escape where there is one (browsers, happy-dom); a conservative escape otherwise. */
const esc = (s: string): string =>
  typeof CSS !== "undefined" && CSS.escape ? CSS.escape(s) : s.replace(/[^\w-]/g, (c) => "\\" + c.charCodeAt(0).toString(16) + " ");
// Control characters as CSS escapes (`\a `): the server refuses them raw, the browser reads
// the escape as the character itself.
const attr = (name: string, value: string): string =>
  `[${name}="${value.replace(/["\\]/g, "\\$&").replace(/[\x00-\x1f\x7f]/g, (c) => "\\" + c.charCodeAt(0).toString(16) + " ")}"]`;

/** Whether a class or id looks made by a tool rather than a person: CSS-module and CSS-in-JS
 *  hashes (`x_a3f9c`, `Button_root__3xk2a`, `css-1x2y3z`, `sc-bdfBwQ`), framework ids
 *  (`:r1:`, `ember123`), long random strings. Such names change with every build. */
export function looksGenerated(token: string): boolean {
  if (token.length > 40 || /[:[\]{}()]/.test(token)) return true;
  if (/^(css|sc|jsx|emotion|svelte|tw|chakra|mui|ng-tns)-/i.test(token) && /\d|[a-z][A-Z]/.test(token.slice(3))) return true;
  if (/^(ember|ext-gen|yui_|gwt-|uid-?|id-?)\d/i.test(token)) return true;
  if (/\d{3,}/.test(token)) return true; // record ids and counters (`row-1024`, `item_777`)
  return token.split(/[-_]+/).some(
    (part) =>
      (part.length >= 5 && /\d/.test(part) && /[a-z]/i.test(part) && !/^[a-z]+\d{1,2}$/i.test(part)) ||
      (part.length >= 12 && /[A-Z]/.test(part) && /[a-z]/.test(part) && /\d/.test(part)) ||
      /^[0-9a-f]{8,}$/i.test(part),
  );
}

/** State classes an element gains and loses as the user works (never a way to find it). */
const STATE = /^(is-|has-)|^(active|selected|open|opened|closed|hover|focus|focused|disabled|checked|current|visible|hidden|show|shown|collapsed|expanded)$/i;

export const stableClasses = (el: Element): string[] =>
  Array.from(el.classList).filter((c) => !looksGenerated(c) && !STATE.test(c) && !c.startsWith("shirube"));

const stableId = (el: Element): string | null => (el.id && !looksGenerated(el.id) ? el.id : null);

/** The element's role selector: its native elements and the explicit role, as the widget
 *  matches them. Null when the element has no role worth naming. */
export function roleSelector(el: Element): string | null {
  const role = el.getAttribute("role");
  const tag = el.localName;
  const type = (el.getAttribute("type") || "text").toLowerCase();
  const native: Record<string, string> = {
    button: "button,input[type=button],input[type=submit],[role=button]",
    link: "a[href],[role=link]",
    checkbox: "input[type=checkbox],[role=checkbox]",
    radio: "input[type=radio],[role=radio]",
    textbox: "input:not([type]),input[type=text],input[type=email],input[type=search],input[type=tel],input[type=url],textarea,[role=textbox]",
    combobox: "select,[role=combobox]",
    heading: "h1,h2,h3,h4,h5,h6,[role=heading]",
    tab: "[role=tab]",
    menuitem: "[role=menuitem]",
  };
  const implicit =
    tag === "button" || (tag === "input" && /^(button|submit|reset)$/.test(type))
      ? "button"
      : tag === "a" && el.hasAttribute("href")
        ? "link"
        : tag === "input" && (type === "checkbox" || type === "radio")
          ? type
          : tag === "textarea" || (tag === "input" && /^(text|email|search|tel|url)$/.test(type))
            ? "textbox"
            : tag === "select"
              ? "combobox"
              : /^h[1-6]$/.test(tag)
                ? "heading"
                : null;
  const r = role || implicit;
  return r ? native[r] || `[role=${esc(r)}]` : null;
}

/** The accessible name exactly as the widget compares it when it resolves an `aria` entry
 *  (src/target.ts): aria-label, else the text, white space collapsed. Names it would not read
 *  (a <label>, a placeholder) are not recorded: they would never match. */
export const accessibleName = (el: Element): string => clean(el.getAttribute("aria-label") || el.textContent, Infinity);

const all = (root: ParentNode, css: string): Element[] => {
  try {
    return Array.from(root.querySelectorAll(css));
  } catch {
    return []; // a selector this browser cannot parse finds nothing
  }
};

/** How many elements one entry finds: its css, and for `aria` only those with its name. */
export function countOf(root: ParentNode, entry: { css: string; by?: Strategy; name?: string }): number {
  const found = all(root, entry.css);
  return entry.by === "aria" ? found.filter((e) => accessibleName(e) === entry.name).length : found.length;
}

const segment = (el: Element): string => {
  const parent = el.parentElement;
  const tag = esc(el.localName);
  if (!parent) return tag;
  const same = Array.from(parent.children).filter((c) => c.localName === el.localName);
  return same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(el) + 1})` : tag;
};

/** A short structural path: from the nearest ancestor with a stable id (or from the top),
 *  as few levels as make it unique, at most PATH_DEPTH unless more are needed to be unique. */
export function structuralPath(el: Element, root: ParentNode): string {
  const parts: string[] = [];
  for (let node: Element | null = el; node && node.localName !== "html"; node = node.parentElement) {
    const id = node !== el ? stableId(node) : null;
    const part = id ? "#" + esc(id) : segment(node);
    // Past the server's limit: the path so far, unique or not (the badge shows how many).
    if (parts.length && [part, ...parts].join(" > ").length > SELECTOR_MAX) break;
    parts.unshift(part);
    if (id) break;
    const css = parts.join(" > ");
    if (parts.length >= 2 && all(root, css).length === 1 && parts.length <= PATH_DEPTH) return css;
  }
  return parts.join(" > ");
}

/** Every candidate entry, most stable first (one per strategy; classes and paths as found). */
function candidates(el: Element, root: ParentNode): Fallback[] {
  const out: Fallback[] = [];
  const tag = esc(el.localName);
  const shirube = el.getAttribute("data-shirube-id");
  if (shirube) out.push({ by: "shirube-id", css: attr("data-shirube-id", shirube) });
  for (const name of ["data-testid", "data-test-id", "data-test", "data-cy"]) {
    const value = el.getAttribute(name);
    if (value) {
      out.push({ by: "testid", css: attr(name, value) });
      break;
    }
  }
  const id = stableId(el);
  if (id) out.push({ by: "id", css: "#" + esc(id) });
  const name = el.getAttribute("name");
  if (name && /^(input|select|textarea|button|form|fieldset|iframe|object|output|map|meta)$/.test(el.localName))
    out.push({ by: "name", css: tag + attr("name", name) });
  const role = roleSelector(el);
  const accessible = accessibleName(el);
  if (role && accessible && accessible.length <= NAME_MAX) out.push({ by: "aria", css: role, name: accessible });
  const classes = stableClasses(el).slice(0, 3);
  if (classes.length) out.push({ by: "class", css: tag + classes.map((c) => "." + esc(c)).join("") });
  out.push({ by: "path", css: structuralPath(el, root) });
  // A long test id or class list: the server would refuse the whole draft for it.
  return out.filter((c) => c.css.length <= SELECTOR_MAX);
}

/** The robust target of `el`: the primary is the most stable css-only entry that finds exactly
 *  this element; fallbacks are the other entries that do, in order (at most 8). */
export function targetFor(el: Element, root: ParentNode = el.ownerDocument): RobustTarget {
  const unique = candidates(el, root).filter((c) => {
    if (c.by === "aria") return all(root, c.css).filter((e) => accessibleName(e) === c.name).length === 1 && accessibleName(el) === c.name;
    const found = all(root, c.css);
    return found.length === 1 && found[0] === el;
  });
  const primary = unique.find((c) => c.by !== "aria") || { by: "path" as const, css: structuralPath(el, root) };
  const fallbacks = unique.filter((c) => c !== primary && c.css !== primary.css).slice(0, MAX_FALLBACKS);
  // The widget compares the whole text: a longer one, cut, would never match.
  const text = clean(el.textContent, Infinity);
  return text && text.length <= TEXT_MAX ? { css: primary.css, fallbacks, text } : { css: primary.css, fallbacks };
}

/** A step's target as stored: a selector string (older content) or a robust target. */
export type StoredTarget = string | RobustTarget;


/** The elements a stored target finds on this page, by its primary selector; the builder's
 *  "matches N elements" badge. */
export const matchesOf = (root: ParentNode, target: StoredTarget): number =>
  countOf(root, { css: typeof target === "string" ? target : target.css });
