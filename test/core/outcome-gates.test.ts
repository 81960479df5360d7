/**
 * The outcome gates against test/vectors/outcome-gates.json (numpy and
 * scipy quadrature, scripts/tools/outcome_vectors.py): the stratified
 * difference, its jackknife variance, the layered interval and the verdict.
 * Then what the vectors cannot show: which cells count for a rollout, the
 * alpha the gates take, and what a gate says before it has data.
 */
import { describe, expect, it } from "vitest";
import type { OutcomeCell } from "../../src/core/outcomes/outcome-sums.ts";
import { rolloutSeries } from "../../src/core/outcomes/rollout-series.ts";
import { stratifiedDifference } from "../../src/core/outcomes/stratified.ts";
import { outcomeBudgetWords } from "../../src/core/rollout/budget-words.ts";
import type { GateContext } from "../../src/core/rollout/gates.ts";
import { type OutcomeBudget, outcomeBudgets } from "../../src/core/rollout/outcome-budget.ts";
import { outcomeGates } from "../../src/core/rollout/outcome-gates.ts";
import { type GateRules, gateAlphas } from "../../src/core/rollout/plan.ts";
import { layeredInterval } from "../../src/core/rollout/sequential.ts";
import v from "../vectors/outcome-gates.json" with { type: "json" };

const close = (actual: number, expected: number, rel = 1e-6, abs = 1e-10) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(abs, Math.abs(expected) * rel));

const RULES: GateRules = {
  minRequests: 1,
  errorRate: { minDelta: 0.005 },
  latencyP95Ratio: { max: 1.1, minDeltaMs: 25 },
};

const context = (alphas: GateContext["alphas"], beta: number): GateContext => ({
  shareBp: 500,
  stepIndex: 0,
  alphas,
  baseline: null,
  latencyReference: null,
  beta,
});

describe("outcome gate vectors", () => {
  for (const c of v.cases) {
    it(`${c.name}: ${c.expected.outcome}`, () => {
      const d = stratifiedDifference(c.strata, c.binary);
      expect(d).not.toBeNull();
      if (!d) return;
      close(d.effect, c.expected.effect);
      close(d.variance, c.expected.variance);
      expect([d.canary, d.live, d.strata]).toEqual([
        c.expected.canary,
        c.expected.live,
        c.expected.strata,
      ]);
      const [result] = outcomeGates(
        {
          ...RULES,
          outcomes: { m: { kind: c.kind as "guardrail" | "success", minDelta: c.minDelta } },
        },
        {
          m: {
            better: c.better as "higher" | "lower",
            binary: c.binary,
            strata: c.strata,
            canaryPerMinute: 10,
          },
        },
        context({ "outcome:m": c.alpha }, c.beta),
      );
      expect(result?.gate).toBe("outcome:m");
      expect(result?.outcome).toBe(c.expected.outcome);
      const clip = (x: number) => (c.binary ? Math.max(-1, Math.min(1, x)) : x);
      close(result?.evidence?.lo ?? Number.NaN, clip(c.expected.lo), 1e-5);
      close(result?.evidence?.hi ?? Number.NaN, clip(c.expected.hi), 1e-5);
    });
  }
});

describe("which outcomes count for a rollout", () => {
  const cell = (
    revision: string,
    arm: string,
    metric: string,
    bucket: number,
    n: number,
    sum: number,
  ): OutcomeCell => ({
    revision,
    arm,
    metric,
    bucket,
    n,
    sum,
    sumSq: sum,
  });
  const cells = [
    cell("3@1000", "blue", "conv", 1, 50, 5),
    cell("3@1000", "green", "conv", 2, 40, 8),
    cell("4@5000", "blue", "conv", 1, 30, 3),
    cell("4@5000", "green", "conv", 2, 60, 12),
    // Before the rollout started: another rollout's.
    cell("2@500", "green", "conv", 2, 999, 999),
    // Another arm (a challenger) and a metric no gate names.
    cell("4@5000", "red", "conv", 3, 70, 70),
    cell("4@5000", "green", "clicks", 2, 70, 7),
  ];
  const series = rolloutSeries(cells, {
    live: "blue",
    canary: "green",
    metrics: { conv: "higher" },
    sinceMs: 1000,
    nowMs: 1000 + 10 * 60_000,
  });

  it("keeps the rollout's revisions, live and the canary, the gated metrics", () => {
    expect(Object.keys(series)).toEqual(["conv"]);
    const conv = series.conv;
    expect(conv?.strata).toHaveLength(2);
    expect(conv?.binary).toBe(true);
    const canaryN = (conv?.strata ?? []).map((s) => s.canary.n.reduce((a, b) => a + b, 0));
    expect(canaryN).toEqual([40, 60]);
    // 100 canary outcomes in 10 minutes.
    expect(conv?.canaryPerMinute).toBe(10);
  });

  it("a value other than 0 or 1 makes the metric numeric", () => {
    const numeric = rolloutSeries(
      [...cells, { ...cell("4@5000", "blue", "conv", 5, 1, 3), sumSq: 9 }],
      {
        live: "blue",
        canary: "green",
        metrics: { conv: "higher" },
        sinceMs: 1000,
        nowMs: 2000,
      },
    );
    expect(numeric.conv?.binary).toBe(false);
  });
});

describe("outcome gates in a plan", () => {
  const plan = (outcomes: GateRules["outcomes"], steps = 3) => ({
    alpha: 0.01,
    steps: Array.from({ length: steps }, () => ({ shareBp: 100, bakeSeconds: 60 })),
    gates: { ...RULES, outcomes },
  });

  it("each takes twice the shadow gates' weight, once for the whole rollout: the plan's alpha still adds up", () => {
    for (const n of [1, 3, 7]) {
      const a = gateAlphas(
        plan(
          {
            conv: { kind: "success", minDelta: 0.01 },
            churn: { kind: "guardrail", minDelta: 0.02 },
          },
          n,
        ),
      );
      const perStep =
        (a["error-rate"] ?? 0) + (a["status-class"] ?? 0) + (a["latency-p95"] ?? 0) + (a.srm ?? 0);
      close(perStep * n + (a["outcome:conv"] ?? 0) + (a["outcome:churn"] ?? 0), 0.01, 1e-12);
      close(a["outcome:conv"] ?? 0, (0.01 * 2) / (4 + 1 + 3 + 1 + 4), 1e-12);
    }
  });

  it("says how many outcomes it waits for, without data and below the minimum", () => {
    const rules = { ...RULES, outcomes: { conv: { kind: "guardrail" as const, minDelta: 0.01 } } };
    const ctx = context({ "outcome:conv": 0.001 }, 0.05);
    const [none] = outcomeGates(rules, undefined, ctx);
    expect(none).toMatchObject({ gate: "outcome:conv", outcome: "inconclusive" });
    expect(none?.detail).toBe("conv: 0 canary and 0 live outcomes (need 30 each)");
    const few = {
      conv: {
        better: "higher" as const,
        binary: true,
        canaryPerMinute: 1,
        strata: [
          { live: { n: [40], sum: [4], sumSq: 4 }, canary: { n: [10], sum: [1], sumSq: 1 } },
        ],
      },
    };
    expect(outcomeGates(rules, few, ctx)[0]?.detail).toBe(
      "conv: 10 canary and 40 live outcomes (need 30 each)",
    );
  });

  it("an undecided gate says how many more canary outcomes, and minutes at their rate", () => {
    const c = v.cases[0];
    if (!c) throw new Error("no vectors");
    const [r] = outcomeGates(
      { ...RULES, outcomes: { m: { kind: "guardrail", minDelta: 0.02 } } },
      { m: { better: "higher", binary: true, strata: c.strata, canaryPerMinute: 50 } },
      context({ "outcome:m": c.alpha }, c.beta),
    );
    expect(r?.outcome).toBe("inconclusive");
    expect(r?.detail).toMatch(
      /not yet shown worse than live, nor within 2\.0 pp of it; about [\d,]+ more canary outcomes \(about \d+ min at their rate\)/,
    );
    expect(r?.evidence?.more).toBeGreaterThan(0);
  });
});

describe("the outcome gates' evidence budget", () => {
  const flat = (n: number, rate: number) => {
    const per = Array.from({ length: 64 }, () => n / 64);
    return { n: per, sum: per.map((x) => x * rate), sumSq: n * rate };
  };
  const series = (canary: number, live: number) => ({
    conv: {
      better: "higher" as const,
      binary: true,
      canaryPerMinute: 100,
      strata: [{ canary: flat(canary, 0.1), live: flat(live, 0.1) }],
    },
  });

  it("sizes the canary outcomes at which the interval at beta is as narrow as minDelta", () => {
    const rules = { conv: { kind: "guardrail" as const, minDelta: 0.02 } };
    const [b] = outcomeBudgets(rules, series(640, 6400), 0.05);
    const n = b?.canaryOutcomes ?? 0;
    // Live 10 %, 10 live outcomes per canary one: the half-width at n is minDelta.
    const half = (m: number) => {
      const t = layeredInterval(0, 0.09 * (1 / m + 1 / (10 * m)), 0.02, 0.05);
      return (t.hi - t.lo) / 2;
    };
    expect(half(n)).toBeLessThanOrEqual(0.02);
    expect(half(n - 2)).toBeGreaterThan(0.02);
    expect(b?.minutes).toBeCloseTo(n / 100, 6);
    expect(outcomeBudgetWords(b as OutcomeBudget)).toMatch(
      /^outcome:conv \(guardrail, 2\.0 pp\): passes after about [\d,]+ canary outcomes over the rollout, about \S+ at 100\/min so far, if as good as live$/,
    );
  });

  it("a smaller minDelta needs more; without live outcomes it says so", () => {
    const n = (d: number) =>
      outcomeBudgets({ conv: { kind: "success", minDelta: d } }, series(640, 6400), 0.05)[0]
        ?.canaryOutcomes ?? 0;
    expect(n(0.005)).toBeGreaterThan(n(0.01) * 3);
    const [none] = outcomeBudgets({ conv: { kind: "success", minDelta: 0.01 } }, null, 0.05);
    expect(outcomeBudgetWords(none as OutcomeBudget)).toBe(
      "outcome:conv (success, 1.0 pp): not sized yet (no live outcomes)",
    );
  });
});
