// The help centre: a chunk of its own (widget/build.mjs), loaded the first time a user opens the
// help tab of the checklist panel (checklist/panel.ts). A search field over sections of
// entries: articles read in the panel, links, "start this tour", "open this checklist", and a
// contact link under everything (first when a search finds nothing).
//
// Events: `$help_article_opened` {center, article}; `$help_searched` {center, query, matched,
// results} once the user stops typing (one per distinct query), so the KPIs can tell which
// questions the help centre does not answer. Hosts get both through on() too.
import type { Entry } from "../checklist/model";
import type { WidgetContext } from "../context";
import { followable, h, type Child } from "../dom";
import type { HelpEntry, SessionHelp } from "../types";
import { indexHelp, plain, search, termsOf, type Indexed } from "./search";
import { helpStrings } from "./strings";
import { HELP_CSS } from "./styles";

const SEARCH_IDLE_MS = 1000;

interface State {
  help_: SessionHelp;
  json_: string;
  index_: Indexed[];
  lists_: Entry[];
  article_?: HelpEntry;
  sent_: string; // the last query tracked
  timer_?: ReturnType<typeof setTimeout>;
  input_: HTMLInputElement;
  body_: HTMLElement;
}

const states = new WeakMap<HTMLElement, State>();
const styled = new WeakSet<ShadowRoot>();

/** Fills (the first time) or refreshes `node` with `help`; `lists` are the user's checklists. */
export function paintHelp(node: HTMLElement, help: SessionHelp, ctx: WidgetContext, lists: Entry[]): void {
  const { root } = ctx;
  if (!styled.has(root)) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(HELP_CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    styled.add(root);
  }
  const json = JSON.stringify(help);
  let s = states.get(node);
  if (!s) {
    const t = helpStrings(ctx.locale);
    const input = h("input", { type: "search", "data-shirube": "help-search", "aria-label": t.search_, placeholder: t.search_, maxlength: 200 });
    const state: State = (s = { help_: help, json_: "", index_: [], lists_: lists, sent_: "", input_: input, body_: h("div") });
    states.set(node, state);
    node.replaceChildren(input, state.body_);
    // Stopped here: the checklist's own listeners (the survey comment) must not see it.
    ctx.listen(input, "input", (event) => {
      event.stopPropagation();
      state.article_ = undefined;
      draw(state, ctx);
      clearTimeout(state.timer_);
      state.timer_ = setTimeout(() => node.isConnected && searched(state, ctx), SEARCH_IDLE_MS);
    });
    ctx.listen(node, "click", (event) => {
      const button = (event.target as Element).closest<HTMLElement>("button");
      const data = button?.dataset;
      if (!data) return;
      if (data.helpArticle) {
        open(state, ctx, state.index_.find(({ entry_ }) => entry_.id === data.helpArticle)?.entry_);
      } else if (data.helpBack != null) {
        open(state, ctx);
        input.focus();
      } else if (data.helpTour) {
        // The button also minimises the panel (the core's `minimize` action) for the tour.
        ctx.startTour(data.helpTour);
      }
    });
  }
  s.lists_ = lists;
  if (s.json_ !== json) {
    s.help_ = help;
    s.json_ = json;
    s.index_ = indexHelp(help);
    if (s.article_) s.article_ = s.index_.find(({ entry_ }) => entry_.id === s.article_!.id)?.entry_;
    draw(s, ctx);
  }
}

function open(s: State, ctx: WidgetContext, article?: HelpEntry): void {
  s.article_ = article;
  draw(s, ctx);
  if (article) {
    // The search that led here counts now, whatever the user does next.
    clearTimeout(s.timer_);
    searched(s, ctx);
    const detail = { center: s.help_.key, article: article.id };
    ctx.track("$help_article_opened", detail);
    ctx.emit("help_article_opened", detail);
    s.body_.querySelector<HTMLElement>("h3")?.focus();
  }
}

function searched(s: State, ctx: WidgetContext): void {
  const query = s.input_.value.trim().slice(0, 200);
  const terms = termsOf(query);
  if (!terms.length || terms.join(" ") === s.sent_) return;
  s.sent_ = terms.join(" ");
  const results = search(s.index_, terms).length;
  const detail = { center: s.help_.key, query, matched: results > 0, results };
  ctx.track("$help_searched", detail);
  ctx.emit("help_searched", detail);
}

function entryView(entry: HelpEntry, s: State, snippet: boolean): Child {
  const { id, type, title } = entry;
  const attrs = { class: "e", "data-help-entry": id, "data-type": type };
  let view: HTMLElement;
  if (type === "article") {
    view = h("button", { ...attrs, "data-help-article": id }, title, snippet && h("span", { class: "sn" }, plain(entry.body!)));
  } else if (type === "link") {
    const href = followable(entry.url!);
    if (!href) return null;
    // Another site opens in a new tab; a page of the host app in this one.
    view = h("a", { ...attrs, href, ...(/^https?:/i.test(href) && { target: "_blank", rel: "noopener noreferrer" }) }, title);
  } else if (type === "tour") {
    view = h("button", { ...attrs, "data-help-tour": entry.tour, "data-shirube-action": "minimize" }, title);
  } else {
    // Only the user's own checklists (audiences); the panel's checklist tab shows it.
    if (!s.lists_.some(({ list_ }) => list_.key === entry.checklist)) return null;
    view = h("button", { ...attrs, "data-key": entry.checklist, "data-shirube-tab": "list" }, title);
  }
  return h("li", null, view);
}

const entries = (list: HelpEntry[], s: State, snippet: boolean): HTMLElement =>
  h("ul", { class: "ls" }, ...list.map((entry) => entryView(entry, s, snippet)));

function draw(s: State, ctx: WidgetContext): void {
  const t = helpStrings(ctx.locale);
  const { help_: help, article_: article } = s;
  const terms = termsOf(s.input_.value);
  const contact =
    help.contact && followableContact(help.contact.url) &&
    h("a", { class: "ct", "data-shirube": "help-contact", href: help.contact.url, target: "_blank", rel: "noopener noreferrer" }, help.contact.label);
  let parts: Child[];
  if (article) {
    parts = [
      h("button", { class: "bk", "data-help-back": "" }, `\u2039 ${t.back_}`),
      h("h3", { class: "at", tabindex: -1 }, article.title),
      h("div", { class: "md", "data-shirube": "help-article", "data-help-entry": article.id }, ctx.renderText(article.body!)),
    ];
  } else if (terms.length) {
    const found = search(s.index_, terms);
    parts = [
      h("p", { class: "st", role: "status", "data-shirube": "help-status" }, found.length ? t.results_(found.length) : t.none_),
      entries(found, s, true),
    ];
  } else {
    parts = help.sections.map((section) =>
      h("section", { "data-help-section": section.id }, section.title && h("h3", null, section.title), entries(section.entries, s, false)),
    );
  }
  s.body_.replaceChildren(...(parts.filter(Boolean) as Node[]), ...(contact ? [contact] : []));
}

/** A contact address: mailto: or what a link may be (the server checks both as well). */
const followableContact = (url: string): boolean => /^mailto:/i.test(url) || !!followable(url);
