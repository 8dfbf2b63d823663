// The builder's edits of its state, pure (src/builder/index.ts draws and persists after each):
// adding steps, putting a picked target into one, moving and deleting them.
import type { Locale } from "../context";
import { newStepId, type BuilderState, type DraftStep } from "./model";
import type { RobustTarget } from "./targets";

/** A new step after the current one, made current; its page is the page it was added on. */
export function addStep(state: BuilderState, kind: DraftStep["kind"], page: string, lang: Locale, title: string): DraftStep {
  const step: DraftStep = { id: newStepId(state.draft), kind, page, title: { [lang]: title } };
  const at = state.draft.steps.length ? state.current + 1 : 0;
  state.draft.steps.splice(at, 0, step);
  state.current = at;
  return step;
}

/** The picked element's target into the current step (a new tooltip when there is none).
 *  A step picked on another page than its own moves to this page (`page`). */
export function pickInto(state: BuilderState, target: RobustTarget, page: string, onItsPage: (s: DraftStep) => boolean, lang: Locale): DraftStep {
  const step = state.draft.steps[state.current] || addStep(state, "tooltip", page, lang, "…");
  step.target = target;
  if (!step.page || !onItsPage(step)) step.page = page;
  return step;
}

/** Fields set (or, undefined, removed) on the current step. */
export function patchStep(state: BuilderState, patch: Partial<DraftStep>): void {
  const step = state.draft.steps[state.current];
  if (step) for (const [k, v] of Object.entries(patch)) v === undefined ? delete step[k] : (step[k] = v);
}

/** The current step moved by `by` places (it stays current); false at an end. */
export function moveStep(state: BuilderState, by: number): boolean {
  const steps = state.draft.steps;
  const i = state.current;
  const j = i + by;
  if (j < 0 || j >= steps.length) return false;
  [steps[i], steps[j]] = [steps[j], steps[i]];
  state.current = j;
  return true;
}

/** The current step deleted; the one before it becomes current. */
export function removeStep(state: BuilderState): void {
  state.draft.steps.splice(state.current, 1);
  state.current = Math.max(0, Math.min(state.current - 1, state.draft.steps.length - 1));
}
