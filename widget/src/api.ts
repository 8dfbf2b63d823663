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
