/**
 * The control object's storage (src/adapters/durable-object/control-storage.ts
 * and control-rows.ts) on real workerd SQLite: its typed rows, and the
 * migration of the string-keyed rows (`texts`, `numbers`) that an object
 * deployed with an earlier release holds: seeded here with SQL, then read
 * by the adapter, and by the object itself after a restart. And the per-arm
 * totals' user parts (sums over user buckets, the distinct-user bitmap):
 * one row per revision and arm, merged exactly, and an `arm_totals` table
 * of an earlier release (no user columns) read back as no users.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ControlServiceStore,
  controlOf,
  controlReaders,
} from "../../src/adapters/durable-object/control-client.ts";
import { ControlStorage } from "../../src/adapters/durable-object/control-storage.ts";
import type { Flushable } from "../../src/core/control/delta-buffer.ts";
import {
  emptyVersionMetrics,
  observeRequest,
  revisionOf,
  type VersionMetrics,
} from "../../src/core/rollout/request-metrics.ts";
import {
  distinctUsers,
  emptyUserSums,
  seenBits,
  total,
  userHashOf,
} from "../../src/core/rollout/user-sums.ts";
import { documentText } from "../../src/document/edits/stored-service.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { makeDoc } from "./support.ts";

/** The tables and keys of the releases before typed rows. */
function seedOldRows(
  sql: SqlStorage,
  texts: Record<string, string>,
  numbers: Record<string, number>,
): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS texts (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS numbers (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`);
  for (const [key, value] of Object.entries(texts)) {
    sql.exec("INSERT INTO texts (key, value) VALUES (?, ?)", key, value);
  }
  for (const [key, value] of Object.entries(numbers)) {
    sql.exec("INSERT INTO numbers (key, value) VALUES (?, ?)", key, value);
  }
}

const tables = (sql: SqlStorage) =>
  sql
    .exec("SELECT name FROM sqlite_master WHERE type = 'table'")
    .toArray()
    .map((r) => String(r.name));

const stubOf = (service: string) => env.CONTROL.get(env.CONTROL.idFromName(service));

function valid(service: string, version: number): RoutingDocument {
  const parsed = validateRoutingDocument(makeDoc(service, { version }));
  if (!parsed.ok) throw new Error("test document invalid");
  return parsed.doc;
}

const rollout = { state: "paused", stepIndex: 1, planKey: "k", timeline: [] };

describe("typed rows", () => {
  it("a fresh object's rows read as their defaults, and write by field", async () => {
    await runInDurableObject(stubOf("rows-fresh"), (_instance, state) => {
      const storage = new ControlStorage(state.storage.sql);
      expect(storage.service("imported", "highest", "kvState", "kvSeen")).toEqual({
        imported: false,
        highest: 0,
        kvState: "ok",
        kvSeen: null,
      });
      storage.setService({ highest: 4, kvSeen: "x" });
      storage.setService({ kvState: "invalid" });
      // The history has a row of its own (a row holds at most 2 MB): untouched.
      const rows = (table: string) =>
        state.storage.sql.exec(`SELECT count(*) AS n FROM ${table}`).one().n;
      expect([rows("service_state"), rows("kv_copy"), rows("service_history")]).toEqual([1, 1, 0]);
      expect(storage.service("highest", "kvSeen", "kvState", "document")).toEqual({
        highest: 4,
        kvSeen: "x",
        kvState: "invalid",
        document: null,
      });
      expect(storage.shadowMirror()).toEqual({ changed: 0, mirrored: 0, mirroredRecord: 0 });
      expect(storage.appliedBatches()).toEqual(new Map());
    });
  });
});

describe("the string-keyed rows of an earlier release", () => {
  it("are read into the typed rows once, and their tables dropped", async () => {
    await runInDurableObject(stubOf("rows-old"), (_instance, state) => {
      const sql = state.storage.sql;
      seedOldRows(
        sql,
        {
          service: "rows-old",
          document: '{"v":7}',
          history: "[]",
          "last-good": '{"v":6}',
          "kv-seen": '{"v":8}',
          "kv-state": "invalid",
          rollout: JSON.stringify(rollout),
          batches: JSON.stringify([["iso-a", 4, 1234]]),
        },
        {
          imported: 1,
          highest: 9,
          "kv-version": 7,
          "shadow-changed": 3,
          "shadow-mirrored": 2,
          "shadow-mirrored-record": 17,
        },
      );
      const storage = new ControlStorage(sql);
      expect(
        storage.service(
          "service",
          "imported",
          "document",
          "history",
          "lastGood",
          "highest",
          "kvVersion",
          "kvSeen",
          "kvState",
        ),
      ).toEqual({
        service: "rows-old",
        imported: true,
        document: '{"v":7}',
        history: "[]",
        lastGood: '{"v":6}',
        highest: 9,
        kvVersion: 7,
        kvSeen: '{"v":8}',
        kvState: "invalid",
      });
      expect(storage.rolloutStatus()).toEqual(rollout);
      expect(storage.appliedBatches()).toEqual(new Map([["iso-a", { seq: 4, seen: 1234 }]]));
      expect(storage.shadowMirror()).toEqual({ changed: 3, mirrored: 2, mirroredRecord: 17 });
      expect(tables(sql)).not.toContain("texts");
      expect(tables(sql)).not.toContain("numbers");
      // Once: a later start finds nothing to migrate and keeps what it has.
      expect(new ControlStorage(sql).service("highest")).toEqual({ highest: 9 });
    });
  });

  it("a kv_copy table made before the behind state takes it, keeping its row", async () => {
    await runInDurableObject(stubOf("rows-behind"), (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`DROP TABLE IF EXISTS kv_copy;
        CREATE TABLE kv_copy (id INTEGER PRIMARY KEY CHECK (id = 1),
          kv_version INTEGER NOT NULL DEFAULT 0,
          kv_state TEXT NOT NULL DEFAULT 'ok' CHECK (kv_state IN ('ok', 'deleted', 'invalid')),
          kv_seen TEXT);
        INSERT INTO kv_copy (id, kv_version, kv_state, kv_seen) VALUES (1, 7, 'invalid', '{');`);
      const storage = new ControlStorage(sql);
      expect(storage.service("kvVersion", "kvState", "kvSeen")).toEqual({
        kvVersion: 7,
        kvState: "invalid",
        kvSeen: "{",
      });
      storage.setService({ kvState: "behind", kvSeen: '{"v":6}' });
      expect(storage.service("kvState", "kvVersion")).toEqual({ kvState: "behind", kvVersion: 7 });
      expect(tables(sql)).not.toContain("kv_copy_before_behind");
      // Once: a later start keeps the table as it is.
      expect(new ControlStorage(sql).service("kvState")).toEqual({ kvState: "behind" });
    });
  });

  it("KV's deleted document (the old sentinel) becomes no text, state deleted", async () => {
    await runInDurableObject(stubOf("rows-deleted"), (_instance, state) => {
      seedOldRows(
        state.storage.sql,
        { service: "rows-deleted", "kv-seen": "\u0000deleted", "kv-state": "deleted" },
        { imported: 1 },
      );
      const storage = new ControlStorage(state.storage.sql);
      expect(storage.service("kvSeen", "kvState")).toEqual({ kvSeen: null, kvState: "deleted" });
      expect(storage.rolloutStatus()).toBeNull();
    });
  });

  it("an object deployed with them keeps its state: document, history, highest, ledger, rollout", async () => {
    const service = "rows-object";
    const doc = valid(service, 7);
    const text = documentText(doc);
    const history = JSON.stringify([
      {
        version: 7,
        updatedAt: doc.updatedAt,
        updatedBy: "old",
        change: "old write",
        source: "admin",
      },
    ]);
    // KV holds the same document and no history: whatever the object says
    // beyond the document can only come from its old rows.
    await env.ROUTING.put(`service:${service}`, text);
    const stub = stubOf(service);
    await runInDurableObject(stub, (_instance, state) => {
      seedOldRows(
        state.storage.sql,
        {
          service,
          document: text,
          history,
          "last-good": text,
          "kv-seen": text,
          "kv-state": "ok",
          rollout: JSON.stringify(rollout),
          batches: JSON.stringify([["iso-a", 4, Date.now()]]),
        },
        { imported: 1, highest: 9, "kv-version": 7 },
      );
    });
    await evictDurableObject(stub);

    const control = controlOf(env.CONTROL, service);
    const answer = await control.checkIn(
      JSON.stringify({ service, isolate: "iso-a", revision: null, batches: [] }),
    );
    expect(answer).toMatchObject({ version: 7, acked: 4 });
    expect(answer.document).toBe(text);
    expect(await control.rolloutStatus(service)).toEqual(rollout);
    const store = new ControlServiceStore(env.CONTROL, env.ROUTING);
    const stored = await store.read(service);
    expect(stored.history).toMatchObject([{ version: 7, change: "old write" }]);
    const refused = await store.write(service, { ...doc, version: 9 }, [], stored.raw);
    expect(refused.conflict?.reason).toMatch(/not above 9/);
    const landed = await store.write(service, { ...doc, version: 10 }, [], stored.raw);
    expect(landed.conflict).toBeUndefined();
    await runInDurableObject(stub, (_instance, state) => {
      expect(tables(state.storage.sql)).not.toContain("texts");
    });
  });
});

/** An isolate's metrics for `users` on `revision`: every third user on canary, statuses cycling. */
function observed(revision: string, users: readonly string[], version = 1): VersionMetrics {
  const m = emptyVersionMetrics("rows-users", version, revision, 1_000);
  users.forEach((user, i) => {
    const status = [200, 302, 404, 503][i % 4] as number;
    const canary = Number(user.split("-").at(-1)) % 3 === 0;
    observeRequest(m, {
      service: "rows-users",
      version,
      revision,
      origin: canary ? "canary" : "blue",
      role: canary ? "canary" : "live",
      identified: true,
      userHash: userHashOf(user),
      status,
      failed: status >= 500,
      failover: false,
      originMs: 5,
      at: 1_000 + i,
    });
  });
  return m;
}

const flushOf = (totals: VersionMetrics[]): Flushable => ({
  totals,
  series: new Map(),
  shadow: [],
  records: [],
  ledger: new Map(),
});

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `u-${from + i}`);
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

/** The arm_totals table as releases before the user columns made it. */
const OLD_ARM_TOTALS = `DROP TABLE IF EXISTS arm_totals;
  CREATE TABLE arm_totals (revision TEXT NOT NULL, arm TEXT NOT NULL,
    requests INTEGER NOT NULL, errors INTEGER NOT NULL, failovers INTEGER NOT NULL,
    latency TEXT NOT NULL, PRIMARY KEY (revision, arm));`;

describe("per-arm user parts", () => {
  it("round trip: flushes merge exactly, one row per revision and arm", async () => {
    await runInDurableObject(stubOf("rows-users"), (_instance, state) => {
      const sql = state.storage.sql;
      const storage = new ControlStorage(sql);
      // Two flushes, overlapping users (the same user on two isolates).
      const a = observed("1@5", ids(700));
      const b = observed("1@5", ids(700, 400));
      storage.writeFlush(flushOf([a]));
      storage.writeFlush(flushOf([b]));
      const whole = observed("1@5", [...ids(700), ...ids(700, 400)]);
      const m = storage.metrics("rows-users", "1@5");
      for (const arm of ["blue", "canary"]) {
        expect(m?.arms[arm]?.users).toEqual(whole.arms[arm]?.users);
        expect(json(m?.arms[arm]?.seen)).toEqual(json(whole.arms[arm]?.seen));
        expect(m?.arms[arm]?.requests).toBe(whole.arms[arm]?.requests);
      }
      const users = (arm: string) => distinctUsers(m?.arms[arm]?.seen ?? {}) as number;
      expect(Math.abs(users("blue") + users("canary") - 1_100)).toBeLessThanOrEqual(11);
      expect(total(m?.arms.canary?.users.requests ?? [])).toBe(whole.arms.canary?.requests);
      // One row per (revision, arm), however many user buckets or users.
      expect(sql.exec("SELECT count(*) AS n FROM arm_totals").one().n).toBe(2);
      // A fresh start reads the same (nothing kept in memory).
      expect(json(new ControlStorage(sql).metrics("rows-users", "1@5"))).toEqual(json(m));
    });
  });

  it("an arm without identified requests stores NULL and reads back empty", async () => {
    await runInDurableObject(stubOf("rows-users-none"), (_instance, state) => {
      const storage = new ControlStorage(state.storage.sql);
      const m = emptyVersionMetrics("rows-users-none", 1, "1@6", 1);
      observeRequest(m, {
        service: "rows-users-none",
        version: 1,
        revision: "1@6",
        origin: "blue",
        role: "live",
        identified: false,
        userHash: null,
        status: 200,
        failed: false,
        failover: false,
        originMs: 3,
        at: 1,
      });
      storage.writeFlush(flushOf([m]));
      const row = state.storage.sql.exec("SELECT users, seen FROM arm_totals").one();
      expect(row).toEqual({ users: null, seen: null });
      const back = storage.metrics("rows-users-none", "1@6")?.arms.blue;
      expect(back).toMatchObject({ requests: 1, users: emptyUserSums() });
      expect(json(back?.seen)).toEqual({});
    });
  });

  it("a corrupted blob reads as empty, and the next flush starts it over", async () => {
    await runInDurableObject(stubOf("rows-users-bad"), (_instance, state) => {
      const sql = state.storage.sql;
      const storage = new ControlStorage(sql);
      storage.writeFlush(flushOf([observed("1@7", ids(30))]));
      sql.exec("UPDATE arm_totals SET users = 'not json', seen = '[1, 2]' WHERE arm = 'blue'");
      sql.exec(`UPDATE arm_totals SET seen = '{"9999": 1, "3": 8}' WHERE arm = 'canary'`);
      const m = storage.metrics("rows-users-bad", "1@7");
      expect(m?.arms.blue?.users).toEqual(emptyUserSums());
      expect(seenBits(m?.arms.blue?.seen ?? {})).toBe(0);
      expect(json(m?.arms.canary?.seen)).toEqual({ "3": 8 });
      expect(m?.arms.blue?.requests).toBe(20);
      storage.writeFlush(flushOf([observed("1@7", ids(3, 100))]));
      expect(total(storage.metrics("rows-users-bad", "1@7")?.arms.blue?.users.requests ?? [])).toBe(
        2,
      );
    });
  });

  it("an object with an old arm_totals (no user columns) reads its rows as no users, then adds them", async () => {
    const service = "rows-users-old";
    const doc = valid(service, 3);
    const revision = revisionOf(doc);
    await env.ROUTING.put(`service:${service}`, documentText(doc));
    const stub = stubOf(service);
    const control = controlOf(env.CONTROL, service);
    // The object knows its service (as one deployed with the old release would).
    await control.checkIn(JSON.stringify({ service, isolate: "iso-0", revision, batches: [] }));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(OLD_ARM_TOTALS);
      sql.exec(
        "INSERT INTO revisions (revision, version, first_at, last_at) VALUES (?, 3, 1, ?)",
        revision,
        Date.now(),
      );
      sql.exec(
        `INSERT INTO arm_totals (revision, arm, requests, errors, failovers, latency)
         VALUES (?, 'blue', 40, 2, 1, ?)`,
        revision,
        JSON.stringify({ n: 0, sum: 0, lo: null, hi: null, counts: {} }),
      );
    });
    await evictDurableObject(stub);

    // The restarted object: the old row reads back whole, with no users.
    const before = await controlReaders(env.CONTROL).metrics.read(doc);
    expect(before.arms.blue).toMatchObject({
      requests: 40,
      errors: 2,
      failovers: 1,
      users: emptyUserSums(),
    });
    expect(before.arms.blue?.seen).toEqual({});
    // The same row takes the new parts: counts add, users start from empty.
    const delta = observed(revision, ids(12), 3);
    await control.checkIn(
      JSON.stringify({
        service,
        isolate: "iso-1",
        revision,
        batches: [{ seq: 1, metrics: [delta], shadow: [], records: [] }],
      }),
    );
    const after = await controlReaders(env.CONTROL).metrics.read(doc);
    expect(after.arms.blue?.requests).toBe(40 + (delta.arms.blue?.requests ?? 0));
    expect(after.arms.blue?.users).toEqual(delta.arms.blue?.users);
    expect(after.arms.blue?.seen).toEqual(json(delta.arms.blue?.seen));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      expect(sql.exec("SELECT * FROM arm_totals LIMIT 0").columnNames).toEqual(
        expect.arrayContaining(["users", "seen"]),
      );
      expect(sql.exec("SELECT count(*) AS n FROM arm_totals").one().n).toBe(2);
      // Once: another start finds the columns and changes nothing.
      new ControlStorage(sql);
      expect(json(new ControlStorage(sql).metrics(service, revision))).toEqual(json(after));
    });
  });

  it("a batch from an isolate of an earlier release (no user parts) counts, with no users", async () => {
    const service = "rows-users-oldiso";
    const doc = valid(service, 4);
    const revision = revisionOf(doc);
    await env.ROUTING.put(`service:${service}`, documentText(doc));
    const control = controlOf(env.CONTROL, service);
    const arm = {
      requests: 10,
      errors: 0,
      failovers: 0,
      latencyMs: { n: 0, sum: 0, lo: null, hi: null, counts: {} },
    };
    const old = {
      service,
      version: 4,
      revision,
      arms: { blue: arm },
      identified: { live: 10 },
      firstAt: 1,
      lastAt: 2,
    };
    const fresh = observed(revision, ids(9), 4);
    const malformed = json(observed(revision, ids(6, 50), 4));
    malformed.arms.blue.users.requests = "lots";
    malformed.arms.canary.seen = { "0": -1, "5": 2 ** 40 };
    await control.checkIn(
      JSON.stringify({
        service,
        isolate: "iso-old",
        revision,
        batches: [{ seq: 1, metrics: [old, fresh, malformed], shadow: [], records: [] }],
      }),
    );
    const m = await controlReaders(env.CONTROL).metrics.read(doc);
    expect(m.arms.blue?.requests).toBe(
      10 + (fresh.arms.blue?.requests ?? 0) + malformed.arms.blue.requests,
    );
    expect(m.arms.blue?.users).toEqual(fresh.arms.blue?.users);
    expect(m.arms.blue?.seen).toEqual(json(fresh.arms.blue?.seen));
    // The canary's malformed bitmap words are dropped; its sums are whole.
    expect(total(m.arms.canary?.users.requests ?? [])).toBe(
      (fresh.arms.canary?.requests ?? 0) + malformed.arms.canary.requests,
    );
    expect(m.arms.canary?.seen).toEqual(json(fresh.arms.canary?.seen));
  });
});
