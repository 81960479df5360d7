import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decide } from "../../src/core/routing/decide.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { makeDoc, predict, putDoc, users, variantOf } from "./support.ts";

/** Each user's variant, asked 8 users at a time (one at a time left the isolate idle between requests). */
const variantsFor = async (service: string, ids: string[]) => {
  const out = new Map<string, string | null>();
  let next = 0;
  const ask = async () => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      out.set(id, await variantOf(await predict(service, { user: id })));
    }
  };
  await Promise.all(Array.from({ length: 8 }, ask));
  return out;
};

describe("blue-green", () => {
  it("serves live, and one KV write flips every next request to green and back", async () => {
    await putDoc(makeDoc("bg"));
    const res = await predict("bg", { user: "alice" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-variant")).toBe("blue");
    expect(((await res.json()) as { model_version: string }).model_version).toBe("v1-blue");

    await putDoc(makeDoc("bg", { live: "green" }));
    for (const id of users(20))
      expect(await variantOf(await predict("bg", { user: id }))).toBe("green");

    await putDoc(makeDoc("bg", { live: "blue" }));
    expect(await variantOf(await predict("bg", { user: "alice" }))).toBe("blue");
  });

  it("keeps several services apart, each with its own document", async () => {
    await putDoc(makeDoc("svc-a", { live: "blue" }));
    await putDoc(makeDoc("svc-b", { live: "green" }));
    expect(await variantOf(await predict("svc-a", { user: "u" }))).toBe("blue");
    expect(await variantOf(await predict("svc-b", { user: "u" }))).toBe("green");
  });

  it("matches a service by host (HOST_SERVICES) and forwards the whole path", async () => {
    await putDoc(makeDoc("hosted", { live: "green" }));
    const res = await SELF.fetch("http://scoring.test/echo/deep?x=1");
    expect(res.headers.get("x-model-variant")).toBe("green");
    expect(await res.json()).toMatchObject({ path: "/echo/deep", query: "?x=1" });
  });
});

describe("canary through the worker", () => {
  const ids = users(300, "ramp");
  const canaryDoc = (shareBp: number, killed = false) =>
    makeDoc("ramp", { canary: { origin: "canary", shareBp, salt: "ramp-salt", killed } });

  it("routes exactly the users the core assigns, keeps them through a ramp, and kill sends all to live", async () => {
    let previous = new Set<string>();
    for (const shareBp of [100, 500, 1000, 3000]) {
      const doc = canaryDoc(shareBp);
      await putDoc(doc);
      const parsed = validateRoutingDocument(doc);
      if (!parsed.ok) throw new Error("bad doc");
      const seen = await variantsFor("ramp", ids);
      const inCanary = new Set([...seen].filter(([, v]) => v === "canary").map(([id]) => id));
      for (const id of ids) expect(seen.get(id)).toBe(decide(parsed.doc, { userId: id }).origin);
      for (const id of previous) expect(inCanary.has(id)).toBe(true);
      previous = inCanary;
    }
    expect(previous.size).toBeGreaterThan(50);

    await putDoc(canaryDoc(3000, true));
    expect(new Set((await variantsFor("ramp", ids)).values())).toEqual(new Set(["blue"]));
    await putDoc(canaryDoc(0));
    expect(new Set((await variantsFor("ramp", ids)).values())).toEqual(new Set(["blue"]));
  });
});

describe("champion-challenger through the worker", () => {
  it("gives each challenger its fixed slice and the champion the rest", async () => {
    const doc = makeDoc("cc", {
      challengerSalt: "cc-salt",
      challengers: [
        { origin: "challenger-a", startBp: 0, shareBp: 2000 },
        { origin: "challenger-b", startBp: 2000, shareBp: 1000 },
      ],
    });
    await putDoc(doc);
    const parsed = validateRoutingDocument(doc);
    if (!parsed.ok) throw new Error("bad doc");
    const seen = await variantsFor("cc", users(300, "cc"));
    for (const [id, v] of seen) expect(v).toBe(decide(parsed.doc, { userId: id }).origin);
    const counts = new Map<string, number>();
    for (const v of seen.values()) counts.set(v ?? "", (counts.get(v ?? "") ?? 0) + 1);
    expect(counts.get("challenger-a")).toBeGreaterThan(30);
    expect(counts.get("challenger-b")).toBeGreaterThan(10);
    expect(counts.get("blue")).toBeGreaterThan(150);
  });
});

describe("documents that are missing", () => {
  it("answers 503 with a JSON error naming the service", async () => {
    const res = await predict("nothing-here", { user: "u" });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: "no_routing_document",
      service: "nothing-here",
    });
  });

  it("answers 404 unknown_service for /_router paths no endpoint claims, and for look-alikes", async () => {
    // /_router and below go to the Hono app (whose fallback routes them like
    // any request), everything else straight to the request path: both
    // refuse a name no service can have, with the same JSON.
    for (const path of [
      "/_router",
      "/_router/",
      "/_router/nope",
      "/_routers/predict",
      "/_Router/x",
    ]) {
      const res = await SELF.fetch(`http://router.test${path}`, { method: "POST", body: "{}" });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
      expect(await res.json(), path).toMatchObject({ error: "unknown_service" });
    }
  });

  it("answers 404 for a path that names no service", async () => {
    const res = await SELF.fetch("http://router.test/");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "unknown_service" });
  });
});
