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
