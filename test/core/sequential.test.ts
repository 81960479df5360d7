/**
 * The anytime-valid tests against test/vectors/sequential.json (scipy
 * quadrature and root finding, scripts/tools/sequential_vectors.py), run in
 * Node and in workerd; titles come from the data. Properties check what the
 * vectors cannot enumerate: a decision exactly when the statistic reaches
 * the boundary, on the right side of the bound.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareRates,
  logMixtureRatio,
  mixtureHalfWidth,
  moreNeeded,
  normalQuantileUpper,
  testMean,
  testRate,
} from "../../src/core/rollout/sequential.ts";
import { sequentialSrm } from "../../src/core/rollout/srm-test.ts";
import v from "../vectors/sequential.json" with { type: "json" };

/** Closeness for logs and rates: relative, with an absolute floor. */
const close = (actual: number, expected: number, rel = 1e-7, abs = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(abs, Math.abs(expected) * rel));

describe("one-sided normal mixture", () => {
  for (const c of v.mixture) {
    it(`V=${c.variance}, tau=${c.mixingSd}, alpha=${c.alpha}: S*=${c.halfWidth.toPrecision(6)}`, () => {
      close(mixtureHalfWidth(c.variance, c.mixingSd, c.alpha), c.halfWidth, 1e-6);
      for (const [s, expected] of Object.entries(c.logRatio)) {
        close(logMixtureRatio(Number(s), c.variance, c.mixingSd), expected, 1e-6, 1e-6);
      }
      // At S* the ratio is exactly 1/alpha.
      close(logMixtureRatio(c.halfWidth, c.variance, c.mixingSd), Math.log(1 / c.alpha), 1e-6);
    });
  }

  for (const c of v.normalQuantiles) {
    it(`P(Z > ${c.z.toFixed(6)}) = ${c.p}`, () => close(normalQuantileUpper(c.p), c.z, 1e-6));
  }
});

const decides = (r: { outcome: string; statistic: number; boundary: number }) =>
  expect(r.outcome === "inconclusive").toBe(r.statistic < r.boundary);

describe("difference of rates (compareRates)", () => {
  for (const c of v.compareRates) {
    it(`${c.name}: ${c.outcome}, log L=${c.statistic.toFixed(4)} vs ${c.boundary.toFixed(4)}, Δ in [${c.lo.toFixed(5)}, ${c.hi.toFixed(5)}]`, () => {
      const r = compareRates(c.candidate, c.reference, {
        alpha: c.alpha,
        bound: c.bound,
        mixingSd: c.mixingSd,
        fixedReference: c.fixedReference,
      });
      close(r.statistic, c.statistic, 1e-6, 1e-6);
      close(r.boundary, c.boundary);
      close(r.effect, c.effect);
      close(r.lo, c.lo, 1e-6);
      close(r.hi, c.hi, 1e-6);
      expect(r.outcome).toBe(c.outcome);
      decides(r);
    });
  }

  it("has nothing to say before both arms have requests", () => {
    const r = compareRates(
      { trials: 0, events: 0 },
      { trials: 500, events: 5 },
      { alpha: 0.01, bound: 0.005, mixingSd: 0.01 },
    );
    expect(r).toMatchObject({ outcome: "inconclusive", lo: -1, hi: 1 });
  });
});

describe("one rate and one mean", () => {
  for (const c of v.testRate) {
    it(`${c.name}: ${c.outcome}`, () => {
      const r = testRate(c.counts, { alpha: c.alpha, bound: c.bound, mixingSd: c.mixingSd });
      close(r.statistic, c.statistic, 1e-6, 1e-6);
      close(r.lo, c.lo, 1e-6);
      close(r.hi, c.hi, 1e-6);
      expect(r.outcome).toBe(c.outcome);
    });
  }
  for (const c of v.testMean) {
    it(`${c.name}: ${c.outcome}`, () => {
      const r = testMean(c.sample, { alpha: c.alpha, bound: c.bound, mixingSd: c.mixingSd });
      close(r.statistic, c.statistic, 1e-6, 1e-6);
      close(r.lo, c.lo, 1e-6);
      close(r.hi, c.hi, 1e-6);
      expect(r.outcome).toBe(c.outcome);
    });
  }
});

const arm = fc
  .integer({ min: 1, max: 200_000 })
  .chain((trials) => fc.integer({ min: 0, max: trials }).map((events) => ({ trials, events })));

describe("interval tests, properties", () => {
  it("decide exactly when the statistic reaches the boundary, on the bound's correct side", () => {
    fc.assert(
      fc.property(
        arm,
        arm,
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        fc.boolean(),
        (c, l, bound, fixedReference) => {
          const r = compareRates(c, l, { alpha: 0.01, bound, mixingSd: 0.01, fixedReference });
          if (Math.abs(r.statistic - r.boundary) < 1e-9) return; // float ties
          decides(r);
          if (r.outcome === "fail") expect(r.effect).toBeGreaterThan(bound);
          if (r.outcome === "pass") expect(r.effect).toBeLessThan(bound);
          expect(r.lo).toBeLessThanOrEqual(r.effect);
          expect(r.hi).toBeGreaterThanOrEqual(r.effect);
          if (r.outcome === "inconclusive") {
            const more = moreNeeded(r, c.trials);
            expect(more === null || more >= 0).toBe(true);
          }
        },
      ),
    );
  });

  it("a smaller alpha gives a wider interval around the same estimate", () => {
    fc.assert(
      fc.property(arm, arm, (c, l) => {
        const loose = compareRates(c, l, { alpha: 0.05, bound: 0.005, mixingSd: 0.01 });
        const strict = compareRates(c, l, { alpha: 0.001, bound: 0.005, mixingSd: 0.01 });
        expect(strict.lo).toBeLessThanOrEqual(loose.lo);
        expect(strict.hi).toBeGreaterThanOrEqual(loose.hi);
      }),
    );
  });
});

describe("sequential sample-ratio mismatch (Beta-Binomial mixture)", () => {
  for (const c of v.srm) {
    it(`${c.name}: ${c.outcome}, log BF=${c.statistic.toFixed(4)} vs ${c.boundary.toFixed(4)}, share in [${c.lo.toFixed(5)}, ${c.hi.toFixed(5)}]`, () => {
      const r = sequentialSrm(c.canary, c.others, c.expectedShare, {
        alpha: c.alpha,
        concentration: c.concentration,
      });
      close(r.statistic, c.statistic, 1e-6);
      close(r.boundary, c.boundary);
      close(r.lo, c.lo, 1e-6);
      close(r.hi, c.hi, 1e-6);
      expect(r.outcome).toBe(c.outcome);
      close(r.pValue, Math.min(1, Math.exp(-c.statistic)), 1e-5);
      // The interval holds the expected share exactly when there is no mismatch.
      expect(r.lo <= c.expectedShare && c.expectedShare <= r.hi).toBe(c.outcome === "pass");
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
