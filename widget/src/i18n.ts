// The widget's own UI strings; content texts arrive already localized by the server.
import type { Locale } from "./context";

const en = {
  next_: "Next",
  back_: "Back",
  skip_: "Skip tour",
  close_: "Close",
  done_: "Done",
  progress_: "Tour progress",
};
export type Strings = typeof en;

const ja: Strings = {
  next_: "次へ",
  back_: "戻る",
  skip_: "ツアーをスキップ",
  close_: "閉じる",
  done_: "完了",
  progress_: "ツアーの進捗",
};

export const localeOf = (code: string | undefined): Locale => (/^ja\b/i.test(code || "") ? "ja" : "en");
export const stringsFor = (locale: Locale): Strings => (locale === "ja" ? ja : en);
