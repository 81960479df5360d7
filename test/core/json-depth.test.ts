/**
 * The depth scan on JSON text (src/core/json-depth.ts) agrees with the
 * depth of what JSON.parse builds, on generated JSON whose strings (values
 * and keys) are full of brackets, quotes and backslashes, compact and
 * indented; and it stops as soon as it passes its bound.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepth } from "../../src/core/json-depth.ts";

/** The reference: nesting of the parsed value (a scalar is 0). */
function parsedDepth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce((deepest: number, v) => Math.max(deepest, parsedDepth(v)), 0);
}

/** Strings that look like JSON structure: brackets, quotes, backslashes, escapes. */
const tricky = fc.string({
  unit: fc.constantFrom(
    "[",
    "]",
    "{",
    "}",
    '"',
    "\\",
    "\\\\",
    '\\"',
    ":",
    ",",
    "a",
    " ",
    "\n",
    "é",
  ),
  maxLength: 12,
});

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1.5e300),
    tricky,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(tricky, tie("value"), { maxKeys: 4 }),
  ),
}));

describe("jsonDepth", () => {
  it.each([
    ["1", 0],
    ['"[{"', 0],
    ["{}", 1],
    ["[1]", 1],
    ['{"a":[]}', 2],
    ['["\\"[", {"]}": [[]]}]', 4],
    ['{"\\\\":[{}]}', 3],
  ])("%s nests %i deep", (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it("agrees with JSON.parse on generated JSON, compact and indented", () => {
    fc.assert(
      fc.property(value, fc.constantFrom(undefined, 2, "\t"), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(jsonDepth(text)).toBe(parsedDepth(JSON.parse(text)));
      }),
      { seed: 19, numRuns: 3000 },
    );
  });

  it("stops one past its bound", () => {
    fc.assert(
      fc.property(value, fc.nat({ max: 6 }), (v, bound) => {
        const text = JSON.stringify(v);
        const depth = parsedDepth(v);
        expect(jsonDepth(text, bound)).toBe(depth > bound ? bound + 1 : depth);
      }),
      { seed: 19, numRuns: 2000 },
    );
  });

  it("counts 30,000 levels without recursion", () => {
    expect(jsonDepth(`${"[".repeat(30_000)}${"]".repeat(30_000)}`)).toBe(30_000);
    expect(jsonDepth(`${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`, 64)).toBe(65);
  });
});
