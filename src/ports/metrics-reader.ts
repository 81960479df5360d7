/**
 * The MetricsReader port: per-arm request metrics of one document
 * revision, merged over every isolate (the analyzer's and the admin API's
 * evidence). Implemented by the control objects
 * (src/adapters/durable-object/control-client.ts).
 *
 * Layer: ports (types only).
 */
import type { VersionMetrics } from "../core/rollout/request-metrics.ts";

export interface MetricsReader {
  read(doc: { service: string; version: number; updatedAt: string }): Promise<VersionMetrics>;
}
