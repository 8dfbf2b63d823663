// src/chunks.ts: a chunk's hashed URL resolved against the script's own URL, one import per
// chunk, a failed load forgotten so that a later call tries again. Node's import() of file:
// URLs stands in for the browser's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const served = mkdtempSync(join(tmpdir(), "shirube-chunks-"));
mkdirSync(join(served, "widget", "chunks"), { recursive: true });
writeFileSync(join(served, "widget", "chunks", "probe.0123456789abcdef.js"), "export const where = import.meta.url;\n");
// The loader reads document.currentScript when its module runs: the page's script tag.
globalThis.document = { currentScript: { src: pathToFileURL(join(served, "widget", "shirube.js")).href } };
globalThis.location = { href: "file:///elsewhere/page.html" };
const { loadChunk } = await import(pathToFileURL(process.env.SHIRUBE_CHUNKS).href);

test("a chunk loads from chunks/ next to the script, under its hashed name", async () => {
  const chunk = await loadChunk("probe");
  assert.equal(chunk.where, pathToFileURL(join(served, "widget", "chunks", "probe.0123456789abcdef.js")).href);
});

test("every call for a chunk shares one load", () => {
  assert.equal(loadChunk("probe"), loadChunk("probe"));
});

test("a failed load rejects, and a later call tries again", async () => {
  const first = loadChunk("gone");
  await assert.rejects(first);
  const second = loadChunk("gone");
  assert.notEqual(second, first);
  await assert.rejects(second);
});
