// The builder API (docs/api.md, "Builder API"): the tour's draft read and saved with the edit
// grant. text/plain bodies, like the widget's: simple cross-origin requests, no preflight.
import type { Draft } from "./model";

export interface Described {
  key: string;
  draft: Draft;
  published_version: number | null;
  has_unpublished_changes: boolean;
  /** Moved on by every save of the draft; a save sends the one it started from. */
  draft_revision: number;
}

export interface Refusal {
  status: number; // 0: the network failed
  code: string;
  message: string;
  fields: { path: string; message: string }[];
}

export type Answer = { ok: true; body: Described } | { ok: false; error: Refusal };

export async function call(server: string, path: "draft" | "save", body: Record<string, unknown>): Promise<Answer> {
  try {
    const response = await fetch(`${server}/api/v1/widget/builder/${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "Content-Type": "text/plain" },
      credentials: "omit",
    });
    const json = await response.json().catch(() => null);
    if (response.ok && json) return { ok: true, body: json as Described };
    const e = json?.error || {};
    return { ok: false, error: { status: response.status, code: e.code || "http_" + response.status, message: e.message || "", fields: e.fields || [] } };
  } catch {
    return { ok: false, error: { status: 0, code: "network", message: "", fields: [] } };
  }
}

/** Refusals that end the builder: the grant is no longer good (the steps are kept). */
export const grantEnded = (e: Refusal): boolean => e.status === 401 || (e.status === 403 && e.code.startsWith("grant_"));
