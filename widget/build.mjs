// Bundles src/index.ts into the entry script the embedding snippet loads (a classic script,
// IIFE: the snippet has no type="module"), and each lazily loaded chunk (CHUNKS) into an ES
// module of its own the entry imports at run time; then writes, for every file, its source
// map, a gzip and a brotli copy (the server sends them as they are: nothing is compressed per
// request) and a manifest (logical name → content-hashed file, sizes) the server reads.
// esbuild bundles and minifies; terser then compresses further (two passes: about 4 % of the
// gzipped bundle, the room the 12 KB budget needed for active-time heartbeats), its source map
// composed with esbuild's so that it still points at src/*.ts.
//
// Why not esbuild's code splitting: it needs format "esm" for the entry too, and the snippet's
// classic <script> would have to become type="module" (a breaking change for every host page).
// A chunk is instead built as its own entry point: it gets the core's live objects through the
// function it exports (the core calls it with them), and copies what it imports from src/.
// Internal property names are shortened alike in the entry and every chunk (one mangle cache).
import { build } from "esbuild";
import { minify } from "terser";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// SHIRUBE_WIDGET_OUT: build elsewhere (the test that checks the committed files are current).
const outdir = process.env.SHIRUBE_WIDGET_OUT || join(here, "..", "server", "shirube", "static", "widget");
const budget = 12 * 1024;
// The visual builder (src/builder/): an ES module of its own at /widget/builder.js, which the
// core imports only on a page opened with an edit grant. Not a chunk: a chunk's hashed name
// would cost the core bytes in its chunk map, and the builder is never on an end user's path.
const BUILDER_BUDGET = 30 * 1024;
// Lazily loaded chunks: logical name → entry module. Adding one is one line here; the core
// loads it with loadChunk(name) (src/chunks.ts). SHIRUBE_WIDGET_CHUNKS (JSON, same shape) adds
// chunks to a build: the tests build a probe chunk through this same code.
const CHUNKS = {
  panel: "src/checklist/panel.ts",
  help: "src/help/index.ts",
  extras: "src/extras.ts",
  ...JSON.parse(process.env.SHIRUBE_WIDGET_CHUNKS || "{}"),
};
const INTERNAL = [
  "acked", "arrow", "beacon", "canBack", "card", "collapse", "dispose", "el", "emit", "evaluate",
  "failed", "flush", "gen", "listen", "load", "loadUiState", "markCompleted", "navigate",
  "outbox", "pending", "renderText", "renew", "returnTo", "root", "rootFor", "save",
  "saveUiState", "scope", "session", "sessionKey", "side", "start", "stop",
  "storageKey", "update", "userId", "vertical", "view", "who",
];

const esbuildOptions = {
  bundle: true,
  minify: true,
  target: "es2020",
  sourcemap: "external",
  write: false,
  legalComments: "none",
  // Internal members (the 12 KB budget): those ending in "_", and these names, which are
  // never JSON fields (session answer, events), DOM APIs, window.Shirube's or a chunk's export
  // names (an ES module's exports keep theirs). A name added here is renamed everywhere,
  // `x.name` and `{ name }` alike.
  mangleProps: new RegExp(`[^_]_$|^(${INTERNAL.join("|")})$`),
  logLevel: "warning",
};

const hashOf = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

// esbuild, then terser; returns the code and the source map for a file to be named `file`.
async function bundle(entry, file, options) {
  const result = await build({ ...esbuildOptions, ...options, entryPoints: [entry], outfile: join(outdir, file) });
  const output = (suffix) => result.outputFiles.find((out) => out.path.endsWith(suffix)).text;
  const minified = await minify(output(".js"), {
    ecma: 2020,
    module: options.format === "esm",
    compress: { passes: 2 },
    mangle: true,
    // \u escapes, as esbuild writes them: the Japanese strings gzip smaller so, and the file
    // reads the same whatever charset a host serves a copy of it with.
    format: { ascii_only: true },
    sourceMap: { content: output(".js.map"), url: `${file.split("/").pop()}.map`, includeSources: true },
  });
  return { code: minified.code, map: minified.map, mangleCache: result.mangleCache };
}

// Writes the file and its .gz (level 9) and .br (quality 11, text mode) copies; returns sizes.
function emit(file, content) {
  const bytes = Buffer.from(content);
  const gz = gzipSync(bytes, { level: 9 });
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  writeFileSync(join(outdir, file), bytes);
  writeFileSync(join(outdir, `${file}.gz`), gz);
  writeFileSync(join(outdir, `${file}.br`), br);
  return { bytes: bytes.length, gzip_bytes: gz.length, brotli_bytes: br.length };
}

mkdirSync(outdir, { recursive: true });
// Old chunks go: the manifest names the only ones this build serves.
rmSync(join(outdir, "chunks"), { recursive: true, force: true });
const entry = join(here, "src", "index.ts");
const chunkMap = {};
const chunks = {};
let { mangleCache } = await build({ ...esbuildOptions, entryPoints: [entry], outfile: join(outdir, "shirube.js"), format: "iife", mangleCache: {} });
if (Object.keys(CHUNKS).length) mkdirSync(join(outdir, "chunks"), { recursive: true });
for (const [name, source] of Object.entries(CHUNKS)) {
  // The hash names the file and the file names its map: hash the code without the
  // sourceMappingURL line, then write the line with the hashed name.
  const built = await bundle(resolve(here, source), `chunks/${name}.js`, { format: "esm", mangleCache });
  mangleCache = built.mangleCache;
  const code = built.code.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "");
  const hash = hashOf(code);
  const file = `${name}.${hash}.js`;
  chunkMap[name] = hash;
  chunks[name] = { file: `chunks/${file}`, hash, ...emit(`chunks/${file}`, `${code}\n//# sourceMappingURL=${file}.map`) };
  emit(`chunks/${file}.map`, built.map);
}
// The builder: named, not hashed (the core asks for /widget/builder.js; revalidated like the
// entry script).
// The widget code it shares loads chunks through src/builder/chunks.ts (resolved against the
// builder's own URL), put in place of src/chunks.ts here.
const builderChunks = {
  name: "builder-chunks",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/chunks$/ }, (args) =>
      args.importer.startsWith(join(here, "src", "builder")) ? undefined : { path: join(here, "src", "builder", "chunks.ts") },
    );
  },
};
const builderBuilt = await bundle(join(here, "src", "builder", "index.ts"), "builder.js", {
  format: "esm",
  mangleCache,
  plugins: [builderChunks],
  define: { __SHIRUBE_CHUNKS__: JSON.stringify(chunkMap) },
});
mangleCache = builderBuilt.mangleCache;
const builder = { file: "builder.js", hash: hashOf(builderBuilt.code), ...emit("builder.js", builderBuilt.code) };
emit("builder.js.map", builderBuilt.map);
// The entry last, with the chunks' hashes baked in (src/chunks.ts makes their names).
const core = await bundle(entry, "shirube.js", {
  format: "iife",
  mangleCache,
  define: { __SHIRUBE_CHUNKS__: JSON.stringify(chunkMap) },
});
const sizes = emit("shirube.js", core.code);
emit("shirube.js.map", core.map);
const manifest = { file: "shirube.js", hash: hashOf(core.code), ...sizes, chunks, builder };
writeFileSync(join(outdir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
for (const [name, file] of [["shirube.js", manifest], ...Object.entries(chunks), ["builder.js", builder]]) {
  console.log(`${name} ${file.bytes} B, ${file.gzip_bytes} B gzip, ${file.brotli_bytes} B brotli`);
}
console.log(`core budget: ${manifest.gzip_bytes} B gzip of ${budget}`);
// A build with the tests' extra chunks (SHIRUBE_WIDGET_CHUNKS) carries their names in the
// entry and never ships: the budget is the shipped build's (the committed manifest, checked
// by tests/widget/test_bundle.py).
if (manifest.gzip_bytes > budget && !process.env.SHIRUBE_WIDGET_CHUNKS) {
  console.error("over the 12 KB gzip budget");
  process.exit(1);
}
console.log(`builder budget: ${builder.gzip_bytes} B gzip of ${BUILDER_BUDGET}`);
if (builder.gzip_bytes > BUILDER_BUDGET) {
  console.error("the builder is over its 30 KB gzip budget");
  process.exit(1);
}
