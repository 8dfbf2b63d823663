import { h } from "../dom";
import type { Entry } from "./model";
import type { PanelStrings as Strings } from "./panel_strings";

/** The closing survey (1–5 and an optional comment), or the thank-you once answered here. */
export function surveyView(e: Entry, t: Strings): HTMLElement | null {
  const { survey } = e.list_;
  if (!survey || (e.answered_ && !e.thanked_)) return null;
  if (e.thanked_) return h("p", { class: "dn", role: "status", "data-shirube": "survey-thanks" }, t.thanks_);
  const ratings = [1, 2, 3, 4, 5].map((n) =>
    h(
      "button",
      { class: n === e.rating_ && "pr", "data-shirube-rating": n, "aria-pressed": String(n === e.rating_) },
      String(n),
    ),
  );
  const comment = h("textarea", { id: "shc-c", "data-shirube-field": "comment", maxlength: 1000, rows: 2 });
  comment.value = e.comment_;
  return h(
    "div",
    { class: "sv", "data-shirube": "survey" },
    h("p", { id: "shc-q" }, survey.question),
    h("div", { class: "rt", role: "group", "aria-labelledby": "shc-q" }, ...ratings),
    h("label", { for: "shc-c" }, survey.comment_label ?? t.comment_),
    comment,
    h("button", { class: "pr", "data-shirube-action": "submit", disabled: !e.rating_ }, t.submit_),
  );
}
