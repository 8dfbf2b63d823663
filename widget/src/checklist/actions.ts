// What a click in the checklist panel does (switcher, survey, "mark done", an item's action,
// minimise), and the survey comment's draft. Part of the panel chunk: those controls exist
// only once the panel is painted, so their handling never has to be in the core.
import type { WidgetContext } from "../context";
import type { Entry } from "./model";

/** The core's side of the panel (./index.ts): its state stays there. */
export interface PanelControl {
  /** The checklist on display (absent with a help centre and no checklist). */
  entry_(): Entry | undefined;
  pick_(key: string): void;
  render_(): void;
  complete_(entry: Entry, ids: string[]): boolean;
  close_(): void;
  minimize_(): void;
  entries_(): Map<string, Entry>;
  /** Opens the panel and moves focus into it. */
  expand_(): void;
}

/** `Shirube.openChecklist(key?)`: that checklist (or all), finished ones too, in the panel. */
export function reveal(c: PanelControl, key?: string): void {
  for (const entry of c.entries_().values()) {
    if (key === undefined || entry.list_.key === key) entry.hidden_ = false;
  }
  if (key !== undefined) c.pick_(key);
  c.expand_();
}

/** Listens on the panel once (paintPanel calls it when it first paints `panel`). */
export function handlePanel(panel: HTMLElement, ctx: WidgetContext, c: PanelControl): void {
  ctx.listen(panel, "click", (event) => {
    const button = (event.target as Element).closest("button");
    const entry = c.entry_()!;
    if (!button) return;
    const { shirubeAction: action, shirubeRating: rating, key } = button.dataset;
    const itemId = button.closest<HTMLElement>("[data-shirube-item]")?.dataset.shirubeItem ?? "";
    const item = entry?.list_.items.find((candidate) => candidate.id === itemId);
    const checklist = entry?.list_.key;
    if (action === "minimize") {
      c.minimize_();
    } else if (key) {
      c.pick_(key);
    } else if (rating) {
      entry.rating_ = Number(rating);
      c.render_();
    } else if (action === "submit" && entry.rating_ && !entry.answered_) {
      const comment = entry.comment_.trim();
      entry.answered_ = entry.thanked_ = true;
      ctx.track("$survey_answered", { checklist, rating: entry.rating_, ...(comment ? { comment } : {}) });
      ctx.emit("survey_answered", { checklist, rating: entry.rating_ });
      c.render_();
    } else if (action === "mark-done") {
      ctx.track("$checklist_item_completed", { checklist, item: itemId });
      c.complete_(entry, [itemId]);
      c.render_();
    } else if (action === "item" && item?.action) {
      if (item.action.type === "tour") {
        c.close_();
        ctx.startTour(item.action.tour);
      } else {
        ctx.navigate(item.action.url);
      }
    }
  });
  ctx.listen(panel, "input", (event) => {
    const entry = c.entry_();
    if (entry) entry.comment_ = (event.target as HTMLTextAreaElement).value;
  });
}
