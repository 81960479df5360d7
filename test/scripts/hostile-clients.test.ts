/**
 * What a client sends can never make an arm look broken: requests the
 * router cannot forward as sent get a 4xx and are not counted in the
 * metrics the rollout gates read (the service's control object's, read
 * through the admin API as `router rollout status` does). Real HTTP into
 * workerd (Miniflare), real local origins.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MiniflareRouter, startMiniflareRouter } from "../support/miniflare-router.ts";
import { type DemoOrigins, startDemoOrigins } from "../support/stack/demo-origins.ts";
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

/**
 * Writes a raw HTTP/1.1 request, then misbehaves as told; resolves with the
 * status line's code (0 when the router gave no answer before the socket closed).
 */
function misbehave(
  path: string,
  head: Record<string, string>,
  how:
    | { kind: "abort"; body: string }
    | { kind: "half-close"; body: string }
    | { kind: "raw"; body: string }
    | { kind: "trickle"; body: string; everyMs: number },
): Promise<number> {
  const { hostname, port } = new URL(router.url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = "";
    let timer: ReturnType<typeof setInterval> | undefined;
    const finish = () => {
      clearInterval(timer);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    };
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      answer += chunk;
      if (/^HTTP\/1\.1 \d{3}/.test(answer)) socket.destroy();
    });
    socket.on("close", finish);
    socket.on("error", () => {});
    socket.on("connect", () => {
      const lines = [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`];
      for (const [k, v] of Object.entries(head)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (how.kind === "trickle") {
        let at = 0;
        timer = setInterval(() => {
          if (at < how.body.length) socket.write(how.body[at++] as string);
        }, how.everyMs);
        return;
      }
      socket.write(how.body);
      if (how.kind === "abort") setTimeout(() => socket.destroy(), 150);
      if (how.kind === "half-close") socket.end();
    });
  });
}

describe("a failure in reading the client's request is the client's, never the arm's", () => {
  for (const safe of [false, true]) {
    it(`aborted, short, badly framed and trickled bodies are answered 4xx and never counted (retry.safe ${safe})`, async () => {
      const service = safe ? "clientfail-safe" : "clientfail";
      const doc = {
        ...canaryDoc(service),
        // A body gets at most the longest origin timeout to arrive.
        origins: {
          blue: { url: origins.url("blue"), timeoutMs: 1_000 },
          canary: { url: origins.url("canary"), timeoutMs: 1_000 },
        },
        retry: { safe, maxBodyBytes: 1_048_576 },
      };
      await router.put(doc);
      const path = `/${service}/predict`;
      const json = { "content-type": "application/json" };
      const statuses: string[] = [];
      const run = async (name: string, p: Promise<number>) => statuses.push(`${name}: ${await p}`);
      for (let i = 0; i < 3; i++) {
        const user = { ...json, "x-user-id": `bad-${i}` };
        await run(
          "abort",
          misbehave(path, { ...user, "content-length": "100" }, { kind: "abort", body: '{"a":' }),
        );
        await run(
          "half-close",
          misbehave(
            path,
            { ...user, "content-length": "100" },
            { kind: "half-close", body: '{"a":' },
          ),
        );
        await run(
          "framing",
          misbehave(
            path,
            { ...user, "transfer-encoding": "chunked" },
            // The chunk's data is not followed by CRLF.
            { kind: "raw", body: "3\r\n{}1XY\r\n0\r\n\r\n" },
          ),
        );
        await run(
          "trickle",
          misbehave(
            path,
            { ...user, "content-length": "8" },
            { kind: "trickle", body: '{"a":1} ', everyMs: 500 },
          ),
        );
      }
      // Whatever the router answered (when it could answer at all), it was a 4xx.
      for (const line of statuses) expect(line, statuses.join(", ")).toMatch(/: (0|4\d\d)$/);
      for (let i = 0; i < 5; i++) {
        const ok = await raw("POST", path, { ...json, "x-user-id": `ok-${i}` }, "{}");
        expect(ok.status).toBe(200);
      }
      const canary = await eventually(async () => {
        const arm = (await rolloutMetrics(service)).arms.canary;
        if (!arm || arm.requests < 5) throw new Error(`canary so far: ${JSON.stringify(arm)}`);
        return arm;
      });
      // Let any late check-in land before the exact comparison.
      await new Promise((r) => setTimeout(r, 500));
      expect((await rolloutMetrics(service)).arms.canary, statuses.join(", ")).toMatchObject({
        requests: 5,
        errors: 0,
        failovers: 0,
      });
      expect(canary.errors).toBe(0);
    }, 60_000);
  }
});

describe("an origin's own failure with a body is still the arm's", () => {
  it("a canary that hangs after reading the body is a timeout error of the canary, not the client's", async () => {
    const doc = {
      ...canaryDoc("hangs"),
      origins: {
        blue: { url: origins.url("blue") },
        canary: { url: origins.url("hanging"), timeoutMs: 300 },
      },
    };
    await router.put(doc);
    for (let i = 0; i < 3; i++) {
      const res = await raw(
        "POST",
        "/hangs/predict",
        { "content-type": "application/json", "x-user-id": `h-${i}` },
        JSON.stringify({ pad: "x".repeat(20_000) }),
      );
      expect(res.status).toBe(504);
    }
    const canary = await eventually(async () => {
      const arm = (await rolloutMetrics("hangs")).arms.canary;
      if (!arm || arm.requests < 3) throw new Error(`canary so far: ${JSON.stringify(arm)}`);
      return arm;
    });
    expect(canary).toMatchObject({ requests: 3, errors: 3 });
  });
});

describe("methods, loops and transport headers", () => {
  it("TRACE, TRACK and CONNECT are refused with 405 and an Allow header, never forwarded", async () => {
    await router.put(canaryDoc("methods"));
    const hits = () => [...origins.hits.values()].reduce((a, b) => a + b, 0);
    const before = hits();
    for (const method of ["TRACE", "TRACK"]) {
      const res = await new Promise<{ status: number; allow: string | undefined }>(
        (resolve, reject) => {
          const req = request(`${router.url}/methods/echo`, { method }, (r) => {
            r.resume();
            resolve({ status: r.statusCode ?? 0, allow: r.headers.allow });
          });
          req.on("error", reject);
          req.end();
        },
      );
      // workerd answers TRACK (a method it does not know) 501 itself, before the Worker runs.
      if (method === "TRACK") expect(res.status).toBe(501);
      else
        expect(res, method).toEqual({
          status: 405,
          allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
        });
    }
    expect(hits()).toBe(before);
  });

  it("a document whose origin is the router itself answers 508 after one hop instead of looping", async () => {
    const doc = {
      service: "loop",
      version: 1,
      updatedAt: new Date().toISOString(),
      updatedBy: "test",
      origins: { blue: { url: `${router.url}/loop` } },
      live: "blue",
    };
    await router.put(doc);
    const res = await raw("POST", "/loop/predict", { "x-user-id": "u" }, "{}");
    expect(res.status).toBe(508);
    expect(JSON.parse(res.body)).toMatchObject({ error: "loop_detected" });
    // One client request was one routed request: the inner one was refused before it counted.
    const live = await eventually(async () => {
      const arm = (await rolloutMetrics("loop")).arms.blue;
      if (!arm) throw new Error("no metrics yet");
      return arm;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await rolloutMetrics("loop")).arms.blue).toMatchObject({ requests: 1 });
    expect(live.requests).toBe(1);
  });
});
