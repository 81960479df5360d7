/**
 * The evidence budget: its numbers against hand-computed Wald bounds, its
 * shape (more traffic never needs longer; a step it calls infeasible gets a
 * fitted step that is feasible), and its words.
 */
import { describe, expect, it } from "vitest";
import { stepBudgetWords } from "../../src/core/rollout/budget-words.ts";
import {
  dispersionOver,
  fitStep,
  smallestCaught,
  stepBudget,
} from "../../src/core/rollout/evidence-budget.ts";
import { requestsToPass, requestsToPassSurely } from "../../src/core/rollout/pass-time.ts";
import { mulberry32 } from "../support/random.ts";

const rules = {
  alpha: 0.001,
  beta: 0.05,
  minDelta: 0.005,
  minRequests: 200,
  maxExtensionSeconds: 3600,
};
const klBern = (p: number, q: number) =>
  p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));

describe("evidence budget", () => {
  it("passing needs ln(1/beta') / KL(p || p + minDelta) canary requests, times the dispersion", () => {
    // beta' = 0.8 beta: the sequential side's share (the last look's fixed sample has the rest).
    const wald = Math.log(1 / (0.05 * 0.8)) / klBern(0.01, 0.015);
    expect(requestsToPass(rules, 0.01)).toBeCloseTo(wald, 6);
    expect(requestsToPass(rules, 0.01, 3)).toBeCloseTo(3 * wald, 6);
    // About 3,400 canary requests at 1 % errors: the STATISTICS.md power figure's order.
    expect(Math.round(wald)).toBe(3360);
  });

  it("more traffic decides sooner and catches smaller regressions", () => {
    const step = { shareBp: 500, bakeSeconds: 1800 };
    let last = { pass: Infinity, catches: Infinity };
    for (const rpm of [300, 1000, 10_000, 60_000]) {
      const b = stepBudget(rules, step, { requestsPerMinute: rpm, errorRate: 0.01 });
      expect(b.passMinutes).not.toBeNull();
      expect(b.passMinutes as number).toBeLessThan(last.pass);
      expect(b.catches ?? Infinity).toBeLessThanOrEqual(last.catches);
      last = { pass: b.passMinutes as number, catches: b.catches ?? Infinity };
    }
  });

  it("a step it cannot decide in time is fitted with a wider share or a longer bake that can", () => {
    const t = { requestsPerMinute: 1000, errorRate: 0.01 };
    const step = { shareBp: 100, bakeSeconds: 600 };
    expect(stepBudget(rules, step, t).feasible).toBe(false);
    const fit = fitStep(rules, step, t);
    expect(fit).not.toBeNull();
    expect(stepBudget(rules, fit as { shareBp: number; bakeSeconds: number }, t).feasible).toBe(
      true,
    );
    expect(fit?.shareBp).toBeGreaterThan(100);
  });

  it("'surely': a simulated step ending there passes (sequential side or last look) as often as promised", () => {
    // A 100 % step against an exact baseline of 1 %: q = 1 %, the alternative 1.5 %.
    const p = 0.01;
    const n = Math.ceil(requestsToPassSurely(rules, p, 1, Number.POSITIVE_INFINITY, 0.99));
    // 95 %: the last look's fixed sample decides sooner than the sequential side's 95 %.
    expect(requestsToPassSurely(rules, p)).toBeLessThan(n);
    const mean = requestsToPass(rules, p);
    expect(n).toBeGreaterThan(1.5 * mean);
    const up = Math.log(0.015 / 0.01);
    const down = Math.log(0.985 / 0.99);
    const goal = Math.log(1 / (0.05 * 0.8));
    const rand = mulberry32(12345);
    const z = 2.3263479; // the last look's one-sided 1 % (0.2 x beta)
    const runs = 2000;
    let passed = 0;
    let byMean = 0;
    for (let r = 0; r < runs; r++) {
      let lr = 0;
      let events = 0;
      let crossed = false;
      for (let i = 1; i <= n; i++) {
        const hit = rand() < p;
        events += hit ? 1 : 0;
        lr += hit ? up : down;
        if (-lr >= goal) {
          crossed = true;
          if (i <= mean) byMean++;
          break;
        }
      }
      // Not crossed: the step's last look, canary's upper bound against the exact baseline.
      const a = (events + 1) / (n + 2);
      const lastLook = events / n - p + z * Math.sqrt((a * (1 - a)) / n) <= 0.005;
      if (crossed || lastLook) passed++;
    }
    // Wald's continuous approximation ignores the overshoot, and the two sides overlap: within a point of 99 %.
    expect(passed / runs).toBeGreaterThanOrEqual(0.98);
    // By the mean time, only about half have.
    expect(byMean / runs).toBeLessThan(0.75);
  });

  it("clustering measured over a short span is stretched to the step's window", () => {
    const t = { requestsPerMinute: 10_000, errorRate: 0.01, dispersion: 3, measuredMinutes: 10 };
    expect(dispersionOver(t, 70)).toBeCloseTo(1 + 2 * 7, 9);
    expect(dispersionOver(t, 5)).toBe(3); // never below what was measured
    expect(dispersionOver({ ...t, measuredMinutes: undefined }, 70)).toBe(3);
    const step = { shareBp: 500, bakeSeconds: 1800 };
    const longer = stepBudget(rules, step, t).passMinutes as number;
    const asMeasured = stepBudget(rules, step, { ...t, measuredMinutes: 90 }).passMinutes as number;
    expect(longer).toBeGreaterThan(asMeasured);
  });

  it("no traffic: nothing is promised", () => {
    const b = stepBudget(
      rules,
      { shareBp: 500, bakeSeconds: 600 },
      { requestsPerMinute: 0, errorRate: 0 },
    );
    expect(b).toMatchObject({
      passMinutes: null,
      surelyMinutes: null,
      catches: null,
      feasible: false,
    });
    expect(stepBudgetWords(b, 0)).toContain("no traffic measured");
  });

  it("catches within the window what the window's events can show, and a 100 % step too", () => {
    const t = { requestsPerMinute: 10_000, errorRate: 0.01 };
    const caught = smallestCaught(rules, 0.05, t, 70) as number;
    expect(caught).toBeGreaterThan(0);
    expect(caught).toBeLessThan(0.005);
    expect(smallestCaught(rules, 1, t, 10)).toBeLessThan(0.005);
    expect(smallestCaught(rules, 0.01, { requestsPerMinute: 10, errorRate: 0.01 }, 1)).toBeNull();
  });

  it("says each step in one line", () => {
    const b = stepBudget(
      rules,
      { shareBp: 500, bakeSeconds: 1800 },
      { requestsPerMinute: 10_000, errorRate: 0.01 },
    );
    expect(stepBudgetWords(b, 1)).toMatch(
      /^step 2 \(5%, 30m\): decides in about \d+m at current traffic; catches \+0\.\d+ pp errors with 90% probability$/,
    );
  });
});
