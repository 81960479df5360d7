import { describe, expect, it } from "vitest";
import { sequentialErrorRate, sequentialSrm } from "../../src/core/rollout/sequential.ts";
import v from "../vectors/sequential.json" with { type: "json" };

/** Closeness for logs and rates: relative, with an absolute floor. */
const close = (actual: number, expected: number, rel = 1e-7) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(1e-9, Math.abs(expected) * rel));

describe("sequential error-rate test (mSPRT, normal mixture)", () => {
  for (const c of v.errorRate) {
    it(`${c.name}: ${c.outcome}, log L=${c.statistic.toFixed(4)} vs ${c.boundary.toFixed(4)}, Δ in [${c.lo.toFixed(5)}, ${c.hi.toFixed(5)}]`, () => {
      const r = sequentialErrorRate(c.candidate, c.live, {
        alpha: c.alpha,
        minDelta: c.minDelta,
        mixingSd: c.mixingSd,
      });
      close(r.statistic, c.statistic);
      close(r.boundary, c.boundary);
      close(r.effect, c.effect);
      close(r.lo, c.lo, 1e-6);
      close(r.hi, c.hi, 1e-6);
      expect(r.outcome).toBe(c.outcome);
      // The decision and the statistic agree: a decision means the boundary was reached.
      expect(r.outcome === "inconclusive").toBe(r.statistic < r.boundary);
    });
  }

  it("has nothing to say before both arms have requests", () => {
    const r = sequentialErrorRate(
      { requests: 0, errors: 0 },
      { requests: 500, errors: 5 },
      { alpha: 0.01, minDelta: 0.005 },
    );
    expect(r).toMatchObject({ outcome: "inconclusive", lo: -1, hi: 1 });
  });
});

describe("sequential sample-ratio mismatch (Beta-Binomial mixture)", () => {
  for (const c of v.srm) {
    it(`${c.name}: ${c.outcome}, log BF=${c.statistic.toFixed(4)} vs ${c.boundary.toFixed(4)}`, () => {
      const r = sequentialSrm(c.canary, c.others, c.expectedShare, {
        alpha: c.alpha,
        concentration: c.concentration,
      });
      close(r.statistic, c.statistic, 1e-6);
      close(r.boundary, c.boundary);
      expect(r.outcome).toBe(c.outcome);
      close(r.pValue, Math.min(1, Math.exp(-c.statistic)), 1e-5);
    });
  }

  it("cannot mismatch a 0 % or 100 % share, nor an empty split", () => {
    expect(sequentialSrm(0, 100, 0, { alpha: 0.001 }).outcome).toBe("pass");
    expect(sequentialSrm(100, 0, 1, { alpha: 0.001 }).outcome).toBe("pass");
    expect(sequentialSrm(0, 0, 0.5, { alpha: 0.001 }).statistic).toBe(0);
  });
});
