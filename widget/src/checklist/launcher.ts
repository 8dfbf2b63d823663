import { h } from "../dom";
import type { Theme } from "../types";
import { percent, type Entry } from "./model";
import { countText } from "./progress";
import type { Strings } from "./strings";

export const PANEL_ID = "shc-panel";

export function createLauncher(): HTMLButtonElement {
  return h(
    "button",
    { class: "la", "data-shirube": "launcher", "aria-controls": PANEL_ID },
    h("span", { class: "ring", "aria-hidden": "true" }),
    h("span"),
  );
}

/** Shows "2/5" and a ring for the checklist the panel shows (or would show). */
export function paintLauncher(button: HTMLButtonElement, e: Entry, expanded: boolean, t: Strings): void {
  button.setAttribute("aria-expanded", String(expanded));
  button.setAttribute("aria-label", `${e.list_.title}: ${countText(e, t)}`);
  button.style.setProperty("--p", `${percent(e)}%`);
  (button.lastChild as HTMLElement).textContent = `${e.done_.size}/${e.list_.items.length}`;
}

/** The corner of the viewport the launcher (and the panel above or below it) sits in. */
export function cornerClass(theme: Theme): string {
  const corner = theme.launcher_position ?? "bottom-right";
  return `shc${corner.endsWith("left") ? " shc-l" : ""}${corner.startsWith("top") ? " shc-t" : ""}`;
}
