/**
 * The rollout gates: each turns the current step's measurements into
 * pass / fail / inconclusive with its evidence (the estimate, an
 * anytime-valid interval, the statistic and its boundary) and a sentence an
 * operator can act on.
 *
 * Layer: pure core. Order: minimum sample first (nothing else is judged
 * before both arms have it), then error rate, latency, shadow agreement and
 * |delta|, and sample-ratio mismatch. Every judged gate is an anytime-valid
 * test (src/core/rollout/sequential.ts) at its share of the plan's alpha
 * (src/core/rollout/plan.ts): it fails when its interval lies wholly beyond
 * the plan's bound, passes when wholly within it, and is inconclusive in
 * between; missing data is always inconclusive, never a verdict.
 */
import { ABS_DELTA, bucketUpperBound, type Histogram } from "../histogram.ts";
import { evidenceOf, interval, verdictWords } from "./gate-evidence.ts";
import { count, num, pct, pp, ppAbs } from "./gate-words.ts";
import { latencyGate } from "./latency-gate.ts";
import type { BucketCounts } from "./latency-tail.ts";
import type { GateRules, JudgedGate } from "./plan.ts";
import {
  compareRates,
  DEFAULT_SRM_CONCENTRATION,
  type IntervalTest,
  type SequentialOutcome,
  sequentialSrm,
  testMean,
  testRate,
} from "./sequential.ts";

export interface ArmMetrics {
  requests: number;
  /** 5xx answers, timeouts and connection errors (before failover). */
  errors: number;
  p95Ms: number | null;
  /** Origin latency of the first attempts that answered; absent: no latency data. */
  latencyMs?: Histogram | undefined;
}

export interface ShadowMetrics {
  /** Pairs where both arms gave a label. */
  pairs: number;
  agreementRate: number;
  meanAbsDelta: number;
  /** Pairs that agreed (exact; else agreementRate x pairs). */
  agreed?: number | undefined;
  /** |Δscore| of the pairs with both scores; absent: the |Δscore| gate has no data. */
  absDelta?: Histogram | undefined;
}

export interface RolloutMetrics {
  live: ArmMetrics;
  canary: ArmMetrics;
  /** Requests with a user id, by the arm the decision chose (for sample-ratio mismatch). */
  split: { canary: number; others: number };
  shadow: ShadowMetrics | null;
  /** The document revision these metrics belong to (a new revision starts them over). */
  revision?: string | undefined;
}

/** Live's requests after the step's latency reference was set, and how many were slower than it. */
export interface TailCounts {
  bucket: number;
  requests: number;
  above: number;
}

/** Live at the end of the previous step: a 100 % step is judged against it. */
export interface Baseline extends ArmMetrics {
  tail?: TailCounts | null | undefined;
}

/**
 * The latency gate's running state for one step (src/core/rollout/latency-gate.ts):
 * the threshold for the next batch of requests, both arms' histograms at the
 * last look, and what the batches so far added up to.
 */
export interface LatencyReference {
  stepIndex: number;
  revision: string | null;
  /** Live's p95 at the last look (src/core/rollout/latency-tail.ts p95Threshold): the next batch's threshold. */
  bucket: number;
  live: BucketCounts;
  canary: BucketCounts;
  /** Requests judged so far, and how many were slower than their batch's threshold (the canary: its allowance). */
  judged: { canary: number; canaryAbove: number; live: number; liveAbove: number };
}

export type GateName = "min-requests" | JudgedGate;
export type GateOutcome = SequentialOutcome;

/**
 * A judged gate's evidence: its interval test's numbers (sequential.ts
 * IntervalTest: the estimate, its anytime-valid interval, the bound, the
 * statistic and its boundary, this gate's share of the plan's alpha at this
 * step; for SRM the statistic is a Bayes factor), without the outcome the
 * result already carries.
 */
export interface GateEvidence extends Omit<IntervalTest, "outcome"> {
  /** What the interval is about, e.g. "canary - live error rate". */
  measure: string;
  /** Observations behind it: the candidate's and the reference's (live requests, or pairs). */
  candidate: number;
  reference: number;
  /** About how many more candidate observations would decide, if the estimate stays (inconclusive only). */
  more?: number | null;
}

export interface GateResult {
  gate: GateName;
  outcome: GateOutcome;
  detail: string;
  evidence?: GateEvidence;
}

export interface GateContext {
  shareBp: number;
  stepIndex: number;
  alphas: Partial<Record<JudgedGate, number>>;
  /** Set at a 100 % step: live is this fixed sample from the end of the previous step. */
  baseline: Baseline | null;
  /** The latency reference the status holds for this step, if any. */
  latencyReference: LatencyReference | null;
}

export interface GateVerdicts {
  results: GateResult[];
  /** The latency reference to keep for the next look (set at the first look with enough live data). */
  latencyReference: LatencyReference | null;
  /** Live's tail counts, kept as the baseline for a following 100 % step. */
  tail: TailCounts | null;
}

/**
 * Mixing sd of the error-rate and agreement tests: quickest for distances of
 * about one percentage point (gates:bench: 0.005 and 0.02 were each slower on
 * some of 1% -> 2% / 1% -> 5%).
 */
export const RATE_MIXING_SD = 0.01;
/** Mixing sd of the |Δscore| test, as a fraction of the bound. */
export const DELTA_MIXING_FRACTION = 0.25;

function errorRateGate(rules: GateRules, m: RolloutMetrics, ctx: GateContext): GateResult {
  const alpha = ctx.alphas["error-rate"] as number;
  const bound = rules.errorRate.minDelta;
  const t = compareRates(
    { trials: m.canary.requests, events: m.canary.errors },
    { trials: m.live.requests, events: m.live.errors },
    { alpha, bound, mixingSd: RATE_MIXING_SD, fixedReference: ctx.baseline !== null },
  );
  const rc = m.canary.requests > 0 ? m.canary.errors / m.canary.requests : 0;
  const rl = m.live.requests > 0 ? m.live.errors / m.live.requests : 0;
  const live = ctx.baseline ? "live's baseline" : "live";
  const diff = t.effect > 0 ? `worse by ${ppAbs(t.effect)}` : `${pp(t.effect)}`;
  return {
    gate: "error-rate",
    outcome: t.outcome,
    detail: `error rate ${pct(rc)} vs ${pct(rl)} ${live}, ${diff} (${interval(t, pp)})${verdictWords(t, m.canary.requests, "canary requests", `the ${pp(bound)} allowed`)}`,
    evidence: evidenceOf(t, "canary - live error rate", m.canary.requests, m.live.requests),
  };
}

function shadowGates(rules: GateRules, m: RolloutMetrics, ctx: GateContext): GateResult[] {
  const g = rules.shadow;
  if (!g) return [];
  const s = m.shadow;
  const out: GateResult[] = [];
  // Agreement, judged as its complement: the disagreement rate may be at most 1 - minAgreement.
  if (!s || s.pairs < g.minPairs) {
    out.push({
      gate: "shadow-agreement",
      outcome: "inconclusive",
      detail: `${count(s?.pairs ?? 0)} compared shadow pairs (need ${count(g.minPairs)})`,
    });
  } else {
    const agreed = s.agreed ?? Math.round(s.agreementRate * s.pairs);
    const t = testRate(
      { trials: s.pairs, events: s.pairs - agreed },
      {
        alpha: ctx.alphas["shadow-agreement"] as number,
        bound: 1 - g.minAgreement,
        mixingSd: RATE_MIXING_SD,
      },
    );
    const asAgreement = {
      ...t,
      effect: 1 - t.effect,
      lo: 1 - t.hi,
      hi: 1 - t.lo,
      bound: g.minAgreement,
    };
    out.push({
      gate: "shadow-agreement",
      outcome: t.outcome,
      detail: `label agreement ${pct(agreed / s.pairs)} over ${count(s.pairs)} pairs (${interval(asAgreement, pct)})${verdictWords(t, s.pairs, "pairs", `the ${pct(g.minAgreement)} minimum`)}`,
      evidence: evidenceOf(asAgreement, "shadow label agreement", s.pairs, s.pairs),
    });
  }
  const h = s?.absDelta;
  if (!s || !h || h.n < g.minPairs) {
    out.push({
      gate: "shadow-delta",
      outcome: "inconclusive",
      detail: `${count(h?.n ?? 0)} scored shadow pairs (need ${count(g.minPairs)})`,
    });
  } else {
    const mean = h.sum / h.n;
    // Second moment from the buckets' upper ends (clamped to the largest value seen):
    // at least the true one, so the variance errs on the wide side.
    let second = 0;
    for (const [k, c] of Object.entries(h.counts)) {
      const ub = Math.min(h.hi ?? Infinity, bucketUpperBound(ABS_DELTA, Number(k)));
      second += c * ub * ub;
    }
    // At least (5% of the mean)^2: the histogram's resolution, so identical values do not give 0.
    const variance = Math.max(second / h.n - mean * mean, (0.05 * mean) ** 2, 1e-24);
    const t = testMean(
      { n: h.n, mean, variance },
      {
        alpha: ctx.alphas["shadow-delta"] as number,
        bound: g.maxMeanAbsDelta,
        mixingSd: Math.max(1e-9, g.maxMeanAbsDelta * DELTA_MIXING_FRACTION),
      },
    );
    const lo = { ...t, lo: Math.max(0, t.lo) };
    out.push({
      gate: "shadow-delta",
      outcome: t.outcome,
      detail: `mean |Δscore| ${num(mean)} over ${count(h.n)} pairs (${interval(lo, num)})${verdictWords(t, h.n, "pairs", `the ${num(g.maxMeanAbsDelta)} maximum`)}`,
      evidence: evidenceOf(lo, "shadow mean |Δscore|", h.n, h.n),
    });
  }
  return out;
}

function srmGate(m: RolloutMetrics, ctx: GateContext): GateResult {
  const { canary, others } = m.split;
  const total = canary + others;
  const expected = ctx.shareBp / 10_000;
  if (total === 0) {
    return {
      gate: "srm",
      outcome: "inconclusive",
      detail: "no identified requests to check the split",
    };
  }
  const alpha = ctx.alphas.srm as number;
  const r = sequentialSrm(canary, others, expected, {
    alpha,
    concentration: DEFAULT_SRM_CONCENTRATION,
  });
  const got = `canary got ${pct(r.observedShare)} of ${count(total)} identified requests for a ${pct(expected)} share`;
  const detail =
    expected <= 0 || expected >= 1
      ? `${got}: a ${pct(expected)} share cannot mismatch`
      : r.outcome === "fail"
        ? `${got} (interval ${pct(r.lo)} to ${pct(r.hi)}): the split is broken (log BF ${r.statistic.toFixed(1)} >= ${r.boundary.toFixed(1)}); check the assignment, no other gate can be trusted`
        : `${got} (interval ${pct(r.lo)} to ${pct(r.hi)}): no mismatch`;
  return {
    gate: "srm",
    outcome: r.outcome,
    detail,
    evidence: {
      measure: "canary share of identified requests",
      effect: r.observedShare,
      lo: r.lo,
      hi: r.hi,
      bound: expected,
      statistic: r.statistic,
      boundary: r.boundary,
      alpha,
      candidate: canary,
      reference: total,
    },
  };
}

export function evaluateGates(rules: GateRules, m: RolloutMetrics, ctx: GateContext): GateVerdicts {
  const live = ctx.baseline ?? m.live;
  const judged: RolloutMetrics = ctx.baseline ? { ...m, live: ctx.baseline } : m;
  const enough = live.requests >= rules.minRequests && m.canary.requests >= rules.minRequests;
  const note =
    ctx.shareBp >= 10_000 && !ctx.baseline
      ? " (a 100% step compares with live's baseline from the previous step: there is none)"
      : "";
  const results: GateResult[] = [
    {
      gate: "min-requests",
      outcome: enough ? "pass" : "inconclusive",
      detail: `canary ${count(m.canary.requests)}, live ${count(live.requests)}${ctx.baseline ? " (baseline)" : ""} requests (need ${count(rules.minRequests)} each)${note}`,
    },
  ];
  // The latency reference is set as soon as live has the data, before the canary does.
  const latency = latencyGate(rules, judged, ctx);
  if (!enough) return { results, latencyReference: latency.reference, tail: null };
  results.push(errorRateGate(rules, judged, ctx));
  results.push(latency.result);
  results.push(...shadowGates(rules, judged, ctx));
  results.push(srmGate(judged, ctx));
  return { results, latencyReference: latency.reference, tail: latency.tail };
}
