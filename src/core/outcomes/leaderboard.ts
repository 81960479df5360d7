/**
 * Champion-challenger, judged: every challenger against the champion on
 * every metric (identified requests' error rate, mean log latency, each
 * outcome), with an anytime-valid interval of the difference, a verdict
 * (better / worse / undecided) and how many more of the challenger's
 * observations, and minutes at its current traffic, the interval needs to
 * clear zero if the estimate stays where it is.
 *
 * Statistics: each arm's mean is a ratio of sums over its USER_BUCKETS user
 * buckets; its variance is the jackknife over buckets (users are the
 * independent units: src/core/rollout/dispersion.ts), never below the
 * variance independent observations would have. The difference is judged
 * by the two-sided mixture SPRT of src/core/rollout/sequential.ts (three
 * mixing widths, intersected: layeredInterval), so the
 * board may be looked at continuously: with `alpha` per challenger (default
 * 1 %, split evenly over its metrics and the two sides), an identical
 * challenger is called better or worse on any metric, at any look, with
 * probability at most alpha.
 *
 * Layer: pure core.
 */
import { jackknife } from "../rollout/dispersion.ts";
import { layeredInterval, moreNeeded } from "../rollout/sequential.ts";
import { USER_BUCKETS } from "../rollout/user-sums.ts";

/** One arm's observations of one metric, per user bucket. */
export interface ArmSample {
  n: readonly number[];
  sum: readonly number[];
  /** Sum of squares of all values (the variance of independent observations). */
  sumSq: number;
}

export interface MetricSpec {
  name: string;
  better: "higher" | "lower";
  /** Values are 0/1 (a rate). */
  binary: boolean;
  /** The difference the test is quickest for (tau of the mixture), in the metric's units. */
  mixingSd: number;
  /** Words for a value (percent, ms). */
  unit: "rate" | "log-ms" | "number";
}

export type Verdict = "better" | "worse" | "undecided";

export interface MetricStanding {
  metric: string;
  better: "higher" | "lower";
  unit: MetricSpec["unit"];
  champion: { n: number; mean: number | null };
  challenger: { n: number; mean: number | null };
  /** Challenger minus champion, and its anytime-valid interval. */
  effect: number | null;
  lo: number | null;
  hi: number | null;
  verdict: Verdict;
  /** More challenger observations the interval needs to clear 0 (null: cannot tell). */
  moreNeeded: number | null;
  /** ... in minutes at the challenger's current rate of them (null: no rate). */
  minutes: number | null;
}

export interface ChallengerStanding {
  challenger: string;
  shareBp: number;
  /** Worse on any metric; better on one and worse on none; else undecided. */
  verdict: Verdict;
  metrics: MetricStanding[];
}

export interface LeaderboardInput {
  champion: string;
  challengers: readonly { origin: string; shareBp: number }[];
  metrics: readonly MetricSpec[];
  /** arm -> metric -> its sample (missing: nothing observed). */
  samples: (arm: string, metric: string) => ArmSample | null;
  /** arm -> metric -> observations per minute now (null: unknown). */
  perMinute: (arm: string, metric: string) => number | null;
  /** Per challenger, over all its metrics and both sides. */
  alpha?: number;
}

/** The request metrics every board judges; outcome metrics follow, by name. */
export const REQUEST_METRICS: readonly MetricSpec[] = [
  { name: "error-rate", better: "lower", binary: true, mixingSd: 0.005, unit: "rate" },
  // L = 100 ln(ms): 10 units is about a 10 % change of latency.
  { name: "latency", better: "lower", binary: false, mixingSd: 10, unit: "log-ms" },
];

/** An outcome metric's spec: tuned for 2 pp on a rate, a tenth of its spread (`sd`) on a number. */
export function outcomeMetricSpec(
  name: string,
  better: "higher" | "lower",
  binary: boolean,
  sd: number,
): MetricSpec {
  return {
    name,
    better,
    binary,
    mixingSd: binary ? 0.02 : Math.max(1e-9, 0.1 * sd),
    unit: binary ? "rate" : "number",
  };
}

interface Estimate {
  n: number;
  mean: number;
  variance: number;
}

/** The arm's mean and the variance of it (cluster-robust, never below the independent one). */
export function estimate(s: ArmSample, binary: boolean): Estimate | null {
  let n = 0;
  let sum = 0;
  for (let b = 0; b < USER_BUCKETS; b++) {
    n += s.n[b] ?? 0;
    sum += s.sum[b] ?? 0;
  }
  if (n < 2) return null;
  const mean = sum / n;
  let independent: number;
  if (binary) {
    const p = (sum + 1) / (n + 2);
    independent = (p * (1 - p)) / n;
  } else {
    independent = Math.max(0, (s.sumSq - n * mean * mean) / (n - 1)) / n;
  }
  const robust = jackknife(s.n, s.sum) ?? 0;
  return { n, mean, variance: Math.max(robust, independent) };
}

function standing(
  spec: MetricSpec,
  champion: Estimate | null,
  challenger: Estimate | null,
  alphaEnd: number,
  perMinute: number | null,
): MetricStanding {
  const base = {
    metric: spec.name,
    better: spec.better,
    unit: spec.unit,
    champion: { n: champion?.n ?? 0, mean: champion?.mean ?? null },
    challenger: { n: challenger?.n ?? 0, mean: challenger?.mean ?? null },
  };
  if (!champion || !challenger || !(champion.variance + challenger.variance > 0))
    return {
      ...base,
      effect: null,
      lo: null,
      hi: null,
      verdict: "undecided",
      moreNeeded: null,
      minutes: null,
    };
  const t = layeredInterval(
    challenger.mean - champion.mean,
    champion.variance + challenger.variance,
    spec.mixingSd,
    alphaEnd,
  );
  const higher = t.outcome === "fail";
  const lower = t.outcome === "pass";
  const verdict: Verdict =
    higher || lower ? (higher === (spec.better === "higher") ? "better" : "worse") : "undecided";
  const more = moreNeeded(t, challenger.n);
  // A difference of rates lies in [-1, 1].
  const clip = (x: number) => (spec.binary ? Math.max(-1, Math.min(1, x)) : x);
  return {
    ...base,
    effect: t.effect,
    lo: clip(t.lo),
    hi: clip(t.hi),
    verdict,
    moreNeeded: more,
    minutes: more !== null && perMinute && perMinute > 0 ? more / perMinute : null,
  };
}

export function leaderboard(input: LeaderboardInput): ChallengerStanding[] {
  const alpha = input.alpha ?? 0.01;
  const alphaEnd = alpha / (2 * Math.max(1, input.metrics.length));
  return input.challengers.map((c) => {
    const metrics = input.metrics.map((spec) => {
      const of = (arm: string) => {
        const s = input.samples(arm, spec.name);
        return s ? estimate(s, spec.binary) : null;
      };
      return standing(
        spec,
        of(input.champion),
        of(c.origin),
        alphaEnd,
        input.perMinute(c.origin, spec.name),
      );
    });
    const verdicts = metrics.map((m) => m.verdict);
    const verdict: Verdict = verdicts.includes("worse")
      ? "worse"
      : verdicts.includes("better")
        ? "better"
        : "undecided";
    return { challenger: c.origin, shareBp: c.shareBp, verdict, metrics };
  });
}
