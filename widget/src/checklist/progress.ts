import { h } from "../dom";
import { percent, type Entry } from "./model";
import type { PanelStrings } from "./panel_strings";
import type { Strings } from "./strings";

/** "2 of 5 done" for people: the count the launcher shows and the progress bar's text value. */
export const countText = (e: Entry, t: Strings): string => t.count_(e.done_.size, e.list_.items.length);

/** The panel's progress bar: a percent for assistive tech, the width through CSSOM (CSP-safe). */
export function progressBar(e: Entry, t: PanelStrings): HTMLElement {
  const value = percent(e);
  const bar = h(
    "div",
    {
      class: "bar",
      "data-shirube": "progress",
      role: "progressbar",
      "aria-label": t.progress_,
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      "aria-valuenow": value,
      "aria-valuetext": countText(e, t),
    },
    h("span"),
  );
  bar.style.setProperty("--p", `${value}%`);
  return bar;
}
