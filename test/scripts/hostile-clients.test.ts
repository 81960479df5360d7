/**
 * What a client sends can never make an arm look broken: requests the
 * router cannot forward as sent get a 4xx and are not counted in the
 * metrics the rollout gates read (the service's control object's, read
 * through the admin API as `router rollout status` does). Real HTTP into
 * workerd (Miniflare), real local origins.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoOrigins, startDemoOrigins } from "../../scripts/lib/demo-origins.ts";
import { type MiniflareRouter, startMiniflareRouter } from "../support/miniflare-router.ts";
import { testModels } from "../test-models.ts";

let origins: DemoOrigins;
let router: MiniflareRouter;

beforeAll(async () => {
  origins = await startDemoOrigins(testModels);
  // Check-ins every 100 ms: the metrics reach the control object within a few.
  router = await startMiniflareRouter({ CHECKIN_INTERVAL_MS: "100" });
}, 60_000);
afterAll(async () => {
  await router?.dispose();
  await origins?.close();
});

/** A raw HTTP request (Node's http sends a GET with a body if told to). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${router.url}${path}`, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The `metrics` of GET /_router/admin/services/<service>/rollout (the control object's). */
async function rolloutMetrics(
  service: string,
): Promise<{ arms: Record<string, { requests: number; errors: number; failovers: number }> }> {
  const res = await fetch(`${router.url}/_router/admin/services/${service}/rollout`, {
    headers: { authorization: `Bearer ${router.adminToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { metrics: Awaited<ReturnType<typeof rolloutMetrics>> }).metrics;
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function canaryDoc(service: string) {
  return {
    service,
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "test",
    origins: { blue: { url: origins.url("blue") }, canary: { url: origins.url("canary") } },
    live: "blue",
    canary: { origin: "canary", shareBp: 10_000, salt: "hostile" },
  };
}

describe("client-made failures are not the arm's errors", () => {
  it("a GET or HEAD with a body gets 400 body_not_allowed and the canary's error rate stays 0", async () => {
    const doc = canaryDoc("getbody");
    await router.put(doc);
    for (let i = 0; i < 20; i++) {
      const method = i % 2 === 0 ? "GET" : "HEAD";
      // Declared and chunked framings (Node frames a GET's body only when told).
      const framing: Record<string, string> =
        i % 4 < 2 ? { "content-length": "7" } : { "transfer-encoding": "chunked" };
      const res = await raw(
        method,
        "/getbody/health",
        { "x-user-id": `u-${i}`, "content-type": "application/json", ...framing },
        '{"x":1}',
      );
      expect(res.status).toBe(400);
      if (method === "GET")
        expect(JSON.parse(res.body)).toMatchObject({ error: "body_not_allowed" });
    }
    for (let i = 0; i < 6; i++) {
      const res = await raw("GET", "/getbody/health", { "x-user-id": `ok-${i}` });
      expect(res.status).toBe(200);
    }
    // A GET with Content-Length: 0 is a GET without a body.
    const empty = await raw("GET", "/getbody/health", { "x-user-id": "z", "content-length": "0" });
    expect(empty.status).toBe(200);

    const canary = await eventually(async () => {
      const arm = (await rolloutMetrics("getbody")).arms.canary;
      if (!arm || arm.requests < 7)
        throw new Error(`canary metrics so far: ${JSON.stringify(arm)}`);
      return arm;
    });
    expect(canary).toMatchObject({ requests: 7, errors: 0, failovers: 0 });
    // Exact, and nothing else counted: the 20 refused requests are no arm's traffic.
    expect(Object.keys((await rolloutMetrics("getbody")).arms)).toEqual(["canary"]);
  });
});
