/**
 * The shadow's comparators (src/core/shadow/comparators.ts): the issue's
 * own example ("The answer is forty-two." against "The answer is 42."),
 * Unicode and punctuation, numbers with a tolerance, JSON in any key
 * order; and properties over any values: similarity in [0, 1], symmetric,
 * 1 for a value against itself, never a throw.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Comparator,
  canonicalJson,
  compareValues,
  normalizeText,
  tokenSimilarity,
} from "../../src/core/shadow/comparators.ts";

describe("shadow comparators", () => {
  it("exact says two wordings of one answer disagree; text, tokens say how close", () => {
    const a = "The answer is forty-two.";
    const b = "The answer is 42.";
    expect(compareValues({ kind: "exact" }, a, b).agree).toBe(false);
    expect(compareValues({ kind: "text" }, a, b).agree).toBe(false);
    // {the, answer, is, forty, two} against {the, answer, is, 42}: 3 of 6 words.
    expect(tokenSimilarity(a, b)).toBeCloseTo(0.5, 12);
    expect(compareValues({ kind: "tokens", threshold: 0.5 }, a, b)).toEqual({
      agree: true,
      similarity: 0.5,
    });
    expect(compareValues({ kind: "tokens", threshold: 0.6 }, a, b).agree).toBe(false);
  });

  it("text ignores case, punctuation, spacing and Unicode forms", () => {
    expect(normalizeText("  Hello,\tWORLD!! ")).toBe("hello world");
    expect(normalizeText("ＡＢＣ　ｄｅｆ")).toBe("abc def");
    expect(normalizeText("e\u0301t\u00e9")).toBe(normalizeText("\u00e9t\u00e9"));
    expect(compareValues({ kind: "text" }, "Fraud: YES.", "fraud yes").agree).toBe(true);
  });

  it("number agrees within its tolerance; a non-number never agrees", () => {
    const c: Comparator = { kind: "number", tolerance: 0.01 };
    expect(compareValues(c, 0.5, "0.505")).toEqual({ agree: true, similarity: 1 - 0.005 / 0.505 });
    expect(compareValues(c, 0.5, 0.52).agree).toBe(false);
    expect(compareValues(c, 1, -1).similarity).toBe(0);
    expect(compareValues(c, 0, 0)).toEqual({ agree: true, similarity: 1 });
    expect(compareValues(c, "n/a", 1)).toEqual({ agree: false, similarity: 0 });
  });

  it("json compares structure, keys in any order", () => {
    expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: null })).toBe(
      '{"a":null,"b":[1,{"x":1,"y":2}]}',
    );
    expect(compareValues({ kind: "json" }, { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }).agree).toBe(
      true,
    );
    expect(compareValues({ kind: "json" }, { a: [1, 2] }, { a: [2, 1] }).agree).toBe(false);
  });

  it("for any values: similarity in [0, 1], symmetric, 1 against itself, no throw", () => {
    const comparators: Comparator[] = [
      { kind: "exact" },
      { kind: "text" },
      { kind: "tokens", threshold: 0.8 },
      { kind: "json" },
      { kind: "number", tolerance: 0.5 },
    ];
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        for (const c of comparators) {
          const ab = compareValues(c, a, b);
          const ba = compareValues(c, b, a);
          expect(ab.similarity).toBeGreaterThanOrEqual(0);
          expect(ab.similarity).toBeLessThanOrEqual(1);
          expect(ab.similarity).toBeCloseTo(ba.similarity, 12);
          expect(ab.agree).toBe(ba.agree);
          if (c.kind !== "number")
            expect(compareValues(c, a, a)).toEqual({ agree: true, similarity: 1 });
        }
      }),
      { seed: 24, numRuns: 300 },
    );
  });
});
