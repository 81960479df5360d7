/**
 * One simulated rollout for `npm run gates:bench`: synthetic traffic at a
 * fixed rate, split by the canary's share, with per-arm error rates and
 * lognormal latencies recorded into the router's own histograms
 * (src/core/histogram.ts buckets), judged at every analysis interval by
 * either the router's state machine (the anytime-valid gates) or the
 * fixed-horizon gates they replaced.
 *
 * Layer: build-time script. Per look: requests = rpm x interval / 60, each
 * to the canary with probability share (so the identified split is
 * binomial, as hashing many users gives), errors binomial per arm, latency
 * bucket counts multinomial. Only buckets near the p95s are drawn one by
 * one (the gates read nothing else); everything faster or slower lands in
 * one bucket below or above that band. Each step starts its metrics over
 * (a step is a new document revision), as in the router.
 */
import {
  bucketIndex,
  bucketUpperBound,
  type Histogram,
  LATENCY_MS,
  quantile,
} from "../../../src/core/histogram.ts";
import type { RolloutMetrics } from "../../../src/core/rollout/gates.ts";
import type { PlanRules } from "../../../src/core/rollout/plan.ts";
import {
  evaluateRollout,
  type RolloutStatus,
  startRollout,
} from "../../../src/core/rollout/state-machine.ts";
import { normalUpperTail } from "../../../src/core/rollout/stats.ts";
import { type FixedHorizonRules, fixedHorizonVerdict } from "./fixed-horizon.ts";
import { binomial, multinomial } from "./random.ts";

/** Live's latency: lognormal, median 100 ms, sigma 0.5 (p95 about 228 ms). */
export const LIVE_MEDIAN_MS = 100;
export const LATENCY_SIGMA = 0.5;

export interface Scenario {
  label: string;
  liveErrorRate: number;
  canaryErrorRate: number;
  /** Canary latency = live's x this (in distribution). */
  canaryLatencyScale: number;
}

/** Bucket probabilities of a lognormal over a band of buckets, plus a bucket below and above it. */
export interface LatencyModel {
  /** Bucket indexes: [below, band..., above]. */
  buckets: number[];
  probs: number[];
}

const cdf = (ms: number, scale: number) =>
  ms <= 0 ? 0 : 1 - normalUpperTail(Math.log(ms / (LIVE_MEDIAN_MS * scale)) / LATENCY_SIGMA);

/** The band: 8 buckets under live's p95 to 8 over the slower arm's p95 x 1.5. */
export function latencyModels(canaryScale: number): { live: LatencyModel; canary: LatencyModel } {
  const p95 = LIVE_MEDIAN_MS * Math.exp(1.6448536 * LATENCY_SIGMA);
  const first = bucketIndex(LATENCY_MS, p95) - 8;
  const last = bucketIndex(LATENCY_MS, p95 * Math.max(1, canaryScale) * 1.5) + 8;
  const model = (scale: number): LatencyModel => {
    const buckets = [first - 1];
    const probs = [cdf(bucketUpperBound(LATENCY_MS, first - 1), scale)];
    for (let i = first; i <= last; i++) {
      buckets.push(i);
      probs.push(
        cdf(bucketUpperBound(LATENCY_MS, i), scale) -
          cdf(bucketUpperBound(LATENCY_MS, i - 1), scale),
      );
    }
    buckets.push(last + 1);
    probs.push(1 - cdf(bucketUpperBound(LATENCY_MS, last), scale));
    return { buckets, probs };
  };
  return { live: model(1), canary: model(canaryScale) };
}

interface Arm {
  requests: number;
  errors: number;
  hist: Histogram;
}

const emptyArm = (): Arm => ({
  requests: 0,
  errors: 0,
  // lo/hi at the spec's ends: the quantiles are the buckets' upper bounds, never clamped.
  hist: { n: 0, sum: 0, lo: LATENCY_MS.min, hi: LATENCY_MS.max, counts: {} },
});

function serve(rand: () => number, arm: Arm, n: number, errorRate: number, model: LatencyModel) {
  if (n === 0) return 0;
  const errors = binomial(rand, n, errorRate);
  arm.requests += n;
  arm.errors += errors;
  const drawn = multinomial(rand, n, model.probs);
  for (let i = 0; i < drawn.length; i++) {
    const c = drawn[i] as number;
    if (c === 0) continue;
    const key = String(model.buckets[i]);
    arm.hist.counts[key] = (arm.hist.counts[key] ?? 0) + c;
  }
  arm.hist.n += n;
  return errors;
}

export type GateSet = "sequential" | "fixed-horizon";
export type End = "rollback" | "promote" | "pause" | "horizon";

export interface RolloutRun {
  end: End;
  /** Seconds from the start to the end (the horizon when nothing ended it). */
  at: number;
  /** Step index where it ended, and when that step began (seconds). */
  stepIndex: number;
  stepStartedAt: number;
  /** The gates that failed at a rollback (the sequential gates; empty otherwise). */
  failed: string[];
  /** Canary requests and errors served over the whole rollout, up to its end. */
  canaryRequests: number;
  canaryErrors: number;
}

export interface RunOptions {
  plan: PlanRules;
  /** Only for the fixed-horizon gates. */
  fixed: FixedHorizonRules;
  rpm: number;
  intervalSeconds: number;
  /** Stop after this long (seconds) whatever happens. */
  horizonSeconds: number;
  scenario: Scenario;
  models: { live: LatencyModel; canary: LatencyModel };
}

/**
 * Runs one rollout through its plan's steps with one gate set. The same
 * `rand` stream for both gate sets gives both the same traffic as long as
 * they hold the same share.
 */
export function runRollout(rand: () => number, gates: GateSet, o: RunOptions): RolloutRun {
  const perLook = Math.round((o.rpm * o.intervalSeconds) / 60);
  let stepIndex = 0;
  let stepStart = 0;
  let status: RolloutStatus = startRollout(o.plan, 0).status;
  // The fixed-horizon rules' baseline for a 100 % step: live at the end of the previous step.
  let fixedBaseline: RolloutMetrics["live"] | null = null;
  let live = emptyArm();
  let canary = emptyArm();
  let split = { canary: 0, others: 0 };
  let canaryRequests = 0;
  let canaryErrors = 0;
  const done = (end: End, at: number, failed: string[] = []): RolloutRun => ({
    end,
    at,
    stepIndex,
    stepStartedAt: stepStart,
    failed,
    canaryRequests,
    canaryErrors,
  });
  for (let t = o.intervalSeconds; t <= o.horizonSeconds; t += o.intervalSeconds) {
    const step = o.plan.steps[stepIndex];
    if (!step) break;
    const share = step.shareBp / 10_000;
    const toCanary = binomial(rand, perLook, share);
    canaryErrors += serve(rand, canary, toCanary, o.scenario.canaryErrorRate, o.models.canary);
    canaryRequests += toCanary;
    serve(rand, live, perLook - toCanary, o.scenario.liveErrorRate, o.models.live);
    split = { canary: split.canary + toCanary, others: split.others + perLook - toCanary };
    const metrics: RolloutMetrics = {
      live: { requests: live.requests, errors: live.errors, p95Ms: null, latencyMs: live.hist },
      canary: {
        requests: canary.requests,
        errors: canary.errors,
        p95Ms: null,
        latencyMs: canary.hist,
      },
      split,
      shadow: null,
      revision: `step-${stepIndex}`,
    };
    let advanced = false;
    if (gates === "sequential") {
      const d = evaluateRollout(o.plan, status, metrics, t * 1000);
      status = d.status;
      if (d.verdict === "rollback")
        return done(
          "rollback",
          t,
          d.gates.filter((g) => g.outcome === "fail").map((g) => g.gate),
        );
      if (d.verdict === "pause") return done("pause", t);
      if (d.verdict === "promote") return done("promote", t);
      advanced = d.verdict === "advance";
    } else {
      metrics.live.p95Ms = quantile(live.hist, LATENCY_MS, 0.95);
      metrics.canary.p95Ms = quantile(canary.hist, LATENCY_MS, 0.95);
      const judged = share >= 1 && fixedBaseline ? { ...metrics, live: fixedBaseline } : metrics;
      const v = fixedHorizonVerdict(o.fixed, judged, step.shareBp, t - stepStart, step.bakeSeconds);
      if (v.verdict === "rollback") return done("rollback", t);
      if (v.verdict === "advance") {
        if (stepIndex + 1 >= o.plan.steps.length) return done("promote", t);
        if (share < 1) fixedBaseline = { ...metrics.live };
        advanced = true;
      }
    }
    if (advanced) {
      stepIndex++;
      stepStart = t;
      live = emptyArm();
      canary = emptyArm();
      split = { canary: 0, others: 0 };
    }
  }
  return done("horizon", o.horizonSeconds);
}
