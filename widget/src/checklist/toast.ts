import { h } from "../dom";

const TOAST_MS = 4000;

/** Short "small win" messages next to the launcher; each removes itself after a few seconds. */
export class Toasts {
  readonly node_ = h("div", { class: "ts", "aria-live": "polite" });
  private readonly timers_ = new Set<ReturnType<typeof setTimeout>>();

  show_(message: Node | string): void {
    const toast = h("div", { class: "to", "data-shirube": "toast", role: "status" }, message);
    this.node_.append(toast);
    const timer = setTimeout(() => {
      this.timers_.delete(timer);
      toast.remove();
    }, TOAST_MS);
    this.timers_.add(timer);
  }

  destroy_(): void {
    this.timers_.forEach(clearTimeout);
    this.node_.remove();
  }
}
