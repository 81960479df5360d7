/**
 * The shadow side of a service's control object (src/control/service-control.ts),
 * against the real object (CONTROL) and the real local KV binding: isolates'
 * pairs merged exactly, notable pairs kept with their input ids and capped
 * per check-in batch, the KV mirror the object writes for `wrangler kv` and
 * `npm run shadow:report -- --kv`, and the bound on the pairs it keeps.
 *
 * The isolates here are real CheckInLinks (the router's own, one per
 * simulated isolate), each fed pairs the way the shadow dispatcher feeds
 * it. Their values are exact binary fractions, so the expected summary
 * is exact whatever order the object adds them in.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  CheckInLink,
  type HeldDocuments,
} from "../../src/adapters/durable-object/check-in-link.ts";
import type { ControlNamespace } from "../../src/adapters/durable-object/control-client.ts";
import { SHADOW_RECORDS_KEPT } from "../../src/adapters/durable-object/control-storage.ts";
import type { CheckIn, ControlRpc } from "../../src/adapters/durable-object/protocol.ts";
import {
  comparePair,
  isNotable,
  readPrediction,
  type ShadowPair,
} from "../../src/core/shadow/compare.ts";
import { addPair, emptySummary, type ShadowSummary } from "../../src/core/shadow/summary.ts";
import type { ServiceControl } from "../../src/index.ts";
import {
  eventually,
  objectSummaries,
  readMirroredLog,
  readMirroredSummary,
  readRecords,
} from "./shadow-support.ts";

const fields = { scoreField: "score", labelField: "label" };
const SHADOW = "twin";

/** Pair `i` of a test stream: disagrees when i % 3 == 0, the shadow fails when i % 10 == 7. */
function pair(service: string, i: number, at = 1_700_000_000_000 + i): ShadowPair {
  const production = { label: "a", score: 0.5 };
  const shadowFails = i % 10 === 7;
  const shadow = { label: i % 3 === 0 ? "b" : "a", score: 0.5 + ((i % 9) - 4) / 64 };
  return {
    at,
    service,
    production: i % 4 === 0 ? "canary" : "blue",
    role: i % 4 === 0 ? "canary" : "live",
    shadow: SHADOW,
    bucket: i % 10_000,
    sampleBucket: i % 10_000,
    version: 1 + (i % 3),
    inputId: `in-${i}`,
    bodyBytes: 10,
    comparison: comparePair(
      readPrediction(
        {
          status: 200,
          durationMs: (i % 8) + 0.5,
          error: null,
          text: JSON.stringify(production),
        },
        fields,
      ),
      readPrediction(
        {
          status: shadowFails ? 503 : 200,
          durationMs: 2 * (i % 5) + 0.25,
          error: null,
          text: JSON.stringify(shadow),
        },
        fields,
      ),
    ),
  };
}

/** The summary of `pairs` in one stream: what the object must hold after merging. */
function expectedSummary(service: string, pairs: ShadowPair[]): ShadowSummary {
  const s = emptySummary(service, SHADOW);
  for (const p of pairs) addPair(s, p);
  return JSON.parse(JSON.stringify(s)) as ShadowSummary;
}

/** The routing store as a link sees it: none held (the object's answer is dropped). */
const noDocuments: HeldDocuments = { revision: () => null, confirm: () => {}, offer: () => {} };

/** CONTROL, with a hook run before each check-in reaches the object and a way to lose answers. */
function controlWith(opts: {
  beforeCheckIn?: () => void;
  /** Every n-th answer is lost on the way back (the object applied the check-in). */
  loseEvery?: number;
}) {
  let answers = 0;
  const counts = { checkIns: 0, lost: 0 };
  const ns: ControlNamespace = {
    idFromName: (name) => env.CONTROL.idFromName(name),
    get: (id) => {
      const stub = env.CONTROL.get(id) as unknown as ControlRpc;
      return {
        checkIn: async (text: string) => {
          opts.beforeCheckIn?.();
          counts.checkIns += 1;
          const answer = await stub.checkIn(text);
          answers += 1;
          if (opts.loseEvery && answers % opts.loseEvery === 0) {
            counts.lost += 1;
            throw new Error("network connection lost (test)");
          }
          return answer;
        },
      };
    },
  };
  return { ns, counts };
}

/** A simulated router isolate: its CheckInLink and the waitUntil tasks it started. */
function isolate(id: string, ns: ControlNamespace = env.CONTROL, maxRecordsPerBatch?: number) {
  const pending: Promise<unknown>[] = [];
  const waitUntil = (p: Promise<unknown>) => {
    pending.push(p);
  };
  const link = new CheckInLink(ns, noDocuments, {
    intervalMs: 100,
    isolateId: id,
    log: () => {},
    ...(maxRecordsPerBatch ? { maxRecordsPerBatch } : {}),
  });
  return {
    link,
    waitUntil,
    record: (p: ShadowPair) => link.recordPair(p, waitUntil),
    /** Waits for every check-in started so far (and any they started). */
    settled: async () => {
      while (pending.length > 0) await pending.shift();
    },
  };
}

const stubOf = (service: string) =>
  env.CONTROL.get(env.CONTROL.idFromName(service)) as unknown as DurableObjectStub<ServiceControl>;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("the merged summary", () => {
  it("is exact over 4 isolates x 6 check-ins, with every 3rd answer lost and re-sent", async () => {
    const service = "ctl-exact";
    const { ns, counts } = controlWith({ loseEvery: 3 });
    const fleet = range(0, 4).map((k) => isolate(`iso-exact-${k}`, ns));
    const all: ShadowPair[] = [];
    await Promise.all(
      fleet.map(async (iso, k) => {
        for (let round = 0; round < 6; round++) {
          for (let j = 0; j < 10; j++) {
            const p = pair(service, k * 1000 + round * 10 + j);
            all.push(p);
            iso.record(p);
          }
          await iso.settled();
        }
        // One more check-in: re-sends what a lost answer left unacknowledged.
        iso.link.touch(service, iso.waitUntil);
        await iso.settled();
      }),
    );
    expect(counts.lost).toBeGreaterThanOrEqual(8);

    const [summary, ...others] = await objectSummaries(service);
    expect(others).toEqual([]);
    // 10 pairs per batch: fewer notable ones than the per-batch cap, so none dropped.
    expect(summary).toEqual(expectedSummary(service, all));
    expect(summary?.pairs).toBe(240);

    const notable = all.filter((p) => isNotable(p.comparison)).map((p) => p.inputId);
    const kept = (await readRecords(service)).map((r) => r.inputId);
    expect(kept.length).toBe(notable.length);
    expect([...kept].sort()).toEqual([...notable].sort());
  });
});

describe("notable pairs", () => {
  it("are kept with their input ids, at most 20 per check-in batch; the rest count as droppedRecords", async () => {
    const service = "ctl-cap";
    const iso = isolate("iso-cap");
    // 45 pairs before the first check-in runs: one batch, 32 of them notable.
    const first = range(0, 45).map((i) => pair(service, i * 3 + (i % 3 === 2 ? 1 : 0)));
    for (const p of first) iso.record(p);
    await iso.settled();
    const notable = first.filter((p) => isNotable(p.comparison));
    expect(notable.length).toBe(32);

    let [summary] = await objectSummaries(service);
    expect(summary).toMatchObject({ pairs: 45, droppedRecords: 12 });
    let records = await readRecords(service);
    // Newest first: the first 20 notable pairs of the batch, in reverse.
    expect(records.map((r) => r.inputId)).toEqual(
      notable
        .slice(0, 20)
        .map((p) => p.inputId)
        .reverse(),
    );
    expect(records[0]).toMatchObject({
      service,
      shadow: SHADOW,
      production: notable[19]?.production,
      inputId: notable[19]?.inputId,
      agreement: notable[19]?.comparison.agreement,
      shadowStatus: notable[19]?.comparison.shadow.status,
      version: notable[19]?.version,
    });

    // The next batch is capped on its own.
    const second = range(1000, 1005).map((i) => pair(service, i * 3));
    for (const p of second) iso.record(p);
    await iso.settled();
    [summary] = await objectSummaries(service);
    expect(summary).toMatchObject({ pairs: 50, droppedRecords: 12 });
    records = await readRecords(service);
    expect(records.slice(0, 5).map((r) => r.inputId)).toEqual(
      second.map((p) => p.inputId).reverse(),
    );
    expect(records).toHaveLength(25);
    expect((await readRecords(service, 3)).map((r) => r.inputId)).toEqual(
      records.slice(0, 3).map((r) => r.inputId),
    );
  });

  it(`are bounded at SHADOW_RECORDS_KEPT (${SHADOW_RECORDS_KEPT}), the newest kept`, async () => {
    const service = "ctl-bound";
    const iso = isolate("iso-bound", env.CONTROL, 200);
    const ids: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (let j = 0; j < 160; j++) {
        const p = pair(service, (round * 160 + j) * 3); // every one disagrees
        ids.push(p.inputId ?? "");
        iso.record(p);
      }
      await iso.settled();
    }
    const [summary] = await objectSummaries(service);
    expect(summary).toMatchObject({ pairs: 640, droppedRecords: 0 });
    const records = await readRecords(service, 10_000);
    expect(records.map((r) => r.inputId)).toEqual(ids.slice(-SHADOW_RECORDS_KEPT).reverse());
  });

  it(`the object stores no more than SHADOW_RECORDS_KEPT rows of them, whatever a flush brings`, async () => {
    // Rows written are what a Durable Object is billed for: 1,000 isolates
    // sending 20 notable pairs each would write 20,000 rows per flush to
    // keep 500. (Fails today: the rows are pruned on the alarm, once a minute.)
    const service = "ctl-rows";
    const iso = isolate("iso-rows", env.CONTROL, 400);
    for (let round = 0; round < 2; round++) {
      for (let j = 0; j < 400; j++) iso.record(pair(service, (round * 400 + j) * 3));
      await iso.settled();
      expect(await readRecords(service, 1)).toHaveLength(1); // flushed
      const rows = await runInDurableObject(
        stubOf(service),
        async (_instance, state) =>
          state.storage.sql.exec("SELECT count(*) AS n FROM shadow_records").one().n,
      );
      expect(rows, `after batch ${round + 1}`).toBeLessThanOrEqual(SHADOW_RECORDS_KEPT);
    }
  });
});

describe("check-ins carry every pair", () => {
  it("a pair recorded while a check-in is in flight reaches the object with no further request", async () => {
    // The router's first check-in of a service starts at the request (its
    // metrics); the shadow's pair comes a few ms later, while it is in
    // flight. (Fails today: the link schedules nothing for it, so it waits
    // for the isolate's next request, forever on a quiet service.)
    const service = "ctl-inflight";
    let late: (() => void) | null = null;
    const { ns } = controlWith({
      beforeCheckIn: () => {
        const run = late;
        late = null;
        run?.();
      },
    });
    const iso = isolate("iso-inflight", ns);
    late = () => iso.record(pair(service, 1));
    iso.record(pair(service, 0));
    await iso.settled();
    expect(late).toBeNull();
    const summary = await eventually(async () => {
      const [s] = await objectSummaries(service);
      expect(s?.pairs).toBe(2);
      return s;
    }, 2_000);
    expect(summary).toEqual(expectedSummary(service, [pair(service, 0), pair(service, 1)]));
  });
});

describe("the KV mirror", () => {
  it("one summary shard and log batches, written by the object, read with the KV binding", async () => {
    const service = "ctl-mirror";
    const fleet = range(0, 3).map((k) => isolate(`iso-mirror-${k}`));
    const all = range(0, 3).flatMap((k) => range(0, 12).map((j) => pair(service, k * 100 + j)));
    fleet.forEach((iso, k) => {
      for (const p of all.slice(k * 12, k * 12 + 12)) iso.record(p);
    });
    await Promise.all(fleet.map((iso) => iso.settled()));
    const [summary] = await objectSummaries(service);
    expect(summary).toEqual(expectedSummary(service, all));

    // Three isolates, one shard: the object's merged summary, mirrored.
    const mirrored = await eventually(async () => {
      const s = await readMirroredSummary(service, SHADOW);
      expect(s).toEqual(summary);
      return s;
    });
    expect(mirrored?.pairs).toBe(36);
    const shards = await env.ROUTING.list({ prefix: `shadow-summary:${service}:` });
    expect(shards.keys.map((k) => k.name)).toEqual([`shadow-summary:${service}:${SHADOW}:control`]);
    const week = Date.now() / 1000 + 6 * 86_400;
    expect(shards.keys[0]?.expiration).toBeGreaterThan(week);

    // The log: the object's notable pairs, in batches named by the object.
    const notable = all.filter((p) => isNotable(p.comparison)).map((p) => p.inputId);
    const batches = await eventually(async () => {
      const log = await readMirroredLog(service);
      expect(log.flatMap((b) => b.records.map((r) => r.inputId)).sort()).toEqual(notable.sort());
      return log;
    });
    const day = Date.now() / 1000 + 23 * 3600;
    for (const b of batches) {
      expect(b.name).toMatch(new RegExp(`^shadow-log:${service}:\\d{13}:control$`));
      expect(b.expiration).toBeGreaterThan(day);
    }
    const objectRecords = await readRecords(service);
    expect(
      batches
        .flatMap((b) => b.records)
        .sort((a, b) => a.inputId?.localeCompare(b.inputId ?? "") ?? 0),
    ).toEqual([...objectRecords].sort((a, b) => a.inputId?.localeCompare(b.inputId ?? "") ?? 0));
  });

  it("a pair flushed while the mirror's KV write is in flight is mirrored later", async () => {
    // The mirror marks what it wrote as mirrored after its KV put returns,
    // reading the change marker again then: a flush in between (a check-in,
    // an admin read) is marked mirrored without being written. (Fails today:
    // KV keeps the older summary until the next shadow change.)
    const service = "ctl-mirror-race";
    const iso = isolate("iso-race");
    iso.record(pair(service, 0));
    await iso.settled();
    await eventually(async () =>
      expect((await readMirroredSummary(service, SHADOW))?.pairs).toBe(1),
    );

    const late = emptySummary(service, SHADOW, 1_700_000_000_000);
    addPair(late, pair(service, 2));
    const lateCheckIn: CheckIn = {
      service,
      isolate: "iso-late",
      revision: null,
      batches: [{ seq: 1, metrics: [], shadow: [late], records: [] }],
    };
    const hit = { done: false };
    await runInDurableObject(stubOf(service), async (instance) => {
      const object = instance as unknown as { env: Env };
      const original = object.env;
      const kv = original.ROUTING;
      let armed = true;
      const racingKv = new Proxy(kv, {
        get(target, prop) {
          if (prop === "put") {
            return async (key: string, ...rest: unknown[]) => {
              if (armed && key.startsWith("shadow-summary:")) {
                armed = false;
                // While this put is in flight: an isolate checks in and an
                // admin read flushes the buffer.
                await new Promise((r) => setTimeout(r, 5));
                await instance.checkIn(JSON.stringify(lateCheckIn));
                await instance.shadowSummaries(service);
                hit.done = true;
              }
              return (target.put as (...a: unknown[]) => Promise<void>)(key, ...rest);
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      object.env = new Proxy(original, {
        get: (target, prop) => (prop === "ROUTING" ? racingKv : Reflect.get(target, prop)),
      });
    });
    iso.record(pair(service, 1));
    await iso.settled();
    await eventually(async () => expect(hit.done).toBe(true));
    const [summary] = await objectSummaries(service);
    expect(summary?.pairs).toBe(3);
    await eventually(
      async () => expect((await readMirroredSummary(service, SHADOW))?.pairs).toBe(3),
      3_000,
    );
  });
});
