/**
 * Writes one Workers Analytics Engine data point per routed request.
 *
 * Layer: adapter (the only module that writes ROUTER_EVENTS for requests).
 * Layout (index = service):
 *   blobs:   [event "request", service, origin, role, reason, identity source, error kind,
 *            status class, body note ("too-large-for-failover": streamed without failover, or "")]
 *   doubles: [status, total ms, origin ms, failover (0|1), bucket (-1 = none), document version]
 * writeDataPoint is fire-and-forget; it never blocks or fails the request.
 * The RouterEvents port over these writers is ./router-events.ts.
 */

import type { RequestEvent } from "../../ports/router-events.ts";

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other";
}

export function writeRequestEvent(
  dataset: AnalyticsEngineDataset | undefined,
  e: RequestEvent,
): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint({
      indexes: [e.service],
      blobs: [
        "request",
        e.service,
        e.origin,
        e.role,
        e.reason,
        e.identitySource,
        e.errorKind,
        statusClass(e.status),
        e.failoverSkipped ? "too-large-for-failover" : "",
      ],
      doubles: [e.status, e.totalMs, e.originMs, e.failover ? 1 : 0, e.bucket ?? -1, e.version],
    });
  } catch (err) {
    console.error(JSON.stringify({ message: "analytics write failed", error: String(err) }));
  }
}
