// One widget instance: the public API behind window.Shirube, and everything one signed-in
// user's session owns (nodes, listeners, outbox, runner, checklists), torn down by reset().
import { trackActivity } from "./activity";
import { backoff, transient } from "./api";
import { createChecklists, type Checklists } from "./checklist/index";
import { loadChunk } from "./chunks";
import type { WidgetContext } from "./context";
import { createScope, followable, type Scope } from "./dom";
import { createEmitter, type Handler } from "./emitter";
import { localeOf, stringsFor } from "./i18n";
import { renderText } from "./markdown";
import { createOutbox } from "./outbox";
import { watchRoutes } from "./routes";
import { openSession, sessionCache, uiState, withPending, type Identity } from "./state";
import { baseSheet, themeSheet } from "./styles";
import { createTours } from "./tours";
import type { SessionResponse } from "./types";

const POLL_MS = 30000;
/** Tries of the first `session` call: 1 s, 2 s, … 60 s apart (jittered), about two minutes. */
const SESSION_TRIES = 8;

interface Live {
  userId: string;
  who: Identity;
  scope: Scope;
  session: SessionResponse | null;
  outbox: ReturnType<typeof createOutbox>;
  runner_?: ReturnType<typeof createTours>;
  /** Calls made before the session answered (the snippet's queue replays them right away). */
  pending: (() => void)[];
  lists_?: Checklists;
  /** The first `session` call failed for good: identify() starts over. */
  failed?: boolean;
  /** `session` is the cached answer (no token) until the fresh one is in. */
  cache_: ReturnType<typeof sessionCache>;
}

export function createWidget(server: string, publicKey: string) {
  const emitter = createEmitter();
  let live: Live | null = null;

  const fail = (code: string, message: string) => emitter.emit("error", { code, message });

  /** Calls `session` (the first one, token renewal, polls); false when it failed. With
   *  `tries`, failures that may pass (network, 5xx, 429) are tried again after a backoff: a
   *  first call that failed while the server restarted must not leave the page blank. */
  async function refresh(l: Live, tries = 1): Promise<boolean> {
    for (let n = 0; ; ) {
      const answer = await openSession(server, publicKey, l.userId, l.who);
      if (live !== l) return false;
      if (!("code" in answer)) {
        // In the task that brought the answer: nothing withdrawn stays for a frame.
        if (l.session && !l.session.token) l.runner_?.renew(answer.tours);
        l.cache_.save((l.session = withPending(answer, l.outbox.pending())));
        l.lists_?.update(answer);
        return true;
      }
      if (++n >= tries || !transient(answer.status)) {
        fail(answer.code, answer.message);
        return false;
      }
      // reset() wakes the wait (and the check below ends it).
      await new Promise((wake) => {
        const timer = setTimeout(wake, backoff(n - 1));
        l.scope.add(() => wake(clearTimeout(timer)));
      });
      if (live !== l) return false;
    }
  }

  function queue(name: string, properties?: Record<string, unknown>): void {
    if (!live) return fail("not_identified", "call identify() first");
    live.outbox.add(name, properties);
    live.runner_?.event(name);
  }

  /** The host's events. Checked here: one bad event would get its whole batch, progress
   *  events included, refused by the server (or, not JSON, never sent at all). `$` names are
   *  the widget's own. The properties are copied as JSON: later changes by the host don't
   *  reach the queued event. */
  function track(name: string, properties?: Record<string, unknown>): void {
    try {
      // The literal is written by `python -m shirube.identifiers` (server/shirube/identifiers.py).
      if (!/* HOST_EVENT_NAME */ /^[A-Za-z0-9][\w.:$ -]{0,99}$/.test(name) || (properties != null && (typeof properties !== "object" || Array.isArray(properties))))
        throw 0;
      properties = properties ? JSON.parse(JSON.stringify(properties)) : undefined;
    } catch {
      return fail("invalid_event", String(name));
    }
    queue(name, properties);
  }

  function pageViewed(): void {
    // An empty title is left out (JSON drops undefined).
    queue("$page_viewed", { url: location.href.slice(0, 2000), title: document.title.slice(0, 500) || undefined });
  }

  function render(l: Live, session: SessionResponse, base: CSSStyleSheet): void {
    const { scope } = l;
    const theme = session.workspace.theme || {};
    const locale = localeOf(session.user.locale);
    const sheets = [base, themeSheet(theme)];
    const makeRoot = (parent: Element, s: Scope): ShadowRoot => {
      const host = document.createElement("shirube-root");
      const root = host.attachShadow({ mode: "open" });
      root.adoptedStyleSheets = sheets;
      // A host zooming <body> (`zoom: 0.8`) would scale our viewport coordinates a second
      // time: cancel it (zoom multiplies down the tree). CSSOM, before it is in the page.
      host.style.zoom = String(1 / (parent.currentCSSZoom || 1));
      parent.appendChild(host);
      s.add(() => host.remove());
      return root;
    };
    const root = makeRoot(document.body, scope);
    const ui = uiState(`shirube:ui:${publicKey}:${l.userId}`);
    const tours = (l.runner_ = createTours({
      tours_: () => l.session?.tours || [],
      sessionKey: `shirube:seen:${publicKey}:${l.userId}`,
      rootFor(stepScope, moved) {
        // Outside an open modal <dialog> everything is inert: while one is open, cards live
        // inside the topmost (the last one: nested or opened later), and move out when it closes.
        let dialog: Element | undefined;
        try {
          dialog = [...document.querySelectorAll("dialog:modal")].pop();
        } catch {
          // no :modal (old browsers): no modal dialogs either
        }
        if (!dialog) return root;
        stepScope.listen(dialog, "close", moved);
        return makeRoot(dialog, stepScope);
      },
      track: queue,
      emit: emitter.emit,
      t: stringsFor(locale),
      locale,
      renderText,
    }));
    scope.add(tours.stop);
    const ctx: WidgetContext = {
      root,
      locale,
      theme,
      track: queue,
      startTour: (key) => void tours.start(key),
      navigate: (url) => followable(url) && location.assign(url),
      emit: emitter.emit,
      loadUiState: ui.load,
      saveUiState: ui.save,
      listen: scope.listen,
      renderText,
      load: loadChunk,
    };
    const checklists = (l.lists_ = createChecklists(ctx));
    scope.add(() => checklists.destroy());
    // The cache has none: they come with the fresh answer.
    session.token && checklists.update(session);

    watchRoutes(scope, () => {
      pageViewed();
      tours.evaluate();
    });
    // Active seconds counted so far go out with the page's last beacon.
    const active = trackActivity(scope, l.outbox.add);
    const leave = () => (active(), l.outbox.beacon());
    const hidden = () => document.visibilityState === "hidden";
    scope.listen(window, "pagehide", leave);
    scope.listen(document, "visibilitychange", () => (hidden() ? leave() : refresh(l)));
    // Server-side events complete checklist items: a light poll while one is still open.
    const poll = setInterval(() => {
      if (!hidden() && l.session?.checklists.some((c) => c.progress.completed < c.progress.total)) refresh(l);
    }, POLL_MS);
    scope.add(() => clearInterval(poll));
  }

  async function identify(userId: string, who: Identity = {}): Promise<void> {
    userId = String(userId);
    if (live && (live.userId !== userId || live.failed)) reset();
    if (live) {
      live.who = who;
      await refresh(live);
      return;
    }
    const scope = createScope();
    const l: Live = (live = {
      userId,
      who,
      scope,
      session: null,
      pending: [],
      outbox: createOutbox({
        server,
        storageKey: `shirube:outbox:${publicKey}:${userId}`,
        token: () => l.session?.token || "",
        renew: () => refresh(l),
        acked(reply, batch) {
          l.lists_?.markCompleted(reply.completed_items || []);
          // Acknowledged events leave the outbox: the cache takes over the progress they made
          // (and what is still queued, newer).
          l.cache_.save(withPending(l.session!, [...batch, ...l.outbox.pending()]));
        },
        failed: fail,
      }),
      cache_: sessionCache(`shirube:session:${publicKey}:${userId}`),
    });
    scope.add(l.outbox.stop);
    const answered = refresh(l, SESSION_TRIES);
    // While the session call is on the network (its request is out): parse the stylesheet and
    // open both storages, whose first access waits for the browser process.
    const base = baseSheet();
    l.outbox.pending();
    try {
      sessionStorage.length;
    } catch {
      // no sessionStorage: the tours keep their triggers in memory
    }
    if (!document.body) await new Promise((loaded) => addEventListener("DOMContentLoaded", loaded, { once: true }));
    if (live !== l) return;
    const paint = (session: SessionResponse) => {
      if (!l.runner_) render(l, session, base), emitter.emit("ready", { user: userId });
      l.pending.splice(0).forEach((call) => call());
      l.runner_!.evaluate(); // no-op when a queued startTour() already runs a tour
    };
    // A returning user: painted now from the last answer, reconciled when the fresh one is in.
    const cached = !l.session && l.cache_.load();
    if (cached) paint((l.session = withPending(cached, l.outbox.pending())));
    // Failed for good (refused, or the server out of reach for minutes): nothing painted, and
    // no copy to paint on the next page either.
    if (!(await answered)) return void (live === l && ((l.failed = true), l.scope.dispose(), l.cache_.save(null)));
    paint(l.session!);
    // What earlier pages of this user left unsent goes out with this page's first events
    // (the page view), 50 ms after the first step is on screen, not before it.
    pageViewed();
  }

  function reset(): void {
    const l = live;
    live = null;
    // Hand what is still queued to the browser now; it also stays for this user's next visit.
    l?.outbox.beacon();
    l?.scope.dispose();
    l?.cache_.save(null);
  }

  /** Runs now when the session is loaded, or once it is (calls queued after identify()). */
  const whenReady =
    <A extends unknown[]>(fn: (l: Live, ...args: A) => unknown) =>
    (...args: A): void => {
      const l = live;
      if (!l) return fail("not_identified", "call identify() first");
      if (l.runner_) fn(l, ...args);
      else l.pending.push(() => fn(l, ...args));
    };

  return {
    identify: (userId: string, who?: Identity) => identify(userId, who).catch((e) => fail("internal", String(e))),
    track,
    // Painted from the cache: a tour it does not know may be in the fresh answer.
    startTour: whenReady(function start(l, key: string): unknown {
      return l.runner_!.start(key) || (l.session!.token ? fail("unknown_tour", key) : l.pending.push(() => start(l, key)));
    }),
    openChecklist: whenReady((l, key?: string) => l.lists_!.open(key)),
    closeChecklist: whenReady((l) => l.lists_!.close()),
    reset,
    on: (name: string, handler: Handler) => emitter.on(name, handler),
    destroy(): void {
      reset();
      emitter.clear();
    },
  };
}
