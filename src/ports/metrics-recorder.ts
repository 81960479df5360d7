/**
 * The MetricsRecorder port: per-arm request metrics of this isolate,
 * reported off the request path. Implemented by the check-in link
 * (src/adapters/durable-object/check-in-link.ts), which carries them to the
 * service's control object.
 *
 * Layer: ports (types only).
 */
import type { RequestObservation } from "../core/rollout/request-metrics.ts";
import type { WaitUntil } from "./wait-until.ts";

export interface MetricsRecorder {
  record(o: RequestObservation, waitUntil: WaitUntil): void;
}
