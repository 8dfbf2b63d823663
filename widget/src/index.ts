// Entry point. At load it only reads its own <script> tag and defines window.Shirube,
// replaying the calls the inline snippet queued before the script arrived.
import { preloaded, type Reply } from "./api";
import { createWidget } from "./widget";

(() => {
  const w = window as unknown as { Shirube?: { q?: [string, unknown[]][]; p?: [string, Promise<Reply>]; destroy?: unknown } };
  const stub = w.Shirube;
  if (stub?.destroy) return; // loaded twice: the first copy keeps working
  const tag = (document.currentScript ||
    document.querySelector('script[data-key][src*="/widget/shirube"]')) as HTMLScriptElement | null;
  if (!tag) return;
  const server = (tag.dataset.server || new URL(tag.src, location.href).origin).replace(/\/+$/, "");
  const api = createWidget(server, tag.dataset.key || "") as unknown as Record<string, (...args: unknown[]) => unknown>;
  w.Shirube = api;
  preloaded(stub?.p);
  for (const [method, args] of stub?.q || []) api[method]?.(...args);
})();
