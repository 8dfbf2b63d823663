// HTTP to the Shirube server. Bodies go as text/plain (the server reads JSON whatever the
// type) so cross-origin calls are "simple" requests: no CORS preflight round trip.
export interface Reply {
  status: number; // 0 when the network failed
  body: any;
}

/** The snippet's own `session` request, started while the script downloaded (docs/widget.md,
 *  "Session preload"): `[url + body, its reply]`, or nothing (an older snippet). */
let preload: [string, Promise<Reply>] | 0 | undefined;
export const preloaded = (p?: [string, Promise<Reply>]) => (preload = p);

/** XMLHttpRequest, not fetch: the browser reads its body as soon as the headers are in and
 *  `loadend` fires in the task that finished it, where fetch + json() take a task more, each
 *  one liable to wait behind a frame (first tooltip: 13-25 ms sooner on a warm page, A/B runs
 *  of bench/widget_first_tooltip.py). Cross-origin it sends no cookies (`withCredentials` is
 *  false), like fetch's "omit"; only a server on the host page's own origin would get that
 *  origin's cookies, which the widget API never reads.
 *  The first call takes the snippet's preload when it is the same request (same URL and body:
 *  same key, user, traits, token); any other first call drops it. */
export function post(server: string, path: string, body: unknown): Promise<Reply> {
  return new Promise<Reply>((resolve) => {
    const url = server + "/api/v1/widget/" + path;
    const json = JSON.stringify(body);
    const early = preload && preload[0] === url + json && preload[1];
    preload = 0;
    if (early) return resolve(early);
    const x = new XMLHttpRequest();
    // Network errors, aborts and timeouts end here too, with status 0; a body that is not
    // JSON (a proxy's error page) is null.
    x.onloadend = () => resolve({ status: x.status, body: x.response });
    x.open("POST", url);
    x.responseType = "json";
    x.send(json);
    // open() throws on a malformed server URL, JSON.stringify on a body that is not JSON: both
    // end like a network failure.
  }).catch(() => ({ status: 0, body: null }));
}

export function beacon(server: string, body: unknown): void {
  try {
    navigator.sendBeacon(server + "/api/v1/widget/events", JSON.stringify(body));
  } catch {
    // Nothing more to do while the page goes away; the outbox keeps the events.
  }
}

export const errorCode = (reply: Reply): string => reply.body?.error?.code ?? "http_" + reply.status;

/** Worth another try: the network failed, the server failed or asks us to slow down. Any
 *  other 4xx would be refused again. */
export const transient = (status: number): boolean => !status || status === 429 || status >= 500;

/** The wait before retry number `n` (from 0): exponential from 1 s to 60 s, with jitter so
 *  that many tabs (a server restart reaches them all at once) do not retry in step. */
export const backoff = (n: number): number => Math.min(60000, 1000 * 2 ** n) * (0.5 + Math.random() / 2);
