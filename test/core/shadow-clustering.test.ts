/**
 * The shadow gates count users, not pairs: one user whose many pairs all
 * disagree (or all differ a lot) is one cluster's worth of evidence
 * (src/core/rollout/shadow-gates.ts over the summary's user clusters), while
 * disagreement spread over every user still fails the gate.
 */
import { describe, expect, it } from "vitest";
import { shadowViewOf } from "../../src/core/rollout/metrics-view.ts";
import { gateAlphas } from "../../src/core/rollout/plan.ts";
import { shadowGates } from "../../src/core/rollout/shadow-gates.ts";
import { comparePair, type ShadowPair } from "../../src/core/shadow/compare.ts";
import { addPair, emptySummary, type ShadowSummary } from "../../src/core/shadow/summary.ts";
import { RolloutPlan } from "../../src/document/rollout-plan.ts";

const plan = RolloutPlan.parse({
  steps: [{ shareBp: 500, bakeSeconds: 600 }],
  gates: { shadow: { minAgreement: 0.95, maxMeanAbsDelta: 0.05, minPairs: 100 } },
});

const reading = (score: number, label: string) => ({
  status: 200,
  durationMs: 20,
  error: null,
  streamed: false,
  cut: null,
  firstByteMs: 20,
  events: 0,
  bytes: 0,
  usageTokens: null,
  score,
  label,
});

function pairOf(bucket: number, agree: boolean, absDelta: number): ShadowPair {
  return {
    at: 1_000,
    service: "svc",
    production: "blue",
    role: "live",
    shadow: "green",
    bucket,
    sampleBucket: 0,
    version: 1,
    inputId: null,
    bodyBytes: 10,
    comparison: comparePair(reading(0.5, "p"), reading(0.5 + absDelta, agree ? "p" : "n")),
  };
}

function judge(s: ShadowSummary, byUsers: boolean) {
  const view = shadowViewOf(s);
  const metrics = {
    live: { requests: 0, errors: 0, p95Ms: null },
    canary: { requests: 0, errors: 0, p95Ms: null },
    split: null,
    shadow: byUsers ? view : { ...view, users: undefined },
  };
  const ctx = {
    shareBp: 500,
    stepIndex: 0,
    alphas: gateAlphas(plan),
    baseline: null,
    latencyReference: null,
  };
  return Object.fromEntries(shadowGates(plan.gates, metrics, ctx).map((g) => [g.gate, g]));
}

describe("shadow gates over users", () => {
  // 3,000 users' pairs agree within 0.01; one heavy user sends 400 pairs that all disagree by 0.5.
  const s = emptySummary("svc", "green");
  for (let i = 0; i < 3000; i++) addPair(s, pairOf((i * 7919) % 10_000, true, 0.01));
  for (let i = 0; i < 400; i++) addPair(s, pairOf(4242, false, 0.5));

  it("one heavy user who always disagrees does not fail them; the same pairs as independent would", () => {
    const users = judge(s, true);
    expect(users["shadow-agreement"]?.outcome).not.toBe("fail");
    expect(users["shadow-delta"]?.outcome).not.toBe("fail");
    expect(users["shadow-agreement"]?.detail).toMatch(
      /users' clustering counted \(dispersion [\d,.]+\)$/,
    );
    const pairs = judge(s, false);
    expect(pairs["shadow-agreement"]?.outcome).toBe("fail");
    expect(pairs["shadow-delta"]?.outcome).toBe("fail");
  });

  it("disagreement spread over every user still fails", () => {
    const spread = emptySummary("svc", "green");
    // Which pairs disagree does not follow the user (a multiplicative hash of the pair's index).
    for (let i = 0; i < 3400; i++) {
      const bad = (Math.imul(i, 0x9e3779b1) >>> 0) >>> 29 === 0; // one in 8
      addPair(spread, pairOf((i * 7919) % 10_000, !bad, bad ? 0.5 : 0.01));
    }
    const g = judge(spread, true);
    expect(g["shadow-agreement"]?.outcome).toBe("fail");
    expect(g["shadow-delta"]?.outcome).toBe("fail");
  });
});
