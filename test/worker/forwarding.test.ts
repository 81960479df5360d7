import { env, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeDoc, putDoc } from "./support.ts";

afterEach(() => vi.restoreAllMocks());

interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body_length: number;
}

describe("header hygiene and forwarding", () => {
  it("forwards method, path, query, headers and body; strips hop-by-hop and override headers", async () => {
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("https://router.test/fwd/echo/a/b?q=1&r=%20x", {
      method: "PUT",
      headers: {
        "x-user-id": "u1",
        "x-custom": "kept",
        connection: "keep-alive, x-drop-me",
        "keep-alive": "timeout=5",
        "x-drop-me": "listed in Connection",
        "proxy-authorization": "secret",
        te: "trailers",
        "x-router-override-token": "should-never-reach-origin",
        "cf-connecting-ip": "203.0.113.7",
      },
      body: "raw body bytes",
    });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({
      method: "PUT",
      path: "/echo/a/b",
      query: "?q=1&r=%20x",
      body_length: 14,
    });
    expect(echo.headers["x-custom"]).toBe("kept");
    expect(echo.headers["x-user-id"]).toBe("u1");
    for (const h of [
      "keep-alive",
      "x-drop-me",
      "proxy-authorization",
      "te",
      "x-router-override-token",
    ]) {
      expect(echo.headers[h], h).toBeUndefined();
    }
    expect(echo.headers["x-forwarded-for"]).toBe("203.0.113.7");
    expect(echo.headers["x-forwarded-proto"]).toBe("https");
    expect(echo.headers["x-forwarded-host"]).toBe("router.test");
  });

  it("adds x-model-variant and Server-Timing with the router's and the origin's durations", async () => {
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("http://router.test/fwd/health");
    await res.arrayBuffer();
    expect(res.headers.get("x-model-variant")).toBe("blue");
    expect(res.headers.get("server-timing")).toMatch(
      /^router;dur=\d+\.\d, origin;dur=\d+\.\d;desc="blue"$/,
    );
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("rewrites a redirect to the origin's own URL to the router's path", async () => {
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("http://router.test/fwd/redirect", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/fwd/health");
  });

  it("writes one Analytics Engine data point per routed request", async () => {
    const spy = vi.spyOn(env.ROUTER_EVENTS, "writeDataPoint");
    await putDoc(makeDoc("fwd"));
    const res = await SELF.fetch("http://router.test/fwd/health", {
      headers: { "x-user-id": "u9" },
    });
    await res.arrayBuffer();
    expect(spy).toHaveBeenCalledTimes(1);
    const point = spy.mock.calls[0]?.[0];
    expect(point?.indexes).toEqual(["fwd"]);
    expect(point?.blobs).toEqual(["request", "fwd", "blue", "live", "live", "header", "", "2xx"]);
    expect(point?.doubles?.[0]).toBe(200);
  });

  it("counts requests without an identity", async () => {
    const spy = vi.spyOn(env.ROUTER_EVENTS, "writeDataPoint");
    await putDoc(makeDoc("fwd"));
    await (await SELF.fetch("http://router.test/fwd/health")).arrayBuffer();
    expect(spy.mock.calls[0]?.[0]?.blobs?.slice(3, 6)).toEqual(["live", "no-identity", "none"]);
  });
});

describe("authenticated override of the origin", () => {
  const get = (headers: Record<string, string>) =>
    SELF.fetch("http://router.test/ovr/echo", { headers: { "x-user-id": "u1", ...headers } });

  it("reaches the idle origin with the right token, and strips both headers", async () => {
    await putDoc(makeDoc("ovr"));
    const res = await get({
      "x-router-override": "green",
      "x-router-override-token": "test-override-token",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-variant")).toBe("green");
    const echo = (await res.json()) as Echo;
    expect(echo.headers["x-router-override"]).toBeUndefined();
    expect(echo.headers["x-router-override-token"]).toBeUndefined();
  });

  it("refuses an override without a token (401) or with a wrong one (403)", async () => {
    await putDoc(makeDoc("ovr"));
    const missing = await get({ "x-router-override": "green" });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: "override_unauthenticated",
      service: "ovr",
    });
    const wrong = await get({ "x-router-override": "green", "x-router-override-token": "guess" });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: "override_forbidden" });
  });

  it("refuses an override to an origin the service does not have (400)", async () => {
    await putDoc(makeDoc("ovr"));
    const res = await get({
      "x-router-override": "purple",
      "x-router-override-token": "test-override-token",
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: "override_unknown_origin" });
    expect(text).not.toContain("127.0.0.1");
  });

  it("a token alone changes nothing", async () => {
    await putDoc(makeDoc("ovr"));
    const res = await get({ "x-router-override-token": "test-override-token" });
    expect(res.headers.get("x-model-variant")).toBe("blue");
  });
});
