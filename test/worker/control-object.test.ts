/**
 * The service control object itself (src/control/service-control.ts), on
 * real workerd with real SQLite storage, real alarms and real local KV:
 * check-in answers, exact and idempotent metrics (also across an eviction
 * of the object), the compare-and-swap, adoption of raw KV puts, and what
 * an isolate's link does while the object cannot be reached.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  CheckInLink,
  type HeldDocuments,
} from "../../src/adapters/durable-object/check-in-link.ts";
import {
  ControlServiceStore,
  controlOf,
  controlReaders,
} from "../../src/adapters/durable-object/control-client.ts";
import type { CheckIn, DeltaBatch } from "../../src/adapters/durable-object/protocol.ts";
import { ControlUnavailableError } from "../../src/app/errors.ts";
import { checkInInterval, tuningFrom } from "../../src/control/tuning.ts";
import { emptyHistogram } from "../../src/core/histogram.ts";
import { revisionOf } from "../../src/core/rollout/request-metrics.ts";
import {
  emptySeenUsers,
  emptyUserSums,
  seenBits,
  total,
  userBucketOf,
} from "../../src/core/rollout/user-sums.ts";
import { documentText } from "../../src/document/edits/stored-service.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { createApp } from "../../src/http/app.ts";
import { depsFor } from "../../src/index.ts";
import { makeDoc, putDoc } from "./support.ts";

function valid(service: string, over = {}): RoutingDocument {
  const parsed = validateRoutingDocument(makeDoc(service, over));
  if (!parsed.ok) throw new Error("test document invalid");
  return parsed.doc;
}

function batch(seq: number, doc: RoutingDocument, requests: number): DeltaBatch {
  return {
    seq,
    metrics: [
      {
        service: doc.service,
        version: doc.version,
        revision: revisionOf(doc),
        arms: {
          blue: {
            requests,
            errors: 1,
            failovers: 0,
            latencyMs: emptyHistogram(),
            users: emptyUserSums(),
            seen: emptySeenUsers(),
          },
        },
        identified: { live: requests },
        firstAt: 1,
        lastAt: 2,
      },
    ],
    shadow: [],
    records: [],
  };
}

const checkIn = (c: CheckIn) => controlOf(env.CONTROL, c.service).checkIn(JSON.stringify(c));

describe("check-ins", () => {
  it("an isolate without the current revision gets the document; with it, 'current'", async () => {
    const doc = valid("ctl-answer");
    await putDoc(doc);
    const first = await checkIn({
      service: "ctl-answer",
      isolate: "i1",
      revision: null,
      batches: [],
    });
    expect(first.version).toBe(doc.version);
    expect(JSON.parse(first.document ?? "null")).toMatchObject({ service: "ctl-answer" });
    const again = await checkIn({
      service: "ctl-answer",
      isolate: "i1",
      revision: revisionOf(doc),
      batches: [],
    });
    expect(again).toMatchObject({ version: doc.version, document: null });
    expect(again.intervalMs).toBeGreaterThanOrEqual(100);
  });

  it("never pushes an older document to an isolate that read a higher version from KV", async () => {
    const doc = valid("ctl-ahead");
    await putDoc(doc);
    await checkIn({ service: "ctl-ahead", isolate: "i1", revision: null, batches: [] });
    const answer = await checkIn({
      service: "ctl-ahead",
      isolate: "i2",
      revision: `${doc.version + 5}@1`,
      batches: [],
    });
    expect(answer.document).toBeNull();
  });

  it("counts a batch once, however often it is re-sent, and exactly across isolates", async () => {
    const doc = valid("ctl-exact");
    await putDoc(doc);
    const s = "ctl-exact";
    await checkIn({ service: s, isolate: "a", revision: null, batches: [batch(1, doc, 10)] });
    // The answer was lost: the isolate re-sends batch 1 with its next one.
    await checkIn({
      service: s,
      isolate: "a",
      revision: null,
      batches: [batch(1, doc, 10), batch(2, doc, 5)],
    });
    await checkIn({ service: s, isolate: "b", revision: null, batches: [batch(1, doc, 7)] });
    const m = await controlReaders(env.CONTROL).metrics.read(doc);
    expect(m.arms.blue).toMatchObject({ requests: 22, errors: 3 });
    expect(m.identified.live).toBe(22);
  });

  it("an evicted object loses nothing: unflushed batches come back from the isolates and count once", async () => {
    const doc = valid("ctl-evict");
    await putDoc(doc);
    const s = "ctl-evict";
    const stub = env.CONTROL.get(env.CONTROL.idFromName(s));
    const a1 = await checkIn({
      service: s,
      isolate: "a",
      revision: null,
      batches: [batch(1, doc, 10)],
    });
    // Within the flush interval: batch 2 is held in memory, not acknowledged yet.
    const a2 = await checkIn({
      service: s,
      isolate: "a",
      revision: null,
      batches: [batch(2, doc, 5)],
    });
    expect(a1.acked).toBe(1);
    expect(a2.acked).toBe(1);
    await evictDurableObject(stub);
    // The isolate still holds batch 2 (unacknowledged) and re-sends it.
    await checkIn({
      service: s,
      isolate: "a",
      revision: null,
      batches: [batch(2, doc, 5), batch(3, doc, 1)],
    });
    const m = await controlReaders(env.CONTROL).metrics.read(doc);
    expect(m.arms.blue?.requests).toBe(16);
  });

  it("the interval grows with the number of isolates, so one object stays under its budget", () => {
    const t = tuningFrom({ CHECKIN_INTERVAL_MS: "2000", CONTROL_MAX_CHECKINS_PER_SECOND: "500" });
    expect(checkInInterval(t, 10)).toBe(2_000);
    expect(checkInInterval(t, 1_000)).toBe(2_000);
    expect(checkInInterval(t, 10_000)).toBe(20_000);
  });
});

describe("writes", () => {
  it("is a compare-and-swap: of two writes on the same basis, one lands; versions only go up", async () => {
    const doc = valid("ctl-cas");
    await putDoc(doc);
    const store = new ControlServiceStore(env.CONTROL, env.ROUTING);
    const stored = await store.read("ctl-cas");
    const next = (live: string) => ({ ...doc, version: doc.version + 1, live });
    const [a, b] = await Promise.all([
      store.write("ctl-cas", next("green"), [], stored.raw),
      store.write("ctl-cas", next("canary"), [], stored.raw),
    ]);
    expect([a.conflict, b.conflict].filter(Boolean)).toHaveLength(1);
    const again = await store.write(
      "ctl-cas",
      { ...doc, version: doc.version },
      [],
      (await store.read("ctl-cas")).raw,
    );
    expect(again.conflict?.reason).toMatch(/not above/);
    // The winner is in KV too (document and last-good).
    const kv = JSON.parse((await env.ROUTING.get("service:ctl-cas")) ?? "null");
    expect(kv.version).toBe(doc.version + 1);
    expect(await env.ROUTING.get("service:ctl-cas:last-good")).toBe(
      await env.ROUTING.get("service:ctl-cas"),
    );
  });

  it("adopts every raw KV put by content, re-stamping a low version; a stale read of its own is ignored", async () => {
    const doc = valid("ctl-raw");
    await putDoc(doc);
    const store = new ControlServiceStore(env.CONTROL, env.ROUTING);
    await store.read("ctl-raw");
    const green = { ...doc, version: doc.version + 3, live: "green" };
    await env.ROUTING.put("service:ctl-raw", documentText(green));
    const adopted = await store.read("ctl-raw");
    expect(adopted.doc).toMatchObject({ version: doc.version + 3, live: "green" });
    expect(adopted.history.at(-1)).toMatchObject({ version: doc.version + 3, source: "kv" });

    // A put whose author wrote an old version number: still a change, stored one above.
    await env.ROUTING.put("service:ctl-raw", documentText({ ...doc, version: 1, live: "canary" }));
    const restamped = await store.read("ctl-raw");
    expect(restamped.doc).toMatchObject({ version: doc.version + 4, live: "canary" });
    expect(restamped.history.at(-1)).toMatchObject({
      version: doc.version + 4,
      source: "kv",
      change: `adopted a raw KV put (put as version 1, stored as ${doc.version + 4}: versions only go up)`,
    });
    // KV keeps the text as it was put (the object never writes KV's document key for an
    // adoption: a put landing meanwhile would be lost); status says what it holds.
    const inKv = JSON.parse((await env.ROUTING.get("service:ctl-raw")) ?? "null");
    expect(inKv).toMatchObject({ version: 1, live: "canary" });
    expect((await controlReaders(env.CONTROL).status("ctl-raw")).kv).toEqual({
      state: "ok",
      version: 1,
    });

    // KV returning the document the object replaced a moment ago is a stale read: kept.
    await env.ROUTING.put("service:ctl-raw", documentText(green));
    const kept = await store.read("ctl-raw");
    expect(kept.doc).toMatchObject({ version: doc.version + 4, live: "canary" });
    const status = await controlReaders(env.CONTROL).status("ctl-raw");
    expect(status.kv).toMatchObject({ state: "behind", version: doc.version + 3 });
  });

  it("a KV delete is reported as deleted to the pipeline while the object keeps the last good", async () => {
    const doc = valid("ctl-del");
    await putDoc(doc);
    const store = new ControlServiceStore(env.CONTROL, env.ROUTING);
    await store.read("ctl-del");
    await env.ROUTING.delete("service:ctl-del");
    const stored = await store.read("ctl-del");
    expect(stored.raw).toBeNull();
    expect(stored.lastGood).toMatchObject({ version: doc.version });
    const answer = await checkIn({ service: "ctl-del", isolate: "x", revision: null, batches: [] });
    expect(answer.version).toBe(doc.version);
  });
});

describe("an isolate's link while the object cannot be reached", () => {
  it("keeps its deltas and re-sends them once the object is back: each request counted once", async () => {
    const doc = valid("ctl-down");
    await putDoc(doc);
    const held: HeldDocuments = {
      revision: () => revisionOf(doc),
      confirm: () => {},
      offer: () => {},
    };
    let reachable = false;
    // The binding itself, failing while `reachable` is false (the object
    // overloaded or its location unreachable); afterwards the real one.
    const flaky = {
      idFromName: (name: string) => env.CONTROL.idFromName(name),
      get: (id: DurableObjectId) =>
        reachable
          ? env.CONTROL.get(id)
          : {
              checkIn: async () => {
                throw new Error("Durable Object is overloaded");
              },
            },
    };
    const logs: string[] = [];
    const link = new CheckInLink(flaky, held, {
      intervalMs: 100,
      log: (message) => logs.push(message),
    });
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => pending.push(p);
    const observe = () =>
      link.record(
        {
          service: "ctl-down",
          version: doc.version,
          revision: revisionOf(doc),
          origin: "blue",
          role: "live",
          identified: true,
          userHash: 7,
          status: 200,
          failed: false,
          failover: false,
          originMs: 5,
          at: Date.now(),
        },
        waitUntil,
      );
    for (let i = 0; i < 3; i++) {
      observe();
      while (pending.length) await pending.shift();
    }
    expect(link.stats().failures).toBeGreaterThan(0);
    expect(logs[0]).toMatch(/unreachable/);
    reachable = true;
    for (let i = 0; i < 2; i++) {
      observe();
      while (pending.length) await pending.shift();
    }
    const m = await controlReaders(env.CONTROL).metrics.read(doc);
    expect(m.arms.blue?.requests).toBe(5);
    // The one user's requests, re-sent batches and all: once each, one bucket, one bit.
    expect(total(m.arms.blue?.users.requests ?? [])).toBe(5);
    expect(m.arms.blue?.users.requests[userBucketOf(7)]).toBe(5);
    expect(seenBits(m.arms.blue?.seen ?? {})).toBe(1);
    expect(link.stats().checkIns).toBeGreaterThan(0);
  });
});

describe("the admin API while the object cannot be reached", () => {
  it("answers 503 control_plane_unavailable and names the break-glass path", async () => {
    const broken = {
      idFromName: (name: string) => env.CONTROL.idFromName(name),
      get: () => ({
        texts: async () => {
          throw new Error("Network connection lost.");
        },
      }),
    };
    const real = depsFor(env);
    const app = createApp(() => ({
      ...real,
      admin: {
        ...real.admin,
        services: new ControlServiceStore(broken, env.ROUTING, ControlUnavailableError),
      },
    }));
    const res = await app.request(
      "/_router/admin/services/ctl-broken",
      { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } },
      env,
    );
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("control_plane_unavailable");
    expect(body.message).toContain("--direct --remote");
  });
});
