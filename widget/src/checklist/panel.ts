// The checklist panel: a chunk of its own (widget/build.mjs), loaded when a user first opens
// it. Most page views show the launcher only: the panel's code, strings and rules stay out of
// the core bundle (and its 12 KB budget) until then.
import type { WidgetContext } from "../context";
import { h, type Child } from "../dom";
import type { SessionHelp, SessionItem } from "../types";
import { handlePanel, type PanelControl } from "./actions";

export { reveal } from "./actions";
import { isComplete, type Entry } from "./model";
import { panelStrings, type PanelStrings as Strings } from "./panel_strings";
import { PANEL_CSS } from "./panel_styles";
import { progressBar } from "./progress";
import { surveyView } from "./survey";

const styled = new WeakSet<ShadowRoot>();

/** The panel's (and the toasts') rules, added to the root once. */
function style(root: ShadowRoot): void {
  if (styled.has(root)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(PANEL_CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  styled.add(root);
}

/** A short "small win" message next to the launcher (an item done). It fades out and removes
 *  itself when its CSS animation ends: no timer to clear when the widget goes. */
export function toast(node: HTMLElement, item: SessionItem, ctx: WidgetContext): void {
  style(ctx.root);
  const message = item.success_message ? ctx.renderText(item.success_message) : `✓ ${item.title}`;
  const el = h("div", { class: "to", "data-shirube": "toast", role: "status" }, message);
  el.onanimationend = (event) => event.animationName == "shc-out" && el.remove();
  node.append(el);
}

/** What a panel remembers between paints: the tab chosen, the help chunk's node (kept, so a
 *  repaint never takes the focus from its search field), the last paint's arguments. */
interface View {
  tab_?: string;
  help_?: HTMLElement;
  last_: Parameters<typeof paintPanel>;
}
const views = new WeakMap<HTMLElement, View>();

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

const FOCUSABLE = "button,textarea";

/** Paints the panel and shows it; keyboard focus stays on the control at the same position
 *  (or goes to the panel: `focus`, opened by the user). */
export function showPanel(focus: boolean, ...args: Parameters<typeof paintPanel>): void {
  const panel = args[0];
  const focused = args[3].root.activeElement;
  const position = focused ? [...panel.querySelectorAll(FOCUSABLE)].indexOf(focused) : -1;
  paintPanel(...args);
  panel.hidden = false;
  if (position >= 0 || focus) (panel.querySelectorAll<HTMLElement>(FOCUSABLE)[position] ?? panel).focus();
}

/** Fills the panel with one checklist; `all`, when more than one, becomes the switcher. With a
 *  help centre, tabs switch between the checklist and the help (the help chunk); the help tab
 *  comes first when no checklist is left to do (`e` absent or finished before this page). */
export function paintPanel(panel: HTMLElement, e: Entry | undefined, all: Entry[], ctx: WidgetContext, help: SessionHelp | undefined, control: PanelControl): void {
  style(ctx.root);
  const t = panelStrings(ctx.locale);
  let view = views.get(panel);
  if (!view) {
    const created: View = (view = { last_: [panel, e, all, ctx, help, control] });
    views.set(panel, view);
    handlePanel(panel, ctx, control);
    ctx.listen(panel, "click", (event) => {
      const tab = (event.target as Element).closest<HTMLElement>("[data-shirube-tab]")?.dataset.shirubeTab;
      if (tab) {
        created.tab_ = tab;
        paintPanel(...created.last_);
        panel.querySelector<HTMLElement>("[aria-selected=true]")?.focus();
      }
    });
  }
  view.last_ = [panel, e, all, ctx, help, control];
  const tab = help && (!e || (view.tab_ ?? (e.hidden_ ? "help" : "list")) === "help") ? "help" : "list";
  const tabs =
    help &&
    e &&
    h(
      "div",
      { class: "sw tb", role: "tablist" },
      ...[
        ["list", t.checklist_],
        ["help", help.title],
      ].map(([name, label]) =>
        h("button", { role: "tab", "data-shirube-tab": name, "aria-selected": String(name === tab) }, label),
      ),
    );
  if (tab === "help") return paintHelpTab(panel, view, tabs, ctx, help!, all, t.minimize_);
  panel.removeAttribute("data-help");
  e = e!;
  const list = e.list_;
  const complete = isComplete(e);
  panel.dataset.checklist = list.key;
  const parts: Child[] = [
    header(list.title, t.minimize_),
    tabs,
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

const header = (title: string, minimize: string): HTMLElement =>
  h(
    "div",
    { class: "hd" },
    h("h2", { id: "shc-t" }, title),
    h("button", { "data-shirube-action": "minimize", "aria-label": minimize }, "\u2212"),
  );

/** The help tab: header and tabs painted again, the help chunk's node kept where it is. */
function paintHelpTab(panel: HTMLElement, view: View, tabs: Child, ctx: WidgetContext, help: SessionHelp, all: Entry[], minimize: string): void {
  const opening = panel.hidden || panel.dataset.help !== help.key;
  panel.dataset.help = help.key;
  delete panel.dataset.checklist;
  const node = (view.help_ ||= h("div", { class: "hc", "data-shirube": "help" }));
  for (const child of [...panel.children]) if (child !== node) child.remove();
  panel.prepend(...([header(help.title, minimize), tabs].filter(Boolean) as Node[]));
  if (!node.isConnected) panel.append(node);
  if (opening) ctx.track("$help_opened", { center: help.key });
  // A failed load leaves the tab empty; the next paint tries again.
  ctx.load("help").then(({ paintHelp }) => {
    if (node.isConnected) paintHelp(node, help, ctx, all);
  });
}
