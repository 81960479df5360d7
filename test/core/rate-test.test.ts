/**
 * The rate gates' sequential test and the dispersion over user buckets
 * against test/vectors/rate-test.json, whose numbers come from an
 * independent implementation of the modules' headers in
 * scripts/tools/sequential_vectors.py (scipy's binomial log-pmfs, numpy's
 * cluster-robust variance), not from these closed forms.
 */
import { describe, expect, it } from "vitest";
import { type BucketCounts, dispersion } from "../../src/core/rollout/dispersion.ts";
import {
  judgeRateTest,
  lookOneArm,
  lookTwoArms,
  type RateCounts,
  type RateTestState,
  startRateTest,
} from "../../src/core/rollout/rate-test.ts";
import raw from "../vectors/rate-test.json" with { type: "json" };

interface Look {
  canary: RateCounts;
  live?: RateCounts;
  logLR: number[];
  passLR: number;
  verdict: {
    outcome: string;
    rollback: number;
    rollbackBoundary: number;
    pass: number;
    passBoundary: number;
    dispersion: number;
  };
}

interface Sequence {
  name: string;
  arms: 1 | 2;
  minDelta: number;
  alpha: number;
  beta: number;
  dispersion: number;
  baseline?: RateCounts;
  looks: Look[];
}

/**
 * Relative closeness with an absolute floor (log statistics near 0). One-arm
 * sequences get 1e-6: the baseline's bound goes through normalQuantileUpper,
 * whose erfc is good to about 1e-9 relative, not scipy's 1e-15.
 */
const close = (actual: number, expected: number, what: string, rel = 1e-9, abs = 1e-9) =>
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    Math.max(abs, Math.abs(expected) * rel),
  );

describe("rate test vectors", () => {
  for (const c of raw.rateTests as Sequence[]) {
    const last = c.looks[c.looks.length - 1]?.verdict.outcome;
    it(`${c.name}: ${c.looks.length} looks, ${last}`, () => {
      let state: RateTestState = startRateTest();
      for (const [i, look] of c.looks.entries()) {
        state =
          c.arms === 2
            ? lookTwoArms(state, look.canary, look.live as RateCounts, c.minDelta)
            : lookOneArm(state, look.canary, c.baseline as RateCounts, c.minDelta, c.alpha);
        const rel = c.arms === 1 ? 1e-6 : 1e-9;
        for (const [k, l] of look.logLR.entries())
          close(state.logLR[k] as number, l, `look ${i} logLR[${k}]`, rel);
        close(state.passLR, look.passLR, `look ${i} passLR`, rel);
        const v = judgeRateTest(state, {
          alpha: c.alpha,
          beta: c.beta,
          dispersion: c.dispersion,
          oneArm: c.arms === 1,
        });
        expect(v.outcome, `look ${i}`).toBe(look.verdict.outcome);
        for (const key of [
          "rollback",
          "rollbackBoundary",
          "pass",
          "passBoundary",
          "dispersion",
        ] as const)
          close(v[key], look.verdict[key], `look ${i} ${key}`, rel);
      }
    });
  }

  it("the A/A and better-canary sequences pass, the 1% -> 3% ones fail (the vectors mean something)", () => {
    const outcome = (name: string) =>
      (raw.rateTests as Sequence[]).find((c) => c.name.startsWith(name))?.looks.at(-1)?.verdict
        .outcome;
    expect(outcome("A/A at 1%")).toBe("pass");
    expect(outcome("better canary")).toBe("pass");
    expect(outcome("1% -> 3%")).toBe("fail");
    expect(outcome("one arm: 3%")).toBe("fail");
    expect(outcome("judged with dispersion 3")).toBe("inconclusive");
  });

  it("does not change the state it is given", () => {
    const s = startRateTest();
    const copy = structuredClone(s);
    lookTwoArms(s, { trials: 100, events: 3 }, { trials: 1900, events: 19 }, 0.005);
    lookOneArm(s, { trials: 100, events: 3 }, { trials: 1900, events: 19 }, 0.005, 0.001);
    expect(s).toEqual(copy);
  });
});

describe("dispersion vectors", () => {
  for (const c of raw.dispersion as { name: string; arms: BucketCounts[]; dispersion: number }[]) {
    it(`${c.name}: ${c.dispersion.toFixed(3)}`, () => {
      close(dispersion(c.arms), c.dispersion, "dispersion");
    });
  }
});
