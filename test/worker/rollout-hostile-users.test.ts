/**
 * A rollout through the real control object while one client cycles
 * through user ids it picked to land in the canary (600 ordinary 200 OK
 * requests over 79 ids), among ordinary heavy-tailed users: the gates hold.
 * Counted by request, that client alone is a sample-ratio mismatch that
 * killed a healthy canary; counted by user it is 79 users among about
 * 2,000, within the split's noise, and no gate moves.
 *
 * Real traffic through the real worker (SELF) to the real test origins,
 * metrics checked in to the service's control object, evaluations at
 * simulated times (the plan evaluates every 300 s, so the alarm stays out
 * of the way).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { controlReaders } from "../../src/adapters/durable-object/control-client.ts";
import type { AnalysisOutcome } from "../../src/app/rollout/analyzer.ts";
import { gateAlphas } from "../../src/core/rollout/plan.ts";
import { sequentialSrm } from "../../src/core/rollout/srm-test.ts";
import { distinctUsers } from "../../src/core/rollout/user-sums.ts";
import { bucketOf } from "../../src/core/routing/bucket.ts";
import { RolloutPlan } from "../../src/document/rollout-plan.ts";
import type { ControlOutcome } from "../../src/ports/rollout-control.ts";
import { controlMetrics, makeDoc, predict, putDoc } from "./support.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const SERVICE = "ro-hostile";
const SALT = `${SERVICE}-salt`;
const SHARE = 2000;
const control = controlReaders(env.CONTROL);

const plan = {
  steps: [
    { shareBp: SHARE, bakeSeconds: 1800 },
    { shareBp: 5000, bakeSeconds: 600 },
  ],
  gates: { minRequests: 30, errorRate: { minDelta: 0.05 } },
  analysisIntervalSeconds: 300,
};

function ok(outcome: ControlOutcome): AnalysisOutcome {
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.error)}`);
  return outcome.value as AnalysisOutcome;
}

/** Sends every id's requests, 8 at a time; resolves once the control object has counted them. */
async function send(ids: readonly string[]): Promise<void> {
  const doc = JSON.parse((await env.ROUTING.get(`service:${SERVICE}`)) ?? "null");
  const total = () =>
    controlMetrics(doc).then((m) => Object.values(m.arms).reduce((a, arm) => a + arm.requests, 0));
  const before = await total();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const res = await predict(SERVICE, { user: ids[next++] as string });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  for (let tries = 0; tries < 200; tries++) {
    if ((await total()) >= before + ids.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("metrics never reached the control object");
}

/** Ordinary users of one look: most send one request, one in ten sends 6 (a heavy tail). */
function ordinary(look: number, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `user-${look}-${i}`;
    const n = i % 10 === 0 ? 6 : 1;
    for (let k = 0; k < n; k++) ids.push(id);
  }
  return ids;
}

/** 79 ids the attacker found by trying names until they hashed into the canary's buckets. */
function canaryIds(): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < 79; i++) {
    const id = `bot-${i}`;
    if (bucketOf(SALT, id) < SHARE) ids.push(id);
  }
  return ids;
}

describe("a client cycling through canary user ids", () => {
  it("moves its own users' contribution, not the split check: no gate fails, nothing rolls back", {
    timeout: 120_000,
  }, async () => {
    await putDoc(
      makeDoc(SERVICE, {
        canary: { origin: "green", shareBp: 0, salt: SALT },
        rollout: plan,
      }),
    );
    const start = ok(await control.evaluate(SERVICE, T0));
    expect(start).toMatchObject({ event: "start", stepIndex: 0 });

    const bots = canaryIds();
    const attack = Array.from({ length: 600 }, (_, i) => bots[i % bots.length] as string);
    // Three looks: 700 ordinary users each (about 1,330 requests) and 200 of the attacker's.
    for (let look = 0; look < 3; look++) {
      await send([...ordinary(look, 700), ...attack.slice(look * 200, (look + 1) * 200)]);
      const verdict = ok(await control.evaluate(SERVICE, T0 + (look + 1) * 5 * MIN));
      expect(verdict.event).toBe("bake");
      expect(verdict.gates.filter((g) => g.outcome === "fail")).toEqual([]);
    }

    const doc = JSON.parse((await env.ROUTING.get(`service:${SERVICE}`)) ?? "null");
    expect(doc.canary).toMatchObject({ shareBp: SHARE, killed: false });
    const m = await controlMetrics(doc);
    const canary = m.arms.green;
    const live = m.arms[doc.live];
    if (!canary || !live) throw new Error("both arms should have served");
    // The attacker's 600 requests are 79 users of the canary's.
    const canaryUsers = distinctUsers(canary.seen) as number;
    const liveUsers = distinctUsers(live.seen) as number;
    expect(canaryUsers + liveUsers).toBeGreaterThan(2_100);
    const srmAlpha = gateAlphas(RolloutPlan.parse(plan)).srm as number;
    const byUsers = sequentialSrm(canaryUsers, liveUsers, SHARE / 10_000, { alpha: srmAlpha });
    expect(byUsers.outcome).toBe("pass");
    // Counted by request, the same traffic is a broken split: what rolled canaries back before.
    const byRequests = sequentialSrm(canary.requests, live.requests, SHARE / 10_000, {
      alpha: srmAlpha,
    });
    expect(byRequests.outcome).toBe("fail");
    expect(canary.requests / (canary.requests + live.requests)).toBeGreaterThan(0.25);

    const timeline = ((await control.rollouts.read(SERVICE))?.timeline ?? []).map((t) => t.event);
    expect(timeline).not.toContain("rollback");
    expect(timeline).not.toContain("pause");
  });
});
