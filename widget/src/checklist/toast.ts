import { h } from "../dom";

const TOAST_MS = 4000;

/** Short "small win" messages next to the launcher; each removes itself after a few seconds. */
export function createToasts() {
  const node = h("div", { class: "ts", "aria-live": "polite" });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  return {
    node_: node,
    show_(message: Node | string): void {
      const toast = h("div", { class: "to", "data-shirube": "toast", role: "status" }, message);
      node.append(toast);
      const timer = setTimeout(() => {
        timers.delete(timer);
        toast.remove();
      }, TOAST_MS);
      timers.add(timer);
    },
    destroy_(): void {
      timers.forEach(clearTimeout);
      node.remove();
    },
  };
}
