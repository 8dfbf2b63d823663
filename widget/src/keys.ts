// A tour's keys (docs/widget.md, "Keyboard"): Escape, Enter and the arrows on the card, Tab
// kept in a modal step and led from a tooltip back to its target. In the extras chunk
// (./extras.ts), loaded at the first of these keys a tour sees: most tours are clicked
// through, so this stays out of the core bundle until a user reaches for the keyboard.
import type { Run } from "./tours";

/** What takes Enter and Tab itself (a link without href is text). */
const CONTROLS = "button,a[href],textarea,input";

/** `path`: the event's composed path, taken while it was dispatched (a key replayed once this
 *  chunk is in has none left). `end`: the runner's finish. */
export function onKey(e: KeyboardEvent, path: EventTarget[], run: Run, card: HTMLElement, end: (completed: boolean) => void): void {
  const active = document.activeElement;
  if (!path.includes(card) && active && active !== document.body) return; // the host's keys
  const step = run.tour.steps[run.index];
  const modal = step.kind === "modal";
  const press = (name: string) => {
    const button = card.querySelector<HTMLElement>(`[data-shirube-action=${name}]`);
    if (button) e.preventDefault(), button.click();
    return !!button;
  };
  const onControl = (path[0] as Element).closest?.(CONTROLS);
  if (e.key === "Escape") {
    e.preventDefault();
    const { collapse } = run.view!;
    collapse ? collapse() : end(false);
  } else if (e.key === "ArrowRight" || (e.key === "Enter" && !onControl)) press("next") || press("done");
  else if (e.key === "ArrowLeft") press("back");
  else if (e.key === "Tab") {
    const stops = Array.from(card.querySelectorAll<HTMLElement>(CONTROLS));
    const current = (card.getRootNode() as ShadowRoot).activeElement;
    const edge = e.shiftKey ? stops[0] : stops[stops.length - 1];
    const target = run.target as HTMLElement | null | undefined;
    if (modal && (current === edge || current === card)) {
      e.preventDefault();
      (e.shiftKey ? stops[stops.length - 1] : stops[0]).focus();
    } else if (!modal && !e.shiftKey && current === edge) {
      // A tooltip is a non-modal dialog: Tab out of it goes back to what it points at (or
      // to the card when that cannot take focus), not to the end of the page (docs/widget.md).
      e.preventDefault();
      // A disabled button or a link without href takes no focus: the card then.
      target?.focus();
      if (!target?.matches(":focus")) card.focus();
    }
  }
}
