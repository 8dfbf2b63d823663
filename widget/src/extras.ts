// A tour's parts loaded on demand, one chunk (widget/build.mjs, "extras"): a hotspot's beacon
// (loaded when a hotspot step shows) and the tour's keys (loaded at the first key a tour sees).
// Most tours use neither; one chunk for both keeps one hashed file name fewer in the core (it
// carries each chunk's), and whichever loads first brings the other along for 0.4 KB.
export { renderHotspot } from "./render/hotspot";
export { onKey } from "./keys";
