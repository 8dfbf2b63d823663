// Per-instance, per-user state: the session answer and the UI state kept in localStorage.
import { errorCode, post } from "./api";
import type { QueuedEvent, SessionResponse, TourStatus } from "./types";

export interface Identity {
  traits?: Record<string, unknown>;
  company?: { id: string; traits?: Record<string, unknown> };
  locale?: string;
  token?: string;
}

export async function openSession(
  server: string,
  publicKey: string,
  userId: string,
  who: Identity,
): Promise<SessionResponse | { code: string; message: string; status: number }> {
  const reply = await post(server, "session", {
    public_key: publicKey,
    user_id: userId,
    traits: who.traits,
    locale: who.locale || navigator.language,
    company: who.company,
    identity_token: who.token,
  });
  const { status, body } = reply;
  if (status === 200 && body) return body;
  // No JSON (a captive portal's page, a proxy's): as if the network failed, so it is retried.
  return { code: errorCode(reply), message: body?.error?.message ?? "session failed", status: body ? status : 0 };
}

const STATUS: Record<string, TourStatus> = {
  $tour_step_seen: "in_progress",
  $tour_completed: "completed",
  $tour_dismissed: "dismissed",
};

/** Tour progress and checklist items marked done that this browser recorded but the server
 *  may not have stored yet win over the answer: a click on a link queues the next step and
 *  the page unloads, and its beacon can still be on its way when the next page asks for the
 *  session. (Not across tour versions.) */
export function withPending(answer: SessionResponse, pending: QueuedEvent[]): SessionResponse {
  for (const { name, properties } of pending) {
    const tour = answer.tours.find((t) => t.key === properties?.tour && t.version === properties.version);
    if (tour && STATUS[name]) tour.progress = { status: STATUS[name], current_step: (properties!.step as string) || null };
    // An item marked done on the last page, whose event the server may not have stored yet.
    const list = name == "$checklist_item_completed" && answer.checklists?.find((c) => c.key === properties?.checklist);
    if (list) list.progress.completed_items[properties!.item as string] ??= "";
  }
  return answer;
}

/** A JSON value kept in localStorage, or undefined. Storage that throws (full, blocked,
 *  sandboxed frames) only loses persistence: the value lasts for this page. */
function read(key: string): any {
  try {
    return JSON.parse(localStorage.getItem(key)!);
  } catch {
    // unreadable: none
  }
}

/** Stores `json`, or removes the key when it is empty. */
function write(key: string, json?: string | false | null): void {
  try {
    json ? localStorage.setItem(key, json) : localStorage.removeItem(key);
  } catch {
    // full or blocked: see read()
  }
}

/** Bumped when what the cache holds changes shape: a copy from another build is not used. */
const CACHE_FORMAT = 1;

/** The last session answer of this user (with this page's progress): the next page paints
 *  from it while its own `session` call is on the network (docs/widget.md, "First paint from
 *  the cache"). Without the token (a credential for the events endpoint: memory only) nor the
 *  checklists (their completions come back in event acknowledgements this copy would miss,
 *  and a stale one would celebrate an item twice); not at all past 64 K characters (the
 *  storage quota is the host's). `save(null)` removes it. */
export function sessionCache(key: string) {
  return {
    load(): SessionResponse | null {
      const copy = read(key);
      return copy?.v === CACHE_FORMAT ? copy : null;
    },
    save(answer: SessionResponse | null): void {
      const json = answer && JSON.stringify({ ...answer, v: CACHE_FORMAT, token: "", checklists: [] });
      write(key, json && json.length < 65536 && json);
    },
  };
}

export function uiState(key: string) {
  const load = (): Record<string, unknown> => read(key) || {};
  return {
    load,
    save: (patch: Record<string, unknown>): void => write(key, JSON.stringify({ ...load(), ...patch })),
  };
}
