// The checklist panel: a chunk of its own (widget/build.mjs), loaded when a user first opens
// it. Most page views show the launcher only: the panel's code, strings and rules stay out of
// the core bundle (and its 12 KB budget) until then.
import type { WidgetContext } from "../context";
import { h, type Child } from "../dom";
import type { SessionItem } from "../types";
import { isComplete, type Entry } from "./model";
import { panelStrings, type PanelStrings as Strings } from "./panel_strings";
import { PANEL_CSS } from "./panel_styles";
import { progressBar } from "./progress";
import { surveyView } from "./survey";

const styled = new WeakSet<ShadowRoot>();

function itemView(item: SessionItem, done: boolean, ctx: WidgetContext, t: Strings): HTMLElement {
  return h(
    "li",
    { "data-shirube-item": item.id, "data-state": done ? "done" : "todo" },
    h("span", { class: "ck" }, h("span", { class: "sr" }, done ? t.done_ : t.todo_)),
    h(
      "div",
      { class: "tx" },
      item.action
        ? h("button", { class: "ia it", "data-shirube-action": "item" }, item.title)
        : h("span", { class: "it" }, item.title),
      item.description && h("div", { class: "ds" }, ctx.renderText(item.description)),
    ),
    !done &&
      item.completion.type === "manual" &&
      h("button", { "data-shirube-action": "mark-done", "aria-label": `${t.markDone_}: ${item.title}` }, t.markDone_),
  );
}

/** Fills the panel with one checklist; `all`, when more than one, becomes the switcher. */
export function paintPanel(panel: HTMLElement, e: Entry, all: Entry[], ctx: WidgetContext): void {
  const { root } = ctx;
  if (!styled.has(root)) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(PANEL_CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    styled.add(root);
  }
  const t = panelStrings(ctx.locale);
  const list = e.list_;
  const complete = isComplete(e);
  panel.dataset.checklist = list.key;
  const parts: Child[] = [
    h(
      "div",
      { class: "hd" },
      h("h2", { id: "shc-t" }, list.title),
      h("button", { "data-shirube-action": "minimize", "aria-label": t.minimize_ }, "−"),
    ),
    all.length > 1 &&
      h(
        "div",
        { class: "sw", role: "group", "aria-label": t.switcher_ },
        ...all.map(({ list_: other }) =>
          h("button", { "data-key": other.key, "aria-pressed": String(other === list) }, other.title),
        ),
      ),
    list.description && h("div", { class: "ds" }, ctx.renderText(list.description)),
    progressBar(e, t),
    // Done: the message and the survey before the items, where a short screen shows them.
    complete &&
      h(
        "div",
        { class: "dn", "data-shirube": "checklist-done" },
        list.completion_message ? ctx.renderText(list.completion_message) : t.allDone_,
      ),
    complete && surveyView(e, t),
    h("ul", { class: "ls" }, ...list.items.map((item) => itemView(item, e.done_.has(item.id), ctx, t))),
  ];
  panel.replaceChildren(...(parts.filter(Boolean) as Node[]));
}
