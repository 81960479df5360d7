/**
 * The rollout gates as they were before the anytime-valid ones (issue 11),
 * kept for `npm run gates:bench` to measure against: a one-sided pooled
 * two-proportion z-test on error rates (p < maxPValue and Δ > minDelta), a
 * p95 ratio (> max and > +minDeltaMs), and a chi-square sample-ratio test
 * (p < maxPValue), each judged afresh at every look; and the rules around
 * them: any fail rolls back at once, after the bake all passing advances,
 * anything inconclusive holds with no limit.
 *
 * Layer: build-time script. The router never runs these.
 */
import type { RolloutMetrics } from "../../../src/core/rollout/gates.ts";
import { sampleRatioMismatch, twoProportionZTest } from "../../../src/core/rollout/stats.ts";

export interface FixedHorizonRules {
  minRequests: number;
  errorRate: { maxPValue: number; minDelta: number };
  latencyP95Ratio: { max: number; minDeltaMs: number };
  srm: { maxPValue: number };
}

/** The schema's defaults before issue 11: what a plan without a gates block got. */
export const FIXED_HORIZON_DEFAULTS: FixedHorizonRules = {
  minRequests: 200,
  errorRate: { maxPValue: 0.01, minDelta: 0.005 },
  latencyP95Ratio: { max: 1.5, minDeltaMs: 25 },
  srm: { maxPValue: 0.001 },
};

export type FixedGate = "error-rate" | "latency-p95" | "srm";
export type FixedVerdict = "rollback" | "bake" | "advance" | "hold";

/** One look: which gates fail, and whether every gate could be judged. */
export function fixedHorizonGates(
  rules: FixedHorizonRules,
  m: RolloutMetrics,
  canaryShareBp: number,
): { judged: boolean; failed: FixedGate[] } {
  const enough = m.live.requests >= rules.minRequests && m.canary.requests >= rules.minRequests;
  if (!enough) return { judged: false, failed: [] };
  const failed: FixedGate[] = [];
  const z = twoProportionZTest(m.canary.errors, m.canary.requests, m.live.errors, m.live.requests);
  if (z.pValue < rules.errorRate.maxPValue && z.rateA - z.rateB > rules.errorRate.minDelta)
    failed.push("error-rate");
  let latencyJudged = false;
  if (m.canary.p95Ms !== null && m.live.p95Ms !== null && m.live.p95Ms > 0) {
    latencyJudged = true;
    const { max, minDeltaMs } = rules.latencyP95Ratio;
    if (m.canary.p95Ms / m.live.p95Ms > max && m.canary.p95Ms - m.live.p95Ms > minDeltaMs)
      failed.push("latency-p95");
  }
  const srm = sampleRatioMismatch(
    [m.split?.canary ?? 0, m.split?.others ?? 0],
    [canaryShareBp, 10_000 - canaryShareBp],
  );
  if (srm.pValue < rules.srm.maxPValue) failed.push("srm");
  return { judged: latencyJudged, failed };
}

/** Today's rules around the gates, for one look at `bakedSeconds` into a step. */
export function fixedHorizonVerdict(
  rules: FixedHorizonRules,
  m: RolloutMetrics,
  canaryShareBp: number,
  bakedSeconds: number,
  bakeSeconds: number,
): { verdict: FixedVerdict; failed: FixedGate[] } {
  const g = fixedHorizonGates(rules, m, canaryShareBp);
  if (g.failed.length > 0) return { verdict: "rollback", failed: g.failed };
  if (bakedSeconds < bakeSeconds) return { verdict: "bake", failed: [] };
  return { verdict: g.judged ? "advance" : "hold", failed: [] };
}
