/**
 * The rollout state machine against shared JSON vectors
 * (test/vectors/rollout-progression.json, generated and checked by
 * scripts/tools/sequential_vectors.py), run in Node and in workerd: test
 * titles come from the data, so a title cannot drift from its expectation.
 */
import { describe, expect, it } from "vitest";
import type { RateTests, RolloutMetrics } from "../../src/core/rollout/gates.ts";
import type { PlanRules } from "../../src/core/rollout/plan.ts";
import {
  type DocChange,
  evaluateRollout,
  type RolloutStatus,
} from "../../src/core/rollout/state-machine.ts";
import raw from "../vectors/rollout-progression.json" with { type: "json" };
import { resolveCounts } from "./vector-counts.ts";

interface Case {
  name: string;
  status: RolloutStatus;
  metrics: RolloutMetrics;
  now: number;
  verdict: string;
  change: DocChange;
  next: { state: string; stepIndex: number };
  gates: [string, string][];
  /** The rate tests the next status holds (null: none, e.g. a new step). */
  rateTests: RateTests | null;
  plan?: Partial<PlanRules>;
}

/** Relative closeness with an absolute floor; 1e-6 against a baseline (normalQuantileUpper's erfc). */
const close = (actual: number | undefined, expected: number, rel: number, what: string) =>
  expect(Math.abs((actual ?? Number.NaN) - expected), what).toBeLessThanOrEqual(
    Math.max(1e-9, Math.abs(expected) * rel),
  );

const vectors = resolveCounts(raw, { plan: raw.plan, cases: raw.cases as unknown as Case[] });

describe("rollout progression vectors", () => {
  for (const c of vectors.cases) {
    it(`${c.name} -> ${c.verdict}`, () => {
      const plan = { ...(vectors.plan as PlanRules), ...(c.plan ?? {}) };
      const d = evaluateRollout(plan, c.status, c.metrics, c.now);
      expect(d.verdict).toBe(c.verdict);
      expect(d.change).toEqual(c.change);
      expect({ state: d.status.state, stepIndex: d.status.stepIndex }).toEqual(c.next);
      // A verdict that judged the gates says each one's outcome (none judged when nothing acts).
      if (d.gates.length > 0) expect(d.gates.map((g) => [g.gate, g.outcome])).toEqual(c.gates);
      // The rate tests go on from look to look within a step and start over with the next.
      if (c.rateTests === null) expect(d.status.rateTests ?? null).toBeNull();
      else {
        const rel = c.status.baseline ? 1e-6 : 1e-9;
        for (const [what, want] of Object.entries(c.rateTests)) {
          const got = d.status.rateTests?.[what as keyof RateTests];
          expect([got?.canary, got?.live], what).toEqual([want.canary, want.live]);
          for (const [k, l] of want.logLR.entries())
            close(got?.logLR[k], l, rel, `${what} logLR[${k}]`);
          close(got?.passLR, want.passLR, rel, `${what} passLR`);
        }
      }
    });
  }
});
