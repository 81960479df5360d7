/**
 * The demo's rollout plans (scripts/demo/recs.json, search.json) against the
 * evidence budget at the traffic `npm start` sends them
 * (demoRequestsPerSecond): every step decides within its bake and extension,
 * each bake is the time its step needs rounded up to a minute (fitStep), recs
 * promotes within about 6 minutes, and search's failing candidate is caught
 * within its first minute. Pure arithmetic: no router.
 */
import { describe, expect, it } from "vitest";
import { checkBudget } from "../../scripts/cli/commands/rollout-budget.ts";
import recs from "../../scripts/demo/recs.json" with { type: "json" };
import search from "../../scripts/demo/search.json" with { type: "json" };
import {
  type BudgetRules,
  fitStep,
  smallestCaught,
  stepBudget,
  type Traffic,
} from "../../src/core/rollout/evidence-budget.ts";
import { DEFAULT_BETA, gateAlphas } from "../../src/core/rollout/plan.ts";
import type { RolloutPlan } from "../../src/document/rollout-plan.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import {
  demoModels,
  demoRequestsPerSecond,
  SEARCH_CANARY_ERROR_RATE,
} from "../support/stack/demo-models.ts";

/** The plan with the schema's defaults, as the router runs it. */
function planOf(doc: unknown): RolloutPlan {
  const r = validateRoutingDocument(doc);
  if (!r.ok || !r.doc.rollout) throw new Error("the demo document has no valid rollout plan");
  return r.doc.rollout;
}

function rulesOf(plan: RolloutPlan): BudgetRules {
  return {
    alpha: gateAlphas(plan)["error-rate"] as number,
    beta: plan.beta ?? DEFAULT_BETA,
    minDelta: plan.gates.errorRate.minDelta,
    minRequests: plan.gates.minRequests,
    maxExtensionSeconds: plan.maxExtensionSeconds,
  };
}

/** What `npm start` sends the service: every request identified (x-user-id); live never fails. */
const trafficOf = (service: "recs" | "search"): Traffic => ({
  requestsPerMinute: demoRequestsPerSecond[service] * 60,
  errorRate: 0,
});

describe.each([
  ["recs", recs],
  ["search", search],
] as const)("the demo's %s plan at its demo traffic", (service, doc) => {
  const plan = planOf(doc);
  const rules = rulesOf(plan);
  const traffic = trafficOf(service);

  it("keeps the default gates (the latency allowance aside), alpha and beta", () => {
    // +250 ms instead of +25 ms: wrangler dev's own latency on a busy laptop is noise.
    expect(doc.rollout?.gates).toEqual({ latencyP95Ratio: { max: 1.1, minDeltaMs: 250 } });
    expect(doc.rollout).not.toHaveProperty("alpha");
    expect(doc.rollout).not.toHaveProperty("beta");
    expect(rules).toMatchObject({ beta: 0.05, minDelta: 0.005, minRequests: 200 });
    expect(traffic.requestsPerMinute).toBeLessThanOrEqual(25 * 60);
  });

  it("every step decides within its bake and extension, as `rollout plan` checks it", () => {
    const check = checkBudget({ steps: plan.steps }, null, traffic, false);
    expect(check.infeasible, check.lines.join("\n")).toBe(0);
    for (const step of plan.steps) {
      const b = stepBudget(rules, step, traffic);
      expect(b.feasible).toBe(true);
      // Sized, not padded: each bake is the budget's time to decide, rounded up to a minute.
      expect(fitStep(rules, { ...step, bakeSeconds: 0 }, traffic)).toEqual(step);
    }
  });

  it("passes a healthy candidate within about 6 minutes of the rollout's start", () => {
    const minutes = plan.steps.reduce((sum, step) => {
      const b = stepBudget(rules, step, traffic);
      return sum + Math.max(step.bakeSeconds / 60, b.passMinutes ?? Number.POSITIVE_INFINITY);
    }, 0);
    expect(minutes).toBeLessThanOrEqual(6);
  });
});

describe("the demo's failing candidate (search)", () => {
  const plan = planOf(search);
  const rules = rulesOf(plan);
  const traffic = trafficOf("search");
  const first = plan.steps[0] as { shareBp: number; bakeSeconds: number };
  const share = first.shareBp / 10_000;

  it("fails the rate its plan is meant to catch", () => {
    expect(demoModels["search-canary"]?.errorRate).toBe(SEARCH_CANARY_ERROR_RATE);
    expect(demoModels["search-blue"]?.errorRate).toBeUndefined();
  });

  it("is caught at the first step within a minute: its error rate is above what a minute catches", () => {
    // The gate judges nothing before each arm has minRequests: the canary's take the longest.
    const minRequestsMinutes = rules.minRequests / (traffic.requestsPerMinute * share);
    expect(minRequestsMinutes).toBeLessThan(1);
    const caught = smallestCaught(rules, share, traffic, 1);
    expect(caught).not.toBeNull();
    expect(caught as number).toBeLessThan(SEARCH_CANARY_ERROR_RATE);
    // ...and well before the step's bake ends, so it never advances.
    expect(smallestCaught(rules, share, traffic, first.bakeSeconds / 60) as number).toBeLessThan(
      SEARCH_CANARY_ERROR_RATE / 2,
    );
  });
});
