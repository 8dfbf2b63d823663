// The tour runner: which tour runs (triggers, frequency, resume), its steps, keyboard and focus.
import { loadChunk, type Chunks } from "./chunks";
import { createScope, h, type Scope } from "./dom";
import type { Locale } from "./context";
import type { Strings } from "./i18n";
import { watchBox } from "./position";
import { renderStep, type StepView } from "./render/step";
import { matchPage } from "./routes";
import { resolve, type Tried } from "./target";
import type { RobustTarget, SessionStep, SessionTour } from "./types";
import { waitFor } from "./waiter";

export interface TourHost {
  tours_(): SessionTour[];
  /** sessionStorage key of the tours auto-started in this browser session (per user). */
  sessionKey: string;
  /** Where a step's nodes go: the main root, or one inside an open modal <dialog> (`moved`
   *  is called when that dialog closes). */
  rootFor(scope: Scope, moved: () => void): ShadowRoot;
  track(name: string, properties: Record<string, unknown>): void;
  emit(name: string, detail: Record<string, unknown>): void;
  t: Strings;
  locale: Locale;
  renderText(text: string): DocumentFragment;
}

export interface Run {
  tour: SessionTour;
  index: number;
  gen: number; // bumped on every step change: stale waits see they lost
  view: StepView | null;
  returnTo: HTMLElement | null;
  shown?: string; // the step last recorded as shown on this page
  target?: Element | null; // the shown step's
  live: HTMLElement; // announces each step to screen readers (role=status)
  manual_?: boolean; // started by the host (startTour) or the checklist, not by a trigger
}

const here = (pattern: string) => matchPage(pattern, location.href);
const stepHere = (s: SessionStep | undefined) => !!s && (!s.page || here(s.page));
const onPages = (tour: SessionTour) => !tour.pages.length || tour.pages.some(here);
/** The focused host element, or null when focus is nowhere in particular or ours. */
const hostFocus = () => {
  const a = document.activeElement as HTMLElement | null;
  return a && a !== document.body && a.localName !== "shirube-root" ? a : null;
};

/** Whether step k was left for the next one, whose page this is: the user left k's page,
 *  or (`resuming`) k advances by a click on its target, a link whose navigation may have
 *  unloaded the page before the next step was recorded. */
function movedOn(steps: SessionStep[], k: number, resuming?: boolean): boolean {
  const next = steps[k + 1];
  return (!stepHere(steps[k]) || (!!resuming && steps[k].advance.type === "click")) && !!next?.page && here(next.page);
}

/** Where a tour resumes: the step reached, or the next one when the user moved on to it. */
function resumeIndex(tour: SessionTour): number {
  const k = Math.max(0, tour.steps.findIndex((s) => s.id === tour.progress.current_step));
  return movedOn(tour.steps, k, true) ? k + 1 : k;
}

export function createTours(host: TourHost) {
  let run: Run | null = null;
  let keys: Chunks["extras"]["onKey"] | undefined;
  const started = new Set<string>(); // in this page's life: never resumed twice
  // Triggers fire once per browser session, not on every page of it: a dismissed
  // `until_completed` or a seen `every_session` tour comes back in the next session.
  const session = (add?: string): string[] => {
    let keys: string[] = [];
    try {
      keys = JSON.parse(sessionStorage.getItem(host.sessionKey) || "[]");
      if (add && !keys.includes(add)) sessionStorage.setItem(host.sessionKey, JSON.stringify([...keys, add]));
    } catch {
      // no sessionStorage: `started` still keeps it to once per page
    }
    return keys;
  };
  const stepScope = createScope();
  const runScope = createScope();

  /** What its frequency allows, whatever this page and browser session did. */
  const due = ({ frequency, progress: { status } }: SessionTour) =>
    frequency === "every_session" || (frequency === "until_completed" ? status !== "completed" : status === "not_started");
  const eligible = (tour: SessionTour) => !started.has(tour.key) && !session().includes(tour.key) && onPages(tour) && due(tour);
  const resumable = (tour: SessionTour) => {
    if (tour.progress.status !== "in_progress" || started.has(tour.key)) return false;
    const s = tour.steps[resumeIndex(tour)];
    return s.page ? here(s.page) : onPages(tour);
  };

  function start(tour: SessionTour, manual_?: boolean): void {
    stop();
    started.add(tour.key);
    session(tour.key);
    const resuming = tour.progress.status === "in_progress";
    if (!resuming) {
      host.track("$tour_started", { tour: tour.key, version: tour.version });
      tour.progress = { status: "in_progress", current_step: null };
    }
    host.emit("tour_started", { tour: tour.key });
    const live = h("p", { role: "status", class: "sr" });
    host.rootFor(runScope, () => {}).append(live);
    runScope.add(() => live.remove());
    run = { tour, index: 0, gen: 0, view: null, returnTo: hostFocus(), live, manual_ };
    runScope.listen(document, "keydown", onKey as EventListener, true);
    runScope.listen(document, "focusin", onFocusIn);
    show(resuming ? resumeIndex(tour) : 0, 1);
  }

  /** Step i (or the next one in `dir` if its target is missing); `again`: the same step put
   *  back on screen (its target re-rendered, its dialog closed). */
  async function show(i: number, dir: number, again?: boolean): Promise<void> {
    const r = run;
    if (!r) return;
    stepScope.dispose();
    r.view = null;
    const gen = ++r.gen;
    const { tour } = r;
    const total = tour.steps.length;
    if (i < 0) (i = 0), (dir = 1);
    if (i >= total) return finish(true);
    r.index = i;
    const step = tour.steps[i];
    // Parked: shown when the user gets to its page. Recorded now (as reached, not shown): a
    // reload before then must not bring back the step the user left.
    if (!stepHere(step)) return seen(r, i, true);
    // A hotspot's beacon is in the extras chunk: loaded while the target is awaited.
    const chunk = step.kind == "hotspot" ? loadChunk("extras").then((c) => c.renderHotspot, () => null) : undefined;
    let target: Element | null = null;
    if (step.target) {
      target = await waitFor(step.target, step.wait_ms, stepScope);
      if (run !== r || gen !== r.gen) return;
      if (!target) {
        const t = step.target;
        const tried: Tried = [];
        resolve(t, tried);
        // What failed: the primary selector, and how each strategy did (the robust form).
        const detail = { tour: tour.key, step: step.id, selector: (t as RobustTarget).css || t, tried: tried[0] && tried };
        host.track("$target_missing", { ...detail, version: tour.version, url: location.href.slice(0, 2000) });
        host.emit("target_missing", detail);
        // A modal's target only adds a spotlight: the modal still makes sense without it.
        if (step.kind !== "modal") return step.if_missing === "end" ? stop() : show(i + dir, dir);
      }
    }
    const hotspot = await chunk;
    // Not loaded (null: a page older than a deploy): the step waits without a view, like a
    // parked one; the next route change tries again.
    if (run !== r || gen !== r.gen || hotspot === null) return;
    const prev = tour.steps[i - 1];
    const reshow = () => show(i, dir, true);
    r.view = renderStep({
      step,
      index: i,
      total,
      canBack: !!prev && stepHere(prev),
      target,
      root: host.rootFor(stepScope, reshow),
      scope: stepScope,
      // Shown again: focus stays where the user put it in the host page.
      focus: !again || !hostFocus(),
      t: host.t,
      locale: host.locale,
      renderText: host.renderText,
      action,
    }, hotspot);
    r.target = target;
    r.live.textContent = `${i + 1} / ${total} ${r.view.card()?.querySelector("[role=heading]")?.textContent || ""}`;
    if (target) {
      // The app rendered it again (a new element, same selector): look it up again.
      stepScope.add(watchBox(target, () => target!.isConnected || reshow()));
      if (step.advance.type === "click")
        stepScope.listen(document, "click", (e) => {
          if (!e.composedPath().includes(target!)) return;
          // Recorded now: a link's navigation can unload the page before a timer runs.
          if (i + 1 < total) seen(r, i + 1, true), setTimeout(next);
          else finish(true);
        }, true);
    }
    seen(r, i);
    if (!again) host.emit("step_seen", { tour: tour.key, step: step.id, index: i, total });
  }

  /** Records step k as the tour's current one: shown (once per page: not again when it is
   *  shown again), or only reached (`parked`: it waits for its page; funnels don't count it). */
  function seen(r: Run, k: number, parked?: boolean): void {
    const { tour } = r;
    const step = tour.steps[k].id;
    if ((parked ? tour.progress.current_step : r.shown) !== step) {
      if (!parked) r.shown = step;
      tour.progress.current_step = step;
      host.track("$tour_step_seen", { tour: tour.key, step, version: tour.version, parked });
    }
  }

  const next = () => run && show(run.index + 1, 1);

  function action(name: string): void {
    if (name === "next" || name === "done") next();
    else if (name === "back") run && show(run.index - 1, -1);
    else if (name === "skip" || name === "close") finish(false);
  }

  function finish(completed: boolean): void {
    const r = run;
    if (!r) return;
    const { tour } = r;
    const step = tour.steps[Math.min(r.index, tour.steps.length - 1)].id;
    host.track(completed ? "$tour_completed" : "$tour_dismissed", { tour: tour.key, version: tour.version, step });
    host.emit(completed ? "tour_completed" : "tour_dismissed", completed ? { tour: tour.key } : { tour: tour.key, step });
    tour.progress.status = completed ? "completed" : "dismissed";
    stop();
  }

  function stop(): void {
    const r = run;
    run = null;
    stepScope.dispose();
    runScope.dispose();
    // Give focus back only if it is still ours to give (it fell to <body> with the card).
    if (r?.returnTo?.isConnected && !hostFocus()) r.returnTo.focus({ preventScroll: true });
  }

  /** The tour's keys are the extras chunk's (./keys.ts), loaded at the first one: that key is
   *  handled once it is in, but for its default action (Tab has moved focus by then: not
   *  replayed, and onFocusIn still keeps a modal's focus in its card). */
  function onKey(e: KeyboardEvent): void {
    const r = run!;
    const card = r?.view?.card();
    const path = e.composedPath();
    if (!card) return;
    if (keys) keys(e, path, r, card, finish);
    else if (/^(Esc|Ent|Arr|Tab)/.test(e.key)) {
      // Escape on the card: its default would close a host's modal <dialog> under it too.
      if (e.key == "Escape" && path.includes(card)) e.preventDefault();
      loadChunk("extras").then((chunk) => {
        keys = chunk.onKey;
        if (e.key != "Tab" && card.isConnected) keys(e, path, r, card, finish);
      }, () => {});
    }
  }

  /** Modal steps keep focus inside their card (the host page cannot be made inert). */
  function onFocusIn(e: Event): void {
    const card = run?.view?.card();
    if (card && run!.tour.steps[run!.index].kind === "modal" && !e.composedPath().includes(card)) card.focus();
  }

  return {
    /** After the session and on every route change. */
    evaluate(): void {
      const r = run;
      if (r) {
        const k = r.index;
        const steps = r.tour.steps;
        if (movedOn(steps, k)) show(k + 1, 1);
        else if (!stepHere(steps[k])) stepScope.dispose(), (r.view = null), r.gen++;
        else if (!r.view) show(k, 1);
        return;
      }
      const tours = host.tours_();
      const tour = tours.find(resumable) || tours.find((t) => t.trigger.type === "auto" && eligible(t));
      if (tour) start(tour);
    },
    /** A tracked event: advances an `event` step, or starts an `event`-triggered tour. */
    event(name: string): void {
      const step = run?.tour.steps[run.index];
      if (step?.advance.type === "event" && step.advance.event === name) next();
      else if (!run) {
        const tour = host.tours_().find((t) => t.trigger.type === "event" && t.trigger.event === name && eligible(t));
        if (tour) start(tour);
      }
    },
    start(key: string): boolean {
      const tour = host.tours_().find((t) => t.key === key);
      if (tour && run?.tour.key !== key) start(tour, true);
      return !!tour;
    },
    /** The fresh answer after a paint from the cached one, as the server sent it (this page's
     *  progress not applied yet). A published version never changes: the tour on screen goes
     *  on with its fresh copy (the step drawn again if its texts changed: another locale), or
     *  ends now if that version is gone (unpublished, replaced, out of the audience) or, when
     *  a trigger started it, if the user is done with it (finished on another device). */
    renew(tours: SessionTour[]): void {
      const r = run;
      if (!r) return;
      const fresh = tours.find((t) => t.key === r.tour.key && t.version === r.tour.version);
      if (!fresh || !(r.manual_ || fresh.progress.status === "in_progress" || due(fresh)))
        // A withdrawn version is forgotten (evaluate() may resume the new one); a tour the user
        // is done with is not (this page's pending progress would make it look resumable).
        return fresh || started.delete(r.tour.key), stop();
      // Same version, same steps (texts in another locale show from the next page on).
      r.tour = fresh;
    },
    stop,
  };
}
