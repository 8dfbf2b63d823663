// The builder panel's parts, drawn from the state (src/builder/index.ts owns the state and
// passes the handlers). Text only ever becomes Text nodes or input values.
import { h } from "../dom";
import type { Locale } from "../context";
import type { Placement } from "../types";
import { textIn, withText, type BuilderState, type DraftStep } from "./model";
import type { BuilderStrings } from "./strings";

export const PLACEMENTS: Placement[] = ["auto", "top", "top-start", "top-end", "bottom", "bottom-start", "bottom-end", "left", "left-start", "left-end", "right", "right-start", "right-end"];

export interface StepEditor {
  change(patch: Partial<DraftStep>, redraw?: boolean): void;
  repick(): void;
  move(by: number): void;
  remove(): void;
  selectorChanged(css: string): void;
}

const select = (name: string, options: [string, string][], value: string, onChange: (v: string) => void) => {
  const el = h("select", { name }, ...options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
  el.addEventListener("change", () => onChange(el.value));
  return el;
};

const field = (label: string, control: HTMLElement, ...after: (Node | null)[]) => h("div", null, h("label", null, label, control), ...after);

/** The current step's form; `badge` is the live "matches N elements" line the caller fills. */
export function stepForm(step: DraftStep, index: number, total: number, t: BuilderStrings, badge: HTMLElement, ed: StepEditor): HTMLElement {
  const input = (name: string, value: string, onInput: (v: string) => void, area?: boolean) => {
    const el = area ? h("textarea", { name }, value) : h("input", { name, value });
    el.addEventListener("input", () => onInput(el.value));
    return el;
  };
  const text = (key: "title" | "body", l: Locale) =>
    input(`${key}-${l}`, textIn(step[key], l), (v) => ed.change({ [key]: withText(step[key], l, v) }), key === "body");
  const css = typeof step.target === "string" ? step.target : step.target?.css || "";
  return h(
    "div",
    { "data-part": "step" },
    field(t.kind, select("kind", [["tooltip", t.tooltip], ["modal", t.modal], ["hotspot", t.hotspot]], step.kind, (v) => ed.change({ kind: v as DraftStep["kind"] }, true))),
    field(t.target, input("target", css, ed.selectorChanged), badge, h("button", { type: "button", "data-action": "repick" }, t.repick)),
    field(t.page, input("page", step.page || "", (v) => ed.change({ page: v.trim() || undefined })), h("div", { class: "ht" }, t.pageHint)),
    field(t.placement, select("placement", PLACEMENTS.map((p) => [p, p]), step.placement || "auto", (v) => ed.change({ placement: v as Placement }, true))),
    field(t.titleJa, text("title", "ja")),
    field(t.titleEn, text("title", "en")),
    field(t.bodyJa, text("body", "ja")),
    field(t.bodyEn, text("body", "en")),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", "data-action": "up", disabled: index === 0 }, t.up),
      h("button", { type: "button", "data-action": "down", disabled: index === total - 1 }, t.down),
      h("button", { type: "button", "data-action": "remove" }, t.remove),
    ),
  );
}

/** The steps, one button each (the current one marked; those with errors too). */
export function stepList(state: BuilderState, errors: Set<number>, t: BuilderStrings, lang: Locale, choose: (i: number) => void): HTMLElement {
  const steps = state.draft.steps;
  if (!steps.length) return h("p", { class: "ht" }, t.noSteps);
  const list = h("ol", { "aria-label": t.steps });
  steps.forEach((s, i) => {
    const title = textIn(s.title, lang) || textIn(s.title, lang === "ja" ? "en" : "ja") || s.id;
    const b = h("button", { type: "button", "aria-current": String(i === state.current), class: errors.has(i) ? "er" : null, "data-step": i }, `${i + 1}. ${t[s.kind]} · ${title}${s.page ? ` (${s.page})` : ""}`);
    b.addEventListener("click", () => choose(i));
    list.append(h("li", null, b));
  });
  return list;
}
