import { describe, expect, it } from "vitest";
import { bucketOf } from "../../src/core/routing/bucket.ts";
import {
  pathMatches,
  type SelectRules,
  type ShadowFacts,
  selectForShadow,
} from "../../src/core/shadow/select.ts";

const rules = (over: Partial<SelectRules> = {}): SelectRules => ({
  origin: "shadow",
  shareBp: 10_000,
  sampling: "request",
  enabled: true,
  methods: ["POST"],
  paths: ["/predict"],
  ...over,
});
const facts: ShadowFacts = {
  method: "POST",
  originPath: "/predict",
  arm: "blue",
  userId: "u1",
  draw: 0.5,
};

describe("eligibility", () => {
  it.each<[string, SelectRules | undefined, Partial<typeof facts>, string]>([
    ["no shadow block", undefined, {}, "off"],
    ["paused", rules({ enabled: false }), {}, "off"],
    ["share 0", rules({ shareBp: 0 }), {}, "off"],
    ["GET is not mirrored by default", rules(), { method: "GET" }, "method"],
    ["DELETE is not mirrored by default", rules(), { method: "DELETE" }, "method"],
    ["another path", rules(), { originPath: "/predict/batch" }, "path"],
    ["production is the shadow itself", rules(), { arm: "shadow" }, "same-origin"],
    [
      "user sampling without an id",
      rules({ sampling: "user", salt: "s" }),
      { userId: null },
      "no-identity",
    ],
    ["draw above the share", rules({ shareBp: 5000 }), { draw: 0.5 }, "not-sampled"],
  ])("%s -> %s", (_t, r, over, reason) => {
    expect(selectForShadow(r, { ...facts, ...over })).toEqual({ mirror: false, reason });
  });

  it("mirrors a configured state-changing method, lower-case method names included", () => {
    const r = rules({ methods: ["POST", "PUT"] });
    expect(selectForShadow(r, { ...facts, method: "put" })).toMatchObject({ mirror: true });
  });

  it.each([
    [["/predict"], "/predict", true],
    [["/predict"], "/predict/", false],
    [["/v1/*"], "/v1/predict", true],
    [["/v1/*"], "/v2/predict", false],
    [["/a", "/b"], "/b", true],
    [["*"], "/anything", true],
  ])("paths %j match %s: %s", (patterns, path, expected) => {
    expect(pathMatches(patterns, path)).toBe(expected);
  });
});

describe("sampling", () => {
  it("per request: draw d is bucket floor(d * 10000), mirrored below shareBp", () => {
    const r = rules({ shareBp: 2500 });
    expect(selectForShadow(r, { ...facts, draw: 0.2499 })).toEqual({
      mirror: true,
      sampleBucket: 2499,
    });
    expect(selectForShadow(r, { ...facts, draw: 0.25 })).toMatchObject({ mirror: false });
    expect(selectForShadow(r, { ...facts, draw: 0 })).toEqual({ mirror: true, sampleBucket: 0 });
  });

  it("per request: a share s mirrors s/10000 of uniform draws (exact on a grid)", () => {
    const r = rules({ shareBp: 1234 });
    let mirrored = 0;
    for (let i = 0; i < 10_000; i++) {
      if (selectForShadow(r, { ...facts, draw: i / 10_000 }).mirror) mirrored++;
    }
    expect(mirrored).toBe(1234);
  });

  it("per user: the same users every time, by bucketOf(salt, id) < shareBp", () => {
    const r = rules({ sampling: "user", salt: "shadow-salt", shareBp: 3000 });
    let mirrored = 0;
    for (let i = 0; i < 2000; i++) {
      const userId = `user-${i}`;
      const expected = bucketOf("shadow-salt", userId) < 3000;
      const a = selectForShadow(r, { ...facts, userId, draw: 0.99 });
      const b = selectForShadow(r, { ...facts, userId, draw: 0.01 });
      expect(a.mirror).toBe(expected);
      expect(b).toEqual(a);
      if (a.mirror) mirrored++;
    }
    expect(mirrored / 2000).toBeGreaterThan(0.27);
    expect(mirrored / 2000).toBeLessThan(0.33);
  });
});
