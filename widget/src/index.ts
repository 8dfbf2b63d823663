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
  // The visual builder (docs/widget.md): the console opened this page with an edit grant in
  // the fragment. It leaves the address bar and history at once, and stays for this tab, so
  // that the builder comes back on the app's next pages; only then is the builder loaded. After
  // the queued calls: the session request is out before the first storage access, which may
  // wait for the browser process (widget.ts).
  try {
    const grant = /[#&]shirube-edit=([\w.-]+)/.exec(location.hash)?.[1];
    if (grant) history.replaceState(history.state, "", location.href.split("#")[0]), sessionStorage.setItem("shirube:edit", grant);
    if (sessionStorage.getItem("shirube:edit")) import(server + "/widget/builder.js");
  } catch {
    // no sessionStorage (or history): no builder
  }
})();
