// HTTP to the Shirube server. Bodies go as text/plain (the server reads JSON whatever the
// type) so cross-origin calls are "simple" requests: no CORS preflight round trip.
export interface Reply {
  status: number; // 0 when the network failed
  body: any;
}

export async function post(server: string, path: string, body: unknown): Promise<Reply> {
  try {
    const response = await fetch(server + "/api/v1/widget/" + path, {
      method: "POST",
      body: JSON.stringify(body),
      credentials: "omit",
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  } catch {
    return { status: 0, body: null };
  }
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
