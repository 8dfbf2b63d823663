/**
 * The checklist UI: one launcher ("2/5" and a ring) that toggles one panel.
 *
 * Several checklists for one user share that launcher and panel: the panel header gets a
 * switcher (one button per checklist) and the launcher shows the checklist on display. One
 * launcher per checklist would stack look-alike corner buttons. A checklist already finished
 * (and its survey answered) before this page view is left out unless the host calls open().
 *
 * The panel starts minimised, so it never covers the host page uninvited; opening and
 * minimising are remembered per user (UI state `checklist_open`). It opens by itself when a
 * checklist reaches 100% on this page, to show the finishing message and the survey.
 *
 * Members ending in "_" are internal (the build shortens them).
 */
import type { WidgetContext } from "../context";
import { h } from "../dom";
import type { CompletedItem, SessionChecklist } from "../types";
import { cornerClass, createLauncher, paintLauncher } from "./launcher";
import { isComplete, newEntry, type Entry } from "./model";
import { createPanel, paintPanel } from "./panel";
import { stringsFor, type Strings } from "./strings";
import { CHECKLIST_CSS } from "./styles";
import { Toasts } from "./toast";

const FOCUSABLE = "button,textarea";

export class Checklists {
  private entries_ = new Map<string, Entry>();
  private active_ = "";
  private opened_: boolean | undefined; // read from the UI state at the first update
  private lastAnswer_ = "";
  private readonly t_: Strings;
  private readonly sheet_ = new CSSStyleSheet();
  private readonly launcher_ = createLauncher();
  private readonly panel_ = createPanel();
  private readonly toasts_ = new Toasts();
  private readonly box_: HTMLElement;

  constructor(private readonly ctx_: WidgetContext) {
    this.t_ = stringsFor(ctx_.locale);
    this.sheet_.replaceSync(CHECKLIST_CSS);
    ctx_.root.adoptedStyleSheets = [...ctx_.root.adoptedStyleSheets, this.sheet_];
    this.box_ = h("div", { class: cornerClass(ctx_.theme), hidden: true }, this.panel_, this.toasts_.node_, this.launcher_);
    ctx_.root.append(this.box_);
    ctx_.listen(this.box_, "click", (event) => this.onClick_(event));
    ctx_.listen(this.box_, "keydown", (event) => {
      if ((event as KeyboardEvent).key === "Escape" && this.opened_) this.minimize_();
    });
    ctx_.listen(this.box_, "input", (event) => {
      const entry = this.entries_.get(this.active_);
      if (entry) entry.comment_ = (event.target as HTMLTextAreaElement).value;
    });
  }

  /**
   * Every session answer (first and polls): items not celebrated yet are. Which ones were is
   * kept per user (UI state `celebrated`), so an item the host backend completed between two
   * page loads gets its toast on the next page; a user without that record (first visit, new
   * device) gets none for what was done before.
   */
  update(checklists: SessionChecklist[]): void {
    const answer = JSON.stringify(checklists);
    if (answer === this.lastAnswer_) return;
    this.lastAnswer_ = answer;
    const ui = this.ctx_.loadUiState();
    const celebrated = ui.celebrated as Record<string, string[]> | undefined;
    if (this.opened_ === undefined) this.opened_ = ui.checklist_open === true;
    const previous = this.entries_;
    this.entries_ = new Map();
    for (const list of checklists) {
      let entry = previous.get(list.key);
      if (entry) {
        // Completions this page saw first stay, even if this answer was computed before them.
        const ids = new Set(list.items.map((item) => item.id));
        entry.done_ = new Set([...entry.done_].filter((id) => ids.has(id)));
        entry.list_ = list;
        entry.answered_ = entry.answered_ || list.progress.survey_answered;
      } else {
        entry = newEntry(list);
        if (celebrated) {
          entry.done_ = new Set([...entry.done_].filter((id) => celebrated[list.key]?.includes(id)));
          entry.hidden_ = entry.hidden_ && isComplete(entry);
        }
      }
      this.complete_(entry, Object.keys(list.progress.completed_items));
      this.entries_.set(list.key, entry);
    }
    this.render_();
  }

  /** Items the events endpoint reports as completed by the batch it just stored. */
  markCompleted(items: CompletedItem[]): void {
    let changed = false;
    for (const { checklist, item } of items) {
      const entry = this.entries_.get(checklist);
      if (entry && this.complete_(entry, [item])) changed = true;
    }
    // Most answers complete nothing: redrawing then would disturb typing (and IME) in the survey.
    if (changed) this.render_();
  }

  /** The host asks for it (`Shirube.openChecklist`): finished checklists are shown too. */
  open(key?: string): void {
    for (const entry of this.entries_.values()) {
      if (key === undefined || entry.list_.key === key) entry.hidden_ = false;
    }
    if (key !== undefined) this.active_ = key;
    this.expand_();
  }

  close(): void {
    this.setOpened_(false);
  }

  destroy(): void {
    this.toasts_.destroy_();
    this.box_.remove();
    this.ctx_.root.adoptedStyleSheets = this.ctx_.root.adoptedStyleSheets.filter((sheet) => sheet !== this.sheet_);
  }

  private expand_(): void {
    this.setOpened_(true);
    this.panel_.focus();
  }

  private setOpened_(opened: boolean): void {
    this.opened_ = opened;
    this.ctx_.saveUiState({ checklist_open: opened });
    this.render_();
  }

  private minimize_(): void {
    this.close();
    this.launcher_.focus();
  }

  /** Ticks items off; celebrates each, and the whole checklist when this made it 100%. */
  private complete_(entry: Entry, ids: string[]): boolean {
    const ctx = this.ctx_;
    const checklist = entry.list_.key;
    const wasComplete = isComplete(entry);
    let added = false;
    for (const id of ids) {
      const item = entry.list_.items.find((candidate) => candidate.id === id);
      if (!item || entry.done_.has(id)) continue;
      entry.done_.add(id);
      added = true;
      this.toasts_.show_(item.success_message ? ctx.renderText(item.success_message) : `✓ ${item.title}`);
      ctx.emit("checklist_item_completed", { checklist, item: id });
    }
    if (!wasComplete && isComplete(entry)) {
      ctx.emit("checklist_completed", { checklist });
      this.active_ = checklist;
      this.opened_ = true;
      ctx.saveUiState({ checklist_open: true });
    }
    return added;
  }

  private onClick_(event: Event): void {
    const button = (event.target as Element).closest("button");
    const entry = this.entries_.get(this.active_);
    if (!button || !entry) return;
    const ctx = this.ctx_;
    const { shirube, shirubeAction: action, shirubeRating: rating, key } = button.dataset;
    const itemId = button.closest<HTMLElement>("[data-shirube-item]")?.dataset.shirubeItem ?? "";
    const item = entry.list_.items.find((candidate) => candidate.id === itemId);
    const checklist = entry.list_.key;
    if (shirube === "launcher") {
      if (this.opened_) this.close();
      else this.expand_();
    } else if (action === "minimize") {
      this.minimize_();
    } else if (key) {
      this.active_ = key;
      this.render_();
    } else if (rating) {
      entry.rating_ = Number(rating);
      this.render_();
    } else if (action === "submit" && entry.rating_ && !entry.answered_) {
      const comment = entry.comment_.trim();
      entry.answered_ = entry.thanked_ = true;
      ctx.track("$survey_answered", { checklist, rating: entry.rating_, ...(comment ? { comment } : {}) });
      ctx.emit("survey_answered", { checklist, rating: entry.rating_ });
      this.render_();
    } else if (action === "mark-done") {
      ctx.track("$checklist_item_completed", { checklist, item: itemId });
      this.complete_(entry, [itemId]);
      this.render_();
    } else if (action === "item" && item?.action) {
      if (item.action.type === "tour") {
        this.close();
        ctx.startTour(item.action.tour);
      } else {
        ctx.navigate(item.action.url);
      }
    }
  }

  /** Redraws launcher and panel (keyboard focus stays on the control at the same position) and
   *  records what is celebrated: every change goes through here. */
  private render_(): void {
    this.ctx_.saveUiState({
      celebrated: Object.fromEntries([...this.entries_].map(([key, entry]) => [key, [...entry.done_]])),
    });
    const shown = [...this.entries_.values()].filter((entry) => !entry.hidden_);
    const entry =
      shown.find((candidate) => candidate.list_.key === this.active_) ??
      shown.find((candidate) => !isComplete(candidate)) ??
      shown[0];
    this.box_.hidden = !entry;
    if (!entry) return;
    this.active_ = entry.list_.key;
    paintLauncher(this.launcher_, entry, !!this.opened_, this.t_);
    this.panel_.hidden = !this.opened_;
    if (!this.opened_) return;
    const focused = this.ctx_.root.activeElement;
    const position = focused ? [...this.panel_.querySelectorAll(FOCUSABLE)].indexOf(focused) : -1;
    paintPanel(this.panel_, entry, shown, this.ctx_, this.t_);
    if (position >= 0) (this.panel_.querySelectorAll<HTMLElement>(FOCUSABLE)[position] ?? this.panel_).focus();
  }
}
