// The builder's state: the tour's draft and the steps being edited, kept in sessionStorage so
// that building goes on across the app's pages (a full page load reloads the builder) and an
// ended grant loses no edit. Pure apart from sessionStorage.
import type { Locale } from "../context";
import type { Placement, SessionStep, SessionTour } from "../types";
import type { StoredTarget } from "./targets";

export type Text = string | { [locale: string]: string };

/** A step as the content format has it (docs/content-format.md); fields the builder does not
 *  edit (cta, advance, wait_ms, …) are kept as they came. */
export interface DraftStep {
  id: string;
  kind: "tooltip" | "modal" | "hotspot";
  target?: StoredTarget;
  placement?: Placement;
  page?: string;
  title?: Text;
  body?: Text;
  [other: string]: unknown;
}

export interface Draft {
  key: string;
  steps: DraftStep[];
  [other: string]: unknown;
}

export interface BuilderState {
  tour: string;
  draft: Draft;
  current: number;
  dirty: boolean;
  lang: Locale;
  /** `draft_revision` of the stored draft these edits started from, sent with the save: the
   *  server refuses it (409) when another save came since (the console's editor, another
   *  tab), so nothing is overwritten silently. */
  base?: number;
}

export const GRANT_KEY = "shirube:edit";
// Unsaved edits, one item per workspace and tour: two workspaces used on one origin (staging
// and production, say) may have tours of the same key. The workspace is the page's public key,
// which the server checks is the grant's workspace on every call.
const STATE_PREFIX = "shirube:builder:";
// The item last written in this tab: what to show when the draft cannot be read (an ended
// grant), before the tour is known from the server.
const LAST_KEY = "shirube:builder-last";
const stateKey = (workspace: string, tour: string) => `${STATE_PREFIX}${workspace}:${tour}`;

const storage = (): Storage | null => {
  try {
    return sessionStorage;
  } catch {
    return null;
  }
};

export const readGrant = (): string | null => storage()?.getItem(GRANT_KEY) || null;
export const dropGrant = (): void => storage()?.removeItem(GRANT_KEY);

export const readItem = (key: string | null | undefined): unknown => {
  try {
    return JSON.parse((key && storage()?.getItem(key)) || "null");
  } catch {
    return null;
  }
};

export const writeItem = (key: string, value: unknown): void => {
  try {
    if (value == null) storage()?.removeItem(key);
    else storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // full or unavailable: it still lives in this page
  }
};

/** The kept state of `tour` in `workspace`; without a tour, the one last kept in this tab if
 *  it is of this workspace. */
export function loadState(workspace: string, tour?: string): BuilderState | null {
  const key = tour != null ? stateKey(workspace, tour) : readItem(LAST_KEY);
  const s = typeof key === "string" && key.startsWith(stateKey(workspace, "")) ? (readItem(key) as BuilderState | null) : null;
  return s && typeof s.tour === "string" && Array.isArray(s.draft?.steps) ? s : null;
}

export function saveState(workspace: string, tour: string, state: BuilderState | null): void {
  const key = stateKey(workspace, tour);
  writeItem(key, state);
  if (state) writeItem(LAST_KEY, key);
}

/** The state to build with, given the server's draft (at `revision`): the unsaved edits
 *  of this tour when there are some (a grant that ended, a page left before saving; `stale`
 *  when the stored draft was saved again since they began), the draft otherwise. */
export function merge(kept: BuilderState | null, tour: string, draft: Draft, lang: Locale, revision: number): { state: BuilderState; resumed: boolean; stale: boolean } {
  if (kept && kept.tour === tour && kept.dirty) return { state: kept, resumed: true, stale: kept.base !== revision };
  const current = kept?.tour === tour ? Math.min(kept.current, draft.steps.length - 1) : 0;
  const state = { tour, draft, current: Math.max(0, current), dirty: false, lang: kept?.lang || lang, base: revision };
  return { state, resumed: false, stale: false };
}

/** A page pattern for the URL (src/routes.ts semantics): ids and other record-looking
 *  segments become `*` (`/employees/42` → `/employees/*`); a hash route keeps its route. */
export function suggestPattern(href: string): string {
  const url = new URL(href);
  const general = (path: string) =>
    path
      .split("/")
      .map((part) => (/^\d+$|^[0-9a-f]{8}-[0-9a-f-]{27}$|^[0-9a-f]{12,}$|^(?=.*\d)[\w-]{16,}$/i.test(part) ? "*" : part))
      .join("/");
  const route = /^#\//.test(url.hash) ? "#" + general(url.hash.slice(1).split("?")[0]) : "";
  return general(url.pathname) + route;
}

/** A localized text's value in `lang`, empty when it has none. A plain string is every
 *  language's text. */
export const textIn = (text: Text | undefined, lang: Locale): string =>
  text == null ? "" : typeof text === "string" ? text : text[lang] ?? "";

/** The text with `lang`'s value set (removed when blank); undefined when nothing is left. */
export function withText(text: Text | undefined, lang: Locale, value: string): Text | undefined {
  const other: Locale = lang === "ja" ? "en" : "ja";
  const out: { [locale: string]: string } = typeof text === "string" ? { [other]: text } : { ...text };
  if (value.trim()) out[lang] = value;
  else delete out[lang];
  return Object.keys(out).length ? out : undefined;
}

/** What the end user's widget would get for the draft in `lang` (as content/localize.py
 *  resolves texts: the language, then English, then any), starting at step `from`. */
export function asSessionTour(draft: Draft, lang: Locale, from: number): SessionTour {
  const pick = (t: Text | undefined) => (t == null ? undefined : typeof t === "string" ? t : t[lang] || t.en || Object.values(t)[0]);
  const steps: SessionStep[] = draft.steps.map((s) => ({
    id: s.id,
    kind: s.kind,
    target: s.target,
    placement: s.placement || "auto",
    page: s.page || undefined,
    title: pick(s.title),
    body: pick(s.body),
    advance: (s.advance as SessionStep["advance"]) || { type: "next" },
    cta: s.cta as SessionStep["cta"],
    if_missing: (s.if_missing as SessionStep["if_missing"]) || "skip",
    wait_ms: typeof s.wait_ms === "number" ? s.wait_ms : 5000,
  }));
  return {
    key: draft.key,
    version: 0,
    trigger: { type: "manual" },
    pages: [],
    frequency: "every_session",
    steps,
    progress: { status: "in_progress", current_step: steps[from]?.id ?? null },
  };
}

/** A step id not used yet in the draft. */
export function newStepId(draft: Draft): string {
  const used = new Set(draft.steps.map((s) => s.id));
  let n = draft.steps.length + 1;
  while (used.has("step-" + n)) n++;
  return "step-" + n;
}

/** `steps[2].title.ja` → [2, "title.ja"]: which step a validation error belongs to. */
export function stepOfPath(path: string): [number, string] | null {
  const m = /^steps\[(\d+)\]\.?(.*)$/.exec(path);
  return m ? [Number(m[1]), m[2]] : null;
}
