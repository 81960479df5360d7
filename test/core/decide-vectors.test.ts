/**
 * decide() against shared JSON vectors (test/vectors/decide.json), run in
 * Node and in workerd; titles come from the data.
 */
import { describe, expect, it } from "vitest";
import { decide, type RoutingRules } from "../../src/core/routing/decide.ts";
import vectors from "../vectors/decide.json" with { type: "json" };

interface Case {
  name: string;
  rules: keyof typeof vectors.rules;
  userId: string | null;
  override?: string;
  expected: { origin: string; role: string; reason: string; bucket: number | null };
}

describe("decide vectors", () => {
  for (const c of vectors.cases as Case[]) {
    it(`${c.name} -> ${c.expected.origin} (${c.expected.reason})`, () => {
      const rules = vectors.rules[c.rules] as RoutingRules;
      expect(decide(rules, { userId: c.userId, override: c.override ?? null })).toEqual(c.expected);
    });
  }
});
