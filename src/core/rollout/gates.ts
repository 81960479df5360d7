/**
 * The rollout gates: each turns the current step's measurements into
 * pass / fail / inconclusive with its evidence and a sentence an operator
 * can act on.
 *
 * Layer: pure core. Order: minimum sample first (nothing else is judged
 * before both arms have it), then error rate and status classes (the rate
 * gates, src/core/rollout/rate-gates.ts: sequential tests on users' requests
 * with a false-rollback budget alpha and a missed-regression budget beta),
 * latency, the shadow gates, the outcome gates (outcome-gates.ts: what the
 * answers led to, one stream over the rollout's steps), and the split of users (srm-gate.ts, which
 * pauses rather than rolls back: a broken split says the comparison cannot
 * be trusted, not that the canary is worse). Missing data is always
 * inconclusive, never a verdict.
 */
import type { Histogram } from "../histogram.ts";
import type { ShadowUserSums } from "../shadow/user-clusters.ts";
import { count } from "./gate-words.ts";
import { latencyGate } from "./latency-gate.ts";
import type { BucketCounts } from "./latency-tail.ts";
import { type OutcomeMetrics, outcomeGates } from "./outcome-gates.ts";
import type { GateRules, JudgedGate } from "./plan.ts";
import { rateGates } from "./rate-gates.ts";
import type { RateTestState } from "./rate-test.ts";
import type { IntervalTest, SequentialOutcome } from "./sequential.ts";
import { shadowGates } from "./shadow-gates.ts";
import { srmGate } from "./srm-gate.ts";
import type { UserSums } from "./user-sums.ts";

export interface ArmMetrics {
  requests: number;
  /** 5xx answers, timeouts and connection errors (before failover). */
  errors: number;
  p95Ms: number | null;
  /** Origin latency of the first attempts that answered; absent: no latency data. */
  latencyMs?: Histogram | undefined;
  /** Identified requests by user bucket: what the rate gates judge (absent: the totals above). */
  users?: UserSums | undefined;
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
  /** The pairs by cluster of users (absent: counted as independent). */
  users?: ShadowUserSums | undefined;
}

export interface RolloutMetrics {
  live: ArmMetrics;
  canary: ArmMetrics;
  /**
   * Distinct identified users by the arm the decision chose (for the split
   * check); null once there are too many to count (src/core/rollout/user-sums.ts).
   */
  split: { canary: number; others: number } | null;
  shadow: ShadowMetrics | null;
  /** Outcomes sent back for the rollout's revisions, by metric (absent: none read). */
  outcomes?: OutcomeMetrics | undefined;
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
  /** The rate gates' running tests for this step (absent: start over). */
  rateTests?: RateTests | null | undefined;
  /** The plan's missed-regression budget per gate and step (default DEFAULT_BETA). */
  beta?: number | undefined;
  /** The step's last look (bake + maxExtensionSeconds): the rate gates may pass on a fixed sample. */
  lastLook?: boolean | undefined;
}

/** The rate gates' sequential tests, by what they count. */
export type RateTests = Partial<Record<"errors" | "redirects" | "clientErrors", RateTestState>>;

export interface GateVerdicts {
  results: GateResult[];
  /** The latency reference to keep for the next look (set at the first look with enough live data). */
  latencyReference: LatencyReference | null;
  /** Live's tail counts, kept as the baseline for a following 100 % step. */
  tail: TailCounts | null;
  /** The rate gates' tests to keep for the next look. */
  rateTests: RateTests | null;
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
  // The rate tests take in every look's requests, judged or not yet.
  const rates = rateGates(rules, judged, ctx);
  if (!enough)
    return { results, latencyReference: latency.reference, tail: null, rateTests: rates.tests };
  results.push(...rates.results);
  results.push(latency.result);
  results.push(...shadowGates(rules, judged, ctx));
  results.push(...outcomeGates(rules, m.outcomes, ctx));
  results.push(srmGate(judged, ctx));
  return {
    results,
    latencyReference: latency.reference,
    tail: latency.tail,
    rateTests: rates.tests,
  };
}
