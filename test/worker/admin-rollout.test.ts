/**
 * The rollout endpoints of the admin API inside workerd, through the real
 * worker (SELF), real local KV, the service's real control object (which
 * runs evaluate and the commands and keeps the status record and the exact
 * metrics) and the real test origins: authentication, the state view with
 * per-arm metrics, evaluate, each manual command, and 409 for a command the
 * rollout's state refuses. Plans evaluate every 300 s, so the object's own
 * alarm stays out of these tests.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { controlReaders } from "../../src/adapters/durable-object/control-client.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import { makeDoc, putDoc, trafficWithMetrics } from "./support.ts";

const TOKEN = "test-admin-token-at-least-32-bytes";
const BASE = "http://router.test/_router/admin/services";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

async function admin(
  path: string,
  init: { method?: string; token?: string | null; author?: string } = {},
): Promise<{ status: number; body: Json }> {
  // This file's own client address: its wrong-token tests count against no other file's
  // (failed authentications are rate limited per address, and the limiter is shared).
  const headers: Record<string, string> = { "cf-connecting-ip": "192.0.2.11" };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.author) headers["x-router-author"] = init.author;
  const res = await SELF.fetch(`${BASE}${path}`, { method: init.method ?? "GET", headers });
  return { status: res.status, body: await res.json() };
}
const post = (path: string, init: { token?: string | null; author?: string } = {}) =>
  admin(path, { ...init, method: "POST" });

const control = controlReaders(env.CONTROL);

const stored = async (service: string): Promise<Json> =>
  JSON.parse((await env.ROUTING.get(`service:${service}`)) ?? "null");

/** A document whose canary (green) rolls out 20% -> 50%, 10 min per step. */
async function seedRollout(service: string, over: Partial<RoutingDocumentInput> = {}) {
  await putDoc(
    makeDoc(service, {
      canary: { origin: "green", shareBp: 0, salt: `${service}-salt` },
      rollout: {
        steps: [
          { shareBp: 2000, bakeSeconds: 600 },
          { shareBp: 5000, bakeSeconds: 600 },
        ],
        gates: { minRequests: 5 },
        analysisIntervalSeconds: 300,
      },
      ...over,
    }),
  );
}

describe("authentication", () => {
  it.each([
    ["GET", "/ro-auth/rollout"],
    ["POST", "/ro-auth/rollout/evaluate"],
    ...["pause", "resume", "abort", "promote"].map((c) => ["POST", `/ro-auth/rollout/${c}`]),
  ])("%s %s: 401 without a token, 403 with a wrong one; nothing written", async (method, path) => {
    await seedRollout("ro-auth");
    const none = await admin(path, { method, token: null });
    expect(none.status).toBe(401);
    expect(none.body.error).toBe("admin_unauthenticated");
    const wrong = await admin(path, { method, token: "test-override-token" });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toBe("admin_forbidden");
    expect(await control.rollouts.read("ro-auth")).toBeNull();
    expect((await stored("ro-auth")).canary.shareBp).toBe(0);
  });
});

describe("GET .../rollout", () => {
  it("a service without a plan: plan and status null, this version's arms; 404 / 400 for unknown or bad names", async () => {
    await putDoc({ ...makeDoc("ro-none"), version: 7 });
    const res = await admin("/ro-none/rollout");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      service: "ro-none",
      version: 7,
      plan: null,
      status: null,
      statusCurrent: false,
      preview: null,
      metrics: { version: 7, live: null, canary: null },
    });
    expect((await admin("/ro-nobody/rollout")).status).toBe(404);
    expect((await admin("/Bad_Name/rollout")).status).toBe(400);
  });

  it("before the first tick the plan is there but not started; after evaluate, the status and the gates now", async () => {
    await seedRollout("ro-view");
    const before = await admin("/ro-view/rollout");
    expect(before.body.plan.steps).toEqual([
      { shareBp: 2000, bakeSeconds: 600 },
      { shareBp: 5000, bakeSeconds: 600 },
    ]);
    expect(before.body.plan.gates.minRequests).toBe(5);
    expect(before.body).toMatchObject({ status: null, statusCurrent: false, preview: null });

    const start = await post("/ro-view/rollout/evaluate");
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ event: "start", state: "progressing", stepIndex: 0 });
    const version = (await stored("ro-view")).version;
    expect(start.body.version).toBe(version);

    await trafficWithMetrics("ro-view", 40);
    const view = await admin("/ro-view/rollout");
    expect(view.body).toMatchObject({
      version,
      statusCurrent: true,
      status: { state: "progressing", stepIndex: 0 },
      canary: { origin: "green", shareBp: 2000 },
      preview: { verdict: "bake" },
    });
    expect(view.body.status.timeline.map((t: Json) => t.event)).toEqual(["start"]);
    // The view's status is the control object's record; KV holds no `rollout:` key.
    expect(view.body.status).toEqual(await control.rollouts.read("ro-view"));
    expect(await env.ROUTING.get("rollout:ro-view")).toBeNull();
    const { live, canary, split } = view.body.metrics;
    expect(live.origin).toBe("blue");
    expect(canary.origin).toBe("green");
    expect(live.requests + canary.requests).toBe(40);
    expect(canary.requests).toBeGreaterThan(0);
    expect(split.canary + split.others).toBe(40);
    expect(view.body.preview.gates.map((g: Json) => g.gate)).toContain("min-requests");
    // Each judged gate carries its evidence: the estimate, its anytime-valid interval, the
    // bound, the statistic against its boundary, and this gate's share of the plan's alpha.
    const errorRate = view.body.preview.gates.find((g: Json) => g.gate === "error-rate");
    // The sentence: both rates, the difference and its interval, each side's log likelihood
    // ratio against its boundary, the canary requests judged, and how many more would decide.
    const sentence = errorRate.detail.match(
      /^error rate (\d+\.\d+)% vs (\d+\.\d+)% live \([+-]\d+\.\d+ pp, interval -?\d+\.\d+ pp to \+\d+\.\d+ pp\): not yet shown worse \(\d+\.\d of \d+\.\d\) nor within \+0\.5 pp \(\d+\.\d of \d+\.\d\) after (\d+) canary requests; about [\d,]+ more canary requests at this rate$/,
    );
    expect(sentence, errorRate.detail).not.toBeNull();
    expect(Number(sentence[3])).toBe(canary.requests);
    expect(errorRate.evidence).toMatchObject({
      measure: "canary - live error rate",
      bound: 0.005,
      // The error rate's weight (4 of error 4 + status class 1 + latency 3 + SRM 1) of the
      // default alpha 0.01, over the plan's 2 steps.
      alpha: (0.01 * 4) / 9 / 2,
      candidate: canary.requests,
      reference: live.requests,
    });
    for (const key of ["effect", "lo", "hi", "statistic", "boundary"]) {
      expect(typeof errorRate.evidence[key]).toBe("number");
    }
    // The arms as shown carry counts and the p95, not the gates' histograms.
    expect(Object.keys(live).sort()).toEqual(["errors", "origin", "p95Ms", "requests"]);
  });
});

describe("POST .../rollout/evaluate", () => {
  it("404 when the service has no rollout plan, or no document", async () => {
    await putDoc(makeDoc("ro-noplan"));
    const res = await post("/ro-noplan/rollout/evaluate");
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("no_rollout_plan");
    expect((await post("/ro-nobody/rollout/evaluate")).body.error).toBe("no_routing_document");
  });

  it("a second evaluation within the bake changes nothing", async () => {
    await seedRollout("ro-eval");
    await post("/ro-eval/rollout/evaluate");
    const version = (await stored("ro-eval")).version;
    const again = await post("/ro-eval/rollout/evaluate");
    expect(again.body).toMatchObject({ event: "bake", version, stepIndex: 0 });
    expect((await stored("ro-eval")).version).toBe(version);
    const status = await control.rollouts.read("ro-eval");
    expect(status?.timeline.map((t) => t.event)).toEqual(["start"]);
    expect(status?.lastEvaluation).toMatchObject({ event: "bake" });
  });
});

describe("manual commands", () => {
  it("pause, resume and abort, with the author from X-Router-Author; a wrong-state command is 409 and writes nothing", async () => {
    await seedRollout("ro-cmd");
    await post("/ro-cmd/rollout/evaluate");

    const pause = await post("/ro-cmd/rollout/pause", { author: "alice" });
    expect(pause.status).toBe(200);
    expect(pause.body).toMatchObject({ event: "pause", state: "paused", reason: "pause by alice" });

    const version = (await stored("ro-cmd")).version;
    const again = await post("/ro-cmd/rollout/pause", { author: "alice" });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: "rollout_state",
      message: "cannot pause a paused rollout",
      state: "paused",
    });
    expect((await stored("ro-cmd")).version).toBe(version);

    const evaluate = await post("/ro-cmd/rollout/evaluate");
    expect(evaluate.body).toMatchObject({ event: "none", state: "paused" });

    const resume = await post("/ro-cmd/rollout/resume", { author: "alice" });
    expect(resume.body).toMatchObject({ event: "resume", state: "progressing" });

    const abort = await post("/ro-cmd/rollout/abort");
    expect(abort.status).toBe(200);
    expect(abort.body).toMatchObject({
      event: "abort",
      state: "aborted",
      reason: "abort by admin",
    });
    const doc = await stored("ro-cmd");
    expect(doc.canary.killed).toBe(true);
    expect(doc.updatedBy).toBe("admin");
    const history = JSON.parse((await env.ROUTING.get("history:ro-cmd")) ?? "[]");
    expect(history.at(-1)).toMatchObject({ source: "rollout", evidence: { event: "abort" } });

    const promote = await post("/ro-cmd/rollout/promote");
    expect(promote.status).toBe(409);
    expect(promote.body.message).toBe("cannot promote an aborted rollout");
    expect((await stored("ro-cmd")).live).toBe("blue");

    const view = await admin("/ro-cmd/rollout");
    expect(view.body.status.timeline.map((t: Json) => t.event)).toEqual([
      "start",
      "pause",
      "resume",
      "abort",
    ]);
  });

  it("promote makes the canary live at once; the finished plan leaves the document", async () => {
    await seedRollout("ro-prom");
    await post("/ro-prom/rollout/evaluate");
    const res = await post("/ro-prom/rollout/promote", { author: "bob" });
    expect(res.body).toMatchObject({ event: "promote", state: "promoted" });
    const doc = await stored("ro-prom");
    expect(doc).toMatchObject({ live: "green", updatedBy: "bob" });
    expect(doc.canary).toBeUndefined();
    expect(doc.rollout).toBeUndefined();
    const served = await SELF.fetch("http://router.test/ro-prom/predict", {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "u-1" },
      body: "{}",
    });
    await served.arrayBuffer();
    expect(served.headers.get("x-model-variant")).toBe("green");

    const view = await admin("/ro-prom/rollout");
    expect(view.body).toMatchObject({
      plan: null,
      statusCurrent: false,
      status: { state: "promoted" },
    });
  });

  it("404 without a rollout in progress; 404 for an unknown command", async () => {
    await seedRollout("ro-idle");
    const res = await post("/ro-idle/rollout/pause");
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("no_rollout");
    const unknown = await post("/ro-idle/rollout/explode");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("unknown_rollout_command");
  });
});
