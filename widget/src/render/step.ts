// Puts one step on screen: spotlight and card (tooltip or modal), or, through the hotspot
// extras chunk (./hotspot.ts, loaded by the runner for hotspot steps only), a beacon + card.
import { createScope, showTop, type Scope } from "../dom";
import type { Locale } from "../context";
import type { Strings } from "../i18n";
import { follow, visibleRect, watchBox } from "../position";
import type { Rect } from "../geometry";
import type { SessionStep } from "../types";
import { buildCard } from "./card";
import { spotlight } from "./spotlight";

export interface StepView {
  /** The open card, or null while a hotspot is collapsed to its beacon. */
  card(): HTMLElement | null;
  /** Hotspots only: back to the beacon. */
  collapse?(): void;
}

/** A step's card, opened and shut again by a hotspot's beacon (extras chunk). */
export interface CardView extends StepView {
  show_(focus: boolean): void;
  shut_(): void;
  /** Calls `update` with the target's visible box now and whenever it may have changed, for
   *  the step's life (position.ts stays in the core, not copied into the chunk). */
  watch_(update: (box: Rect) => void): void;
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
  locale: Locale; // the extras chunk's own strings (the hotspot label)
  renderText(text: string): DocumentFragment;
  action(name: string): void;
}

/** The extras chunk's hotspot entry: the beacon, which opens `view`'s card. */
export type Beacon = (p: StepSpec, view: CardView) => StepView;

export function renderStep(p: StepSpec, hotspot?: Beacon): StepView {
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
  if (!hotspot) {
    const spot = spotlight(root, modal);
    scope.add(() => spot.el.remove());
    if (target) scope.add(watchBox(target, () => spot.update(target)));
    else spot.update(null);
  }

  const view: CardView = {
    card: () => open,
    show_(focus) {
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
    },
    shut_() {
      open = null;
      cardScope.dispose();
    },
    watch_: (update) => scope.add(watchBox(target!, () => update(visibleRect(target!)))),
  };
  if (hotspot && target) return hotspot(p, view);
  view.show_(p.focus);
  return view;
}
