// Bundles src/index.ts into the one file the server serves, plus its source map and a
// manifest (content hash for the immutable URL, and the gzip size the budget is checked on).
// esbuild bundles and minifies; terser then compresses further (two passes: about 4 % of the
// gzipped bundle, the room the 12 KB budget needed for active-time heartbeats), its source map
// composed with esbuild's so that it still points at src/*.ts.
import { build } from "esbuild";
import { minify } from "terser";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// SHIRUBE_WIDGET_OUT: build elsewhere (the test that checks the committed files are current).
const outdir = process.env.SHIRUBE_WIDGET_OUT || join(here, "..", "server", "shirube", "static", "widget");
const budget = 12 * 1024;
const INTERNAL = [
  "acked", "arrow", "beacon", "canBack", "card", "collapse", "dispose", "el", "emit", "evaluate",
  "failed", "flush", "gen", "listen", "load", "loadUiState", "markCompleted", "navigate",
  "outbox", "pending", "renderText", "renew", "returnTo", "root", "rootFor", "save",
  "saveUiState", "scope", "session", "sessionKey", "side", "start", "stop",
  "storageKey", "update", "userId", "vertical", "view", "who",
];

mkdirSync(outdir, { recursive: true });
const bundled = await build({
  entryPoints: [join(here, "src", "index.ts")],
  outfile: join(outdir, "shirube.js"),
  bundle: true,
  format: "iife",
  minify: true,
  target: "es2020",
  sourcemap: "external",
  write: false,
  legalComments: "none",
  // Internal members (the 12 KB budget): those ending in "_", and these names, which are
  // never JSON fields (session answer, events), DOM APIs or window.Shirube's. A name added
  // here is renamed everywhere, `x.name` and `{ name }` alike.
  mangleProps: new RegExp(`[^_]_$|^(${INTERNAL.join("|")})$`),
  logLevel: "warning",
});
const output = (suffix) => bundled.outputFiles.find((file) => file.path.endsWith(suffix)).text;
const minified = await minify(output(".js"), {
  ecma: 2020,
  compress: { passes: 2 },
  mangle: true,
  // \u escapes, as esbuild writes them: the Japanese strings gzip smaller so, and the file
  // reads the same whatever charset a host serves a copy of it with.
  format: { ascii_only: true },
  sourceMap: { content: output(".js.map"), url: "shirube.js.map", includeSources: true },
});
writeFileSync(join(outdir, "shirube.js"), minified.code);
writeFileSync(join(outdir, "shirube.js.map"), minified.map);

const js = readFileSync(join(outdir, "shirube.js"));
const manifest = {
  file: "shirube.js",
  hash: createHash("sha256").update(js).digest("hex").slice(0, 16),
  bytes: js.length,
  gzip_bytes: gzipSync(js, { level: 9 }).length,
};
writeFileSync(join(outdir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`shirube.js ${manifest.bytes} B, ${manifest.gzip_bytes} B gzip (budget ${budget})`);
if (manifest.gzip_bytes > budget) {
  console.error("over the 12 KB gzip budget");
  process.exit(1);
}
