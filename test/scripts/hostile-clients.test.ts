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

describe("a forwarded path stays under its origin's base path", () => {
  it("refuses every spelling of `..` with 400 and never reaches another path of the origin's host", async () => {
    const doc = {
      service: "confine",
      version: 1,
      updatedAt: new Date().toISOString(),
      updatedBy: "test",
      origins: { blue: { url: origins.url("blue") } },
      live: "blue",
    };
    await router.put(doc);
    // workerd itself resolves these before the Worker runs (the request is
    // then for service "canary", which has no document here); Cloudflare's
    // URL normalization does the same at the edge.
    const normalizedByRuntime = [
      "/confine/%2e%2e/canary/echo",
      "/confine/%2E%2E/canary/echo",
      "/confine/.%2e/canary/echo",
      "/confine/%2e./canary/echo",
      "/confine/..\\canary\\echo",
      "/confine/x/../../canary/echo",
    ];
    // These reach the Worker as sent; fetch(), an origin that decodes once
    // more, or a Java origin (`..;`) would resolve them outside /blue.
    const reachTheRouter = [
      "/confine/..%5ccanary/echo",
      "/confine/..%5Ccanary/echo",
      "/confine/..%2fcanary/echo",
      "/confine/%252e%252e/canary/echo",
      "/confine/%25252E%25252E/canary/echo",
      "/confine/..;/canary/echo",
      "/confine/%2e%2e%3b/canary/echo",
    ];
    const hits = () => [...origins.hits.values()].reduce((a, b) => a + b, 0);
    const before = hits();
    const answers: string[] = [];
    for (const path of [...normalizedByRuntime, ...reachTheRouter]) {
      const res = await raw("POST", path, { "content-type": "application/json" }, "{}");
      answers.push(`${path} -> ${res.status} ${res.body.slice(0, 100)}`);
    }
    expect(hits(), answers.join("\n")).toBe(before);
    for (const answer of answers.slice(normalizedByRuntime.length)) {
      expect(answer).toMatch(/ -> 400 .*"error":"path_not_confined"/);
    }
    // An ordinary path, and a name with an encoded slash, still reach blue under its base.
    const ok = await raw(
      "POST",
      "/confine/echo/a%2Fb",
      { "content-type": "application/json" },
      "{}",
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ path: "/echo/a%2Fb" });
  });
});
