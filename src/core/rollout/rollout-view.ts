/**
 * The rollout view: what an operator needs to see of one service's rollout
 * (plan, progress record, this version's per-arm metrics, and what the gates
 * say right now). Built once here; the admin API returns it as JSON and the
 * CLI renders it, so both always show the same numbers.
 *
 * Layer: pure core. The preview is the pure state machine on the same
 * inputs the analyzer reads (so it shows each gate's evidence as of now).
 */

import type { StreamView } from "../answers/stream-sums.ts";
import { type PlanBudget, planBudget } from "./evidence-budget.ts";
import type { ArmMetrics, GateResult } from "./gates.ts";
import { measuredTraffic } from "./measured-traffic.ts";
import { rolloutMetrics, type ShadowView } from "./metrics-view.ts";
import { outcomeBudgets } from "./outcome-budget.ts";
import type { OutcomeMetrics } from "./outcome-gates.ts";
import { DEFAULT_BETA, gateAlphas, type PlanRules } from "./plan.ts";
import { armSummary, type VersionMetrics } from "./request-metrics.ts";
import { planKey, type StoredRolloutStatus } from "./rollout-status.ts";
import { evaluateRollout, type Verdict } from "./state-machine.ts";

export interface ArmView {
  origin: string;
  requests: number;
  errors: number;
  p95Ms: number | null;
  /** Streamed answers and token usage, when the arm had any. */
  stream?: StreamView | undefined;
}

/** What the view reads of a routing document (the schema's document satisfies it). */
export interface RolloutDocument<Plan extends PlanRules = PlanRules> {
  service: string;
  version: number;
  live: string;
  canary?: { origin: string; shareBp: number; salt: string; killed: boolean } | undefined;
  rollout?: Plan | undefined;
}

export interface RolloutView<Plan extends PlanRules = PlanRules> {
  service: string;
  version: number;
  now: number;
  live: string;
  canary: { origin: string; shareBp: number; salt: string; killed: boolean } | null;
  plan: Plan | null;
  status: StoredRolloutStatus | null;
  /** Does the progress record belong to the plan in the document? */
  statusCurrent: boolean;
  metrics: {
    version: number;
    firstAt: number | null;
    lastAt: number | null;
    live: ArmView | null;
    canary: ArmView | null;
    split: { canary: number; others: number } | null;
    shadow: ShadowView | null;
    /** Every origin that served this version (challengers too), by the decision's choice. */
    arms: Record<string, Omit<ArmView, "origin"> & { failovers: number }>;
  };
  preview: { verdict: Verdict; reason: string; gates: GateResult[] } | null;
  /**
   * Each step's evidence budget at the traffic this version has measured
   * (src/core/rollout/evidence-budget.ts); null without a plan or before a
   * minute of identified traffic.
   */
  budget: PlanBudget | null;
}

/** The arm as shown: counts and p95 (the histogram stays with the gates). */
const armView = (origin: string, arm: ArmMetrics): ArmView => ({
  origin,
  requests: arm.requests,
  errors: arm.errors,
  p95Ms: arm.p95Ms,
});

export function rolloutView<Plan extends PlanRules>(
  doc: RolloutDocument<Plan>,
  status: StoredRolloutStatus | null,
  raw: VersionMetrics,
  shadow: ShadowView | null,
  now: number,
  /** Outcomes of the rollout's revisions, for a plan with outcome gates (src/core/outcomes/rollout-series.ts). */
  outcomes: OutcomeMetrics | null = null,
): RolloutView<Plan> {
  const plan = doc.rollout ?? null;
  const canary = doc.canary ?? null;
  const view = canary ? rolloutMetrics(raw, doc.live, canary.origin, shadow) : null;
  if (view && outcomes) view.outcomes = outcomes;
  // The progress record outlives its plan (promotion removes the plan; a new
  // plan starts a new rollout at the next tick): say which it is.
  const current =
    status !== null && plan !== null && canary !== null
      ? status.planKey === planKey(plan, canary.origin, canary.salt)
      : false;
  const preview =
    current && plan && status && view ? evaluateRollout(plan, status, view, now) : null;
  return {
    service: doc.service,
    version: doc.version,
    now,
    live: doc.live,
    canary,
    plan,
    status,
    statusCurrent: current,
    metrics: {
      version: doc.version,
      firstAt: raw.firstAt || null,
      lastAt: raw.lastAt || null,
      live: view ? armView(doc.live, view.live) : null,
      canary: view && canary ? armView(canary.origin, view.canary) : null,
      split: view?.split ?? null,
      shadow: view?.shadow ?? null,
      arms: Object.fromEntries(
        Object.entries(raw.arms).map(([origin, arm]) => [
          origin,
          { ...armSummary(raw, origin), failovers: arm.failovers },
        ]),
      ),
    },
    preview: preview && { verdict: preview.verdict, reason: preview.reason, gates: preview.gates },
    budget: budgetOf(plan, raw, doc.live, outcomes),
  };
}

function budgetOf(
  plan: PlanRules | null,
  raw: VersionMetrics,
  live: string,
  outcomes: OutcomeMetrics | null,
): PlanBudget | null {
  const traffic = plan ? measuredTraffic(raw, live) : null;
  if (!plan || !traffic) return null;
  const budget = planBudget(plan, gateAlphas(plan)["error-rate"] as number, traffic, DEFAULT_BETA);
  if (!plan.gates.outcomes) return budget;
  return {
    ...budget,
    outcomes: outcomeBudgets(plan.gates.outcomes, outcomes, plan.beta ?? DEFAULT_BETA),
  };
}
