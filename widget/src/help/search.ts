// Search over the help centre, in the browser (no request: the session carries the help
// centre). Japanese has no spaces between words, so a term with CJK characters matches as a
// substring (or, from 4 characters, when most of its bigrams occur: 「従業員の取り込み」 still
// finds 「従業員を CSV で取り込む」); other terms match at the start of a word ("emp" finds
// "employees"). Every term must match; title hits rank above body hits.
import type { HelpEntry, SessionHelp } from "../types";

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]/;
const WORD_CHAR = /[a-z0-9\u00c0-\u024f]/;

/** One form for the variants a user may type: full-/half-width (NFKC: 「ＣＳＶ」 is "CSV",
 *  「ｼﾞｭｳｷﾞｮｳｲﾝ」 is 「ジュウギョウイン」), katakana as hiragana, lower case, single spaces. */
export const normalize = (text: string): string =>
  text
    .normalize("NFKC")
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 96))
    .toLowerCase()
    .replace(/\s+/g, " ");

/** An article body as text: links become their label, emphasis marks go. */
export const plain = (body: string): string => body.replace(/\[([^\]]+)\]\([^()\s]+\)/g, "$1").replace(/\*+/g, "");

export interface Indexed {
  entry_: HelpEntry;
  title_: string; // normalised
  body_: string;
}

export const indexHelp = (help: SessionHelp): Indexed[] =>
  help.sections.flatMap((section) =>
    section.entries.map((entry) => ({ entry_: entry, title_: normalize(entry.title), body_: normalize(plain(entry.body || "")) })),
  );

/** How well one term matches a text: 1 fully, up to .5 by bigrams, 0 not at all. */
function termScore(term: string, text: string): number {
  if (CJK.test(term)) {
    if (text.includes(term)) return 1;
    if (term.length < 4) return 0;
    let hits = 0;
    for (let i = 1; i < term.length; i++) if (text.includes(term.slice(i - 1, i + 1))) hits++;
    const share = hits / (term.length - 1);
    return share >= 0.5 ? share / 2 : 0;
  }
  for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
    if (!WORD_CHAR.test(text[at - 1] || "")) return 1;
  }
  return 0;
}

/** The query's terms (none: show the sections instead of results). */
export const termsOf = (query: string): string[] => normalize(query).split(" ").filter(Boolean);

/** Matching entries, best first (entries of equal score keep the help centre's order). */
export function search(index: Indexed[], terms: string[]): HelpEntry[] {
  const scored: [number, HelpEntry][] = [];
  for (const { entry_, title_, body_ } of index) {
    let total = 0;
    for (const term of terms) {
      const score = Math.max(3 * termScore(term, title_), termScore(term, body_));
      if (!score) {
        total = 0;
        break;
      }
      total += score;
    }
    if (total) scored.push([total, entry_]);
  }
  return scored.sort((a, b) => b[0] - a[0]).map(([, entry]) => entry);
}
