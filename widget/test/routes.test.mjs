// Page patterns (src/routes.ts `matchPage`) against the table the server's matcher is checked
// against too (page_patterns.json; tests/content/test_pages.py): one semantics on both sides.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

if (!process.env.SHIRUBE_ROUTES) throw new Error("run through `npm test --prefix widget` (test/run.mjs bundles src/routes.ts)");
const { matchPage } = await import(pathToFileURL(process.env.SHIRUBE_ROUTES).href);
const { cases } = JSON.parse(readFileSync(new URL("page_patterns.json", import.meta.url), "utf8"));

test("page patterns match as the table (and the server) says", () => {
  const differ = cases.filter(([pattern, url, expected]) => matchPage(pattern, url) !== expected);
  assert.deepEqual(differ, []);
});
