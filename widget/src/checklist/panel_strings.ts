import type { Locale } from "../context";
import { stringsFor } from "./strings";

// UI strings of the checklist panel (the panel chunk), the launcher's count included.
const ja = {
  progress_: "進捗",
  minimize_: "最小化",
  markDone_: "完了にする",
  done_: "完了",
  todo_: "未完了",
  allDone_: "すべて完了しました!お疲れさまでした。",
  comment_: "コメント(任意)",
  submit_: "送信",
  thanks_: "ご回答ありがとうございました。",
  switcher_: "チェックリスト",
  checklist_: "チェックリスト",
};

export type PanelStrings = typeof ja & ReturnType<typeof stringsFor>;

const en: typeof ja = {
  progress_: "Progress",
  minimize_: "Minimize",
  markDone_: "Mark as done",
  done_: "Done",
  todo_: "To do",
  allDone_: "All done. Nice work!",
  comment_: "Comment (optional)",
  submit_: "Send",
  thanks_: "Thank you for your answer.",
  switcher_: "Checklists",
  checklist_: "Checklist",
};

export const panelStrings = (locale: Locale): PanelStrings => ({ ...stringsFor(locale), ...(locale === "ja" ? ja : en) });
