import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeDoc, predict, putDoc } from "./support.ts";

// Everyone in the canary (100%), so every request tries the bad origin first.
const failingCanary = (origin: string, safe: boolean, live = "blue") =>
  makeDoc("fo", { live, canary: { origin, shareBp: 10_000, salt: "fo" }, retry: { safe } });

afterEach(() => vi.restoreAllMocks());

describe("failover to live", () => {
  for (const [origin, kind] of [
    ["failing", "status-5xx"],
    ["hanging", "timeout"],
    ["closed", "connection"],
    ["reset", "connection"],
  ] as const) {
    it(`a ${origin} canary (${kind}) is retried once on live when requests are safe to retry`, async () => {
      const spy = vi.spyOn(env.ROUTER_EVENTS, "writeDataPoint");
      await putDoc(failingCanary(origin, true));
      const res = await predict("fo", { user: "u1" });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-model-variant")).toBe("blue");
      expect(((await res.json()) as { model_version: string }).model_version).toBe("v1-blue");
      const point = spy.mock.calls.at(-1)?.[0];
      expect(point?.blobs?.slice(0, 7)).toEqual([
        "request",
        "fo",
        "blue",
        "live",
        "failover",
        "header",
        kind,
      ]);
      expect(point?.doubles?.[3]).toBe(1);
    });
  }

  it("without retry.safe the canary's 5xx is returned as the origin sent it", async () => {
    await putDoc(failingCanary("failing", false));
    const res = await predict("fo", { user: "u1" });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-model-variant")).toBe("failing");
    expect(await res.json()).toMatchObject({ error: "model crashed" });
  });

  it("a hanging live origin answers 504 JSON after its timeout, naming no URL", async () => {
    await putDoc(makeDoc("fo", { live: "hanging" }));
    const res = await predict("fo", { user: "u1" });
    expect(res.status).toBe(504);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      error: "origin_timeout",
      service: "fo",
      variant: "hanging",
    });
    expect(text).not.toContain("127.0.0.1");
  });

  it("an unreachable live origin answers 502 JSON", async () => {
    await putDoc(makeDoc("fo", { live: "closed" }));
    const res = await predict("fo", { user: "u1" });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: "origin_unavailable", variant: "closed" });
  });

  it("garbage from an origin is passed through untouched (the router does not parse answers)", async () => {
    await putDoc(makeDoc("fo", { live: "garbage" }));
    const res = await predict("fo", { user: "u1" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("<html>definitely not json");
  });
});
