import type { Locale } from "../context";

// UI strings of the help centre (the help chunk); its texts come from the session, localised.
const ja = {
  search_: "ヘルプを検索",
  none_: "見つかりませんでした。別の言葉で検索するか、お問い合わせください。",
  back_: "戻る",
  results_: (n: number) => `${n}件見つかりました`,
};

export type HelpStrings = typeof ja;

const en: HelpStrings = {
  search_: "Search for help",
  none_: "Nothing found. Try other words, or contact us.",
  back_: "Back",
  results_: (n) => `${n} result${n === 1 ? "" : "s"}`,
};

export const helpStrings = (locale: Locale): HelpStrings => (locale === "ja" ? ja : en);
