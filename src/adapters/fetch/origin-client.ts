/**
 * Calls one model origin, with a timeout, and classifies the outcome.
 *
 * Layer: adapter (the only module that fetches origins). The timeout covers
 * the wait for response headers; once they arrive the body streams back
 * without a deadline. Failures are values, never exceptions, so the caller
 * decides between failover and an error response. A request the runtime
 * refuses to build is "unsendable", told apart from every origin failure.
 */

export type OriginErrorKind = "timeout" | "connection" | "status-5xx";

/** The request was never sent: the runtime refused to build it (not an origin error). */
export type Unsendable = {
  ok: false;
  kind: "unsendable";
  response: null;
  durationMs: 0;
  message: string;
};

export interface OriginRequest {
  url: string;
  method: string;
  headers: Headers;
  body: BodyInit | null;
  timeoutMs: number;
}

export type OriginOutcome =
  | { ok: true; response: Response; durationMs: number }
  | { ok: false; kind: OriginErrorKind; response: Response | null; durationMs: number }
  | Unsendable;

export async function callOrigin(req: OriginRequest): Promise<OriginOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  let request: Request;
  try {
    // Built once, with its signal, and handed to fetch as is (no second copy).
    request = new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: controller.signal,
    });
  } catch (err) {
    // The request cannot be sent as it came (e.g. a forbidden method): the
    // client's doing, never the origin's.
    return { ok: false, kind: "unsendable", response: null, durationMs: 0, message: String(err) };
  }
  const timer = setTimeout(() => controller.abort(new Error("origin timeout")), req.timeoutMs);
  try {
    const response = await fetch(request);
    const durationMs = performance.now() - started;
    if (response.status >= 500) return { ok: false, kind: "status-5xx", response, durationMs };
    return { ok: true, response, durationMs };
  } catch {
    const durationMs = performance.now() - started;
    const kind = controller.signal.aborted ? "timeout" : "connection";
    return { ok: false, kind, response: null, durationMs };
  } finally {
    clearTimeout(timer);
  }
}
