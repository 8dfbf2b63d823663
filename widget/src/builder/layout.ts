// Where the builder's panel sits (docs/widget.md, "The panel leaves the app usable"): in a
// bottom corner, on the half of the viewport away from the current step's element until the
// editor chooses a side, which then wins; folded to a bar when the editor wants the page. The
// choice is kept in sessionStorage for the tab, across the app's pages.
import { h } from "../dom";
import { readItem, writeItem } from "./model";
import type { BuilderStrings } from "./strings";

const LAYOUT_KEY = "shirube:builder-layout";

interface Layout {
  side?: "l" | "r";
  folded?: boolean;
}

export interface PanelLayout {
  readonly folded: boolean;
  /** The step's element moved or changed: the automatic side is away from it. */
  keepClear(el: Element): void;
  /** The panel's classes for the layout now (each draw). */
  place(): void;
  /** The side and fold buttons for the panel's head; `changed` after a click. */
  controls(t: BuilderStrings, changed: (folded: boolean) => void): HTMLElement[];
}

export function panelLayout(panel: HTMLElement): PanelLayout {
  const layout = (readItem(LAYOUT_KEY) as Layout | null) || {};
  let away = false;
  const place = () => {
    const left = layout.side ? layout.side === "l" : away;
    panel.className = "pn" + (left ? " l" : "") + (layout.folded ? " f" : "");
  };
  // `change` at the click: the side is the other one than the panel's then.
  const button = (label: string, title: string, action: string, change: () => Layout, changed: (folded: boolean) => void) => {
    const b = h("button", { type: "button", "aria-label": title, title, "data-action": action }, label);
    b.addEventListener("click", () => {
      Object.assign(layout, change());
      writeItem(LAYOUT_KEY, layout);
      changed(!!layout.folded);
    });
    return b;
  };
  return {
    get folded() {
      return !!layout.folded;
    },
    keepClear(el) {
      const r = el.getBoundingClientRect();
      away = r.left + r.width / 2 > innerWidth / 2;
      place();
    },
    place,
    controls: (t, changed) => [
      button("⇆", t.side, "side", () => ({ side: panel.classList.contains("l") ? "r" : "l" }), changed),
      layout.folded ? button("▴", t.unfold, "unfold", () => ({ folded: false }), changed) : button("▾", t.fold, "fold", () => ({ folded: true }), changed),
    ],
  };
}
