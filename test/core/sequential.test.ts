import fc from "fast-check";
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

const arm = fc
  .integer({ min: 1, max: 200_000 })
  .chain((requests) =>
    fc.integer({ min: 0, max: requests }).map((errors) => ({ requests, errors })),
  );

describe("sequential error-rate test, properties", () => {
  it("decides exactly when the statistic reaches the boundary, on minDelta's correct side", () => {
    fc.assert(
      fc.property(arm, arm, fc.double({ min: 0, max: 0.05, noNaN: true }), (c, l, minDelta) => {
        const r = sequentialErrorRate(c, l, { alpha: 0.01, minDelta });
        const reached = r.statistic >= r.boundary;
        if (Math.abs(r.statistic - r.boundary) < 1e-9) return; // float ties
        expect(r.outcome !== "inconclusive").toBe(reached);
        if (r.outcome === "fail") expect(r.effect).toBeGreaterThan(minDelta);
        if (r.outcome === "pass") expect(r.effect).toBeLessThan(minDelta);
        expect(r.lo).toBeLessThanOrEqual(r.effect);
        expect(r.hi).toBeGreaterThanOrEqual(r.effect);
      }),
    );
  });

  it("a smaller alpha gives a wider interval around the same estimate", () => {
    fc.assert(
      fc.property(arm, arm, (c, l) => {
        const loose = sequentialErrorRate(c, l, { alpha: 0.05, minDelta: 0.005 });
        const strict = sequentialErrorRate(c, l, { alpha: 0.001, minDelta: 0.005 });
        expect(strict.lo).toBeLessThanOrEqual(loose.lo);
        expect(strict.hi).toBeGreaterThanOrEqual(loose.hi);
      }),
    );
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

  it("does not care which arm is called the canary", () => {
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.nat(100_000),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        (k, m, p) => {
          const a = sequentialSrm(k, m, p, { alpha: 0.001 }).statistic;
          const b = sequentialSrm(m, k, 1 - p, { alpha: 0.001 }).statistic;
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a)));
        },
      ),
    );
  });

  it("cannot mismatch a 0 % or 100 % share, nor an empty split", () => {
    expect(sequentialSrm(0, 100, 0, { alpha: 0.001 }).outcome).toBe("pass");
    expect(sequentialSrm(100, 0, 1, { alpha: 0.001 }).outcome).toBe("pass");
    expect(sequentialSrm(0, 0, 0.5, { alpha: 0.001 }).statistic).toBe(0);
  });
});
