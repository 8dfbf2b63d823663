// A step's card: title, body, CTA, counter "2 / 5", progress bar and the buttons.
import { followable, h } from "../dom";
import type { Strings } from "../i18n";
import type { SessionStep } from "../types";

export interface CardSpec {
  step: SessionStep;
  index: number;
  total: number;
  kind: "tooltip" | "modal";
  canBack: boolean;
  t: Strings;
  renderText(text: string): DocumentFragment;
}

export function buildCard(c: CardSpec): { card: HTMLElement; arrow: HTMLElement | null } {
  const { step, t, index, total } = c;
  const id = "shirube-" + Math.random().toString(36).slice(2);
  const last = index === total - 1;
  const byButton = step.advance.type === "next";
  const button = (action: string, label: string, cls: string) =>
    h("button", { type: "button", class: cls, "data-shirube-action": action }, label);
  const cta = step.cta && followable(step.cta.url);
  const percent = Math.round(((index + 1) / total) * 100);
  const fill = h("i");
  // Through CSSOM, not a style attribute: a strict CSP (style-src-attr) allows only this.
  fill.style.width = percent + "%";
  // Decorative: hidden from screen readers.
  const arrow = c.kind === "tooltip" ? h("div", { class: "a", "data-shirube-part": "arrow", "aria-hidden": "true" }) : null;
  const card = h(
    "div",
    {
      class: c.kind === "modal" ? "c m" : "c",
      popover: "manual",
      role: "dialog",
      "aria-modal": c.kind === "modal" ? "true" : null,
      "aria-labelledby": step.title ? id + "t" : null,
      "aria-label": step.title ? null : c.t.progress_,
      "aria-describedby": step.body ? id + "d" : null,
      tabindex: -1,
      "data-shirube": c.kind,
      "data-shirube-step": step.id,
    },
    arrow,
    h("button", { type: "button", class: "x", "data-shirube-action": "close", "aria-label": t.close_ }, "×"),
    step.title && h("div", { id: id + "t", class: "h", role: "heading", "aria-level": 2 }, c.renderText(step.title)),
    // A long body scrolls (the card is capped at the viewport's height; title and buttons stay).
    step.body && h("div", { id: id + "d", class: "b" }, c.renderText(step.body)),
    cta && h("a", { href: cta, "data-shirube-action": "cta", target: /^https?:/.test(cta) ? "_blank" : null, rel: "noopener" }, step.cta!.label),
    h(
      "div",
      { class: "f" },
      h("span", { class: "n", "data-shirube-part": "counter" }, `${index + 1} / ${total}`),
      h(
        "div",
        { class: "g", "data-shirube-part": "progress", role: "progressbar", "aria-label": t.progress_, "aria-valuenow": percent, "aria-valuemin": 0, "aria-valuemax": 100 },
        fill,
      ),
      !last && button("skip", t.skip_, "s"),
      c.canBack && button("back", t.back_, ""),
      byButton && (last ? button("done", t.done_, "p") : button("next", t.next_, "p")),
    ),
  );
  return { card, arrow };
}
