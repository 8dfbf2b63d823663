// Durable, exactly-once delivery: an event is in localStorage before any send and leaves it
// only when the server acknowledged it; retries send the same ids (the server dedupes).
import type { EventsResponse, QueuedEvent } from "./types";
import { beacon, errorCode, post, type Reply } from "./api";

export interface OutboxOptions {
  server: string;
  storageKey: string;
  token(): string;
  /** 401 session_expired: get a new token; false when that failed too. */
  renew(): Promise<boolean>;
  acked(reply: EventsResponse): void;
  failed(code: string, message: string): void;
}

const BATCH = 100;

export function newId(): string {
  try {
    return crypto.randomUUID();
  } catch {
    // randomUUID needs a secure context; ids only have to be unique, not secret.
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join("");
  }
}

export function createOutbox(o: OutboxOptions) {
  let memory: QueuedEvent[] = []; // when localStorage is unavailable (sandboxed frames, quota)
  let timer = 0;
  let due = Infinity;
  let sending = false;
  let failures = 0;
  let stopped = false;

  const read = (): QueuedEvent[] => {
    try {
      const stored = localStorage.getItem(o.storageKey);
      if (stored != null) return JSON.parse(stored);
    } catch {
      // fall back to memory
    }
    return memory;
  };
  const write = (events: QueuedEvent[]): void => {
    memory = events;
    try {
      if (events.length) localStorage.setItem(o.storageKey, JSON.stringify(events));
      else localStorage.removeItem(o.storageKey);
    } catch {
      // memory keeps them for this page's life
    }
  };

  const schedule = (delay: number): void => {
    if (stopped || Date.now() + delay >= due) return;
    clearTimeout(timer);
    due = Date.now() + delay;
    timer = window.setTimeout(flush, delay);
  };

  async function flush(): Promise<void> {
    due = Infinity;
    // No token before the session answers: identify() flushes once it has one.
    if (sending || stopped || !o.token()) return;
    const batch = read().slice(0, BATCH);
    if (!batch.length) return;
    sending = true;
    let reply: Reply = await post(o.server, "events", { token: o.token(), events: batch });
    if (reply.status === 401 && errorCode(reply) === "session_expired")
      // A renewal that failed (network) is retried like any transient failure.
      reply = (await o.renew()) ? await post(o.server, "events", { token: o.token(), events: batch }) : { status: 0, body: null };
    sending = false;
    if (stopped) return;
    const { status } = reply;
    if (status === 0 || status === 429 || status >= 500) {
      failures++;
      // Exponential backoff from 1 s to 60 s with jitter, so many tabs don't retry in step.
      schedule(Math.min(60000, 1000 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2));
      return;
    }
    failures = 0;
    const sent = new Set(batch.map((e) => e.id));
    write(read().filter((e) => !sent.has(e.id)));
    if (status < 300) o.acked(reply.body);
    else o.failed(errorCode(reply), reply.body?.error?.message ?? "events refused");
    if (read().length) schedule(0);
  }

  return {
    add(name: string, properties?: Record<string, unknown>): void {
      const event: QueuedEvent = { id: newId(), name, timestamp: new Date().toISOString() };
      if (properties) event.properties = properties;
      write([...read(), event]);
      // Progress must reach the server before the user can close the tab; host events batch up.
      schedule(name[0] === "$" ? 50 : 1000);
    },
    flush: () => schedule(0),
    /** Events not acknowledged yet, oldest first. */
    pending: read,
    /** The page is going away: hand what is pending to the browser (it stays queued). */
    beacon(): void {
      const events = read().slice(0, BATCH);
      if (events.length && !stopped && o.token()) beacon(o.server, { token: o.token(), events });
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
