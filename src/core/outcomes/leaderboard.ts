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
 * variance independent observations would have under "no difference",
 * times the design effect the larger arm measures (differenceVariance);
 * no verdict before each arm has MIN_OBSERVATIONS. The difference is judged
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

/** Observations each arm needs before a metric gets a verdict (the intervals are asymptotic). */
export const MIN_OBSERVATIONS = 30;

interface Estimate {
  n: number;
  mean: number;
  /** The jackknife variance of the mean over user buckets. */
  robust: number;
  /** Sum of squared deviations from the mean (numeric metrics). */
  squares: number;
}

/** The arm's mean, and its cluster-robust variance over user buckets. */
export function estimate(s: ArmSample): Estimate | null {
  let n = 0;
  let sum = 0;
  for (let b = 0; b < USER_BUCKETS; b++) {
    n += s.n[b] ?? 0;
    sum += s.sum[b] ?? 0;
  }
  if (n < 2) return null;
  const mean = sum / n;
  return {
    n,
    mean,
    robust: jackknife(s.n, s.sum) ?? 0,
    squares: Math.max(0, s.sumSq - n * mean * mean),
  };
}

/**
 * The variance of challenger - champion. Each arm's is its jackknife over
 * user buckets, never below what independent observations would give
 * (under "no difference": a rate's variance from both arms' pooled rate,
 * a number's from the pooled sample variance) times the design effect of
 * the arm with more observations. A small challenger whose few users have
 * no errors yet has a jackknife of 0 and an own rate of 0: without the
 * pooled floor it was called better than a 1 % champion (gates:bench f,
 * A/A at 1,000 rpm: 9 of 300 days before the floor).
 */
export function differenceVariance(a: Estimate, b: Estimate, binary: boolean): number {
  let unit: number;
  if (binary) {
    const p = (a.mean * a.n + b.mean * b.n + 1) / (a.n + b.n + 2);
    unit = p * (1 - p);
  } else {
    unit = (a.squares + b.squares) / Math.max(1, a.n + b.n - 2);
  }
  const big = a.n >= b.n ? a : b;
  const design = unit > 0 ? Math.max(1, big.robust / (unit / big.n)) : 1;
  const arm = (e: Estimate) => Math.max(e.robust, (design * unit) / e.n);
  return arm(a) + arm(b);
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
  const variance =
    champion && challenger ? differenceVariance(champion, challenger, spec.binary) : 0;
  if (
    !champion ||
    !challenger ||
    champion.n < MIN_OBSERVATIONS ||
    challenger.n < MIN_OBSERVATIONS ||
    !(variance > 0)
  )
    return {
      ...base,
      effect: null,
      lo: null,
      hi: null,
      verdict: "undecided",
      moreNeeded: null,
      minutes: null,
    };
  const t = layeredInterval(challenger.mean - champion.mean, variance, spec.mixingSd, alphaEnd);
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
        return s ? estimate(s) : null;
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
