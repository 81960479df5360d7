/**
 * The control object's storage (src/adapters/durable-object/control-storage.ts
 * and control-rows.ts) on real workerd SQLite: its typed rows, and the
 * migration of the string-keyed rows (`texts`, `numbers`) that an object
 * deployed with an earlier release holds: seeded here with SQL, then read
 * by the adapter, and by the object itself after a restart.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ControlServiceStore,
  controlOf,
} from "../../src/adapters/durable-object/control-client.ts";
import { ControlStorage } from "../../src/adapters/durable-object/control-storage.ts";
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
