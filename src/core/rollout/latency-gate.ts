/**
 * The latency gate: is the canary's p95 above max(live's p95 x max, live's
 * p95 + minDeltaMs)?
 *
 * Layer: pure core. It compares two shares read exactly from the arms'
 * histograms (src/core/rollout/latency-tail.ts): of canary requests slower
 * than the allowance A(T) = max(T x max, T + minDeltaMs), and of live
 * requests slower than T, with T live's p95 (the lower edge of its bucket,
 * so live's share is at least 5 %). If the canary's latency is at
 * most A(live's) in distribution, the first share is at most the second
 * whatever T is, so a canary share shown higher means a p95 above the
 * allowance. T must not depend on the requests it judges, yet should follow
 * live's latency as it drifts: so each batch of requests (those since the
 * previous look) is judged against live's p95 as of that previous look, and
 * the batches add up. Under the null every batch's difference has mean
 * <= 0 given the past, so the sums are a supermartingale and the same
 * mixture test (src/core/rollout/sequential.ts) applies. The running sums
 * and the last look's histograms live in the rollout status
 * (LatencyReference); a look the analyzer does not store (a preview) only
 * makes the next batch larger. At a 100 % step live is the previous step's
 * sample: T is its final p95 and its share the share it had.
 */
import { bucketUpperBound, LATENCY_MS, quantile } from "../histogram.ts";
import { latencySums, logDispersion } from "./dispersion.ts";
import { evidenceOf, interval, verdictWords } from "./gate-evidence.ts";
import { count, ms, num, pct, pp } from "./gate-words.ts";
import type {
  GateContext,
  GateResult,
  LatencyReference,
  RolloutMetrics,
  TailCounts,
} from "./gates.ts";
import {
  allowanceBucket,
  type BucketCounts,
  countAbove,
  countAll,
  countsSince,
  p95Threshold,
} from "./latency-tail.ts";
import type { GateRules } from "./plan.ts";
import { compareRates } from "./sequential.ts";

/**
 * Mixing sd of the latency test's tail shares, whose differences are larger
 * (a p95 +50% moves the share slower than live's p95 by about 10 points):
 * gates:bench caught p95 +50% twice as fast as with 0.01, the rest unchanged.
 */
export const TAIL_MIXING_SD = 0.03;

export interface LatencyVerdict {
  result: GateResult;
  /** The state to keep for the next look (null: none yet). */
  reference: LatencyReference | null;
  /** Live's judged requests, for a following 100 % step's baseline. */
  tail: TailCounts | null;
}

const gate = "latency-p95" as const;

export function latencyGate(rules: GateRules, m: RolloutMetrics, ctx: GateContext): LatencyVerdict {
  const { max, minDeltaMs } = rules.latencyP95Ratio;
  const alpha = ctx.alphas[gate] as number;
  const canaryHist = m.canary.latencyMs;
  const liveHist = m.live.latencyMs;
  // State from an earlier look of this step (same revision: the same stream of requests).
  const held = ctx.latencyReference;
  const kept =
    !ctx.baseline &&
    held &&
    held.stepIndex === ctx.stepIndex &&
    held.revision === (m.revision ?? null)
      ? held
      : null;
  const wait = (detail: string, reference = kept): LatencyVerdict => ({
    result: { gate, outcome: "inconclusive", detail },
    reference,
    tail: null,
  });

  let judged: { canary: number; canaryAbove: number; live: number; liveAbove: number };
  let bucket: number;
  let reference: LatencyReference | null = null;
  if (ctx.baseline) {
    const tail = ctx.baseline.tail;
    if (!canaryHist || canaryHist.n === 0) return wait("no canary latency data yet");
    if (!tail || tail.requests === 0)
      return wait("no live latency baseline from the previous step to compare with");
    bucket = tail.bucket;
    judged = {
      canary: canaryHist.n,
      canaryAbove: countAbove(canaryHist.counts, allowanceBucket(bucket, max, minDeltaMs)),
      live: tail.requests,
      liveAbove: tail.above,
    };
  } else {
    if (!liveHist || liveHist.n === 0) return wait("no live latency data yet");
    const canaryCounts: BucketCounts = canaryHist?.counts ?? {};
    if (!kept) {
      if (liveHist.n < rules.minRequests) {
        return wait(
          `live has ${count(liveHist.n)} answered requests; its p95 becomes the first threshold at ${count(rules.minRequests)}`,
        );
      }
      const first = p95Threshold(liveHist.counts) ?? 0;
      return wait(
        `live's p95 ${ms(bucketUpperBound(LATENCY_MS, first))} is the first threshold; each batch of requests from now on is judged against live's p95 before it`,
        {
          stepIndex: ctx.stepIndex,
          revision: m.revision ?? null,
          bucket: first,
          live: { ...liveHist.counts },
          canary: { ...canaryCounts },
          judged: { canary: 0, canaryAbove: 0, live: 0, liveAbove: 0 },
        },
      );
    }
    // This batch, against the threshold set at the previous look.
    const liveBatch = countsSince(liveHist.counts, kept.live);
    const canaryBatch = countsSince(canaryCounts, kept.canary);
    judged = {
      canary: kept.judged.canary + countAll(canaryBatch),
      canaryAbove:
        kept.judged.canaryAbove +
        countAbove(canaryBatch, allowanceBucket(kept.bucket, max, minDeltaMs)),
      live: kept.judged.live + countAll(liveBatch),
      liveAbove: kept.judged.liveAbove + countAbove(liveBatch, kept.bucket),
    };
    bucket = p95Threshold(liveHist.counts) ?? kept.bucket;
    reference = {
      stepIndex: ctx.stepIndex,
      revision: m.revision ?? null,
      bucket,
      live: { ...liveHist.counts },
      canary: { ...canaryCounts },
      judged,
    };
  }
  const threshold = bucketUpperBound(LATENCY_MS, bucket);
  const allowanceMs = bucketUpperBound(LATENCY_MS, allowanceBucket(bucket, max, minDeltaMs));
  const tail = ctx.baseline ? null : { bucket, requests: judged.live, above: judged.liveAbove };
  if (judged.canary === 0 || judged.live === 0) {
    return {
      ...wait("waiting for requests of both arms after the first threshold", reference),
      tail,
    };
  }
  // Latency clusters by user too (a slow client, a slow region): its design effect over user buckets.
  const sums = [m.canary.users, ...(ctx.baseline ? [] : [m.live.users])];
  const phi = logDispersion(sums.flatMap((u) => (u ? [latencySums(u)] : [])));
  const t = compareRates(
    { trials: judged.canary, events: judged.canaryAbove },
    { trials: judged.live, events: judged.liveAbove },
    {
      alpha,
      bound: 0,
      mixingSd: TAIL_MIXING_SD,
      fixedReference: ctx.baseline !== null,
      dispersion: phi,
    },
  );
  const c95 = canaryHist ? quantile(canaryHist, LATENCY_MS, 0.95) : null;
  const l95 = ctx.baseline
    ? ctx.baseline.p95Ms
    : liveHist
      ? quantile(liveHist, LATENCY_MS, 0.95)
      : null;
  const liveName = ctx.baseline ? "live's baseline" : "live";
  const p95s =
    c95 !== null && l95 !== null && l95 > 0
      ? `p95 ${ms(c95)} vs ${ms(l95)} ${liveName} (x${(c95 / l95).toFixed(2)}, allowed x${max} or +${minDeltaMs} ms): `
      : "";
  const when = ctx.baseline ? "" : " (now";
  const shares = ctx.baseline
    ? `${pct(judged.canaryAbove / judged.canary)} of canary requests slower than ${ms(allowanceMs)} vs ${pct(judged.liveAbove / judged.live)} of live slower than ${ms(threshold)}`
    : `${pct(judged.canaryAbove / judged.canary)} of canary requests slower than the allowance over live's p95 at the time${when} ${ms(allowanceMs)}) vs ${pct(judged.liveAbove / judged.live)} of live slower than its p95${when} ${ms(threshold)})`;
  return {
    result: {
      gate,
      outcome: t.outcome,
      detail: `${p95s}${shares}, ${pp(t.effect)} (${interval(t, pp)})${verdictWords(t, judged.canary, "canary requests", "the allowance")}${phi > 1.05 ? `; users' clustering counted (dispersion ${num(phi)})` : ""}`,
      evidence: evidenceOf(
        t,
        "share of canary requests slower than the allowance - share of live slower than live's p95",
        judged.canary,
        judged.live,
      ),
    },
    reference,
    tail,
  };
}
