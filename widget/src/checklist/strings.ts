import type { Locale } from "../context";

// UI strings of the checklist; content texts come from the session, already localized.
const ja = {
  progress_: "進捗",
  count_: (done: number, total: number) => `${total}件中${done}件完了`,
  minimize_: "最小化",
  markDone_: "完了にする",
  done_: "完了",
  todo_: "未完了",
  allDone_: "すべて完了しました!お疲れさまでした。",
  comment_: "コメント(任意)",
  submit_: "送信",
  thanks_: "ご回答ありがとうございました。",
  switcher_: "チェックリスト",
};

export type Strings = typeof ja;

const en: Strings = {
  progress_: "Progress",
  count_: (done, total) => `${done} of ${total} done`,
  minimize_: "Minimize",
  markDone_: "Mark as done",
  done_: "Done",
  todo_: "To do",
  allDone_: "All done. Nice work!",
  comment_: "Comment (optional)",
  submit_: "Send",
  thanks_: "Thank you for your answer.",
  switcher_: "Checklists",
};

export const stringsFor = (locale: Locale): Strings => (locale === "ja" ? ja : en);
