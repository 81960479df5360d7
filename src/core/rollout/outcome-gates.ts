/**
 * The outcome gates: what the canary's answers led to (a fraud label, a
 * conversion, a grader's score, sent back through receipts), canary
 * against live, one gate per metric the plan names in `gates.outcomes`.
 *
 * Layer: pure core. Outcomes arrive late (a label days after the answer),
 * so a gate does not start over at each step: it judges every outcome of
 * the rollout's revisions as one stream, stratified by revision
 * (src/core/outcomes/stratified.ts: per-step differences weighted by their
 * outcome counts, the jackknife over user buckets as its variance, so users
 * are the units), and its alpha is not divided by the steps (plan.ts).
 * The interval is the layered mixture of src/core/rollout/sequential.ts
 * (tau = the gate's minDelta, 4x and 16x), anytime-valid: looks every few
 * seconds do not inflate it.
 *   - Rolls back once the canary is shown worse than live (the worse end of
 *     the interval at the gate's alpha is past 0), whatever the kind.
 *   - A guardrail passes once shown not worse by minDelta (the interval at
 *     the plan's beta lies below it): a canary worse by minDelta passes with
 *     probability <= beta, as the rate gates' minDelta means.
 *   - A success metric passes once shown better than live (the interval at
 *     beta lies wholly on the better side of 0): a canary no better passes
 *     with probability <= beta; one that is as good but not better stays
 *     inconclusive, and the step holds and pauses at its limit.
 * Both arms need MIN_OUTCOMES outcomes before either verdict.
 */
import { type OutcomeStratum, pooledArm, stratifiedDifference } from "../outcomes/stratified.ts";
import { count, num, pct, pp } from "./gate-words.ts";
import type { GateContext, GateResult } from "./gates.ts";
import { DEFAULT_BETA, type GateRules, type OutcomeGateRule, outcomeGate } from "./plan.ts";
import { type IntervalTest, layeredInterval } from "./sequential.ts";

/** Outcomes each arm needs before an outcome gate is judged. */
export const MIN_OUTCOMES = 30;

/** One metric's outcomes over the rollout's revisions. */
export interface OutcomeSeries {
  better: "higher" | "lower";
  /** Every value sent was 0 or 1. */
  binary: boolean;
  strata: OutcomeStratum[];
  /** The canary's outcomes per minute since the rollout started (null: unknown). */
  canaryPerMinute: number | null;
}

/** Outcome metric -> its series (only metrics some outcome came for). */
export type OutcomeMetrics = Readonly<Record<string, OutcomeSeries>>;

const clustering = (phi: number) =>
  phi > 1.05 ? `; users' clustering counted (dispersion ${num(phi)})` : "";

/** More canary outcomes until the interval clears `gap` (its half-width shrinks like 1/sqrt(n)). */
function toClear(t: IntervalTest, gap: number, n: number): number | null {
  const half = (t.hi - t.lo) / 2;
  if (!(gap > 0) || !Number.isFinite(half)) return null;
  return Math.max(0, Math.ceil(n * ((half / gap) ** 2 - 1)));
}

function judgeOne(
  metric: string,
  rule: OutcomeGateRule,
  series: OutcomeSeries | undefined,
  ctx: GateContext,
): GateResult {
  const gate = outcomeGate(metric);
  const d = series ? stratifiedDifference(series.strata, series.binary) : null;
  const need = `need ${MIN_OUTCOMES} each`;
  if (!series || !d || d.canary < MIN_OUTCOMES || d.live < MIN_OUTCOMES || !(d.variance > 0)) {
    const [c, l] = d ? [d.canary, d.live] : [0, 0];
    return {
      gate,
      outcome: "inconclusive",
      detail: `${metric}: ${count(c)} canary and ${count(l)} live outcomes (${need})`,
    };
  }
  const binary = series.binary;
  const value = binary ? pct : num;
  const diff = binary ? pp : (x: number) => `${x >= 0 ? "+" : ""}${num(x)}`;
  // On the "worse" axis: positive is worse than live.
  const sign = series.better === "lower" ? 1 : -1;
  const worse = sign * d.effect;
  const alpha = ctx.alphas[gate] as number;
  const beta = ctx.beta ?? DEFAULT_BETA;
  const allowance = rule.kind === "guardrail" ? rule.minDelta : 0;
  const rollback = layeredInterval(worse, d.variance, rule.minDelta, alpha);
  const pass = layeredInterval(worse - allowance, d.variance, rule.minDelta, beta);
  const outcome: GateResult["outcome"] =
    rollback.lo > 0 ? "fail" : pass.hi < 0 ? "pass" : "inconclusive";
  // The interval of canary - live as an operator reads it (at alpha; symmetric).
  const half = (rollback.hi - rollback.lo) / 2;
  const [lo, hi] = [d.effect - half, d.effect + half];
  const clip = (x: number) => (binary ? Math.max(-1, Math.min(1, x)) : x);
  const toFail = toClear(rollback, worse, d.canary);
  const toPass = toClear(pass, allowance - worse, d.canary);
  const more =
    outcome !== "inconclusive"
      ? null
      : ([toFail, toPass].filter((x): x is number => x !== null).sort((a, b) => a - b)[0] ?? null);
  const pooled = (arm: "canary" | "live") => {
    const t = pooledArm(series.strata, arm);
    return t.n > 0 ? t.sum / t.n : 0;
  };
  const revisions = d.strata > 1 ? ` over ${d.strata} revisions` : "";
  const head = `${metric} (${series.better} is better) ${value(pooled("canary"))} vs ${value(pooled("live"))} live (${diff(d.effect)}, interval ${diff(clip(lo))} to ${diff(clip(hi))}), ${count(d.canary)} canary and ${count(d.live)} live outcomes${revisions}`;
  const allowed = binary ? pp(rule.minDelta).slice(1) : num(rule.minDelta);
  const goal = rule.kind === "guardrail" ? `not worse than live by ${allowed}` : "better than live";
  const pending = rule.kind === "guardrail" ? `within ${allowed} of it` : "better";
  let verdict: string;
  if (outcome === "fail") verdict = ": shown worse than live";
  else if (outcome === "pass") verdict = `: shown ${goal}`;
  else {
    const rate = series.canaryPerMinute;
    const eta =
      more !== null && rate && rate > 0
        ? ` (about ${Math.ceil(more / rate)} min at their rate)`
        : "";
    const hint = more === null ? "" : `; about ${count(more)} more canary outcomes${eta}`;
    verdict = `: not yet shown worse than live, nor ${pending}${hint}`;
  }
  const raw = sign * allowance;
  return {
    gate,
    outcome,
    detail: `${head}${verdict}${clustering(d.dispersion)}`,
    evidence: {
      measure: `canary - live ${metric}`,
      effect: d.effect,
      lo: clip(lo),
      hi: clip(hi),
      bound: raw === 0 ? 0 : raw,
      statistic: outcome === "pass" ? pass.statistic : rollback.statistic,
      boundary: outcome === "pass" ? pass.boundary : rollback.boundary,
      alpha,
      candidate: d.canary,
      reference: d.live,
      ...(outcome === "inconclusive" ? { more } : {}),
    },
  };
}

/** One result per outcome gate of the plan, in the plan's order. */
export function outcomeGates(
  rules: GateRules,
  outcomes: OutcomeMetrics | undefined,
  ctx: GateContext,
): GateResult[] {
  const gates = rules.outcomes ?? {};
  return Object.keys(gates).map((metric) =>
    judgeOne(
      metric,
      gates[metric] as OutcomeGateRule,
      outcomes && Object.hasOwn(outcomes, metric) ? outcomes[metric] : undefined,
      ctx,
    ),
  );
}
