// What the end user will see, drawn by the widget's own code: the current step live on its
// element while it is edited (card only, no dimming, so the app stays usable; a hotspot as its
// beacon, from the extras chunk, which opens the card), and "Preview",
// which plays the draft from the current step with the widget's tour runner.
import { loadChunk } from "./chunks";
import { createScope, type Scope } from "../dom";
import type { Locale } from "../context";
import { stringsFor } from "../i18n";
import { renderText } from "../markdown";
import { resolve } from "../target";
import { renderStep, type Beacon, type StepView } from "../render/step";
import { watchRoutes } from "../routes";
import { baseSheet, themeSheet } from "../styles";
import { createTours } from "../tours";
import { asSessionTour, textIn, type Draft } from "./model";

export interface Stage {
  /** Draws step `index` of the draft on its element (nothing when it is on another page);
   *  its title and body are edited in place on the card, each change told to `edited`. */
  live(draft: Draft, index: number, lang: Locale, here: boolean, edited: (field: "title" | "body", text: string) => void): void;
  /** Plays the draft from step `from`; `ended` when the user finishes or stops it. */
  play(draft: Draft, from: number, lang: Locale, ended: () => void): void;
  stop(): void;
}

export function createStage(): Stage {
  const host = document.createElement("shirube-root");
  host.setAttribute("data-shirube-builder", "stage");
  const root = host.attachShadow({ mode: "open" });
  const sheets = [baseSheet(), themeSheet({})];
  const quiet = new CSSStyleSheet();
  // The live preview shows the card alone: no spotlight dimming or blocking the page.
  quiet.replaceSync(".sp{display:none}");
  // Set once and switched by `disabled`: the extras chunk adds the beacon's sheet to this root
  // once, which a new list would drop.
  root.adoptedStyleSheets = [...sheets, quiet];
  document.body.appendChild(host);
  const liveScope = createScope();
  let playing: Scope | null = null;
  let gen = 0;
  let view: StepView | null = null;
  // A hotspot's card the editor opened stays open while the step is drawn again (each edit).
  let opened = -1;

  const clear = () => {
    gen++;
    view = null;
    liveScope.dispose();
    playing?.dispose();
    playing = null;
  };

  return {
    async live(draft, index, lang, here, edited) {
      const wasOpen = opened === index && !!view?.card();
      clear();
      const run = gen;
      quiet.disabled = false;
      const tour = asSessionTour(draft, lang, index);
      const step = tour.steps[index];
      const stored = draft.steps[index]?.target;
      if (!step || !here) return;
      const target = stored == null ? null : resolve(stored);
      if (!target && step.kind !== "modal") return;
      // A hotspot as end users see it: its beacon, from the widget's extras chunk.
      let beacon: Beacon | undefined;
      if (step.kind === "hotspot") {
        const shown = await loadChunk("extras").then((c) => c.renderHotspot, () => null);
        if (run !== gen || !shown) return;
        beacon = (p, card) => {
          const v = shown(p, card);
          if (wasOpen) card.show_(false), root.querySelector("[data-shirube=hotspot]")?.setAttribute("aria-expanded", "true");
          return v;
        };
      }
      const now = (view = renderStep({
        step,
        index,
        total: tour.steps.length,
        canBack: index > 0,
        target,
        root,
        scope: liveScope,
        focus: false,
        locale: lang,
        t: stringsFor(lang),
        renderText,
        action() {},
      }, beacon));
      opened = index;
      // The card is editable in place once open (a hotspot's when its beacon opens it).
      const editable = () => {
        const card = now.card();
        if (!card || card.hasAttribute("data-shirube-live")) return;
        card.setAttribute("data-shirube-live", "");
        for (const [field, selector] of [["title", ".h"], ["body", ".b"]] as const) {
          const el = card.querySelector<HTMLElement>(selector);
          const text = textIn(draft.steps[index][field], lang);
          // In place only for plain text: Markdown (**bold**, links, lists) shows rendered on
          // the card and is edited in the panel.
          if (!el || /[*_[\]]|^\s*(-|\d+\.)\s/m.test(text)) continue;
          el.contentEditable = "plaintext-only";
          el.setAttribute("data-shirube-edit", field);
          liveScope.listen(el, "input", () => edited(field, el.innerText.replace(/\n$/, "")));
          // A title is one line.
          if (field === "title") liveScope.listen(el, "keydown", (e) => (e as KeyboardEvent).key === "Enter" && e.preventDefault());
        }
      };
      editable();
      if (beacon) for (const type of ["click", "focusin"]) liveScope.listen(root, type, editable);
    },
    play(draft, from, lang, ended) {
      clear();
      quiet.disabled = true;
      const scope = (playing = createScope());
      const tour = asSessionTour(draft, lang, from);
      const runner = createTours({
        tours_: () => [tour],
        sessionKey: "shirube:builder:preview",
        rootFor: () => root,
        track() {},
        emit(name) {
          if (name === "tour_completed" || name === "tour_dismissed") setTimeout(ended);
        },
        locale: lang,
        t: stringsFor(lang),
        renderText,
      });
      scope.add(runner.stop);
      watchRoutes(scope, () => runner.evaluate());
      runner.start(tour.key);
    },
    stop: clear,
  };
}
