// Lazily loaded parts of the widget (widget/build.mjs, CHUNKS): each is an ES module under
// chunks/<name>.<hash>.js next to this script, its hash baked in at build time. Loaded
// with import() from the script's own URL, so a page's CSP needs nothing beyond the
// script-src that already allows Shirube's origin (or the host's copy of the files).

// Logical name → the module's type; one line per chunk, next to its line in build.mjs.
export interface Chunks {
  panel: typeof import("./checklist/panel");
  help: typeof import("./help/index");
  extras: typeof import("./extras");
}

// Defined by build.mjs: logical name → content hash (the file is chunks/<name>.<hash>.js).
declare const __SHIRUBE_CHUNKS__: { [K in keyof Chunks]: string };

// currentScript is only set while the bundle's top level runs: read it now. (It is null only
// for a script run some other way than by a <script> element: chunks then resolve against the
// page, and fail to load.)
const base = (document.currentScript as HTMLScriptElement | null)?.src || location.href;
const loading: { [name: string]: Promise<unknown> | undefined } = {};

// One request per chunk and page: the promise is kept, so later calls share it. A failed load
// (e.g. a page older than a deploy asking for a hash the server no longer has) is forgotten,
// so a later call tries again.
export const loadChunk = <K extends keyof Chunks>(name: K): Promise<Chunks[K]> =>
  (loading[name] ||= import(new URL(`chunks/${name}.${__SHIRUBE_CHUNKS__[name]}.js`, base).href).catch((error: unknown) => {
    delete loading[name];
    throw error;
  })) as Promise<Chunks[K]>;
