/**
 * Which of an isolate's delta batches the control object applies: each
 * batch once, in the order sent. Batches are numbered per isolate; one at
 * or below the highest already applied (held in memory or flushed) was
 * counted before (its answer was lost, or the object restarted before
 * acknowledging it, and the isolate re-sends it) and is skipped. Numbers
 * only go up, so a batch below one applied earlier in the same check-in is
 * skipped too.
 *
 * Batches come as JSON from other isolates, some of an earlier release: the
 * per-arm user parts (sums over user buckets, the distinct-user bitmap) are
 * checked and bounded on arrival (`checkUserParts`), absent or malformed
 * ones read as empty, so a bad one never throws nor reaches the totals.
 *
 * Layer: core (pure). The batch's shape lives here, so the buffer
 * (./delta-buffer.ts) and the wire protocol
 * (src/adapters/durable-object/protocol.ts) share it.
 */

import { streamFromWire } from "../answers/stream-sums.ts";
import type { VersionMetrics } from "../rollout/request-metrics.ts";
import { seenBits, seenUsersFrom, total, userSumsFrom } from "../rollout/user-sums.ts";
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

const objectOr = (x: unknown): Record<string, unknown> | null =>
  typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null;

/**
 * Checks, in place, the user parts of every arm of batches read from the
 * wire: `users` (userSumsFrom: at most the arm's requests) and `seen`
 * (seenUsersFrom: at most one bit per user request), each replaced by an
 * empty one when absent (an isolate of an earlier release) or malformed;
 * and `streams` (streamFromWire: at most one streamed answer, one usage,
 * per request), dropped when malformed. Nothing else of a batch is changed.
 */
export function checkUserParts(batches: readonly DeltaBatch[]): void {
  for (const batch of batches as readonly unknown[]) {
    const metrics = objectOr(batch)?.metrics;
    if (!Array.isArray(metrics)) continue;
    for (const m of metrics) {
      const arms = objectOr(objectOr(m)?.arms);
      if (!arms) continue;
      for (const name of Object.keys(arms)) {
        const arm = objectOr(arms[name]);
        if (!arm) continue;
        const requests = typeof arm.requests === "number" ? arm.requests : 0;
        const users = userSumsFrom(arm.users, requests);
        let seen = seenUsersFrom(arm.seen);
        if (seenBits(seen) > total(users.requests)) seen = seenUsersFrom(null);
        arm.users = users;
        arm.seen = seen;
        if (arm.streams !== undefined) {
          const streams = streamFromWire(arm.streams);
          const fits = streams && streams.answers <= requests && streams.usageAnswers <= requests;
          arm.streams = fits ? streams : undefined;
        }
      }
    }
  }
}
