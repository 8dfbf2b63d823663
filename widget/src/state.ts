// Per-instance, per-user state: the session answer and the UI state kept in localStorage.
import { errorCode, post } from "./api";
import type { SessionResponse } from "./types";

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
): Promise<SessionResponse | { code: string; message: string }> {
  const reply = await post(server, "session", {
    public_key: publicKey,
    user_id: userId,
    traits: who.traits,
    locale: who.locale || navigator.language,
    company: who.company,
    identity_token: who.token,
  });
  if (reply.status === 200) return reply.body;
  return { code: errorCode(reply), message: reply.body?.error?.message ?? "session failed" };
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
