// The widget's own UI strings; content texts arrive already localized by the server.
import type { Locale } from "./context";

const en = {
  next: "Next",
  back: "Back",
  skip: "Skip tour",
  close: "Close",
  done: "Done",
  progress: "Tour progress",
  hint: "Open hint",
};
export type Strings = typeof en;

const ja: Strings = {
  next: "次へ",
  back: "戻る",
  skip: "ツアーをスキップ",
  close: "閉じる",
  done: "完了",
  progress: "ツアーの進捗",
  hint: "ヒントを開く",
};

export const localeOf = (code: string | undefined): Locale => (/^ja\b/i.test(code || "") ? "ja" : "en");
export const stringsFor = (locale: Locale): Strings => (locale === "ja" ? ja : en);
