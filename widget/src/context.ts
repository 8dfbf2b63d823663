import type { loadChunk } from "./chunks";
import type { Theme } from "./types";
export type Locale = "ja" | "en";
export interface WidgetContext {
  readonly root: ShadowRoot;             // render into this (already has the stylesheet)
  readonly locale: Locale;
  readonly theme: Theme;
  track(name: string, properties?: Record<string, unknown>): void; // queue an event (outbox)
  startTour(key: string): void;
  navigate(url: string): void;           // location.assign, relative or http(s) URLs only
  emit(name: string, detail: Record<string, unknown>): void;      // public `on()` events
  loadUiState(): Record<string, unknown>;               // per-user UI state
  saveUiState(patch: Record<string, unknown>): void;
  listen(target: EventTarget, type: string, handler: EventListener,
         options?: AddEventListenerOptions): void;     // removed automatically on destroy
  renderText(text: string): DocumentFragment;           // safe markdown subset
  load: typeof loadChunk;                               // chunks load chunks through the core
}
