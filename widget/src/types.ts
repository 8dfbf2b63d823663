// Mirrors the JSON of POST /api/v1/widget/session (server/shirube/services/widget_session.py,
// server/shirube/content/localize.py): texts are already resolved, defaults written out.

export interface Theme {
  brand_color?: string;
  /** Text on the brand colour; absent: white or near-black, whichever contrasts. */
  text_color?: string;
  font_family?: string;
  launcher_position?: "bottom-right" | "bottom-left" | "top-right" | "top-left";
  /** Pixels, 0-24 (cards; buttons and the launcher in proportion). */
  corner_radius?: number;
  /** Already in the user's language (the server resolves it like content texts). */
  launcher_label?: string;
}

export type Placement =
  | "auto"
  | `${"top" | "bottom" | "left" | "right"}`
  | `${"top" | "bottom" | "left" | "right"}-${"start" | "end"}`;

export type Advance =
  | { type: "next" }
  | { type: "click" }
  | { type: "event"; event: string };

/** A step's robust target (server/shirube/content/target.py): what src/target.ts reads. */
export interface RobustTarget {
  css: string;
  fallbacks?: Fallback[];
  text?: string;
}

export interface Fallback {
  by: string;
  css: string;
  name?: string;
}

export type Target = string | RobustTarget;

export interface SessionStep {
  id: string;
  kind: "tooltip" | "modal" | "hotspot";
  target?: Target;
  placement: Placement;
  page?: string;
  title?: string;
  body?: string;
  advance: Advance;
  cta?: { label: string; url: string };
  if_missing: "skip" | "end";
  wait_ms: number;
}

export type TourStatus = "not_started" | "in_progress" | "dismissed" | "completed";

export interface TourProgress {
  status: TourStatus;
  current_step: string | null;
  version?: number;
  started_at?: string | null;
  completed_at?: string | null;
  dismissed_at?: string | null;
}

export interface SessionTour {
  key: string;
  version: number;
  trigger: { type: "auto" } | { type: "manual" } | { type: "event"; event: string };
  pages: string[];
  frequency: "once" | "until_completed" | "every_session";
  steps: SessionStep[];
  progress: TourProgress;
}

export interface SessionItem {
  id: string;
  title: string;
  description?: string;
  action?: { type: "tour"; tour: string } | { type: "url"; url: string };
  completion:
    // The server evaluates every rule (server/shirube/content/rules); the widget only needs to
    // know which items the user ticks by hand.
    | { type: "event"; event: string; min_count: number; where?: Record<string, unknown>; within_days?: number }
    | { type: "tour_completed"; tour: string }
    | { type: "checklist_completed"; checklist: string }
    | { type: "page_visited"; page: string }
    | { type: "active_time"; minutes: number; within_days?: number }
    | { type: "manual" };
  success_message?: string;
}

export interface ChecklistProgress {
  completed_items: Record<string, string>;
  completed: number;
  total: number;
  completed_at: string | null;
  survey_answered: boolean;
}

export interface SessionChecklist {
  key: string;
  version: number;
  title: string;
  description?: string;
  items: SessionItem[];
  completion_message?: string;
  survey?: { question: string; comment_label?: string };
  progress: ChecklistProgress;
}

export interface HelpEntry {
  id: string;
  type: "article" | "link" | "tour" | "checklist";
  title: string;
  body?: string; // article: the safe Markdown subset
  url?: string; // link
  tour?: string;
  checklist?: string;
}

/** The help centre whose audience takes the user (server/shirube/content/resource_center.py). */
export interface SessionHelp {
  key: string;
  version: number;
  title: string;
  sections: { id: string; title?: string; entries: HelpEntry[] }[];
  contact?: { label: string; url: string };
}

export interface SessionResponse {
  token: string;
  expires_in: number;
  user: { id: string; company_id: string | null; locale: string };
  workspace: { default_locale: string; theme: Theme | null };
  revision: number;
  tours: SessionTour[];
  checklists: SessionChecklist[];
  help?: SessionHelp;
}

export interface CompletedItem {
  checklist: string;
  item: string;
}

export interface EventsResponse {
  received: number;
  accepted: number;
  duplicates: number;
  completed_items: CompletedItem[];
}

export interface QueuedEvent {
  id: string;
  name: string;
  properties?: Record<string, unknown>;
  timestamp: string;
}
