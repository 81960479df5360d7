import { describe, expect, it } from "vitest";
import { BUCKETS, bucketOf } from "../../src/core/routing/bucket.ts";
import assignment from "../vectors/assignment.json" with { type: "json" };

const N = 100_000;
const ids = Array.from({ length: N }, (_, i) => `user-${i}`);

/** Five standard deviations of a binomial count: a false failure is ~1 in 3.5 million. */
const tolerance = (n: number, p: number) => 5 * Math.sqrt(n * p * (1 - p)) + 1;

describe("pinned assignment vectors", () => {
  for (const c of assignment.cases) {
    it(`bucketOf(${JSON.stringify(c.salt)}, ${JSON.stringify(c.id.slice(0, 40))}) = ${c.bucket}`, () => {
      expect(bucketOf(c.salt, c.id)).toBe(c.bucket);
    });
  }
});

describe("bucket distribution over 100,000 ids", () => {
  const buckets = ids.map((id) => bucketOf("dist-salt", id));

  it("every bucket is an integer in [0, 10000)", () => {
    const bad = buckets.filter((b) => !(Number.isInteger(b) && b >= 0 && b < BUCKETS));
    expect(bad).toEqual([]);
  });

  for (const shareBp of [1, 10, 100, 500, 1000, 2500, 5000, 9000]) {
    it(`share ${shareBp} bp selects ${(shareBp / 100).toFixed(2)}% within 5 sigma`, () => {
      const p = shareBp / BUCKETS;
      const selected = buckets.filter((b) => b < shareBp).length;
      expect(Math.abs(selected - N * p)).toBeLessThanOrEqual(tolerance(N, p));
    });
  }

  it("share 0 selects nobody and share 10000 selects everybody", () => {
    expect(buckets.filter((b) => b < 0).length).toBe(0);
    expect(buckets.filter((b) => b < BUCKETS).length).toBe(N);
  });
});

describe("independent salts", () => {
  it("two 10% rollouts with different salts share ~1% of users, not 10%", () => {
    const both = ids.filter(
      (id) => bucketOf("rollout-a", id) < 1000 && bucketOf("rollout-b", id) < 1000,
    );
    expect(Math.abs(both.length - N * 0.01)).toBeLessThanOrEqual(tolerance(N, 0.01));
  });
});
