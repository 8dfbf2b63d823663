// Pick mode: the element under the pointer is outlined, a click picks it (and does nothing
// else in the app). Off, the app works as usual: the editor navigates to the next page.
import { createScope } from "../dom";

export interface Picker {
  on(): void;
  off(): void;
  readonly active: boolean;
}

/** `ours` tells the builder's own nodes (never picked); `box` is the outline, positioned here. */
export function createPicker(ours: (e: Event) => boolean, box: HTMLElement, picked: (el: Element) => void, ended: () => void): Picker {
  const scope = createScope();
  let active = false;
  const under = (e: Event): Element | null => {
    if (ours(e)) return null;
    // Retargeted: an element inside a web component's shadow root picks the component, which
    // a selector on the document can find again.
    const el = e.target;
    return el instanceof Element && el !== document.documentElement && el !== document.body ? el : null;
  };
  const outline = (el: Element | null) => {
    box.hidden = !el;
    if (!el) return;
    const r = el.getBoundingClientRect();
    Object.assign(box.style, { left: r.left + "px", top: r.top + "px", width: r.width + "px", height: r.height + "px" });
  };
  // Capture on window: ahead of the app's own handlers, which must not see the picking click.
  const swallow = (e: Event) => {
    if (under(e)) e.preventDefault(), e.stopImmediatePropagation();
  };
  const off = () => {
    if (!active) return;
    active = false;
    scope.dispose();
    outline(null);
    ended();
  };
  return {
    get active() {
      return active;
    },
    on() {
      if (active) return;
      active = true;
      scope.listen(window, "pointermove", (e) => outline(under(e)), true);
      for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup", "dblclick", "submit"]) scope.listen(window, type, swallow, true);
      scope.listen(
        window,
        "click",
        (e) => {
          const el = under(e);
          if (!el) return;
          e.preventDefault();
          e.stopImmediatePropagation();
          off();
          picked(el);
        },
        true,
      );
      scope.listen(window, "keydown", (e) => (e as KeyboardEvent).key === "Escape" && off(), true);
    },
    off,
  };
}
