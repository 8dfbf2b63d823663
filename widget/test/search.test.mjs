// src/help/search.ts: the help centre's search for Japanese (no spaces between words) and
// English, with full-/half-width and kana forms alike, title hits above body hits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";

const { normalize, indexHelp, search, termsOf } = await import(pathToFileURL(process.env.SHIRUBE_SEARCH).href);

const help = {
  key: "help",
  version: 1,
  title: "ヘルプ",
  sections: [
    {
      id: "a",
      entries: [
        { id: "csv", type: "article", title: "従業員を CSV で取り込む", body: "**設定** から [テンプレート](https://example.com) を使います。" },
        { id: "rules", type: "article", title: "勤務ルールを設定する", body: "従業員ごとの残業とインポートの確認。" },
        { id: "docs", type: "link", title: "Import employees from a spreadsheet", url: "https://example.com" },
      ],
    },
    { id: "b", entries: [{ id: "tour", type: "tour", title: "画面の案内", tour: "t" }] },
  ],
};
const index = indexHelp(help);
const ids = (query) => search(index, termsOf(query)).map((entry) => entry.id);

test("normalize: full-/half-width forms, katakana as hiragana, lower case, one space", () => {
  assert.equal(normalize("ＣＳＶ　ﾌｧｲﾙ"), "csv ふぁいる");
  assert.equal(normalize("ｼﾞｭｳｷﾞｮｳｲﾝ"), normalize("じゅうぎょういん"));
  assert.equal(normalize("インポート"), "いんぽーと");
});

test("a Japanese word finds titles that hold it, titles before bodies", () => {
  assert.deepEqual(ids("従業員"), ["csv", "rules"]);
  assert.deepEqual(ids("取り込む"), ["csv"]);
});

test("full-width and half-width queries match the same entries", () => {
  assert.deepEqual(ids("ＣＳＶ"), ids("csv"));
  assert.deepEqual(ids("ｲﾝﾎﾟｰﾄ"), ["rules"]);
  assert.deepEqual(ids("いんぽーと"), ["rules"]);
});

test("a longer Japanese query matches by most of its bigrams", () => {
  assert.equal(ids("従業員の取り込み")[0], "csv");
  assert.deepEqual(ids("給与明細の出力"), []);
});

test("English words match from their start, every word", () => {
  assert.deepEqual(ids("emp"), ["docs"]);
  assert.deepEqual(ids("ploy"), []);
  assert.deepEqual(ids("import spread"), ["docs"]);
  assert.deepEqual(ids("import nothing"), []);
});

test("markup is not searched: a link's address is not its text", () => {
  assert.deepEqual(ids("example"), []);
  assert.deepEqual(ids("テンプレート"), ["csv"]);
});

test("an empty query has no terms", () => {
  assert.deepEqual(termsOf("  　 "), []);
});
