/**
 * Which requests are mirrored to the shadow: the pure eligibility and
 * sampling rules of shadow mode.
 *
 * Layer: pure core. No I/O and no randomness of its own: the per-request
 * draw is passed in, so tests and the worker run the same rules.
 * Order: shadow on -> method listed -> path listed -> the production arm is
 * not the shadow itself -> sampled.
 * Sampling:
 *   - "request" (default): every eligible request is drawn independently,
 *     so the mirrored set is an unbiased sample of the traffic mix. Users
 *     never see the shadow, so sticking to users buys nothing here.
 *   - "user": bucketOf(salt, userId) < shareBp, the same users every time,
 *     for per-user comparisons. Requests without an id are not mirrored
 *     (an id is never invented), so this mode skews toward identified users.
 */

import { bucketOf } from "../routing/bucket.ts";

export type SelectSkip = "off" | "method" | "path" | "same-origin" | "not-sampled" | "no-identity";

export type Selection =
  | { mirror: true; sampleBucket: number }
  | { mirror: false; reason: SelectSkip };

export interface ShadowFacts {
  method: string;
  /** Path the origin sees (after the service prefix), without the query. */
  originPath: string;
  /** The production arm that answers this request. */
  arm: string;
  userId: string | null;
  /** A uniform draw in [0, 1) for request sampling (Math.random in the worker). */
  draw: number;
}

/** What selection reads of a shadow block (the schema's Shadow satisfies it). */
export interface SelectRules {
  origin: string;
  shareBp: number;
  sampling: "request" | "user";
  salt?: string | undefined;
  enabled: boolean;
  methods: readonly string[];
  paths: readonly string[];
}

export function pathMatches(patterns: readonly string[], originPath: string): boolean {
  return patterns.some((p) =>
    p.endsWith("*") ? originPath.startsWith(p.slice(0, -1)) : originPath === p,
  );
}

export function selectForShadow(rules: SelectRules | undefined, facts: ShadowFacts): Selection {
  if (!rules?.enabled || rules.shareBp <= 0) return { mirror: false, reason: "off" };
  if (!rules.methods.includes(facts.method.toUpperCase())) {
    return { mirror: false, reason: "method" };
  }
  if (!pathMatches(rules.paths, facts.originPath)) return { mirror: false, reason: "path" };
  if (facts.arm === rules.origin) return { mirror: false, reason: "same-origin" };

  let sampleBucket: number;
  if (rules.sampling === "user") {
    if (!facts.userId) return { mirror: false, reason: "no-identity" };
    sampleBucket = bucketOf(rules.salt ?? "", facts.userId);
  } else {
    sampleBucket = Math.min(9_999, Math.floor(facts.draw * 10_000));
  }
  return sampleBucket < rules.shareBp
    ? { mirror: true, sampleBucket }
    : { mirror: false, reason: "not-sampled" };
}
