import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { controlOf } from "../../src/adapters/durable-object/control-client.ts";
import { KvRoutingStore } from "../../src/adapters/kv/routing-store.ts";
import { makeDoc, predict, putDoc, variantOf } from "./support.ts";

/**
 * The service's control object writes :last-good when it first sees a
 * version (its import, a raw put it adopts, a write through it); a read
 * through it makes it look at KV now.
 */
async function controlSees(service: string): Promise<void> {
  await controlOf(env.CONTROL, service).texts(service);
}

/** The :last-good copy appears once the control object has seen the version. */
async function waitForLastGood(service: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await env.ROUTING.get(`service:${service}:last-good`)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no last-good copy of ${service}`);
}

const store = (now: () => number, memoTtlMs = 5_000) =>
  new KvRoutingStore(env.ROUTING, { memoTtlMs, cacheTtlSeconds: 30, now, log: () => {} });

/** Runs `load` with a real ExecutionContext and waits for its background work. */
async function load(s: KvRoutingStore, service: string) {
  const ctx = createExecutionContext();
  const result = await s.load(service, (p) => ctx.waitUntil(p));
  await waitOnExecutionContext(ctx);
  return result;
}

describe("bad documents never take traffic down", () => {
  it("keeps serving the last good document when the stored one is not JSON", async () => {
    await putDoc(makeDoc("bad-json", { live: "green" }));
    expect((await predict("bad-json", { user: "u" })).headers.get("x-model-variant")).toBe("green");
    await env.ROUTING.put("service:bad-json", "{ this is not json");
    const res = await predict("bad-json", { user: "u" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-variant")).toBe("green");
  });

  it("keeps serving the last good document when the stored one fails the schema", async () => {
    await putDoc(makeDoc("bad-schema", { live: "green" }));
    await (await predict("bad-schema", { user: "u" })).arrayBuffer();
    const broken = makeDoc("bad-schema", { live: "blue" }) as Record<string, unknown>;
    broken.challengers = [{ origin: "canary", startBp: 0, shareBp: 20_000 }];
    await putDoc(JSON.stringify(broken));
    const res = await predict("bad-schema", { user: "u" });
    expect(res.headers.get("x-model-variant")).toBe("green");
  });

  it("a fresh isolate with a broken document falls back to the :last-good copy in KV", async () => {
    const clock = () => 0;
    await putDoc(makeDoc("fresh", { live: "green" }));
    const first = await load(store(clock), "fresh");
    expect(first).toMatchObject({ status: "ok", source: "kv" });
    await controlSees("fresh");
    expect(await env.ROUTING.get("service:fresh:last-good")).toContain('"live":"green"');

    await env.ROUTING.put("service:fresh", "garbage");
    const second = await load(store(clock), "fresh"); // a new store = a new isolate
    expect(second).toMatchObject({ status: "ok", source: "last-good" });
    if (second.status === "ok") expect(second.doc.live).toBe("green");
  });

  it("a service that never had a good document answers a generic 503; the field errors go to the log and the admin API", async () => {
    await env.ROUTING.put(
      "service:never-good",
      JSON.stringify({ service: "never-good", version: 1, origins: { blue: { url: "x" } } }),
    );
    const logged = vi.spyOn(console, "error");
    const res = await predict("never-good", { user: "u" });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: "invalid_routing_document",
      message: 'routing for "never-good" is not available',
      service: "never-good",
    });
    // Nothing of the document reaches the client.
    expect(text).not.toMatch(/origins|live|url/);
    expect(logged.mock.calls.flat().join("\n")).toMatch(/routing document rejected.*origins/);
    logged.mockRestore();
    const admin = await SELF.fetch("http://router.test/_router/admin/services/never-good", {
      headers: { authorization: "Bearer test-admin-token-at-least-32-bytes" },
    });
    expect(JSON.stringify(await admin.json())).toMatch(/"path":"live"/);
  });

  it("refuses a document stored under another service's key", async () => {
    await env.ROUTING.put("service:wrong-key", JSON.stringify(makeDoc("other")));
    const res = await predict("wrong-key", { user: "u" });
    expect(res.status).toBe(503);
  });
});

describe("a deleted document", () => {
  it("keeps serving the last good copy, loudly, and the health endpoint flags it", async () => {
    await putDoc(makeDoc("deleted", { live: "green" }));
    expect(await variantOf(await predict("deleted", { user: "u" }))).toBe("green");
    await waitForLastGood("deleted");
    await env.ROUTING.delete("service:deleted");
    const res = await predict("deleted", { user: "u" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-variant")).toBe("green");
    const health = (await (await SELF.fetch("http://router.test/_router/health")).json()) as {
      store: { fallbacks: { service: string; reason: string }[] };
    };
    expect(health.store.fallbacks).toContainEqual(
      expect.objectContaining({ service: "deleted", reason: "deleted" }),
    );
  });

  it("a fresh isolate serves the :last-good copy of a deleted document from its second memo period", async () => {
    await putDoc(makeDoc("deleted-fresh", { live: "green" }));
    await load(
      store(() => 0),
      "deleted-fresh",
    );
    await controlSees("deleted-fresh"); // writes :last-good
    await env.ROUTING.delete("service:deleted-fresh");
    let now = 0;
    const fresh = store(() => now);
    // The first read finds no document and does not read :last-good in the
    // same period (an unknown name costs one read per period)...
    expect(await load(fresh, "deleted-fresh")).toEqual({ status: "missing" });
    expect(fresh.stats().kvReads).toBe(1);
    // ...the next read, a period on, looks there: a real service, so its document is read too.
    now += 5_000;
    const result = await load(fresh, "deleted-fresh");
    expect(result).toMatchObject({ status: "ok", source: "last-good", fallback: "deleted" });
    if (result.status === "ok") expect(result.doc.live).toBe("green");
    expect(fresh.stats().kvReads).toBe(3);
  });

  it("a service with neither document nor last-good copy answers 503 no_routing_document", async () => {
    const res = await predict("never-written", { user: "u" });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "no_routing_document" });
  });
});

describe("documents from the control object", () => {
  it("a confirmation renews the memo (no KV read); an offered document is routed by at once", async () => {
    let now = 1_000;
    const s = store(() => now, 5_000);
    const v1 = makeDoc("pushed", { live: "blue" });
    await putDoc(v1);
    await load(s, "pushed");
    now += 60_000; // far past the bound, but the object confirmed it meanwhile
    s.confirm("pushed", s.revision("pushed"), now);
    expect(await load(s, "pushed")).toMatchObject({ doc: { live: "blue" } });
    expect(s.stats().kvReads).toBe(1);
    s.offer("pushed", JSON.stringify(makeDoc("pushed", { live: "green" })), now);
    expect(await load(s, "pushed")).toMatchObject({ source: "control", doc: { live: "green" } });
    expect(s.stats().kvReads).toBe(1);
  });

  it("a KV read that was under way when the object sent a newer document does not undo it", async () => {
    let now = 1_000;
    const s = store(() => now, 5_000);
    await putDoc(makeDoc("raced", { live: "blue" }));
    await load(s, "raced");
    now += 6_000; // past the TTL: the next load starts a background KV read
    const ctx = createExecutionContext();
    await s.load("raced", (p) => ctx.waitUntil(p));
    // While that read is in flight, the object pushes a newer version (KV still has the old one).
    s.offer("raced", JSON.stringify(makeDoc("raced", { live: "green" })), now);
    await waitOnExecutionContext(ctx);
    expect(await load(s, "raced")).toMatchObject({ source: "control", doc: { live: "green" } });
  });

  it("a KV read never replaces the object's document with a lower version", async () => {
    let now = 1_000;
    const s = store(() => now, 5_000);
    const old = makeDoc("lagging", { live: "blue" });
    await putDoc(old);
    await load(s, "lagging");
    s.offer("lagging", JSON.stringify(makeDoc("lagging", { live: "green" })), now);
    now += 60_000; // check-ins stopped: the memo falls back to KV, which lags
    expect(await load(s, "lagging")).toMatchObject({ doc: { live: "green" } });
  });
});

describe("memo", () => {
  it("reads KV once per TTL, then serves stale while one background refresh runs", async () => {
    let now = 1_000;
    const s = store(() => now, 5_000);
    await putDoc(makeDoc("memo", { live: "blue" }));
    expect(await load(s, "memo")).toMatchObject({ status: "ok", doc: { live: "blue" } });
    expect(s.stats().kvReads).toBe(1);

    await putDoc(makeDoc("memo", { live: "green" }));
    now += 4_000; // inside the TTL: no read, old value
    expect(await load(s, "memo")).toMatchObject({ doc: { live: "blue" } });
    expect(s.stats().kvReads).toBe(1);

    now += 2_000; // past the TTL: stale answer now, refresh in the background
    expect(await load(s, "memo")).toMatchObject({ doc: { live: "blue" } });
    expect(s.stats().kvReads).toBe(2);
    expect(await load(s, "memo")).toMatchObject({ doc: { live: "green" } });

    now += 120_000; // far past maxStale: the request waits for a fresh read
    await putDoc(makeDoc("memo", { live: "blue" }));
    expect(await load(s, "memo")).toMatchObject({ doc: { live: "blue" } });
  });

  it("a burst after an idle spell costs one KV read and is routed by the new document", async () => {
    let now = 0;
    const s = store(() => now, 5_000);
    await putDoc(makeDoc("burst", { live: "blue" }));
    await load(s, "burst");
    await putDoc(makeDoc("burst", { live: "green" }));
    now = 60_000; // far past the bound (2 x TTL): nobody may be served the memo
    const ctx = createExecutionContext();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => s.load("burst", (p) => ctx.waitUntil(p))),
    );
    await waitOnExecutionContext(ctx);
    expect(s.stats().kvReads).toBe(2);
    // Every request waited for that one read.
    expect(results.map((r) => (r.status === "ok" ? r.doc.live : r.status))).toEqual(
      Array(20).fill("green"),
    );
  });

  it("a burst into a cold isolate (nothing memoized) costs one KV read too", async () => {
    const s = store(() => 0, 5_000);
    await putDoc(makeDoc("burst-cold", { live: "green" }));
    const ctx = createExecutionContext();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => s.load("burst-cold", (p) => ctx.waitUntil(p))),
    );
    await waitOnExecutionContext(ctx);
    expect(s.stats().kvReads).toBe(1);
    expect(results.map((r) => (r.status === "ok" ? r.doc.live : r.status))).toEqual(
      Array(20).fill("green"),
    );
  });

  it("within the bound a burst keeps the memo while one background read runs", async () => {
    let now = 0;
    const s = store(() => now, 5_000);
    await putDoc(makeDoc("burst-fresh", { live: "blue" }));
    await load(s, "burst-fresh");
    await putDoc(makeDoc("burst-fresh", { live: "green" }));
    now = 7_000; // past the TTL, within 2 x TTL
    const ctx = createExecutionContext();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => s.load("burst-fresh", (p) => ctx.waitUntil(p))),
    );
    await waitOnExecutionContext(ctx);
    expect(s.stats().kvReads).toBe(2);
    expect(results.every((r) => r.status === "ok" && r.doc.live === "blue")).toBe(true);
    expect(await load(s, "burst-fresh")).toMatchObject({ doc: { live: "green" } });
  });

  it("a killed canary gets no request after an idle spell, on the real clock", async () => {
    const ttl = 100;
    const s = new KvRoutingStore(env.ROUTING, {
      memoTtlMs: ttl,
      cacheTtlSeconds: 30,
      log: () => {},
    });
    const canary = { origin: "canary", shareBp: 10_000, salt: "idle", killed: false };
    await putDoc(makeDoc("idle-kill", { canary }));
    expect(await load(s, "idle-kill")).toMatchObject({ doc: { canary: { killed: false } } });
    await putDoc(makeDoc("idle-kill", { canary: { ...canary, killed: true } }));
    await new Promise((r) => setTimeout(r, 2 * ttl + 50)); // the isolate idles past the bound
    const ctx = createExecutionContext();
    const results = await Promise.all(
      Array.from({ length: 16 }, () => s.load("idle-kill", (p) => ctx.waitUntil(p))),
    );
    await waitOnExecutionContext(ctx);
    const killed = results.map((r) => r.status === "ok" && r.doc.canary?.killed === true);
    expect(killed).toEqual(Array(16).fill(true));
    expect(s.stats().kvReads).toBe(2);
  });

  it("remembers missing documents too, bounded apart: made-up names evict no document", async () => {
    const s = new KvRoutingStore(env.ROUTING, {
      memoTtlMs: 5_000,
      cacheTtlSeconds: 30,
      maxEntries: 3,
      maxAbsent: 3,
      now: () => 0,
      log: () => {},
    });
    await putDoc(makeDoc("real-1"));
    await load(s, "real-1");
    for (const name of ["m1", "m2", "m3", "m4", "m5"]) {
      expect(await load(s, name)).toEqual({ status: "missing" });
    }
    expect(s.stats()).toMatchObject({ services: 1, absent: 3 });
    const reads = s.stats().kvReads; // 1 + 5 x the document
    expect(reads).toBe(6);
    await load(s, "m5");
    await load(s, "real-1");
    expect(s.stats().kvReads).toBe(reads);
  });
});

describe("unknown service names (a bill attack: every made-up name used to cost 2 KV reads)", () => {
  /** The real binding, with every read counted (what KV bills: one per key read). */
  function countingKv(): { kv: KVNamespace; reads: () => number; keys: string[] } {
    const keys: string[] = [];
    const kv = {
      get: (key: string, options: KVNamespaceGetOptions<"text">) => {
        keys.push(key);
        return env.ROUTING.get(key, options);
      },
    } as unknown as KVNamespace;
    return { kv, reads: () => keys.length, keys };
  }
  const storeOver = (kv: KVNamespace, now: () => number, maxAbsent?: number) =>
    new KvRoutingStore(kv, {
      memoTtlMs: 5_000,
      cacheTtlSeconds: 30,
      now,
      log: () => {},
      ...(maxAbsent === undefined ? {} : { maxAbsent }),
    });
  const names = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => `${prefix}-${i.toString(36)}`);

  it("200 requests for 200 made-up names cost at most one KV read each; repeats in the interval none", async () => {
    const { kv, reads } = countingKv();
    let now = 0;
    const s = storeOver(kv, () => now);
    for (const name of names(200, "made-up")) {
      expect(await load(s, name)).toEqual({ status: "missing" });
    }
    expect(reads()).toBeLessThanOrEqual(200);
    expect(s.stats().kvReads).toBe(reads());
    const after = reads();
    now += 4_999; // still inside the interval: the same names again cost nothing
    for (const name of names(200, "made-up")) {
      expect(await load(s, name)).toEqual({ status: "missing" });
    }
    expect(reads()).toBe(after);
  });

  it("a name asked for again every interval costs one read per interval", async () => {
    const { kv, reads } = countingKv();
    let now = 0;
    const s = storeOver(kv, () => now);
    for (let interval = 0; interval < 6; interval++) {
      const ctx = createExecutionContext();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => s.load("hammered", (p) => ctx.waitUntil(p))),
      );
      await waitOnExecutionContext(ctx);
      expect(results).toEqual(Array(10).fill({ status: "missing" }));
      expect(reads()).toBe(interval + 1);
      now += 5_000;
    }
  });

  it("alternates: document, then :last-good a period on, then the document again", async () => {
    const { kv, keys } = countingKv();
    let now = 0;
    const s = storeOver(kv, () => now);
    for (let i = 0; i < 4; i++) {
      expect(await load(s, "alternating")).toEqual({ status: "missing" });
      now += 5_000;
    }
    expect(keys).toEqual([
      "service:alternating",
      "service:alternating:last-good",
      "service:alternating",
      "service:alternating:last-good",
    ]);
  });

  it("a service created after its name was asked for is routed within one period (through the control object)", async () => {
    let now = 0;
    const s = store(() => now);
    expect(await load(s, "created-later")).toEqual({ status: "missing" });
    const put = await SELF.fetch("http://router.test/_router/admin/services/created-later", {
      method: "PUT",
      headers: {
        authorization: "Bearer test-admin-token-at-least-32-bytes",
        "content-type": "application/json",
      },
      body: JSON.stringify(makeDoc("created-later", { live: "green" })),
    });
    expect(put.status).toBeLessThan(300);
    await waitForLastGood("created-later"); // the object writes the document and :last-good
    now += 4_999;
    expect(await load(s, "created-later")).toEqual({ status: "missing" }); // the negative cache
    now += 1;
    expect(await load(s, "created-later")).toMatchObject({
      status: "ok",
      source: "kv",
      doc: { live: "green" },
    });
    expect(s.stats().fallbacks).toEqual([]);
  });

  it("a service created by a raw KV put (no :last-good) is routed within two periods", async () => {
    let now = 0;
    const s = store(() => now);
    expect(await load(s, "raw-later")).toEqual({ status: "missing" });
    await putDoc(makeDoc("raw-later", { live: "green" }));
    now += 5_000; // this period's read looks for :last-good: none yet
    expect(await load(s, "raw-later")).toEqual({ status: "missing" });
    now += 5_000; // and this one at the document
    expect(await load(s, "raw-later")).toMatchObject({ status: "ok", doc: { live: "green" } });
  });

  it("the negative cache is bounded: 10,000 distinct names keep at most 1,000, most recently used first", async () => {
    const { kv } = countingKv();
    const now = 0;
    const s = storeOver(kv, () => now);
    await load(s, "typo-0"); // a misconfigured client that keeps asking
    const all = names(10_000, "flood");
    for (let i = 0; i < all.length; i += 250) {
      const ctx = createExecutionContext();
      await Promise.all(all.slice(i, i + 250).map((n) => s.load(n, (p) => ctx.waitUntil(p))));
      await waitOnExecutionContext(ctx);
      await load(s, "typo-0"); // used again: stays cached (LRU), no read
      expect(s.stats().absent).toBeLessThanOrEqual(1_000);
    }
    expect(s.stats()).toMatchObject({ services: 0, absent: 1_000 });
    const before = s.stats().kvReads;
    await load(s, "typo-0");
    expect(s.stats().kvReads).toBe(before);
  });
});

describe("KV outages", () => {
  it("keeps serving the memoized document, and backs off instead of reading on every request", async () => {
    await putDoc(makeDoc("outage", { live: "green" }));
    let failing = false;
    let reads = 0;
    // The real binding, made to fail on demand (KV itself cannot be taken down in a test).
    const flaky = {
      get: (key: string, options: KVNamespaceGetOptions<"text">) => {
        reads++;
        if (failing) return Promise.reject(new Error("KV unavailable"));
        return env.ROUTING.get(key, options);
      },
      put: (key: string, value: string) => env.ROUTING.put(key, value),
    } as unknown as KVNamespace;
    let now = 0;
    const s = new KvRoutingStore(flaky, {
      memoTtlMs: 5_000,
      cacheTtlSeconds: 30,
      now: () => now,
      log: () => {},
    });
    expect(await load(s, "outage")).toMatchObject({ status: "ok", doc: { live: "green" } });

    failing = true;
    now = 60_000; // far past the memo: this request waits for a read, which fails
    expect(await load(s, "outage")).toMatchObject({ status: "ok", doc: { live: "green" } });
    const afterFailure = reads;
    now += 1_000; // within the back-off: served from the memo, no read
    expect(await load(s, "outage")).toMatchObject({ doc: { live: "green" } });
    expect(reads).toBe(afterFailure);
  });

  it("a service never loaded answers with the error while KV is down", async () => {
    const down = {
      get: () => Promise.reject(new Error("KV unavailable")),
    } as unknown as KVNamespace;
    const s = new KvRoutingStore(down, { memoTtlMs: 5_000, cacheTtlSeconds: 30, log: () => {} });
    await expect(load(s, "nothing")).rejects.toThrow(/KV unavailable/);
  });
});
