import { describe, expect, it } from "vitest";
import type { RolloutMetrics } from "../../src/core/rollout/gates.ts";
import {
  applyManual,
  type DocChange,
  evaluateRollout,
  type ManualCommand,
  type RolloutState,
  type RolloutStatus,
  startRollout,
} from "../../src/core/rollout/state-machine.ts";
import { RolloutPlan } from "../../src/document/rollout-plan.ts";

const MIN = 60_000;
const plan = RolloutPlan.parse({
  steps: [
    { shareBp: 100, bakeSeconds: 600 },
    { shareBp: 500, bakeSeconds: 1800 },
    { shareBp: 2500, bakeSeconds: 600 },
  ],
  gates: { shadow: { minAgreement: 0.95, maxMeanAbsDelta: 0.05, minPairs: 100 } },
});
const stayPlan = { ...plan, onSuccess: "stay" as const };

const status = (stepIndex: number, state: RolloutState = "progressing"): RolloutStatus => ({
  state,
  stepIndex,
  stepStartedAt: 0,
  startedAt: 0,
  updatedAt: 0,
});

/** Healthy metrics for a step at `shareBp`: equal error rates, similar latency, exact split. */
const healthy = (shareBp: number, over: Partial<RolloutMetrics> = {}): RolloutMetrics => {
  const canary = Math.round((10_000 * shareBp) / 10_000);
  return {
    live: { requests: 9_000, errors: 90, p95Ms: 100 },
    canary: { requests: 1_000, errors: 10, p95Ms: 110 },
    split: { canary, others: 10_000 - canary },
    shadow: { pairs: 500, agreementRate: 0.98, meanAbsDelta: 0.02 },
    ...over,
  };
};

interface Case {
  name: string;
  status: RolloutStatus;
  metrics: RolloutMetrics;
  now: number;
  verdict: string;
  change: DocChange;
  next: { state: RolloutState; stepIndex: number };
  usePlan?: typeof plan;
}

const cases: Case[] = [
  {
    name: "paused rollouts do nothing",
    status: status(0, "paused"),
    metrics: healthy(100),
    now: 60 * MIN,
    verdict: "none",
    change: null,
    next: { state: "paused", stepIndex: 0 },
  },
  {
    name: "rolled-back rollouts do nothing",
    status: status(1, "rolled-back"),
    metrics: healthy(500),
    now: 60 * MIN,
    verdict: "none",
    change: null,
    next: { state: "rolled-back", stepIndex: 1 },
  },
  {
    name: "healthy during the bake: keep baking",
    status: status(0),
    metrics: healthy(100),
    now: 5 * MIN,
    verdict: "bake",
    change: null,
    next: { state: "progressing", stepIndex: 0 },
  },
  {
    name: "too few requests during the bake: keep baking",
    status: status(0),
    metrics: healthy(100, { canary: { requests: 50, errors: 0, p95Ms: 100 } }),
    now: 5 * MIN,
    verdict: "bake",
    change: null,
    next: { state: "progressing", stepIndex: 0 },
  },
  {
    name: "error rate significantly worse during the bake: roll back at once",
    status: status(0),
    metrics: healthy(100, { canary: { requests: 1_000, errors: 60, p95Ms: 100 } }),
    now: 1 * MIN,
    verdict: "rollback",
    change: { kind: "kill" },
    next: { state: "rolled-back", stepIndex: 0 },
  },
  {
    name: "error rate worse but within minDelta: not a failure",
    status: status(0),
    metrics: healthy(100, {
      live: { requests: 90_000, errors: 900, p95Ms: 100 },
      canary: { requests: 10_000, errors: 140, p95Ms: 100 },
      split: { canary: 100, others: 9_900 },
    }),
    now: 11 * MIN,
    verdict: "advance",
    change: { kind: "set-share", shareBp: 500 },
    next: { state: "progressing", stepIndex: 1 },
  },
  {
    name: "p95 latency 1.6x live: roll back",
    status: status(1),
    metrics: healthy(500, { canary: { requests: 1_000, errors: 10, p95Ms: 160 } }),
    now: 1 * MIN,
    verdict: "rollback",
    change: { kind: "kill" },
    next: { state: "rolled-back", stepIndex: 1 },
  },
  {
    name: "sample-ratio mismatch: roll back",
    status: status(0),
    metrics: healthy(100, { split: { canary: 150, others: 9_850 } }),
    now: 11 * MIN,
    verdict: "rollback",
    change: { kind: "kill" },
    next: { state: "rolled-back", stepIndex: 0 },
  },
  {
    name: "shadow label agreement below 95%: roll back",
    status: status(0),
    metrics: healthy(100, { shadow: { pairs: 500, agreementRate: 0.9, meanAbsDelta: 0.02 } }),
    now: 11 * MIN,
    verdict: "rollback",
    change: { kind: "kill" },
    next: { state: "rolled-back", stepIndex: 0 },
  },
  {
    name: "shadow mean |Δscore| too large: roll back",
    status: status(0),
    metrics: healthy(100, { shadow: { pairs: 500, agreementRate: 0.99, meanAbsDelta: 0.08 } }),
    now: 11 * MIN,
    verdict: "rollback",
    change: { kind: "kill" },
    next: { state: "rolled-back", stepIndex: 0 },
  },
  {
    name: "bake done, all gates pass: advance to 5%",
    status: status(0),
    metrics: healthy(100),
    now: 10 * MIN,
    verdict: "advance",
    change: { kind: "set-share", shareBp: 500 },
    next: { state: "progressing", stepIndex: 1 },
  },
  {
    name: "bake done, too few requests: hold",
    status: status(0),
    metrics: healthy(100, { live: { requests: 150, errors: 0, p95Ms: 100 } }),
    now: 30 * MIN,
    verdict: "hold",
    change: null,
    next: { state: "progressing", stepIndex: 0 },
  },
  {
    name: "bake done, too few shadow pairs: hold",
    status: status(1),
    metrics: healthy(500, { shadow: { pairs: 20, agreementRate: 1, meanAbsDelta: 0 } }),
    now: 31 * MIN,
    verdict: "hold",
    change: null,
    next: { state: "progressing", stepIndex: 1 },
  },
  {
    name: "bake done, no shadow data at all: hold",
    status: status(1),
    metrics: healthy(500, { shadow: null }),
    now: 31 * MIN,
    verdict: "hold",
    change: null,
    next: { state: "progressing", stepIndex: 1 },
  },
  {
    name: "last step passed: promote (flip live to the canary)",
    status: status(2),
    metrics: healthy(2500),
    now: 10 * MIN,
    verdict: "promote",
    change: { kind: "flip" },
    next: { state: "promoted", stepIndex: 2 },
  },
  {
    name: "last step passed with onSuccess stay: complete without a flip",
    status: status(2),
    metrics: healthy(2500),
    now: 10 * MIN,
    verdict: "promote",
    change: null,
    next: { state: "completed", stepIndex: 2 },
    usePlan: stayPlan,
  },
];

describe("evaluateRollout", () => {
  for (const c of cases) {
    it(`${c.name} -> ${c.verdict}`, () => {
      const d = evaluateRollout(c.usePlan ?? plan, c.status, c.metrics, c.now);
      expect(d.verdict).toBe(c.verdict);
      expect(d.change).toEqual(c.change);
      expect({ state: d.status.state, stepIndex: d.status.stepIndex }).toEqual(c.next);
      if (c.verdict === "advance") expect(d.status.stepStartedAt).toBe(c.now);
      if (c.verdict === "rollback") expect(d.gates.some((g) => g.outcome === "fail")).toBe(true);
    });
  }

  it("p95 latency 2x live but only 3 ms slower is jitter, not a regression", () => {
    const fast = healthy(500, {
      live: { requests: 9_000, errors: 90, p95Ms: 3 },
      canary: { requests: 1_000, errors: 10, p95Ms: 6 },
    });
    const d = evaluateRollout(plan, status(1), fast, MIN);
    expect(d.verdict).toBe("bake");
    expect(d.gates.find((g) => g.gate === "latency-p95")?.outcome).toBe("pass");
  });

  it("a 100% step compares the canary with live as measured at the end of the previous step", () => {
    const full = RolloutPlan.parse({
      steps: [
        { shareBp: 5000, bakeSeconds: 60 },
        { shareBp: 10_000, bakeSeconds: 60 },
      ],
    });
    const advanced = evaluateRollout(full, status(0), healthy(5000), MIN);
    expect(advanced.verdict).toBe("advance");
    expect(advanced.status.baseline).toEqual(healthy(5000).live);

    const noLive = { requests: 0, errors: 0, p95Ms: null };
    const good = healthy(10_000, { live: noLive, split: { canary: 10_000, others: 0 } });
    expect(evaluateRollout(full, advanced.status, good, 2 * MIN).verdict).toBe("promote");
    const bad = { ...good, canary: { requests: 1_000, errors: 200, p95Ms: 100 } };
    expect(evaluateRollout(full, advanced.status, bad, 2 * MIN).verdict).toBe("rollback");
  });

  it("leaves its inputs untouched, also when it advances", () => {
    const s = status(0);
    const m = healthy(100);
    const copy = structuredClone({ s, m });
    expect(evaluateRollout(plan, s, m, 10 * MIN).status).toMatchObject({
      stepIndex: 1,
      stepStartedAt: 10 * MIN,
    });
    expect({ s, m }).toEqual(copy);
  });

  it("starting a rollout sets the first step's share", () => {
    expect(startRollout(plan, 42)).toEqual({
      status: {
        state: "progressing",
        stepIndex: 0,
        stepStartedAt: 42,
        startedAt: 42,
        updatedAt: 42,
      },
      change: { kind: "set-share", shareBp: 100 },
    });
  });
});

describe("manual overrides", () => {
  const table: [RolloutState, ManualCommand, RolloutState | "refused", DocChange][] = [
    ["progressing", "pause", "paused", null],
    ["paused", "resume", "progressing", null],
    ["progressing", "abort", "aborted", { kind: "kill" }],
    ["paused", "abort", "aborted", { kind: "kill" }],
    ["progressing", "promote", "promoted", { kind: "flip" }],
    ["paused", "promote", "promoted", { kind: "flip" }],
    ["paused", "pause", "refused", null],
    ["progressing", "resume", "refused", null],
    ["rolled-back", "promote", "refused", null],
    ["promoted", "abort", "refused", null],
  ];
  for (const [from, command, to, change] of table) {
    it(`${command} on a ${from} rollout -> ${to}`, () => {
      const r = applyManual(status(1, from), command, 99);
      if (to === "refused") {
        expect(r).toHaveProperty("error");
        return;
      }
      if ("error" in r) throw new Error(r.error);
      expect(r.status.state).toBe(to);
      expect(r.change).toEqual(change);
      if (command === "resume") expect(r.status.stepStartedAt).toBe(99);
    });
  }

  it("a paused rollout ignores even failing metrics until resumed", () => {
    const failing = healthy(500, { canary: { requests: 1_000, errors: 500, p95Ms: 100 } });
    expect(evaluateRollout(plan, status(1, "paused"), failing, MIN).verdict).toBe("none");
  });
});
