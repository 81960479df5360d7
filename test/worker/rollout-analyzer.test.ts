/**
 * The rollout analyzer as it runs now: inside each service's control object
 * (src/control/service-control.ts), over the object's own SQLite (document,
 * history, exact per-arm metrics, the rollout status record), with real
 * traffic through the real worker (SELF) to the real test origins.
 *
 * Most tests drive it with simulated time, `evaluate(service, at)` and
 * `command(service, cmd, author, at)`; their plans evaluate every 300 s so
 * the object's own alarm (which judges at real time) stays out of the way
 * within a test. The last describe lets the alarm do it alone, at real time.
 */
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { controlReaders } from "../../src/adapters/durable-object/control-client.ts";
import type { AnalysisOutcome } from "../../src/app/rollout/analyzer.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import type { ControlOutcome } from "../../src/ports/rollout-control.ts";
import {
  controlMetrics,
  makeDoc,
  originUrl,
  predict,
  putDoc,
  trafficWithMetrics,
  variantOf,
} from "./support.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const control = controlReaders(env.CONTROL);

const okPlan = {
  steps: [
    { shareBp: 2000, bakeSeconds: 600 },
    { shareBp: 5000, bakeSeconds: 600 },
  ],
  analysisIntervalSeconds: 300,
};

/** A service whose canary (`candidate`) rolls out 20% -> 50% -> promotion, 10 min per step. */
const rolloutDoc = (
  service: string,
  candidate: string,
  over: Partial<RoutingDocumentInput> = {},
  analysisIntervalSeconds = 300,
) =>
  makeDoc(service, {
    canary: { origin: candidate, shareBp: 0, salt: `${service}-salt` },
    rollout: {
      steps: [
        { shareBp: 2000, bakeSeconds: 600 },
        { shareBp: 5000, bakeSeconds: 600 },
      ],
      gates: { minRequests: 30 },
      analysisIntervalSeconds,
    },
    ...over,
  });

/**
 * `n` more identified predictions, 8 at a time, from users not seen before
 * in this step (so the split is a fresh sample); resolves once the control
 * object counts all of this revision's requests.
 */
async function burst(service: string, n: number): Promise<void> {
  const doc = await storedDoc(service);
  const total = () =>
    controlMetrics(doc).then((m) => Object.values(m.arms).reduce((a, arm) => a + arm.requests, 0));
  const before = await total();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await predict(service, { user: `${service}-v${doc.version}-u${before + i}` });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  for (let tries = 0; tries < 100; tries++) {
    if ((await total()) >= before + n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("metrics never reached the control object");
}

/** An evaluation's reason and each gate's sentence: the failure message of a verdict. */
const verdictWords = (o: AnalysisOutcome) =>
  [o.reason, ...o.gates.map((g) => `${g.gate} ${g.outcome}: ${g.detail}`)].join("\n");

/**
 * Bursts of `n` requests, each followed by an evaluation 30 s after the last
 * (from `from`), as the alarm would look during a bake; every look must keep
 * baking. Stops once a look shows every gate within its bound (at most
 * `maxLooks`): a loaded machine's latency noise needs more requests than a
 * quiet one's, never a weaker gate. Returns the last look.
 */
async function bakeUntilShown(service: string, from: number, n: number, maxLooks: number) {
  let look: AnalysisOutcome | undefined;
  for (let k = 1; k <= maxLooks; k++) {
    await burst(service, n);
    look = await evaluate(service, from + (k * MIN) / 2);
    expect(look.event, verdictWords(look)).toBe("bake");
    if (look.gates.every((g) => g.outcome === "pass")) return look;
  }
  return look as AnalysisOutcome;
}

/** The outcome's value; fails the test with the object's error otherwise. */
function ok(outcome: ControlOutcome): AnalysisOutcome {
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.error)}`);
  return outcome.value as AnalysisOutcome;
}
const evaluate = async (service: string, at?: number) => ok(await control.evaluate(service, at));
const command = async (
  service: string,
  cmd: "pause" | "resume" | "abort" | "promote",
  author: string,
  at?: number,
) => ok(await control.command(service, cmd, author, at));

/** The document as KV holds it (the object mirrors every write before it answers). */
async function storedDoc(service: string) {
  return JSON.parse((await env.ROUTING.get(`service:${service}`)) ?? "null");
}
const history = async (service: string) =>
  JSON.parse((await env.ROUTING.get(`history:${service}`)) ?? "[]");
const timeline = async (service: string) =>
  ((await control.rollouts.read(service))?.timeline ?? []).map((t) => t.event);

describe("rollout analyzer (in the control object, simulated time)", () => {
  it("starts at the first step, advances once every gate is shown within its bound after the bake, and promotes after the last", {
    timeout: 180_000,
  }, async () => {
    // The gates must show the canary within bounds: enough traffic after each step's
    // first look (which sets the latency reference), and tolerances a test can prove
    // in a few hundred canary requests whatever the machine's load (the default 0.5 pp
    // status-class bound needs about 600 canary requests without a 3xx or 4xx, 3,000
    // requests a step here, and a loaded machine's latency noise more: the gates'
    // power is bench work, this test is the analyzer's flow).
    const gates = {
      minRequests: 30,
      errorRate: { minDelta: 0.05 },
      statusClass: { minDelta: 0.05 },
      latencyP95Ratio: { max: 1.1, minDeltaMs: 500 },
    };
    await putDoc(rolloutDoc("ro-ok", "green", { rollout: { ...okPlan, gates } }));
    // Warm the isolate and the origins first (this revision's metrics are not the step's):
    // the latency reference is set from the step's first requests.
    await burst("ro-ok", 300);

    const start = await evaluate("ro-ok", T0);
    expect(start).toMatchObject({ event: "start", state: "progressing", stepIndex: 0 });
    expect((await storedDoc("ro-ok")).canary.shareBp).toBe(2000);

    await burst("ro-ok", 300);
    const baking = await evaluate("ro-ok", T0 + MIN);
    expect(baking).toMatchObject({ event: "bake" });
    expect(baking.gates.find((g) => g.gate === "latency-p95")?.detail).toMatch(
      /is the first threshold; each batch of requests from now on is judged against live's p95 before it$/,
    );
    // The pass side never decides on a step's first look (live's rate must be known from an
    // earlier one), however clean the canary: the error rate cannot pass yet.
    expect(baking.gates.find((g) => g.gate === "error-rate")?.outcome).toBe("inconclusive");
    // At a 20% share, bursts of 600 requests every 30 s until every gate is shown within
    // its bound (one look on a quiet machine; latency noise on a loaded one may need more).
    await bakeUntilShown("ro-ok", T0 + MIN, 600, 17);
    const advance = await evaluate("ro-ok", T0 + 10 * MIN);
    expect(advance, verdictWords(advance)).toMatchObject({ event: "advance", stepIndex: 1 });
    expect(advance.gates.map((g) => [g.gate, g.outcome])).toEqual([
      ["min-requests", "pass"],
      ["error-rate", "pass"],
      ["status-class", "pass"],
      ["latency-p95", "pass"],
      ["srm", "pass"],
    ]);
    // Each judged gate says why, with its anytime-valid interval.
    const errorRate = advance.gates.find((g) => g.gate === "error-rate");
    expect(errorRate?.detail).toMatch(
      /^error rate 0\.00% vs 0\.00% live \(\+0\.0 pp, interval -\d\.\d pp to \+\d\.\d pp\): shown not worse by \+5\.0 pp \(log LR \d+\.\d >= 3\.2\) after [\d,]+ canary requests$/,
    );
    // alpha: the error rate's 4 of 9 weights of the default 0.01, over 2 steps.
    expect(errorRate?.evidence).toMatchObject({
      effect: 0,
      bound: 0.05,
      alpha: (0.01 * 4) / 9 / 2,
    });
    expect(errorRate?.evidence?.statistic).toBeGreaterThanOrEqual(Math.log(1 / (0.05 * 0.8)));
    expect((await storedDoc("ro-ok")).canary.shareBp).toBe(5000);

    // The new step is a new document version: its metrics start from zero.
    const step2 = await storedDoc("ro-ok");
    const fresh = await control.metrics.read(step2);
    expect(Object.values(fresh.arms).reduce((a, arm) => a + arm.requests, 0)).toBe(0);
    await burst("ro-ok", 300);
    expect(await evaluate("ro-ok", T0 + 11 * MIN)).toMatchObject({ event: "bake" });
    await bakeUntilShown("ro-ok", T0 + 11 * MIN, 500, 17);
    const promote = await evaluate("ro-ok", T0 + 21 * MIN);
    expect(promote, verdictWords(promote)).toMatchObject({ event: "promote", state: "promoted" });
    const doc = await storedDoc("ro-ok");
    expect(doc.live).toBe("green");
    expect(doc.canary).toBeUndefined();
    expect(doc.updatedAt).toBe(new Date(T0 + 21 * MIN).toISOString());

    const entries = await history("ro-ok");
    // The object imported the seeded document without an entry; each verdict wrote one.
    expect(entries.map((h: { source: string }) => h.source)).toEqual([
      "rollout",
      "rollout",
      "rollout",
    ]);
    const judged = entries.at(-1).evidence.gates;
    expect(judged.find((g: { gate: string }) => g.gate === "error-rate").evidence).toMatchObject({
      measure: "canary - live error rate",
    });

    // The status record lives in the object (SQLite), at the simulated times;
    // no `rollout:` key is written to KV any more.
    const status = await control.rollouts.read("ro-ok");
    expect(status?.state).toBe("promoted");
    expect(status?.timeline.map((t) => [t.event, t.at])).toEqual([
      ["start", T0],
      ["advance", T0 + 10 * MIN],
      ["promote", T0 + 21 * MIN],
    ]);
    expect(await env.ROUTING.get("rollout:ro-ok")).toBeNull();
  });

  it("holds when the bake is over but the evidence is too thin (one timeline entry for repeated holds)", async () => {
    await putDoc(rolloutDoc("ro-thin", "green"));
    await evaluate("ro-thin", T0);
    await trafficWithMetrics("ro-thin", 20);
    expect(await evaluate("ro-thin", T0 + 11 * MIN)).toMatchObject({
      event: "hold",
      stepIndex: 0,
    });
    expect(await evaluate("ro-thin", T0 + 12 * MIN)).toMatchObject({ event: "hold" });
    expect((await storedDoc("ro-thin")).canary.shareBp).toBe(2000);
    expect(await timeline("ro-thin")).toEqual(["start", "hold"]);
    expect((await control.rollouts.read("ro-thin"))?.lastEvaluation).toMatchObject({
      at: T0 + 12 * MIN,
      event: "hold",
    });
  });

  it("rolls back a canary whose error rate is worse than live's mid-bake; the kill lands in KV with its evidence", async () => {
    await putDoc(rolloutDoc("ro-bad", "failing"));
    await evaluate("ro-bad", T0);
    expect((await storedDoc("ro-bad")).canary).toMatchObject({ shareBp: 2000, killed: false });

    await trafficWithMetrics("ro-bad", 300);
    const rollback = await evaluate("ro-bad", T0 + 2 * MIN); // a failing gate does not wait for the bake
    expect(rollback).toMatchObject({ event: "rollback", state: "rolled-back" });
    const doc = await storedDoc("ro-bad");
    expect(doc.canary.killed).toBe(true);
    expect(doc.updatedBy).toBe("rollout-analyzer");
    const last = (await history("ro-bad")).at(-1);
    expect(last).toMatchObject({ source: "rollout", evidence: { event: "rollback" } });
    expect(last.evidence.gates).toContainEqual(
      expect.objectContaining({ gate: "error-rate", outcome: "fail" }),
    );
    expect((await control.rollouts.read("ro-bad"))?.state).toBe("rolled-back");

    // Rolled back stays rolled back: later evaluations change nothing.
    expect(await evaluate("ro-bad", T0 + 30 * MIN)).toMatchObject({ event: "none" });
    expect((await storedDoc("ro-bad")).version).toBe(doc.version);
    // And the fleet routes by the kill: everyone is back on live.
    for (let i = 0; i < 20; i++) {
      expect(await variantOf(await predict("ro-bad", { user: `user-${i}` }))).toBe("blue");
    }
  });
});

describe("the gates on the object's exact histograms (simulated time)", () => {
  it("rolls back a canary whose latency is far above live's p95 once live's first p95 threshold is set", async () => {
    // "slow" answers like blue, 200 ms later.
    const origins = { ...makeDoc("ro-slow").origins, slow: { url: originUrl("slow") } };
    await putDoc(rolloutDoc("ro-slow", "slow", { origins }));
    await burst("ro-slow", 100); // warm-up, before the rollout's revision
    await evaluate("ro-slow", T0);
    await burst("ro-slow", 100);
    const first = await evaluate("ro-slow", T0 + MIN);
    expect(first).toMatchObject({ event: "bake" });
    // A look or a few: live's p95 (the threshold) is a few ms on a quiet machine, but a
    // loaded one (CI) can make some of live's requests slow too, and the test needs more
    // canary requests to show it. It must never advance, and it rolls back within 4 looks.
    let rollback = first;
    for (let look = 2; look <= 5 && rollback.event !== "rollback"; look++) {
      await burst("ro-slow", 100);
      rollback = await evaluate("ro-slow", T0 + look * MIN);
      const latency = rollback.gates.find((g) => g.gate === "latency-p95")?.detail;
      expect(rollback.event, `look ${look}: ${rollback.reason}; ${latency}`).toMatch(
        /^(bake|rollback)$/,
      );
    }
    expect(rollback).toMatchObject({ event: "rollback", reason: "gate failed: latency-p95" });
    // The canary's p95 is at least the slow origin's 200 ms (more on a loaded machine). Each
    // request is its own user, but the design effect measured over 64 buckets is noisy: a
    // reading above 1.05 is said.
    const slowP95 = rollback.gates
      .find((g) => g.gate === "latency-p95")
      ?.detail.match(/^p95 (\d+) ms vs /)?.[1];
    expect(Number(slowP95)).toBeGreaterThanOrEqual(200);
    expect(rollback.gates.find((g) => g.gate === "latency-p95")?.detail).toMatch(
      /^p95 \d+ ms vs [\d.]+ ms live \(x\d+\.\d\d, allowed x1\.1 or \+25 ms\): [\d.]+% of canary requests slower than the allowance over live's p95 at the time \(now [\d.]+ ms\) vs [\d.]+% of live slower than its p95 \(now [\d.]+ ms\), .*beyond the allowance; boundary crossed after \d+ canary requests(; users' clustering counted \(dispersion [\d.]+\))?$/,
    );
    expect((await storedDoc("ro-slow")).canary.killed).toBe(true);
  });

  it("an undecided step holds past its bake, then pauses at maxExtensionSeconds (notified once), and resume bakes again", async () => {
    const plan = { ...okPlan, gates: { minRequests: 5 }, maxExtensionSeconds: 600 };
    await putDoc(rolloutDoc("ro-limit", "green", { rollout: plan }));
    await evaluate("ro-limit", T0);
    await trafficWithMetrics("ro-limit", 60);
    const hold = await evaluate("ro-limit", T0 + 11 * MIN);
    expect(hold).toMatchObject({ event: "hold", state: "progressing" });
    expect(hold.reason).toMatch(
      /^step 1\/2 \(20%\): bake extended 1m of up to 10m, waiting for error-rate/,
    );
    expect(await evaluate("ro-limit", T0 + 15 * MIN)).toMatchObject({ event: "hold" });
    const pause = await evaluate("ro-limit", T0 + 20 * MIN);
    expect(pause).toMatchObject({ event: "pause", state: "paused", stepIndex: 0 });
    expect(pause.reason).toMatch(/still undecided 10m after the bake \(maxExtensionSeconds\)/);
    expect(pause.reason).toMatch(/paused at 20%, a failing gate still rolls it back/);
    // The canary keeps its share; nothing was rolled back.
    expect((await storedDoc("ro-limit")).canary).toMatchObject({ shareBp: 2000, killed: false });
    const status = await control.rollouts.read("ro-limit");
    expect(status).toMatchObject({ state: "paused", pausedAtLimit: true });
    expect(status?.timeline.map((t) => t.event)).toEqual(["start", "hold", "pause"]);
    // Still watched: evaluating again changes nothing while no gate fails.
    expect(await evaluate("ro-limit", T0 + 25 * MIN)).toMatchObject({ event: "none" });
    const resumed = await command("ro-limit", "resume", "alice", T0 + 26 * MIN);
    expect(resumed).toMatchObject({ state: "progressing" });
    expect(await control.rollouts.read("ro-limit")).toMatchObject({
      pausedAtLimit: false,
      stepStartedAt: T0 + 26 * MIN,
    });
    expect(await evaluate("ro-limit", T0 + 27 * MIN)).toMatchObject({ event: "bake" });
  });
});

describe("writes around the object", () => {
  it("a raw KV put with a higher version and new steps is adopted before the evaluation: the rollout starts over", async () => {
    await putDoc(rolloutDoc("ro-raw", "green"));
    await evaluate("ro-raw", T0);
    const running = await storedDoc("ro-raw");
    await putDoc({
      ...running,
      version: running.version + 10,
      canary: { ...running.canary, shareBp: 0 },
      rollout: { ...running.rollout, steps: [{ shareBp: 1000, bakeSeconds: 60 }] },
    });
    const restart = await evaluate("ro-raw", T0 + MIN);
    expect(restart).toMatchObject({ event: "start", stepIndex: 0, version: running.version + 11 });
    expect((await storedDoc("ro-raw")).canary.shareBp).toBe(1000);
    expect(await timeline("ro-raw")).toEqual(["start"]);
  });

  it("a raw KV put with a version not above the object's is adopted, re-stamped above it, before the evaluation", async () => {
    await putDoc(rolloutDoc("ro-stale", "green"));
    await evaluate("ro-stale", T0);
    const running = await storedDoc("ro-stale");
    await putDoc({
      ...running,
      version: running.version - 1,
      updatedAt: new Date().toISOString(),
      canary: { ...running.canary, shareBp: 9000 },
    });
    expect(await evaluate("ro-stale", T0 + MIN)).toMatchObject({
      event: "bake",
      version: running.version + 1,
    });
    expect((await control.status("ro-stale")).version).toBe(running.version + 1);
    // KV keeps the put as it was; the fleet routes by it one above.
    expect(await storedDoc("ro-stale")).toMatchObject({
      version: running.version - 1,
      canary: { shareBp: 9000 },
    });
    expect((await control.status("ro-stale")).kv).toEqual({
      state: "ok",
      version: running.version - 1,
    });
  });
});

describe("manual overrides take precedence", () => {
  it("pause stops the analyzer even with failing metrics; resume restarts the bake; abort kills", async () => {
    await putDoc(rolloutDoc("ro-manual", "failing"));
    await evaluate("ro-manual", T0);
    expect(await command("ro-manual", "pause", "alice", T0 + MIN)).toMatchObject({
      state: "paused",
    });
    await trafficWithMetrics("ro-manual", 200);
    expect(await evaluate("ro-manual", T0 + 20 * MIN)).toMatchObject({ event: "none" });
    expect((await storedDoc("ro-manual")).canary.killed).toBe(false);

    const twice = await control.command("ro-manual", "pause", "alice", T0 + 21 * MIN);
    expect(twice).toEqual({
      ok: false,
      error: {
        status: 409,
        code: "rollout_state",
        message: "cannot pause a paused rollout",
        detail: { service: "ro-manual", state: "paused" },
      },
    });
    const resume = await command("ro-manual", "resume", "alice", T0 + 21 * MIN);
    expect(resume).toMatchObject({ state: "progressing" });
    expect((await control.rollouts.read("ro-manual"))?.stepStartedAt).toBe(T0 + 21 * MIN);
    const aborted = await command("ro-manual", "abort", "alice", T0 + 22 * MIN);
    expect(aborted).toMatchObject({ state: "aborted" });
    const doc = await storedDoc("ro-manual");
    expect(doc.canary.killed).toBe(true);
    expect(doc.updatedBy).toBe("alice");
    expect(await timeline("ro-manual")).toEqual(["start", "pause", "resume", "abort"]);
  });

  it("promote makes the canary live at once", async () => {
    await putDoc(rolloutDoc("ro-promote", "green"));
    await evaluate("ro-promote", T0);
    await command("ro-promote", "promote", "bob", T0 + MIN);
    const doc = await storedDoc("ro-promote");
    expect(doc.live).toBe("green");
    expect(doc.canary).toBeUndefined();
    expect(await variantOf(await predict("ro-promote", { user: "u-1" }))).toBe("green");
  });

  it("a command without a rollout in progress, or for a service with no document, is a 404", async () => {
    await putDoc(rolloutDoc("ro-idle", "green"));
    expect(await control.command("ro-idle", "abort", "alice", T0)).toMatchObject({
      ok: false,
      error: { status: 404, code: "no_rollout" },
    });
    expect(await control.evaluate("ro-nobody", T0)).toMatchObject({
      ok: false,
      error: { status: 404, code: "no_routing_document" },
    });
  });
});

describe("the object's alarm runs the analyzer (real time)", () => {
  const stubOf = (service: string) => env.CONTROL.get(env.CONTROL.idFromName(service));

  it("rolls back a failing canary on its own, one analysisIntervalSeconds after the last evaluation", async () => {
    await putDoc(rolloutDoc("ro-alarm", "failing", {}, 5));
    const started = await evaluate("ro-alarm"); // real time
    expect(started).toMatchObject({ event: "start" });
    const startedAt = Date.now();

    await trafficWithMetrics("ro-alarm", 200);
    // Not due yet: the alarm ticks (CONTROL_ALARM_MS) but judges once per interval.
    if (Date.now() - startedAt < 4_500) {
      // The alarm may be running by itself right now (then none is pending): either way,
      // a tick before the interval is due judges nothing.
      await runDurableObjectAlarm(stubOf("ro-alarm"));
      const early = await control.rollouts.read("ro-alarm");
      if (Date.now() - startedAt < 4_500) expect(early?.state).toBe("progressing");
    }

    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 5_000 - Date.now())));
    // The alarm fires by itself every CONTROL_ALARM_MS; run it now rather than wait for it.
    await runDurableObjectAlarm(stubOf("ro-alarm"));
    const status = await control.rollouts.read("ro-alarm");
    expect(status?.state).toBe("rolled-back");
    const rollback = status?.timeline.at(-1);
    expect(rollback).toMatchObject({ event: "rollback" });
    // Due one interval (less the alarm's 250 ms slack) after the evaluation that started it:
    // the object's own clock, not this test's (which reads it after the call returns).
    const startAt = status?.timeline[0]?.at ?? Number.NaN;
    expect(startAt).toBeLessThanOrEqual(startedAt);
    expect(rollback?.at).toBeGreaterThanOrEqual(startAt + 4_750);
    expect(rollback?.at).toBeLessThanOrEqual(Date.now());
    expect(rollback?.gates).toContainEqual(
      expect.objectContaining({ gate: "error-rate", outcome: "fail" }),
    );
    const doc = await storedDoc("ro-alarm");
    expect(doc.canary.killed).toBe(true);
    expect(doc.updatedBy).toBe("rollout-analyzer");
    expect((await history("ro-alarm")).at(-1)).toMatchObject({
      source: "rollout",
      evidence: { event: "rollback" },
    });
  });

  it("the status record survives a restart of the object; a finished rollout keeps no alarm evaluating it", async () => {
    await putDoc(rolloutDoc("ro-restart", "green"));
    await evaluate("ro-restart", T0);
    await command("ro-restart", "abort", "carol", T0 + MIN);
    const stub = stubOf("ro-restart");
    await evictDurableObject(stub);
    const status = await control.rollouts.read("ro-restart");
    expect(status).toMatchObject({ state: "aborted" });
    expect(status?.timeline.map((t) => t.event)).toEqual(["start", "abort"]);
    expect(await control.status("ro-restart")).toMatchObject({ rolloutActive: false });
  });
});
