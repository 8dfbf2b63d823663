// The safe Markdown subset of titles and bodies: **bold**, *italic* / _italic_,
// [links](https://…) (http, https, mailto only), line breaks and "- " / "1. " lists.
// Built with DOM APIs: server and editor text only ever becomes Text nodes.
import { h, safeUrl } from "./dom";

// `_` only emphasises at word boundaries: identifiers like window.__x or snake_case stay text.
const INLINE = /\*\*(.+?)\*\*|\*(.+?)\*|(?<!\w)_([^_]+)_(?!\w)|\[([^\]]+)\]\(([^()\s]+)\)/g;

function inline(text: string, into: Node): void {
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    into.appendChild(document.createTextNode(text.slice(at, m.index)));
    at = m.index! + m[0].length;
    if (m[1] != null) inline(m[1], into.appendChild(h("strong")));
    else if (m[2] != null || m[3] != null) inline(m[2] ?? m[3], into.appendChild(h("em")));
    else {
      const href = safeUrl(m[5], /^(https?|mailto):$/); // absolute only
      const target = href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }) : into;
      inline(m[4], target);
      if (href) into.appendChild(target);
    }
  }
  into.appendChild(document.createTextNode(text.slice(at)));
}

export function renderText(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  let list = null as HTMLElement | null;
  let paragraph = null as HTMLElement | null;
  for (const line of text.split(/\r?\n/)) {
    const item = /^\s*(?:([-*])|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      const tag = item[1] ? "ul" : "ol";
      if (list?.tagName.toLowerCase() !== tag) out.appendChild((list = h(tag)));
      inline(item[2], list.appendChild(h("li")));
      paragraph = null;
    } else if (!line.trim()) {
      list = paragraph = null;
    } else {
      list = null;
      if (paragraph) paragraph.appendChild(h("br"));
      else out.appendChild((paragraph = h("p")));
      inline(line, paragraph);
    }
  }
  return out;
}
