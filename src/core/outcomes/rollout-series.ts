/**
 * A rollout's outcomes as its outcome gates read them: for each gated
 * metric, one stratum per revision written since the rollout started (its
 * steps, and any edit during it) with live's and the canary's per-bucket
 * sums, and the canary's outcomes per minute so far.
 *
 * Layer: pure core.
 */
import type { OutcomeMetrics, OutcomeSeries } from "../rollout/outcome-gates.ts";
import { revisionTimeMs } from "../rollout/request-metrics.ts";
import { type ArmOutcome, binaryValues, type OutcomeCell, totalsOf } from "./outcome-sums.ts";

export interface RolloutArms {
  live: string;
  canary: string;
  /** Gated metric -> which way is better. */
  metrics: Readonly<Record<string, "higher" | "lower">>;
  /** When the rollout started: revisions written before are another rollout's. */
  sinceMs: number;
  nowMs: number;
}

/**
 * What a document's rollout judges outcomes on: live, the canary, each
 * gated metric's direction (as the document's `outcomes` declares it), since
 * the rollout started. Null when the plan gates on no outcome.
 */
export function rolloutArmsOf(
  doc: {
    live: string;
    canary?: { origin: string } | undefined;
    outcomes?: Readonly<Record<string, { better: "higher" | "lower" }>> | undefined;
    rollout?: { gates: { outcomes?: Readonly<Record<string, unknown>> | undefined } } | undefined;
  },
  startedAt: number,
  nowMs: number,
): RolloutArms | null {
  const gated = Object.keys(doc.rollout?.gates.outcomes ?? {});
  if (!doc.canary || gated.length === 0) return null;
  const metrics: Record<string, "higher" | "lower"> = Object.create(null);
  for (const m of gated)
    metrics[m] =
      doc.outcomes && Object.hasOwn(doc.outcomes, m)
        ? (doc.outcomes[m]?.better ?? "higher")
        : "higher";
  return { live: doc.live, canary: doc.canary.origin, metrics, sinceMs: startedAt, nowMs };
}

const sample = (a: ArmOutcome | undefined) =>
  a ? { n: a.buckets.n, sum: a.buckets.sum, sumSq: a.sumSq } : { n: [], sum: [], sumSq: 0 };

export function rolloutSeries(cells: readonly OutcomeCell[], arms: RolloutArms): OutcomeMetrics {
  const byRevision = totalsOf(
    cells.filter(
      (c) =>
        Object.hasOwn(arms.metrics, c.metric) &&
        (c.arm === arms.live || c.arm === arms.canary) &&
        revisionTimeMs(c.revision) >= arms.sinceMs,
    ),
  );
  const minutes = Math.max(1 / 60, (arms.nowMs - arms.sinceMs) / 60_000);
  const out: Record<string, OutcomeSeries> = Object.create(null);
  for (const metric of Object.keys(arms.metrics)) {
    const all: ArmOutcome[] = [];
    const strata: OutcomeSeries["strata"] = [];
    let canaryN = 0;
    for (const revision of Object.keys(byRevision).sort()) {
      const live = byRevision[revision]?.[arms.live]?.[metric];
      const canary = byRevision[revision]?.[arms.canary]?.[metric];
      if (!live && !canary) continue;
      if (live) all.push(live);
      if (canary) all.push(canary);
      canaryN += canary?.n ?? 0;
      strata.push({ live: sample(live), canary: sample(canary) });
    }
    if (strata.length === 0) continue;
    out[metric] = {
      better: arms.metrics[metric] as "higher" | "lower",
      binary: binaryValues(all),
      strata,
      canaryPerMinute: canaryN / minutes,
    };
  }
  return out;
}
