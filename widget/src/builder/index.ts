// The visual builder (docs/widget.md, "Visual builder"): loaded by the core only when the page
// was opened from the console with an edit grant (the core moved it from the URL fragment to
// sessionStorage), from the server's own /widget/builder.js, so end users never download it.
// Its panel lives in a shadow root of its own above the page; steps are built on the real
// elements, kept in sessionStorage across the app's pages, and saved to the tour's draft.
import { createScope, h } from "../dom";
import { localeOf } from "../i18n";
import { matchPage, watchRoutes } from "../routes";
import { call, grantEnded, type Described, type Refusal } from "./api";
import { addStep, moveStep, patchStep, pickInto, removeStep } from "./edit";
import { dropGrant, loadState, merge, readGrant, saveState, stepOfPath, suggestPattern, withText, type BuilderState, type DraftStep } from "./model";
import { panelLayout } from "./layout";
import { createPicker } from "./picker";
import { createStage } from "./preview";
import { builderStrings } from "./strings";
import { BUILDER_CSS } from "./styles";
import { resolve } from "../target";
import { matchesOf, targetFor } from "./targets";
import { stepForm, stepList } from "./view";

declare global {
  interface Window {
    __shirubeBuilder?: boolean;
  }
}

function start(): void {
  if (window.__shirubeBuilder || !readGrant()) return;
  window.__shirubeBuilder = true;
  const server = import.meta.url.replace(/\/widget\/builder\.js([?#].*)?$/, "");
  const tag = document.querySelector<HTMLScriptElement>('script[data-key][src*="/widget/shirube"]');
  const publicKey = tag?.dataset.key || "";
  const lang = localeOf(document.documentElement.lang || navigator.language);
  const t = builderStrings(lang);
  const scope = createScope();

  const host = document.createElement("shirube-root");
  host.setAttribute("data-shirube-builder", "panel");
  const root = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(BUILDER_CSS);
  root.adoptedStyleSheets = [sheet];
  const panel = h("section", { class: "pn", role: "region", "aria-label": t.title, "data-shirube-builder": "" });
  const outline = h("div", { class: "ol", hidden: true });
  root.append(panel, outline);
  document.body.appendChild(host);
  const stage = createStage();

  let state: BuilderState | null = null;
  let message: { text: string; warn?: boolean; list?: string[]; actions?: [string, string, () => void][] } | null = { text: t.loading };
  let errors = new Set<number>();
  let ended = false;
  let previewing = false;
  const layout = panelLayout(panel);
  const badge = h("span", { class: "bd", "data-part": "matches", role: "status" });

  // The builder's nodes and the widget's own (a tour card on screen) are never picked.
  const ours = (e: Event) => e.composedPath().some((n) => n instanceof Element && n.localName === "shirube-root");
  const picker = createPicker(ours, outline, picked, () => draw());
  const step = (): DraftStep | undefined => state?.draft.steps[state.current];
  const here = (s: DraftStep | undefined) => !!s && (!s.page || matchPage(s.page, location.href));

  function persist(): void {
    if (state) saveState(publicKey, state.tour, state);
  }


  function touched(redraw: boolean): void {
    if (!state) return;
    state.dirty = true;
    persist();
    if (redraw) draw();
    else refreshLive();
  }

  /** The badge and the live preview: after every edit, route change and pick. */
  function refreshLive(): void {
    const s = step();
    if (!state || !s || previewing) return void stage.stop();
    if (!here(s)) {
      badge.textContent = t.otherPage.replace("{page}", s.page || "");
      badge.className = "bd";
    } else if (s.target != null) {
      const n = matchesOf(document, s.target);
      badge.textContent = n === 1 ? t.matchesOne : t.matches.replace("{n}", String(n));
      badge.className = n === 1 ? "bd" : "bd w";
    } else badge.textContent = "";
    stage.live(state.draft, state.current, state.lang, here(s), (field, text) => {
      // Typed on the card: the panel's field follows, the card is not drawn again (the caret
      // stays where it is).
      s[field] = withText(s[field], state!.lang, text);
      state!.dirty = true;
      persist();
      const input = panel.querySelector<HTMLInputElement>(`[name=${field}-${state!.lang}]`);
      if (input) input.value = text;
    });
    // Unless the editor chose a side, the panel keeps clear of the step's element: on the
    // other half of the viewport.
    const el = here(s) && s.target != null ? resolve(s.target) : null;
    if (el) layout.keepClear(el);
  }

  function picked(el: Element): void {
    if (!state) return;
    pickInto(state, targetFor(el), suggestPattern(location.href), here, lang);
    touched(true);
  }

  function add(kind: DraftStep["kind"]): void {
    if (!state) return;
    addStep(state, kind, suggestPattern(location.href), lang, kind === "modal" ? t.modal : "…");
    touched(true);
    if (kind !== "modal") picker.on(), draw();
  }

  const editor = {
    change(patch: Partial<DraftStep>, redraw?: boolean) {
      if (state) patchStep(state, patch), touched(!!redraw);
    },
    selectorChanged(css: string) {
      const s = step();
      if (!s) return;
      // An edited primary selector keeps the recorded fallbacks.
      css = css.trim();
      s.target = css ? (typeof s.target === "object" && s.target ? { ...s.target, css } : css) : undefined;
      touched(false);
    },
    repick: () => (picker.on(), draw()),
    move: (by: number) => state && moveStep(state, by) && touched(true),
    remove: () => state && (removeStep(state), touched(true)),
  };

  function button(label: string, action: () => void, attrs: Record<string, string | boolean> = {}): HTMLButtonElement {
    const b = h("button", { type: "button", ...attrs }, label);
    b.addEventListener("click", action);
    return b;
  }

  function messageBox(): HTMLElement | null {
    if (!message) return null;
    return h(
      "div",
      { class: message.warn ? "ms w" : "ms", role: message.warn ? "alert" : "status", "data-part": "message" },
      message.text,
      message.list && h("ul", null, ...message.list.map((line) => h("li", null, line))),
      message.actions && h("div", { class: "row" }, ...message.actions.map(([label, action, run]) => button(label, run, { "data-action": action }))),
    );
  }

  function draw(): void {
    const head = h(
      "div",
      { class: "hd" },
      // Folded: the bar says no more than what it is and whether edits are unsaved.
      h("b", null, t.title, state && !layout.folded ? ` · ${t.tour} ${state.tour}` : ""),
      state?.dirty ? h("span", { class: "ht", "data-part": "dirty", title: t.unsaved }, layout.folded ? "●" : t.unsaved) : null,
      ...layout.controls(t, (folded) => (folded && picker.off(), draw())),
      button("×", close, { "aria-label": t.close, title: t.close, "data-action": "close" }),
    );
    layout.place();
    if (layout.folded && !previewing) {
      // Folded to its bar: the page is the editor's to use; the live preview stays.
      panel.replaceChildren(head);
      return refreshLive();
    }
    if (previewing) {
      panel.replaceChildren(head, button(t.stopPreview, stopPreview, { "data-action": "stop-preview" }));
      return;
    }
    if (ended || !state) {
      panel.replaceChildren(head, messageBox() || "");
      return;
    }
    const s = step();
    const toolbar = h(
      "div",
      { class: "tb", role: "toolbar" },
      button(picker.active ? t.picking : t.pick, () => (picker.active ? picker.off() : picker.on(), draw()), { "aria-pressed": String(picker.active), "data-action": "pick" }),
      button(t.addTooltip, () => add("tooltip"), { "data-action": "add-tooltip" }),
      button(t.addModal, () => add("modal"), { "data-action": "add-modal" }),
      button(t.addHotspot, () => add("hotspot"), { "data-action": "add-hotspot" }),
      button(t.preview, preview, { "data-action": "preview", disabled: !state.draft.steps.length }),
      button(t.save, save, { class: "pr", "data-action": "save" }),
    );
    if (picker.active) {
      // While picking, the panel folds to its toolbar (it covers less of the page) and the
      // live preview steps aside.
      stage.stop();
      panel.replaceChildren(head, toolbar);
      return;
    }
    const langs = h(
      "div",
      { class: "row" },
      h("span", { class: "ht" }, t.showIn),
      ...(["ja", "en"] as const).map((l) => button(l === "ja" ? "日本語" : "English", () => state && ((state.lang = l), persist(), draw()), { "aria-pressed": String(state!.lang === l), "data-lang": l })),
    );
    const form = s
      ? stepForm(s, state.current, state.draft.steps.length, t, badge, editor)
      : null;
    form?.addEventListener("click", (e) => {
      const action = (e.target as Element).closest<HTMLElement>("[data-action]")?.dataset.action;
      if (action === "repick") editor.repick();
      else if (action === "up" || action === "down") editor.move(action === "up" ? -1 : 1);
      else if (action === "remove") editor.remove();
    });
    const list = stepList(state, errors, t, state.lang, (i) => {
      state!.current = i;
      persist();
      draw();
    });
    panel.replaceChildren(head, toolbar, messageBox() || "", langs, list, form || "");
    refreshLive();
  }

  function endGrant(e: Refusal): void {
    // The grant is no good any more: say so, keep every unsaved step (sessionStorage) for
    // the next grant of this tour, and stop touching the page.
    ended = true;
    dropGrant();
    picker.off();
    stage.stop();
    const key = e.code === "grant_expired" || e.code === "grant_revoked" ? e.code : e.status === 401 ? "grant_revoked" : "grant_invalid";
    message = { text: t[key as "grant_expired"], warn: true };
    persist();
    draw();
  }

  function refused(e: Refusal): void {
    if (grantEnded(e)) return endGrant(e);
    if (!e.status) message = { text: t.failed, warn: true };
    else if (e.code === "validation_error") {
      errors = new Set();
      const lines = e.fields.map((f) => {
        const at = stepOfPath(f.path);
        if (!at) return `${f.path}: ${f.message}`;
        errors.add(at[0]);
        return `${t.step} ${at[0] + 1}${at[1] ? " · " + at[1] : ""}: ${f.message}`;
      });
      message = { text: t.invalid, warn: true, list: lines };
    } else message = { text: t.refused.replace("{message}", e.message || e.code), warn: true };
    draw();
  }

  /** Another save of the draft since these edits began (`theirs`): the editor chooses,
   *  nothing is overwritten silently. */
  function stale(theirs: Described): void {
    const keep = async () => {
      const grant = readGrant();
      if (!state || !grant) return;
      // Over the revision stored now: a third save since `theirs` asks again.
      const stored = await call(server, "draft", { grant, public_key: publicKey });
      if (!stored.ok) return refused(stored.error);
      state.base = stored.body.draft_revision;
      persist();
      void save();
    };
    const discard = () => {
      if (!state) return;
      state = { ...state, draft: theirs.draft, dirty: false, base: theirs.draft_revision, current: 0 };
      persist();
      message = null;
      draw();
    };
    message = { text: t.stale, warn: true, actions: [[t.keepMine, "keep-mine", () => void keep()], [t.discardMine, "discard-mine", discard]] };
    draw();
  }

  async function save(): Promise<void> {
    const grant = readGrant();
    if (!state || !grant) return;
    message = { text: t.saving };
    draw();
    const answer = await call(server, "save", { grant, public_key: publicKey, draft: state.draft, draft_revision: state.base ?? 0 });
    if (!answer.ok) {
      if (answer.error.status !== 409) return refused(answer.error);
      // Saved elsewhere since: theirs is read so that both ways can be offered.
      const stored = await call(server, "draft", { grant, public_key: publicKey });
      return stored.ok ? stale(stored.body) : refused(stored.error);
    }
    errors = new Set();
    state = { ...state, draft: answer.body.draft, dirty: false, base: answer.body.draft_revision };
    state.current = Math.min(state.current, state.draft.steps.length - 1);
    persist();
    message = { text: t.saved };
    draw();
  }

  function preview(): void {
    if (!state) return;
    picker.off();
    previewing = true;
    draw();
    stage.play(state.draft, state.current, state.lang, stopPreview);
  }

  function stopPreview(): void {
    previewing = false;
    stage.stop();
    draw();
  }

  function close(): void {
    dropGrant();
    picker.off();
    stage.stop();
    scope.dispose();
    // Unsaved steps stay for the next time the builder opens on this tour.
    if (state && !state.dirty) saveState(publicKey, state.tour, null);
    host.remove();
    window.__shirubeBuilder = false;
  }

  watchRoutes(scope, () => (previewing ? undefined : draw()));
  // The app renders on its own schedule: the badge follows it.
  const timer = setInterval(() => !ended && !previewing && refreshBadgeOnly(), 1000);
  scope.add(() => clearInterval(timer));
  function refreshBadgeOnly(): void {
    const s = step();
    if (s?.target != null && here(s)) {
      const n = matchesOf(document, s.target);
      const text = n === 1 ? t.matchesOne : t.matches.replace("{n}", String(n));
      if (badge.textContent !== text) refreshLive();
    }
  }

  draw();
  void (async () => {
    const grant = readGrant()!;
    const answer = await call(server, "draft", { grant, public_key: publicKey });
    if (!answer.ok) {
      // Nothing read: the steps kept from before (if any) are still shown after the message.
      state = loadState(publicKey);
      return refused(answer.error);
    }
    const merged = merge(loadState(publicKey, answer.body.key), answer.body.key, answer.body.draft, lang, answer.body.draft_revision);
    state = merged.state;
    message = merged.resumed ? { text: t.resumed } : null;
    persist();
    if (merged.stale) stale(answer.body);
    else draw();
  })();
}

start();
