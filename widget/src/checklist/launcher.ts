import { h } from "../dom";
import type { SessionHelp, Theme } from "../types";
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

/** Shows "2/5" and a ring for the checklist the panel shows (or would show); the help
 *  centre's title (a full ring) when no checklist is left to do (`e` absent or finished before
 *  this page view): the launcher stays, the way back to the help and finished checklists.
 *  The theme's `label` goes before the count (in place of the help centre's title), and first
 *  in the accessible name, which must contain the visible words. */
export function paintLauncher(button: HTMLButtonElement, e: Entry | undefined, expanded: boolean, t: Strings, help?: SessionHelp, label?: string): void {
  const title = help && (!e || e.hidden_) && help.title;
  button.setAttribute("aria-expanded", String(expanded));
  button.setAttribute("aria-label", (label ? label + ": " : "") + (title || `${e!.list_.title}: ${countText(e!, t)}`));
  button.style.setProperty("--p", `${title ? 100 : percent(e!)}%`);
  (button.lastChild as HTMLElement).textContent = title ? label || title : (label ? label + " " : "") + `${e!.done_.size}/${e!.list_.items.length}`;
}

/** The corner of the viewport the launcher (and the panel above or below it) sits in. */
export function cornerClass(theme: Theme): string {
  const corner = theme.launcher_position ?? "bottom-right";
  return `shc${corner.endsWith("left") ? " shc-l" : ""}${corner.startsWith("top") ? " shc-t" : ""}`;
}
