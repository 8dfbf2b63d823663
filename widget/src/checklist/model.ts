import type { SessionChecklist } from "../types";

/**
 * What the UI knows about one checklist: the session's copy plus what happened on this page.
 * Members ending in "_" are internal (the build shortens them).
 */
export interface Entry {
  list_: SessionChecklist;
  done_: Set<string>; // server completions, plus the ones this page saw first
  answered_: boolean; // survey answered, on the server or here
  thanked_: boolean; // answered here: show the thank-you instead of the survey
  hidden_: boolean; // finished before this page view: no launcher unless opened by key
  rating_: number; // survey draft, kept across re-renders
  comment_: string;
}

export const isComplete = (e: Entry): boolean => e.done_.size >= e.list_.items.length;

export const percent = (e: Entry): number =>
  Math.round((100 * e.done_.size) / Math.max(1, e.list_.items.length));

export function newEntry(list: SessionChecklist): Entry {
  const e: Entry = {
    list_: list,
    done_: new Set(Object.keys(list.progress.completed_items)),
    answered_: list.progress.survey_answered,
    thanked_: false,
    hidden_: false,
    rating_: 0,
    comment_: "",
  };
  e.hidden_ = isComplete(e) && (!list.survey || e.answered_);
  return e;
}
