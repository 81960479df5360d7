/**
 * The evidence budget of the outcome gates: how many canary outcomes a
 * gate needs before it can pass, and the minutes that takes at the rate the
 * canary's outcomes have come in so far ("outcome:converted passes after
 * about 2,400 canary outcomes, about 35 min"). Unlike a step's budget
 * (evidence-budget.ts) it spans the rollout: outcomes are one stream.
 *
 * Layer: pure core. A guardrail is sized for a canary as good as live, a
 * success metric for one better by its minDelta: both pass once the layered
 * interval at beta (sequential.ts) is narrower than minDelta, i.e. once
 * its half-width h(V) <= minDelta with V = phi s^2 (1 / n + 1 / (r n)):
 * s^2 live's per-outcome variance, r live's outcomes per canary outcome,
 * phi the clustering the jackknife measures so far (1 before there is any).
 */
import { pooledArm, stratifiedDifference } from "../outcomes/stratified.ts";
import { MIN_OUTCOMES, type OutcomeMetrics, type OutcomeSeries } from "./outcome-gates.ts";
import type { OutcomeGateRule } from "./plan.ts";
import { layeredInterval } from "./sequential.ts";

export interface OutcomeBudget {
  metric: string;
  kind: OutcomeGateRule["kind"];
  minDelta: number;
  binary: boolean;
  /** Canary outcomes (in all) the gate needs to pass (null: no live outcomes to size it by). */
  canaryOutcomes: number | null;
  /** ... and minutes of the rollout at the canary's rate so far (null: no rate). */
  minutes: number | null;
  canaryPerMinute: number | null;
}

function sized(rule: OutcomeGateRule, series: OutcomeSeries, beta: number): number | null {
  const live = pooledArm(series.strata, "live");
  const canary = pooledArm(series.strata, "canary");
  if (live.n < 2) return null;
  const mean = live.sum / live.n;
  const unit = series.binary
    ? Math.max(mean * (1 - mean), 1 / live.n)
    : Math.max(0, (live.sumSq - live.n * mean * mean) / (live.n - 1));
  if (!(unit > 0)) return null;
  const ratio = canary.n > 0 ? live.n / canary.n : 1;
  const d = stratifiedDifference(series.strata, series.binary);
  const phi = d ? d.dispersion : 1;
  const fits = (n: number) => {
    const v = phi * unit * (1 / n + 1 / (ratio * n));
    const t = layeredInterval(0, v, rule.minDelta, beta);
    return (t.hi - t.lo) / 2 <= rule.minDelta;
  };
  let hi = MIN_OUTCOMES;
  while (!fits(hi)) {
    hi *= 2;
    if (hi > 1e12) return null;
  }
  let lo = hi / 2;
  for (let i = 0; i < 40 && hi - lo > 1; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return Math.max(MIN_OUTCOMES, Math.ceil(hi));
}

export function outcomeBudgets(
  rules: Readonly<Record<string, OutcomeGateRule>> | undefined,
  outcomes: OutcomeMetrics | null,
  beta: number,
): OutcomeBudget[] {
  return Object.keys(rules ?? {}).map((metric) => {
    const rule = rules?.[metric] as OutcomeGateRule;
    const series = outcomes && Object.hasOwn(outcomes, metric) ? outcomes[metric] : undefined;
    const n = series ? sized(rule, series, beta) : null;
    const rate = series?.canaryPerMinute ?? null;
    return {
      metric,
      kind: rule.kind,
      minDelta: rule.minDelta,
      binary: series?.binary ?? true,
      canaryOutcomes: n,
      minutes: n !== null && rate && rate > 0 ? n / rate : null,
      canaryPerMinute: rate,
    };
  });
}
