// `npm test`: bundles the pure positioning core (src/geometry.ts) and the chunk loader
// (src/chunks.ts, with a chunk map of the test's own) to temporary ES modules, since Node 20
// cannot import TypeScript, then runs every test/*.test.mjs with Node's own test runner. The
// tests find the modules through SHIRUBE_GEOMETRY and SHIRUBE_CHUNKS.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = mkdtempSync(join(tmpdir(), "shirube-widget-test-"));
try {
  const outfile = join(out, "geometry.mjs");
  await build({ entryPoints: [join(here, "..", "src", "geometry.ts")], outfile, bundle: true, format: "esm", logLevel: "warning" });
  const chunks = join(out, "chunks.mjs");
  const define = { __SHIRUBE_CHUNKS__: JSON.stringify({ probe: "probe.0123456789abcdef.js", gone: "gone.0123456789abcdef.js" }) };
  await build({ entryPoints: [join(here, "..", "src", "chunks.ts")], outfile: chunks, bundle: true, format: "esm", define, logLevel: "warning" });
  // Node 20's --test takes files, not globs.
  const files = readdirSync(here).filter((name) => name.endsWith(".test.mjs")).sort().map((name) => join(here, name));
  const run = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit", env: { ...process.env, SHIRUBE_GEOMETRY: outfile, SHIRUBE_CHUNKS: chunks } });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
