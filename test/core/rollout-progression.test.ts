/**
 * The rollout state machine against shared JSON vectors
 * (test/vectors/rollout-progression.json), run in Node and in workerd: test
 * titles come from the data, so a title cannot drift from its expectation.
 */
import { describe, expect, it } from "vitest";
import type { RolloutMetrics } from "../../src/core/rollout/gates.ts";
import type { PlanRules } from "../../src/core/rollout/plan.ts";
import {
  type DocChange,
  evaluateRollout,
  type RolloutStatus,
} from "../../src/core/rollout/state-machine.ts";
import vectors from "../vectors/rollout-progression.json" with { type: "json" };

interface Case {
  name: string;
  status: RolloutStatus;
  metrics: RolloutMetrics;
  now: number;
  verdict: string;
  change: DocChange;
  next: { state: string; stepIndex: number };
  onSuccess?: "flip" | "stay";
}

describe("rollout progression vectors", () => {
  for (const c of vectors.cases as Case[]) {
    it(`${c.name} -> ${c.verdict}`, () => {
      const plan = { ...(vectors.plan as PlanRules), onSuccess: c.onSuccess ?? "flip" };
      const d = evaluateRollout(plan, c.status, c.metrics, c.now);
      expect(d.verdict).toBe(c.verdict);
      expect(d.change).toEqual(c.change);
      expect({ state: d.status.state, stepIndex: d.status.stepIndex }).toEqual(c.next);
    });
  }
});
