// Active time (docs/widget.md): the page visible, the window focused and an input event in the
// last minute. Counted in stretches, each from an input to a minute after the latest one (cut
// short by a blur or the page hiding), and queued in the outbox as `$active` heartbeats of whole
// seconds: one a minute at most while active, none while idle or hidden.
import type { Scope } from "./dom";

const MINUTE = 6e4;

/** Tracks active time for one widget instance until `scope` is disposed (which queues what is
 *  counted). Returns the flush the page's hide handlers call before the outbox's beacon. */
export function trackActivity(scope: Scope, add: (name: string, properties: Record<string, unknown>) => void): () => void {
  let from = 0; // start of the running stretch's time not counted yet; 0: none running
  let end = 0; // the running stretch ends then, unless another input comes first
  let ms = 0; // counted, not queued yet
  let timer = 0;
  const on = () => !document.hidden && document.hasFocus();
  const count = (now: number): void => {
    if (from) {
      ms += Math.min(now, end) - from;
      from = now < end ? now : 0;
    }
  };
  const cut = (): void => {
    count(Date.now());
    from = 0;
  };
  const beat = (): void => {
    clearTimeout(timer);
    count(Date.now());
    // Rounded, the difference carried over: sums stay within half a second of the time.
    const seconds = Math.round(ms / 1e3);
    if (seconds) add("$active", { seconds }), (ms -= seconds * 1e3);
    // Idle (the stretch ended) or hidden: no timer until the next input.
    timer = from && window.setTimeout(beat, MINUTE);
  };
  const input = (): void => {
    if (!on()) return;
    const now = Date.now();
    count(now);
    from ||= now;
    end = now + MINUTE;
    timer ||= window.setTimeout(beat, MINUTE);
  };
  for (const type of ["pointerdown", "keydown", "scroll", "touchstart"])
    // Capture on window sees every element's scroll too; passive: never delays the host's.
    scope.listen(window, type, input, { capture: true, passive: true });
  // Focus moving into one of the page's own frames leaves the document focused.
  scope.listen(window, "blur", () => on() || cut());
  const flush = () => (cut(), beat());
  scope.add(flush);
  return flush;
}
