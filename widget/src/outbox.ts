// Durable, exactly-once delivery: an event is queued before any send and leaves the queue only
// when the server acknowledged it; retries send the same ids (the server dedupes). The queue in
// memory is this page's truth; localStorage carries it to later pages (and other tabs), best
// effort: a full or blocked storage loses nothing this page queued.
import type { EventsResponse, QueuedEvent } from "./types";
import { backoff, beacon, errorCode, post, transient, type Reply } from "./api";

export interface OutboxOptions {
  server: string;
  storageKey: string;
  token(): string;
  /** 401 session_expired: get a new token; false when that failed too. */
  renew(): Promise<boolean>;
  acked(reply: EventsResponse, batch: QueuedEvent[]): void;
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
  let events: QueuedEvent[] = [];
  // Acknowledged (or refused) here: never taken back from a stored copy that could not be
  // updated, or from another tab's.
  const done = new Set<string>();
  let timer = 0;
  let due = Infinity;
  let sending = false;
  let failures = 0;
  let stopped = false;
  // Events to send one by one: a refused batch is split, so that one event the server refuses
  // (a host event it finds invalid) does not take the progress events queued with it.
  let solo = 0;

  /** This page's queue plus what earlier pages and other tabs of this user stored, written
   *  back. Storage that throws (quota, sandboxed frames, blocked) only loses persistence. */
  const sync = (): QueuedEvent[] => {
    let all = events;
    try {
      all = [...events, ...(JSON.parse(localStorage.getItem(o.storageKey)!) || [])];
    } catch {
      // unreadable: this page's queue alone
    }
    const seen = new Set(done);
    events = all.filter((e) => !seen.has(e.id) && !!seen.add(e.id));
    try {
      if (events.length) localStorage.setItem(o.storageKey, JSON.stringify(events));
      else localStorage.removeItem(o.storageKey);
    } catch {
      // memory keeps them for this page's life
    }
    return events;
  };

  const schedule = (delay: number): void => {
    if (stopped || Date.now() + delay >= due) return;
    clearTimeout(timer);
    due = Date.now() + delay;
    timer = window.setTimeout(flush, delay);
  };

  async function flush(): Promise<void> {
    due = Infinity;
    // No token before the session answers: the page view identify() queues then sends all.
    if (sending || stopped || !o.token()) return;
    const batch = sync().slice(0, solo ? 1 : BATCH);
    if (!batch.length) return;
    sending = true;
    let reply: Reply = await post(o.server, "events", { token: o.token(), events: batch });
    if (reply.status === 401 && errorCode(reply) === "session_expired")
      // A renewal that failed (network) is retried like any transient failure.
      reply = (await o.renew()) ? await post(o.server, "events", { token: o.token(), events: batch }) : { status: 0, body: null };
    sending = false;
    if (stopped) return;
    const { status } = reply;
    if (transient(status)) return schedule(backoff(failures++));
    if ((status == 400 || status > 412) && batch.length > 1) {
      solo = batch.length;
      return schedule(0);
    }
    if (solo) solo--;
    failures = 0;
    for (const e of batch) done.add(e.id);
    if (status < 300) o.acked(reply.body, batch);
    else o.failed(errorCode(reply), reply.body?.error?.message ?? "events refused");
    if (sync().length) schedule(0);
  }

  return {
    add(name: string, properties?: Record<string, unknown>): void {
      const event: QueuedEvent = { id: newId(), name, timestamp: new Date().toISOString() };
      if (properties) event.properties = properties;
      events.push(event);
      sync();
      // Progress must reach the server before the user can close the tab; host events batch up.
      schedule(name[0] === "$" ? 50 : 1000);
    },
    /** Events not acknowledged yet, oldest first. */
    pending: sync,
    /** The page is going away: hand what is pending to the browser (it stays queued). */
    beacon(): void {
      const batch = events.slice(0, BATCH);
      if (batch.length && !stopped && o.token()) beacon(o.server, { token: o.token(), events: batch });
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
