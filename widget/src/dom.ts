// Element creation through DOM APIs only: text always becomes a Text node, never markup.
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string | number | boolean | null | undefined> | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const name in attrs) {
    const value = attrs[name];
    if (value != null && value !== false) el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...(children.filter((c) => c || c === "") as (Node | string)[]));
  return el;
}

/** `url` when its scheme is one of `schemes` (resolved against `base`: a relative URL gets the
 *  page's), else null: never a `javascript:` or `data:` URL, whatever the server sent. The
 *  browser's own parser decides, so "java\tscript:" or " JavaScript:" are seen as such. */
export function safeUrl(url: string, schemes: RegExp, base?: string): string | null {
  try {
    return schemes.test(new URL(url, base).protocol) ? url : null;
  } catch {
    return null; // malformed, or relative without a base
  }
}

/** A step's CTA or a checklist item's URL: relative or http(s) only. The server validates it;
 *  the widget does not rely on that alone. */
export const followable = (url: string): string | null => safeUrl(url, /^https?:$/, document.baseURI);

/** Shows an element in the top layer (above host modals and z-indexes); inert where unsupported. */
export function showTop(el: HTMLElement): void {
  if (!el.isConnected) return;
  try {
    el.showPopover();
  } catch {
    // Older browsers: the fixed position and z-index in the stylesheet still apply.
  }
}

/** Things to undo later: listeners, observers, timers. */
export interface Scope {
  listen(target: EventTarget, type: string, handler: EventListener, options?: AddEventListenerOptions | boolean): void;
  add(undo: () => void): void;
  dispose(): void;
}

export function createScope(): Scope {
  let undos: (() => void)[] = [];
  return {
    listen(target, type, handler, options) {
      target.addEventListener(type, handler, options);
      undos.push(() => target.removeEventListener(type, handler, options));
    },
    add(undo) {
      undos.push(undo);
    },
    dispose() {
      const pending = undos;
      undos = [];
      for (const undo of pending.reverse()) undo();
    },
  };
}
