/**
 * Latency clusters by user (a slow client, a slow region): the latency gate
 * divides its evidence by the design effect of ln(latency) over user buckets
 * (src/core/rollout/dispersion.ts logDispersion), so one heavy slow user
 * in the canary cannot fail it, while a canary slow for every user still
 * does. Users and latencies come from a seeded generator.
 */
import { describe, expect, it } from "vitest";
import { emptyHistogram, LATENCY_MS, observe, quantile } from "../../src/core/histogram.ts";
import { latencySums, logDispersion } from "../../src/core/rollout/dispersion.ts";
import type { ArmMetrics, Baseline, GateContext } from "../../src/core/rollout/gates.ts";
import { latencyGate } from "../../src/core/rollout/latency-gate.ts";
import { countAbove, countAll, p95Threshold } from "../../src/core/rollout/latency-tail.ts";
import { gateAlphas } from "../../src/core/rollout/plan.ts";
import {
  emptySeenUsers,
  emptyUserSums,
  observeUser,
  userHashOf,
} from "../../src/core/rollout/user-sums.ts";
import { RolloutPlan } from "../../src/document/rollout-plan.ts";
import { mulberry32, normalFrom } from "../support/random.ts";

const rand = mulberry32(42);
const normal = normalFrom(rand);

/** An arm of `users` users (ids from `prefix`), `each` requests apiece, latency lognormal (median 100 ms, sigma 0.3) x the user's `scale`. */
function arm(
  prefix: string,
  users: number,
  each: (u: number) => number,
  scale: (u: number) => number,
): ArmMetrics {
  const latencyMs = emptyHistogram();
  const sums = emptyUserSums();
  const seen = emptySeenUsers();
  let requests = 0;
  for (let u = 0; u < users; u++) {
    const hash = userHashOf(`${prefix}${u}`);
    for (let i = 0; i < each(u); i++) {
      const ms = 100 * scale(u) * Math.exp(0.3 * normal());
      observe(latencyMs, LATENCY_MS, ms);
      observeUser(sums, seen, hash, false, 200, ms);
      requests++;
    }
  }
  return {
    requests,
    errors: 0,
    p95Ms: quantile(latencyMs, LATENCY_MS, 0.95),
    latencyMs,
    users: sums,
  };
}

const plan = RolloutPlan.parse({ steps: [{ shareBp: 10_000, bakeSeconds: 600 }] });

/** The latency gate at a 100 % step against this live sample as the baseline. */
function judge(canary: ArmMetrics, live: ArmMetrics) {
  const counts = live.latencyMs?.counts ?? {};
  const bucket = p95Threshold(counts) ?? 0;
  const baseline: Baseline = {
    ...live,
    tail: { bucket, requests: countAll(counts), above: countAbove(counts, bucket) },
  };
  const ctx: GateContext = {
    shareBp: 10_000,
    stepIndex: 0,
    alphas: gateAlphas(plan),
    baseline,
    latencyReference: null,
  };
  return latencyGate(plan.gates, { canary, live, split: null, shadow: null }, ctx).result;
}

const live = arm(
  "live-",
  6000,
  () => 5,
  () => 1,
);

describe("latency clustered by user", () => {
  it("independent users: the design effect is about 1", () => {
    const even = arm(
      "even-",
      2000,
      () => 5,
      () => 1,
    );
    const phi = logDispersion([latencySums(even.users ?? emptyUserSums())]);
    expect(phi).toBeGreaterThanOrEqual(1);
    expect(phi).toBeLessThan(1.4);
  });

  it("users with their own latency, a few heavy: well above 1", () => {
    const own = arm(
      "own-",
      2000,
      (u) => (u % 100 === 0 ? 200 : 5),
      () => 1,
    );
    const scales = new Map<number, number>();
    const clustered = arm(
      "clu-",
      2000,
      (u) => (u % 100 === 0 ? 200 : 5),
      (u) => {
        if (!scales.has(u)) scales.set(u, Math.exp(0.5 * normal()));
        return scales.get(u) as number;
      },
    );
    expect(logDispersion([latencySums(own.users ?? emptyUserSums())])).toBeLessThan(1.5);
    expect(logDispersion([latencySums(clustered.users ?? emptyUserSums())])).toBeGreaterThan(3);
  });

  it("one heavy slow user in the canary does not fail the gate; its requests alone would", () => {
    // 300 ordinary users, and one who sends 1,500 requests at 2.5x the latency.
    const canary = arm(
      "c-",
      301,
      (u) => (u === 0 ? 1500 : 5),
      (u) => (u === 0 ? 2.5 : 1),
    );
    const withUsers = judge(canary, live);
    expect(withUsers.outcome).not.toBe("fail");
    expect(withUsers.detail).toMatch(/users' clustering counted \(dispersion [\d,.]+\)$/);
    const requestsOnly = judge({ ...canary, users: undefined }, live);
    expect(requestsOnly.outcome).toBe("fail");
  });

  it("a canary slow for every user still fails", () => {
    const canary = arm(
      "s-",
      600,
      () => 5,
      () => 1.5,
    );
    expect(judge(canary, live).outcome).toBe("fail");
  });
});
