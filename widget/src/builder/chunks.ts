// The chunk loader of the builder's copy of the widget's code (the tour runner, which loads the
// `extras` chunk for hotspots and keys): the same chunk files as the core's, resolved against
// this module's URL (an ES module has no document.currentScript). widget/build.mjs puts this
// module in place of src/chunks.ts when it bundles the builder.
import type { Chunks } from "../chunks";

declare const __SHIRUBE_CHUNKS__: { [K in keyof Chunks]: string };
const loading: { [name: string]: Promise<unknown> | undefined } = {};

export const loadChunk = <K extends keyof Chunks>(name: K): Promise<Chunks[K]> =>
  (loading[name] ||= import(new URL(`chunks/${name}.${__SHIRUBE_CHUNKS__[name]}.js`, import.meta.url).href).catch((error: unknown) => {
    delete loading[name];
    throw error;
  })) as Promise<Chunks[K]>;
