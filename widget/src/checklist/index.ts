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
 * With a help centre (the session's `help`) the launcher never goes: once no checklist is left
 * to do it shows the help centre's title, and the panel gets a help tab (the help chunk) next
 * to every checklist, finished ones included, so they can be looked back at.
 *
 * A closure, not a class: its state in local variables minifies to one letter each (the
 * widget's 12 KB budget), where class members stay `this.` accesses.
 */
import { loadChunk } from "../chunks";
import type { WidgetContext } from "../context";
import { h } from "../dom";
import type { CompletedItem, SessionHelp, SessionResponse } from "../types";
import type { PanelControl } from "./actions";
import { cornerClass, createLauncher, paintLauncher, PANEL_ID } from "./launcher";
import { isComplete, newEntry, type Entry } from "./model";
import { stringsFor } from "./strings";

export type Checklists = ReturnType<typeof createChecklists>;

export function createChecklists(ctx: WidgetContext) {
  let entries = new Map<string, Entry>();
  let active = "";
  let opened: boolean | undefined; // read from the UI state at the first update
  let lastAnswer = "";
  let help: SessionHelp | undefined;
  const t = stringsFor(ctx.locale);
  let focusPanel = false;
  const launcher = createLauncher();
  // Filled by the panel chunk (./panel.ts) once loaded; hidden until it is.
  const panel = h("section", { id: PANEL_ID, class: "pa", "data-shirube": "checklist", "aria-labelledby": "shc-t", tabindex: -1, hidden: true });
  // Toasts come from the panel chunk (loaded at the first one); this live region holds them.
  const toasts = h("div", { class: "ts", "aria-live": "polite" });
  const box = h("div", { class: cornerClass(ctx.theme), hidden: true }, panel, toasts, launcher);
  ctx.root.append(box);
  // Fixed boxes sit in the layout viewport's corner: on a phone showing part of a page wider
  // than its screen (the layout viewport grows to the page), or above an on-screen keyboard,
  // that corner is off-screen. Moved to the visual viewport's corner instead, by what is
  // measured (the layout viewport's size has no API), and --vh caps the panel's height.
  const corner = (ctx.theme.launcher_position ?? "bottom-right").split("-");
  const fit = () => {
    const v = visualViewport;
    if (!v || box.hidden) return;
    box.style.translate = "";
    const r = box.getBoundingClientRect();
    const x = corner[1] === "left" ? v.offsetLeft + 16 - r.left : v.offsetLeft + v.width - 16 - r.right;
    const y = corner[0] === "top" ? v.offsetTop + 16 - r.top : v.offsetTop + v.height - 16 - r.bottom;
    box.style.cssText = `translate:${x}px ${y}px;--vh:${v.height}px`;
  };
  if (window.visualViewport) {
    ctx.listen(visualViewport!, "resize", fit);
    ctx.listen(visualViewport!, "scroll", fit);
  }

  const expand = (): void => {
    focusPanel = true;
    setOpened(true);
  };

  function setOpened(value: boolean): void {
    opened = value;
    ctx.saveUiState({ checklist_open: value });
    render();
  }

  const close = () => setOpened(false);

  const minimize = (): void => {
    close();
    launcher.focus();
  };

  /** Ticks items off; celebrates each, and the whole checklist when this made it 100%. */
  function complete(entry: Entry, ids: string[]): boolean {
    const checklist = entry.list_.key;
    const wasComplete = isComplete(entry);
    let added = false;
    for (const id of ids) {
      const item = entry.list_.items.find((candidate) => candidate.id === id);
      if (!item || entry.done_.has(id)) continue;
      entry.done_.add(id);
      added = true;
      loadChunk("panel").then((chunk) => chunk.toast(toasts, item, ctx), () => {});
      ctx.emit("checklist_item_completed", { checklist, item: id });
    }
    if (!wasComplete && isComplete(entry)) {
      ctx.emit("checklist_completed", { checklist });
      active = checklist;
      opened = true;
      ctx.saveUiState({ checklist_open: true });
    }
    return added;
  }

  // The launcher's click; what is clicked in the panel is the panel chunk's (./actions.ts).
  function onClick(event: Event): void {
    if ((event.target as Element).closest("button") === launcher) opened ? close() : expand();
  }

  const control: PanelControl = {
    entry_: () => entries.get(active),
    pick_(key) {
      active = key;
      render();
    },
    render_: render,
    complete_: complete,
    close_: close,
    minimize_: minimize,
    entries_: () => entries,
    expand_: expand,
  };

  /** Redraws launcher and panel (keyboard focus stays on the control at the same position) and
   *  records what is celebrated: every change goes through here. */
  function render(): void {
    ctx.saveUiState({
      celebrated: Object.fromEntries([...entries].map(([key, entry]) => [key, [...entry.done_]])),
    });
    const shown = [...entries.values()].filter((entry) => help || !entry.hidden_);
    const entry =
      shown.find((candidate) => candidate.list_.key === active) ??
      shown.find((candidate) => !isComplete(candidate)) ??
      shown[0];
    if ((box.hidden = !entry && !help)) return;
    fit();
    if (entry) active = entry.list_.key;
    paintLauncher(launcher, entry, !!opened, t, help);
    if (!opened) return void (panel.hidden = true);
    // A failed load (a page older than a deploy) leaves the panel closed; a click tries again.
    loadChunk("panel").then(({ showPanel }) => {
      if (!opened) return;
      showPanel(focusPanel, panel, entry, shown, ctx, help, control);
      focusPanel = false;
    }, close);
  }

  ctx.listen(box, "click", onClick);
  ctx.listen(box, "keydown", (event) => {
    if ((event as KeyboardEvent).key === "Escape" && opened) minimize();
  });

  return {
    /**
     * Every session answer (first and polls): items not celebrated yet are. Which ones were is
     * kept per user (UI state `celebrated`), so an item the host backend completed between two
     * page loads gets its toast on the next page; a user without that record (first visit, new
     * device) gets none for what was done before.
     */
    update({ checklists, help: newHelp }: SessionResponse): void {
      const answer = JSON.stringify([checklists, (help = newHelp)]);
      if (answer === lastAnswer) return;
      lastAnswer = answer;
      const ui = ctx.loadUiState();
      const celebrated = ui.celebrated as Record<string, string[]> | undefined;
      const previous = entries;
      entries = new Map();
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
        complete(entry, Object.keys(list.progress.completed_items));
        entries.set(list.key, entry);
      }
      // Open as the user left it, unless nothing is left to do (a page with the help centre's
      // launcher only starts closed).
      opened ??= ui.checklist_open === true && [...entries.values()].some((entry) => !entry.hidden_);
      render();
    },

    /** Items the events endpoint reports as completed by the batch it just stored. */
    markCompleted(items: CompletedItem[]): void {
      let changed = false;
      for (const { checklist, item } of items) {
        const entry = entries.get(checklist);
        if (entry && complete(entry, [item])) changed = true;
      }
      // Most answers complete nothing: redrawing then would disturb typing (and IME) in the survey.
      if (changed) render();
    },

    /** The host asks for it (`Shirube.openChecklist`): finished checklists are shown too
     *  (the panel chunk's reveal(), loaded for the panel anyway). */
    open: (key?: string) => loadChunk("panel").then((chunk) => chunk.reveal(control, key), () => {}),

    close,

    destroy(): void {
      box.remove();
    },
  };
}
