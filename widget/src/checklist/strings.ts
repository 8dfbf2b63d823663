import type { Locale } from "../context";

// UI strings of the checklist the core needs (the launcher's count); the panel's are in
// panel_strings.ts, loaded with it. Content texts come from the session, already localized.
const ja = {
  count_: (done: number, total: number) => `${total}件中${done}件完了`,
};

export type Strings = typeof ja;

const en: Strings = {
  count_: (done, total) => `${done} of ${total} done`,
};

export const stringsFor = (locale: Locale): Strings => (locale === "ja" ? ja : en);
