import { describe, expect, it } from "vitest";
import {
  chiSquareUpperTail,
  normalUpperTail,
  sampleRatioMismatch,
  twoProportionZTest,
} from "../../src/core/rollout/stats.ts";
import v from "../vectors/rollout-stats.json" with { type: "json" };

/** Relative closeness for p-values spanning many orders of magnitude. */
const close = (actual: number, expected: number, rel = 1e-4) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(1e-9, Math.abs(expected) * rel));

describe("normal upper tail", () => {
  for (const c of v.normalUpperTail) {
    it(`P(Z > ${c.z}) = ${c.p}`, () => close(normalUpperTail(c.z), c.p));
  }
});

describe("chi-square upper tail", () => {
  for (const c of v.chiSquareUpperTail) {
    it(`P(χ²(${c.df}) > ${c.x}) = ${c.p}`, () => close(chiSquareUpperTail(c.x, c.df), c.p));
  }
});

describe("two-proportion z-test (one-sided: is a worse than b?)", () => {
  for (const c of v.twoProportion) {
    it(`${c.a[0]}/${c.a[1]} vs ${c.b[0]}/${c.b[1]}: z=${c.z}, p=${c.p}`, () => {
      const r = twoProportionZTest(
        c.a[0] as number,
        c.a[1] as number,
        c.b[0] as number,
        c.b[1] as number,
      );
      close(r.z, c.z, 1e-5);
      close(r.pValue, c.p);
    });
  }
});

describe("sample-ratio mismatch", () => {
  for (const c of v.srm) {
    it(`${c.observed.join("/")} against ${c.shares.join("/")}: χ²=${c.chiSquare}, p=${c.p}`, () => {
      const r = sampleRatioMismatch(c.observed, c.shares);
      close(r.chiSquare, c.chiSquare);
      close(r.pValue, c.p, 1e-3);
    });
  }

  it("ignores arms with no expected share and needs two arms to judge", () => {
    expect(sampleRatioMismatch([100, 0], [10_000, 0]).pValue).toBe(1);
    expect(sampleRatioMismatch([0, 0], [1, 1]).pValue).toBe(1);
  });
});
