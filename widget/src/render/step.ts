// Puts one step on screen: spotlight, card (tooltip or modal) or beacon + card (hotspot).
import { createScope, showTop, type Scope } from "../dom";
import type { Strings } from "../i18n";
import { follow, visibleRect, watchBox } from "../position";
import type { SessionStep } from "../types";
import { buildCard } from "./card";
import { beacon } from "./hotspot";
import { spotlight } from "./spotlight";

export interface StepView {
  /** The open card, or null while a hotspot is collapsed to its beacon. */
  card(): HTMLElement | null;
  /** Hotspots: back to the beacon. */
  collapse(): void;
}

export interface StepSpec {
  step: SessionStep;
  index: number;
  total: number;
  canBack: boolean;
  target: Element | null;
  root: ShadowRoot;
  scope: Scope; // disposed when the step ends
  focus: boolean; // move focus into the card
  t: Strings;
  renderText(text: string): DocumentFragment;
  action(name: string): void;
}

export function renderStep(p: StepSpec): StepView {
  const { step, target, root, scope } = p;
  const modal = step.kind === "modal";
  const cardScope = createScope();
  scope.add(() => cardScope.dispose());
  let open: HTMLElement | null = null;

  if (target) {
    target.scrollIntoView({ block: "nearest", inline: "nearest" });
    // Still covered (under a fixed header, say): to the middle of the viewport.
    if (!visibleRect(target).width) target.scrollIntoView({ block: "center", inline: "center" });
  }
  if (modal || step.kind === "tooltip") {
    const spot = spotlight(root, modal);
    scope.add(() => spot.el.remove());
    if (target) scope.add(watchBox(target, () => spot.update(target)));
    else spot.update(null);
  }

  const show = (focus: boolean) => {
    if (!open) {
      const { card, arrow } = buildCard({ ...p, kind: modal ? "modal" : "tooltip" });
      open = card;
      root.appendChild(card);
      showTop(card);
      cardScope.add(() => card.remove());
      cardScope.listen(card, "click", (e) => {
        const action = (e.target as Element).closest<HTMLElement>("[data-shirube-action]")?.dataset.shirubeAction;
        if (action) p.action(action);
      });
      if (target && arrow) cardScope.add(follow(target, card, arrow, step.placement));
    }
    if (focus) open.focus({ preventScroll: true });
  };

  let hotspot: HTMLElement | null = null; // the beacon, on hotspot steps
  let quiet = false; // focusing the beacon ourselves must not reopen its card
  const expanded = (value: boolean) => hotspot!.setAttribute("aria-expanded", String(value));
  if (step.kind === "hotspot" && target) {
    const b = beacon(root, step.id, p.t.hint_);
    hotspot = b.el;
    scope.add(() => b.el.remove());
    scope.add(watchBox(target, () => b.update(target)));
    scope.listen(b.el, "click", () => {
      show(true);
      expanded(true);
    });
    scope.listen(b.el, "focus", () => {
      if (quiet) return;
      show(false);
      expanded(true);
    });
  } else show(p.focus);

  return {
    card: () => open,
    collapse() {
      if (!hotspot || !open) return;
      // Only pull focus back when it was in the card (not when the user moved on).
      const focused = open.contains(root.activeElement);
      open = null;
      cardScope.dispose();
      expanded(false);
      quiet = true;
      if (focused) hotspot.focus();
      quiet = false;
    },
  };
}
