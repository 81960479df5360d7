/**
 * The rollout state machine beyond the shared vectors: what it carries from
 * look to look (the latency reference, the baseline for a 100 % step), the
 * bake extension and the pause at its limit, the reasons an operator reads,
 * missing metrics, and the manual commands.
 */
import { describe, expect, it } from "vitest";
import { bucketUpperBound, type Histogram, LATENCY_MS } from "../../src/core/histogram.ts";
import type { RolloutMetrics } from "../../src/core/rollout/gates.ts";
import {
  applyManual,
  type DocChange,
  evaluateRollout,
  type ManualCommand,
  type RolloutState,
  type RolloutStatus,
  startRollout,
} from "../../src/core/rollout/state-machine.ts";
import { normalUpperTail } from "../../src/core/rollout/stats.ts";
import { USER_BUCKETS, type UserSums } from "../../src/core/rollout/user-sums.ts";
import { RolloutPlan } from "../../src/document/rollout-plan.ts";

const MIN = 60_000;
const plan = RolloutPlan.parse({
  steps: [
    { shareBp: 500, bakeSeconds: 600 },
    { shareBp: 10_000, bakeSeconds: 600 },
  ],
});

const status = (stepIndex: number, state: RolloutState = "progressing"): RolloutStatus => ({
  state,
  stepIndex,
  stepStartedAt: 0,
  startedAt: 0,
  updatedAt: 0,
});

/** Expected bucket counts of n lognormal latencies (median ms, sigma 0.3), rounded. */
function latency(n: number, median = 100): Histogram {
  const counts: Record<string, number> = {};
  const cdf = (x: number) => 1 - normalUpperTail(Math.log(x / median) / 0.3);
  let total = 0;
  for (let i = 1; i < 300; i++) {
    const c = Math.round(
      n * (cdf(bucketUpperBound(LATENCY_MS, i)) - cdf(bucketUpperBound(LATENCY_MS, i - 1))),
    );
    if (c > 0) {
      counts[String(i)] = c;
      total += c;
    }
  }
  return { n: total, sum: total * median, lo: LATENCY_MS.min, hi: LATENCY_MS.max, counts };
}

/** `total` spread as evenly as the buckets allow (the first ones get the remainder). */
const spread = (total: number) =>
  Array.from(
    { length: USER_BUCKETS },
    (_, b) => Math.floor(total / USER_BUCKETS) + (b < total % USER_BUCKETS ? 1 : 0),
  );

/** Identified requests by user bucket: these errors, 2 % 4xx and 1 % 3xx, spread evenly. */
const users = (requests: number, errors: number): UserSums => ({
  requests: spread(requests),
  errors: spread(errors),
  clientErrors: spread(Math.round(requests * 0.02)),
  redirects: spread(Math.round(requests * 0.01)),
  // No latency by user: the latency gate counts requests as independent.
  timed: spread(0),
  logMs: spread(0),
  logMsSq: spread(0),
});

/** A step at 5 % with `canary` canary requests (1 % errors unless given), live at 1 %; 20 requests a user. */
function step(canary: number, errors = Math.round(canary / 100), median = 100): RolloutMetrics {
  const live = canary * 19;
  return {
    live: {
      requests: live,
      errors: live / 100,
      p95Ms: 160,
      latencyMs: latency(live),
      users: users(live, live / 100),
    },
    canary: {
      requests: canary,
      errors,
      p95Ms: 160,
      latencyMs: latency(canary, median),
      users: users(canary, errors),
    },
    split: { canary: canary / 20, others: live / 20 },
    shadow: null,
    revision: "3@1",
  };
}

describe("evaluateRollout", () => {
  it("sets the first latency threshold once live has enough data, then adds up each batch since the last look", () => {
    const first = evaluateRollout(plan, status(0), step(300), MIN);
    expect(first.verdict).toBe("bake");
    expect(first.status.latencyReference).toMatchObject({
      stepIndex: 0,
      revision: "3@1",
      judged: { canary: 0, canaryAbove: 0, live: 0, liveAbove: 0 },
    });
    expect(first.gates.find((g) => g.gate === "latency-p95")?.detail).toMatch(
      /is the first threshold; each batch of requests from now on is judged against live's p95 before it$/,
    );
    const baking = evaluateRollout(plan, first.status, step(6_000), 5 * MIN);
    const judged = baking.status.latencyReference?.judged;
    // The batch is what came after the first look: 5,700 canary and 108,300 live requests (about).
    expect(judged?.canary).toBeGreaterThan(5_600);
    expect(judged?.live).toBeGreaterThan(108_000);
    expect((judged?.liveAbove ?? 0) / (judged?.live ?? 1)).toBeGreaterThan(0.02);
    // A look that is not stored (a preview) changes nothing: the next batch is just larger.
    expect(
      evaluateRollout(plan, first.status, step(12_000), 11 * MIN).status.latencyReference?.judged
        .canary,
    ).toBeGreaterThan(11_600);
    const later = evaluateRollout(plan, baking.status, step(12_000), 11 * MIN);
    expect(later.gates.find((g) => g.gate === "latency-p95")?.outcome).toBe("pass");
    expect(later.verdict).toBe("advance");
    // The next step starts without one.
    expect(later.status.latencyReference).toBeNull();
  });

  it("advances to a 100% step with live's counts and latency tail as the baseline, judged against it", () => {
    const s1 = evaluateRollout(plan, status(0), step(3_000), 3 * MIN).status;
    const advanced = evaluateRollout(plan, s1, step(12_000), 11 * MIN);
    expect(advanced).toMatchObject({
      verdict: "advance",
      change: { kind: "set-share", shareBp: 10_000 },
    });
    expect(advanced.status).toMatchObject({ stepIndex: 1, stepStartedAt: 11 * MIN });
    const baseline = advanced.status.baseline;
    expect(baseline).toMatchObject({ requests: 228_000, errors: 2280 });
    // Live's requests judged since the first look (57,000 live requests then).
    expect(baseline?.tail?.requests).toBeGreaterThan(160_000);
    expect(baseline?.tail?.above).toBeGreaterThan(0);

    const full = (errors: number): RolloutMetrics => ({
      live: { requests: 0, errors: 0, p95Ms: null },
      canary: { requests: 60_000, errors, p95Ms: 160, latencyMs: latency(60_000) },
      split: { canary: 60_000, others: 0 },
      shadow: null,
      revision: "4@1",
    });
    const promote = evaluateRollout(plan, advanced.status, full(600), 22 * MIN);
    expect(promote.verdict).toBe("promote");
    expect(promote.gates.find((g) => g.gate === "error-rate")?.detail).toMatch(
      /vs 1\.0% live's baseline/,
    );
    expect(evaluateRollout(plan, advanced.status, full(1800), 12 * MIN).verdict).toBe("rollback");
  });

  it("holds past the bake while a gate is undecided, saying which and how long; pauses at the limit", () => {
    const thin = step(1_000);
    const s = evaluateRollout(plan, status(0), thin, MIN).status;
    const hold = evaluateRollout(plan, s, thin, 25 * MIN);
    expect(hold.verdict).toBe("hold");
    expect(hold.reason).toMatch(
      /^step 1\/2 \(5%\): bake extended 15m of up to 1h, waiting for error-rate(, status-class)?(, latency-p95)? \(error rate 1\.0% vs 1\.0% live \(.*\): not yet shown worse .* nor within \+0\.5 pp .* after 1,000 canary requests; about [\d,]+ more canary requests at this rate\)$/,
    );
    const pause = evaluateRollout(plan, s, thin, 70 * MIN);
    expect(pause).toMatchObject({ verdict: "pause", change: null });
    expect(pause.status).toMatchObject({ state: "paused", pausedAtLimit: true });
    expect(pause.reason).toMatch(
      /still undecided 1h after the bake \(maxExtensionSeconds\): error-rate.*; paused at 5%, a failing gate still rolls it back; resume to wait one more bake and extension, promote to accept, abort to roll back$/,
    );
    // Paused at the limit, the canary is still watched.
    expect(evaluateRollout(plan, pause.status, thin, 80 * MIN).verdict).toBe("none");
    // The rate tests go on from the paused status: the next 1,000 canary requests fail 8 %.
    expect(evaluateRollout(plan, pause.status, step(2_000, 90), 80 * MIN).verdict).toBe("rollback");
    // Resume: a new bake and extension; the step's metrics (and its reference) go on.
    const resumed = applyManual(pause.status, "resume", 90 * MIN);
    if ("error" in resumed) throw new Error(resumed.error);
    expect(resumed.status).toMatchObject({
      state: "progressing",
      pausedAtLimit: false,
      stepStartedAt: 90 * MIN,
    });
    expect(resumed.status.latencyReference).toEqual(pause.status.latencyReference);
    expect(evaluateRollout(plan, resumed.status, thin, 95 * MIN).verdict).toBe("bake");
  });

  it("missing metrics never produce a verdict: no traffic at all holds, then pauses", () => {
    const none: RolloutMetrics = {
      live: { requests: 0, errors: 0, p95Ms: null },
      canary: { requests: 0, errors: 0, p95Ms: null },
      split: { canary: 0, others: 0 },
      shadow: null,
    };
    expect(evaluateRollout(plan, status(0), none, MIN).verdict).toBe("bake");
    expect(evaluateRollout(plan, status(0), none, 11 * MIN).verdict).toBe("hold");
    expect(evaluateRollout(plan, status(0), none, 71 * MIN).verdict).toBe("pause");
    // Counts without latency histograms: the latency gate waits, the others decide.
    const counts = step(12_000);
    delete counts.live.latencyMs;
    delete counts.canary.latencyMs;
    const earlier = step(3_000);
    delete earlier.live.latencyMs;
    delete earlier.canary.latencyMs;
    const d = evaluateRollout(
      plan,
      evaluateRollout(plan, status(0), earlier, 3 * MIN).status,
      counts,
      11 * MIN,
    );
    expect(d.verdict).toBe("hold");
    expect(d.gates.map((g) => [g.gate, g.outcome])).toEqual([
      ["min-requests", "pass"],
      ["error-rate", "pass"],
      ["status-class", "pass"],
      ["latency-p95", "inconclusive"],
      ["srm", "pass"],
    ]);
  });

  it("carries the rate tests from look to look and starts the next step without them", () => {
    const first = evaluateRollout(plan, status(0), step(1_000), MIN);
    expect(first.status.rateTests?.errors?.canary).toEqual({ trials: 1_000, events: 10 });
    const second = evaluateRollout(plan, first.status, step(3_000), 3 * MIN);
    expect(second.status.rateTests?.errors?.canary).toEqual({ trials: 3_000, events: 30 });
    // The second look added only its own requests: the same counts in one look say otherwise.
    const once = evaluateRollout(plan, status(0), step(3_000), 3 * MIN);
    expect(second.status.rateTests?.errors?.logLR).not.toEqual(
      once.status.rateTests?.errors?.logLR,
    );
    const advanced = evaluateRollout(plan, second.status, step(12_000), 11 * MIN);
    expect(advanced.verdict).toBe("advance");
    expect(advanced.status.rateTests).toBeNull();
  });

  it("a broken split of users pauses at the share and says so; a failing gate still rolls back", () => {
    const broken = (m: RolloutMetrics): RolloutMetrics => ({
      ...m,
      split: { canary: 720, others: 11_280 },
    });
    const d = evaluateRollout(plan, status(0), broken(step(12_000)), 3 * MIN);
    expect(d).toMatchObject({ verdict: "pause", change: null });
    expect(d.status).toMatchObject({ state: "paused", pausedAtLimit: true });
    expect(d.reason).toMatch(
      /^step 1\/2 \(5%\): the split of users does not match the share \(canary got 6\.0% of 12,000 users/,
    );
    expect(evaluateRollout(plan, d.status, broken(step(12_000)), 4 * MIN).verdict).toBe("none");
    expect(evaluateRollout(plan, d.status, broken(step(14_000, 420)), 5 * MIN).verdict).toBe(
      "rollback",
    );
  });

  it("rolls back at once, mid-bake, and says which gate", () => {
    const d = evaluateRollout(plan, status(0), step(3_000, 150), MIN);
    expect(d).toMatchObject({
      verdict: "rollback",
      change: { kind: "kill" },
      reason: "gate failed: error-rate",
    });
    expect(d.status.state).toBe("rolled-back");
  });

  it("a maxExtensionSeconds of 0 pauses as soon as the bake ends undecided", () => {
    const strict = { ...plan, maxExtensionSeconds: 0 };
    expect(evaluateRollout(strict, status(0), step(1_000), 10 * MIN).verdict).toBe("pause");
  });

  it("leaves its inputs untouched, also when it advances", () => {
    const s = evaluateRollout(plan, status(0), step(3_000), 3 * MIN).status;
    const m = step(12_000);
    const copy = structuredClone({ s, m });
    expect(evaluateRollout(plan, s, m, 10 * MIN).status).toMatchObject({
      stepIndex: 1,
      stepStartedAt: 10 * MIN,
    });
    expect({ s, m }).toEqual(copy);
  });

  it("starting a rollout sets the first step's share", () => {
    expect(startRollout(plan, 42)).toEqual({
      status: {
        state: "progressing",
        stepIndex: 0,
        stepStartedAt: 42,
        startedAt: 42,
        updatedAt: 42,
      },
      change: { kind: "set-share", shareBp: 500 },
    });
  });
});

describe("manual overrides", () => {
  const table: [RolloutState, ManualCommand, RolloutState | "refused", DocChange][] = [
    ["progressing", "pause", "paused", null],
    ["paused", "resume", "progressing", null],
    ["progressing", "abort", "aborted", { kind: "kill" }],
    ["paused", "abort", "aborted", { kind: "kill" }],
    ["progressing", "promote", "promoted", { kind: "flip" }],
    ["paused", "promote", "promoted", { kind: "flip" }],
    ["paused", "pause", "refused", null],
    ["progressing", "resume", "refused", null],
    ["rolled-back", "promote", "refused", null],
    ["promoted", "abort", "refused", null],
  ];
  for (const [from, command, to, change] of table) {
    it(`${command} on a ${from} rollout -> ${to}`, () => {
      const r = applyManual(status(1, from), command, 99);
      if (to === "refused") {
        expect(r).toHaveProperty("error");
        return;
      }
      if ("error" in r) throw new Error(r.error);
      expect(r.status.state).toBe(to);
      expect(r.change).toEqual(change);
      if (command === "resume") expect(r.status.stepStartedAt).toBe(99);
    });
  }

  it("an operator's pause ignores even failing metrics until resumed", () => {
    const paused = applyManual(status(0), "pause", MIN);
    if ("error" in paused) throw new Error(paused.error);
    expect(paused.status.pausedAtLimit).toBe(false);
    expect(evaluateRollout(plan, paused.status, step(3_000, 300), 2 * MIN).verdict).toBe("none");
  });
});
