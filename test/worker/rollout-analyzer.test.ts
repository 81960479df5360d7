import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../src/adapters/fetch/webhook-notifier.ts";
import { KvMetricsRecorder, readVersionMetrics } from "../../src/adapters/kv/metrics-store.ts";
import {
  type AnalyzerContext,
  analyzeService,
  manualRollout,
} from "../../src/app/rollout/analyzer.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import worker, { depsFor } from "../../src/index.ts";
import { makeDoc, putDoc, trafficWithMetrics } from "./support.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

/** A service whose canary (`candidate`) rolls out 20% -> 50% -> promotion, 10 min per step. */
const rolloutDoc = (service: string, candidate: string, over: Partial<RoutingDocumentInput> = {}) =>
  makeDoc(service, {
    canary: { origin: candidate, shareBp: 0, salt: `${service}-salt` },
    rollout: {
      steps: [
        { shareBp: 2000, bakeSeconds: 600 },
        { shareBp: 5000, bakeSeconds: 600 },
      ],
      gates: { minRequests: 30 },
    },
    ...over,
  });

/** The composition root's analyzer context over the real KV, with a recording notifier. */
function context(now: number, events: RolloutEvent[] = []): AnalyzerContext {
  return {
    ...depsFor(env).admin.analyzer(now, () => {}),
    notify: async (e) => {
      events.push(e);
    },
  };
}

async function storedDoc(service: string) {
  return JSON.parse((await env.ROUTING.get(`service:${service}`)) ?? "null");
}

describe("rollout analyzer", () => {
  it("starts at the first step, advances after the bake, and promotes after the last", async () => {
    const events: RolloutEvent[] = [];
    await putDoc(rolloutDoc("ro-ok", "green"));

    const start = await analyzeService(context(T0, events), "ro-ok");
    expect(start).toMatchObject({ event: "start", state: "progressing", stepIndex: 0 });
    expect((await storedDoc("ro-ok")).canary.shareBp).toBe(2000);

    await trafficWithMetrics("ro-ok", 300);
    expect(await analyzeService(context(T0 + 5 * MIN, events), "ro-ok")).toMatchObject({
      event: "bake",
    });
    const advance = await analyzeService(context(T0 + 10 * MIN, events), "ro-ok");
    expect(advance).toMatchObject({ event: "advance", stepIndex: 1 });
    expect(advance?.gates.map((g) => [g.gate, g.outcome])).toEqual([
      ["min-requests", "pass"],
      ["error-rate", "pass"],
      ["latency-p95", "pass"],
      ["srm", "pass"],
    ]);
    expect((await storedDoc("ro-ok")).canary.shareBp).toBe(5000);

    await trafficWithMetrics("ro-ok", 300);
    const promote = await analyzeService(context(T0 + 21 * MIN, events), "ro-ok");
    expect(promote).toMatchObject({ event: "promote", state: "promoted" });
    const doc = await storedDoc("ro-ok");
    expect(doc.live).toBe("green");
    expect(doc.canary).toBeUndefined();

    expect(events.map((e) => e.event)).toEqual(["start", "advance", "promote"]);
    const history = JSON.parse((await env.ROUTING.get("history:ro-ok")) ?? "[]");
    expect(history.map((h: { source: string }) => h.source)).toEqual([
      "rollout",
      "rollout",
      "rollout",
    ]);
    expect(history.at(-1).evidence.gates.length).toBeGreaterThan(0);
    const status = JSON.parse((await env.ROUTING.get("rollout:ro-ok")) ?? "{}");
    expect(status.timeline.map((t: { event: string }) => t.event)).toEqual([
      "start",
      "advance",
      "promote",
    ]);
  });

  it("holds when the bake is over but the evidence is too thin", async () => {
    await putDoc(rolloutDoc("ro-thin", "green"));
    await analyzeService(context(T0), "ro-thin");
    await trafficWithMetrics("ro-thin", 20);
    expect(await analyzeService(context(T0 + 11 * MIN), "ro-thin")).toMatchObject({
      event: "hold",
      stepIndex: 0,
    });
    expect((await storedDoc("ro-thin")).canary.shareBp).toBe(2000);
  });
});

describe("refused writes are told apart", () => {
  /** The real KV store; after the analyzer's first read, `meanwhile` changes KV under it. */
  function racing(now: number, meanwhile: () => Promise<void>): AnalyzerContext {
    const ctx = context(now);
    let reads = 0;
    return {
      ...ctx,
      services: {
        ...ctx.services,
        list: () => ctx.services.list(),
        write: (...args) => ctx.services.write(...args),
        read: async (service) => {
          if (reads++ === 1) await meanwhile();
          return ctx.services.read(service);
        },
      },
    };
  }

  it("a document that stops validating under the analyzer is 'stored-invalid', not a conflict", async () => {
    await putDoc(rolloutDoc("ro-race-bad", "green"));
    const outcome = await analyzeService(
      racing(T0, () => env.ROUTING.put("service:ro-race-bad", "{ not json")),
      "ro-race-bad",
    );
    expect(outcome).toMatchObject({ event: "stored-invalid" });
  });

  it("a document someone else rewrote meanwhile is a conflict, judged again next tick", async () => {
    await putDoc(rolloutDoc("ro-race-moved", "green"));
    const outcome = await analyzeService(
      racing(T0, () => putDoc(rolloutDoc("ro-race-moved", "green", { description: "theirs" }))),
      "ro-race-moved",
    );
    expect(outcome).toMatchObject({ event: "conflict" });
  });
});

describe("the scheduled handler (Cron Trigger)", () => {
  it("rolls back a canary whose error rate is worse than live's: the kill lands in KV with its evidence", async () => {
    await putDoc(rolloutDoc("ro-bad", "failing"));
    const tick = async (at: number) => {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ scheduledTime: at, cron: "* * * * *" }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    };
    await tick(T0);
    expect((await storedDoc("ro-bad")).canary).toMatchObject({ shareBp: 2000, killed: false });

    await trafficWithMetrics("ro-bad", 300);
    await tick(T0 + 2 * MIN); // mid-bake: a failing gate does not wait for the bake
    const doc = await storedDoc("ro-bad");
    expect(doc.canary.killed).toBe(true);
    expect(doc.updatedBy).toBe("rollout-analyzer");
    const last = JSON.parse((await env.ROUTING.get("history:ro-bad")) ?? "[]").at(-1);
    expect(last).toMatchObject({ source: "rollout", evidence: { event: "rollback" } });
    expect(last.evidence.gates).toContainEqual(
      expect.objectContaining({ gate: "error-rate", outcome: "fail" }),
    );
    const status = JSON.parse((await env.ROUTING.get("rollout:ro-bad")) ?? "{}");
    expect(status.state).toBe("rolled-back");

    // Rolled back stays rolled back: later ticks change nothing.
    const version = doc.version;
    await tick(T0 + 30 * MIN);
    expect((await storedDoc("ro-bad")).version).toBe(version);
  });
});

describe("manual overrides take precedence", () => {
  it("pause stops the analyzer even with failing metrics; resume restarts the bake; abort kills", async () => {
    await putDoc(rolloutDoc("ro-manual", "failing"));
    await analyzeService(context(T0), "ro-manual");
    expect(await manualRollout(context(T0 + MIN), "ro-manual", "pause", "alice")).toMatchObject({
      state: "paused",
    });
    await trafficWithMetrics("ro-manual", 200);
    expect(await analyzeService(context(T0 + 20 * MIN), "ro-manual")).toMatchObject({
      event: "none",
    });
    expect((await storedDoc("ro-manual")).canary.killed).toBe(false);

    await expect(
      manualRollout(context(T0 + 21 * MIN), "ro-manual", "pause", "alice"),
    ).rejects.toThrow(/cannot pause a paused rollout/);
    await manualRollout(context(T0 + 21 * MIN), "ro-manual", "resume", "alice");
    const aborted = await manualRollout(context(T0 + 22 * MIN), "ro-manual", "abort", "alice");
    expect(aborted).toMatchObject({ state: "aborted" });
    const doc = await storedDoc("ro-manual");
    expect(doc.canary.killed).toBe(true);
    expect(doc.updatedBy).toBe("alice");
  });

  it("promote makes the canary live at once", async () => {
    await putDoc(rolloutDoc("ro-promote", "green"));
    await analyzeService(context(T0), "ro-promote");
    await manualRollout(context(T0 + MIN), "ro-promote", "promote", "bob");
    const doc = await storedDoc("ro-promote");
    expect(doc.live).toBe("green");
    expect(doc.canary).toBeUndefined();
  });
});

describe("metrics recorder", () => {
  it("flushes sparse traffic at the end of the interval, not only on the next request", async () => {
    const recorder = new KvMetricsRecorder(env.ROUTING, { flushMs: 200, isolateId: "sparse" });
    let ctx = createExecutionContext();
    const observe = (i: number) =>
      recorder.record(
        {
          service: "sparse",
          version: 1,
          revision: "1@0",
          origin: i % 2 ? "blue" : "green",
          role: i % 2 ? "live" : "canary",
          identified: true,
          failed: false,
          failover: false,
          originMs: 3,
          at: Date.now(),
        },
        (p) => ctx.waitUntil(p),
      );
    observe(0); // the first recording flushes at once
    await waitOnExecutionContext(ctx);
    ctx = createExecutionContext();
    const started = Date.now();
    for (let i = 1; i < 5; i++) observe(i); // within the interval: one flush at its end
    await waitOnExecutionContext(ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const m = await readVersionMetrics(env.ROUTING, {
      service: "sparse",
      version: 1,
      updatedAt: new Date(0).toISOString(),
    });
    expect(Object.values(m.arms).reduce((a, arm) => a + arm.requests, 0)).toBe(5);
    expect(m.identified).toEqual({ live: 2, canary: 3 });
  });
});
