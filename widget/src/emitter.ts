// The public `on()` events, per widget instance; a throwing host handler never breaks the widget.
export type Handler = (detail: Record<string, unknown>) => void;

export function createEmitter() {
  const handlers = new Map<string, Set<Handler>>();
  return {
    on(name: string, handler: Handler): () => void {
      if (!handlers.has(name)) handlers.set(name, new Set());
      handlers.get(name)!.add(handler);
      return () => void handlers.get(name)?.delete(handler);
    },
    emit(name: string, detail: Record<string, unknown>): void {
      handlers.get(name)?.forEach((handler) => {
        try {
          handler(detail);
        } catch (e) {
          setTimeout(() => {
            throw e;
          });
        }
      });
    },
    clear(): void {
      handlers.clear();
    },
  };
}
export type Emitter = ReturnType<typeof createEmitter>;
