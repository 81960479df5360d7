/**
 * Calls one model origin, with a timeout, and classifies the outcome.
 *
 * Layer: adapter (the only module that fetches origins), implementing the
 * OriginClient port (src/ports/origin-client.ts). The timeout covers
 * the wait for response headers; once they arrive the body streams back
 * without a deadline. Failures are values, never exceptions, so the caller
 * decides between failover and an error response. A request the runtime
 * refuses to build is "unsendable", told apart from every origin failure.
 *
 * The init goes to fetch() as is: a Request object built first cost ~10 µs
 * of workerd CPU per call (`npm run bench`). Only a method outside the
 * common ones is first tried as a Request, which is where the runtime
 * refuses what it cannot send (CONNECT, TRACK, any method it does not
 * know), so that refusal is never mistaken for the origin's failure.
 */

import type { OriginOutcome, OriginRequest } from "../../ports/origin-client.ts";

/** Methods every runtime sends; others are checked before the call. */
const SENDABLE = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export async function callOrigin(req: OriginRequest): Promise<OriginOutcome> {
  const started = performance.now();
  if (!SENDABLE.has(req.method)) {
    try {
      new Request(req.url, { method: req.method });
    } catch (err) {
      // The request cannot be sent as it came (e.g. a forbidden method): the
      // client's doing, never the origin's.
      return { ok: false, kind: "unsendable", response: null, durationMs: 0, message: String(err) };
    }
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("origin timeout")), req.timeoutMs);
  const timeout = controller.signal;
  try {
    const response = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: req.signal ? AbortSignal.any([timeout, req.signal]) : timeout,
    });
    const durationMs = performance.now() - started;
    if (response.status >= 500) return { ok: false, kind: "status-5xx", response, durationMs };
    return { ok: true, response, durationMs };
  } catch {
    const durationMs = performance.now() - started;
    const kind = timeout.aborted ? "timeout" : "connection";
    return { ok: false, kind, response: null, durationMs };
  } finally {
    clearTimeout(timer);
  }
}
