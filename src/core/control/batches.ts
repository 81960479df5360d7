/**
 * Which of an isolate's delta batches the control object applies: each
 * batch once, in the order sent. Batches are numbered per isolate; one at
 * or below the highest already applied (held in memory or flushed) was
 * counted before (its answer was lost, or the object restarted before
 * acknowledging it, and the isolate re-sends it) and is skipped. Numbers
 * only go up, so a batch below one applied earlier in the same check-in is
 * skipped too.
 *
 * Layer: core (pure). The batch's shape lives here, so the buffer
 * (./delta-buffer.ts) and the wire protocol
 * (src/adapters/durable-object/protocol.ts) share it.
 */
import type { VersionMetrics } from "../rollout/request-metrics.ts";
import type { ShadowRecord } from "../shadow/record.ts";
import type { ShadowSummary } from "../shadow/summary.ts";

/** What one isolate observed for one service between two check-ins. */
export interface DeltaBatch {
  seq: number;
  /** Per document revision: requests, errors, failovers, latency, identified split. */
  metrics: VersionMetrics[];
  /** Per shadow origin: pairs, agreement, |delta|, latency, errors, skips. */
  shadow: ShadowSummary[];
  /** Notable shadow pairs (disagreements, errors), bounded per batch. */
  records: ShadowRecord[];
}

/**
 * The batches of one check-in to apply, given the highest batch number
 * already applied for the isolate, and the highest held afterwards.
 */
export function batchesToApply<B extends { seq: number }>(
  batches: readonly B[],
  applied: number,
): { apply: B[]; last: number } {
  const apply: B[] = [];
  let last = applied;
  for (const batch of batches) {
    if (batch.seq <= last) continue;
    apply.push(batch);
    last = batch.seq;
  }
  return { apply, last };
}
