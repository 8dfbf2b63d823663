import type { Locale } from "../context";

// UI strings of the checklist; content texts come from the session, already localized.
const ja = {
  progress: "進捗",
  count: (done: number, total: number) => `${total}件中${done}件完了`,
  minimize: "最小化",
  markDone: "完了にする",
  done: "完了",
  todo: "未完了",
  allDone: "すべて完了しました!お疲れさまでした。",
  comment: "コメント(任意)",
  submit: "送信",
  thanks: "ご回答ありがとうございました。",
  switcher: "チェックリスト",
};

export type Strings = typeof ja;

const en: Strings = {
  progress: "Progress",
  count: (done, total) => `${done} of ${total} done`,
  minimize: "Minimize",
  markDone: "Mark as done",
  done: "Done",
  todo: "To do",
  allDone: "All done. Nice work!",
  comment: "Comment (optional)",
  submit: "Send",
  thanks: "Thank you for your answer.",
  switcher: "Checklists",
};

export const stringsFor = (locale: Locale): Strings => (locale === "ja" ? ja : en);
