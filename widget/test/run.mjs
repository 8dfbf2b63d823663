// `npm test`: bundles the pure positioning core (src/geometry.ts), the page patterns
// (src/routes.ts), the help centre's search (src/help/search.ts), the builder's robust
// targets (src/builder/targets.ts, on happy-dom) and state (src/builder/edit.ts, model.ts) and the
// chunk loader
// (src/chunks.ts, with a chunk map of the test's own) to
// temporary ES modules, since Node 20 cannot import TypeScript, then runs every test/*.test.mjs
// with Node's own test runner. The tests find the modules through SHIRUBE_GEOMETRY,
// SHIRUBE_ROUTES, SHIRUBE_SEARCH, SHIRUBE_TARGETS, SHIRUBE_BUILDER_EDIT and SHIRUBE_CHUNKS.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = mkdtempSync(join(tmpdir(), "shirube-widget-test-"));
try {
  const define = { __SHIRUBE_CHUNKS__: JSON.stringify({ probe: "0123456789abcdef", gone: "0123456789abcdef" }) };
  const bundle = (name, options = {}) => {
    const outfile = join(out, name + ".mjs");
    return build({ entryPoints: [join(here, "..", "src", name + ".ts")], outfile, bundle: true, format: "esm", logLevel: "warning", ...options }).then(() => outfile);
  };
  const [geometry, routes, chunks, search, targets, edit] = await Promise.all([bundle("geometry"), bundle("routes"), bundle("chunks", { define }), bundle("help/search"), bundle("builder/targets"), bundle("builder/testing")]);
  // Node 20's --test takes files, not globs.
  const files = readdirSync(here).filter((name) => name.endsWith(".test.mjs")).sort().map((name) => join(here, name));
  const run = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit", env: { ...process.env, SHIRUBE_GEOMETRY: geometry, SHIRUBE_ROUTES: routes, SHIRUBE_CHUNKS: chunks, SHIRUBE_SEARCH: search, SHIRUBE_TARGETS: targets, SHIRUBE_BUILDER_EDIT: edit } });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
