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

/** Tour progress this browser recorded but the server may not have stored yet wins over the
 *  answer: a click on a link queues the next step and the page unloads, and its beacon can
 *  still be on its way when the next page asks for the session. (Not across tour versions.) */
export function withPending(answer: SessionResponse, pending: QueuedEvent[]): SessionResponse {
  for (const { name, properties } of pending) {
    const tour = answer.tours.find((t) => t.key === properties?.tour && t.version === properties.version);
    if (tour && STATUS[name]) tour.progress = { status: STATUS[name], current_step: (properties!.step as string) || null };
  }
  return answer;
}

export function uiState(key: string) {
  const load = (): Record<string, unknown> => {
    try {
      return JSON.parse(localStorage.getItem(key) || "{}") || {};
    } catch {
      return {};
    }
  };
  return {
    load,
    save(patch: Record<string, unknown>): void {
      try {
        localStorage.setItem(key, JSON.stringify({ ...load(), ...patch }));
      } catch {
        // storage full or blocked: the state lasts for this page only
      }
    },
  };
}
