/**
 * The control object's typed rows in SQLite: one-row tables, a column per
 * field. A ServiceRow spans `service_state` (name, import, highest
 * version, the document and its last-good copy), `service_history` and
 * `kv_copy` (what KV held when last looked at); `rollout_state` holds the
 * rollout record, `flush_state` the batch ledger and the shadow mirror's
 * marks. Apart by size and by how often they change: a SQLite row holds at
 * most 2 MB, so the history and KV's text (any size a raw put gave it)
 * each have a row of their own, as before; and a flush or a KV mirror
 * writes one small row, never the history.
 *
 * Earlier releases kept these as string-keyed rows (`texts` and `numbers`:
 * "document", "kv-seen", "highest", "imported", ...). An object deployed
 * with them migrates once, on its first start with this code: the values
 * are copied into the typed rows and the old tables dropped, in one
 * synchronous block (atomic in a Durable Object).
 *
 * Layer: adapter (with control-storage.ts, the only code that touches the
 * object's `ctx.storage.sql`).
 */
import type { Ledger } from "../../core/control/delta-buffer.ts";
import type { KvState, ServiceRow, ShadowMirrorRow } from "../../core/control/state-rows.ts";
import type { StoredRolloutStatus } from "../../core/rollout/rollout-status.ts";

type Value = SqlStorageValue | undefined;

/** One field of a typed row: its table and column, and how its value is read and written. */
interface Column<T> {
  table: string;
  name: string;
  read: (v: Value) => T;
  write: (v: T) => SqlStorageValue;
}

type Columns<R> = { [K in keyof R]: Column<R[K]> };

const text = (v: Value): string | null => (v === null || v === undefined ? null : String(v));
const int = (v: Value): number => (v === null || v === undefined ? 0 : Number(v));
const kvState = (v: Value): KvState =>
  v === "deleted" || v === "invalid" || v === "behind" ? v : "ok";
const same = <T>(v: T) => v as SqlStorageValue;
const columnOf =
  (table: string) =>
  <T>(name: string, read: (v: Value) => T, write: (v: T) => SqlStorageValue = same) => ({
    table,
    name,
    read,
    write,
  });
const state = columnOf("service_state");
const history = columnOf("service_history");
const kvCopy = columnOf("kv_copy");

export const SERVICE: Columns<ServiceRow> = {
  service: state("service", text),
  imported: state(
    "imported",
    (v) => int(v) === 1,
    (b: boolean) => (b ? 1 : 0),
  ),
  highest: state("highest", int),
  document: state("document", text),
  lastGood: state("last_good", text),
  history: history("history", text),
  kvVersion: kvCopy("kv_version", int),
  kvState: kvCopy("kv_state", kvState),
  kvSeen: kvCopy("kv_seen", text),
};

export const ROLLOUT: Columns<{ status: StoredRolloutStatus | null }> = {
  status: columnOf("rollout_state")(
    "status",
    (v) => (v === null || v === undefined ? null : (JSON.parse(String(v)) as StoredRolloutStatus)),
    (s) => (s === null ? null : JSON.stringify(s)),
  ),
};

/** Per isolate: the highest batch durably applied, and when it was last seen. */
export type FlushRow = ShadowMirrorRow & { batches: Map<string, Ledger> };

const flush = columnOf("flush_state");

export const FLUSH: Columns<FlushRow> = {
  // [isolate, seq, seen] triples: the format of the old "batches" text row.
  batches: flush(
    "batches",
    (v) => {
      const entries = v ? (JSON.parse(String(v)) as [string, number, number][]) : [];
      return new Map(entries.map(([id, seq, seen]) => [id, { seq, seen }]));
    },
    (m) => JSON.stringify([...m].map(([id, { seq, seen }]) => [id, seq, seen])),
  ),
  changed: flush("shadow_changed", int),
  mirrored: flush("shadow_mirrored", int),
  mirroredRecord: flush("shadow_mirrored_record", int),
};

export const ROW_TABLES = `
  CREATE TABLE IF NOT EXISTS service_state (id INTEGER PRIMARY KEY CHECK (id = 1), service TEXT,
    imported INTEGER NOT NULL DEFAULT 0, highest INTEGER NOT NULL DEFAULT 0,
    document TEXT, last_good TEXT);
  CREATE TABLE IF NOT EXISTS service_history (id INTEGER PRIMARY KEY CHECK (id = 1), history TEXT);
  CREATE TABLE IF NOT EXISTS kv_copy (id INTEGER PRIMARY KEY CHECK (id = 1),
    kv_version INTEGER NOT NULL DEFAULT 0,
    kv_state TEXT NOT NULL DEFAULT 'ok' CHECK (kv_state IN ('ok', 'deleted', 'invalid', 'behind')),
    kv_seen TEXT);
  CREATE TABLE IF NOT EXISTS rollout_state (id INTEGER PRIMARY KEY CHECK (id = 1), status TEXT);
  CREATE TABLE IF NOT EXISTS flush_state (id INTEGER PRIMARY KEY CHECK (id = 1),
    batches TEXT NOT NULL DEFAULT '[]', shadow_changed INTEGER NOT NULL DEFAULT 0,
    shadow_mirrored INTEGER NOT NULL DEFAULT 0, shadow_mirrored_record INTEGER NOT NULL DEFAULT 0);
`;

/**
 * `kv_copy` as made before the "behind" state: its CHECK constraint refuses
 * it, and SQLite cannot alter a constraint, so the one-row table is copied
 * into one made with today's statement (once, in one synchronous block).
 */
export function allowKvBehind(sql: SqlStorage): void {
  const made = sql
    .exec<{ sql: string }>(
      "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'kv_copy'",
    )
    .toArray()[0]?.sql;
  if (made === undefined || made.includes("'behind'")) return;
  const create = /CREATE TABLE IF NOT EXISTS kv_copy \([^;]*\);/.exec(ROW_TABLES)?.[0];
  if (!create) throw new Error("kv_copy's statement is missing from ROW_TABLES");
  sql.exec(`ALTER TABLE kv_copy RENAME TO kv_copy_before_behind;
    ${create}
    INSERT INTO kv_copy (id, kv_version, kv_state, kv_seen)
      SELECT id, kv_version, kv_state, kv_seen FROM kv_copy_before_behind;
    DROP TABLE kv_copy_before_behind;`);
}

/** The fields asked for, by table. */
function byTable<R, K extends keyof R>(columns: Columns<R>, keys: readonly K[]): Map<string, K[]> {
  const tables = new Map<string, K[]>();
  for (const k of keys) tables.set(columns[k].table, [...(tables.get(columns[k].table) ?? []), k]);
  return tables;
}

/** Some fields of a typed row (their defaults while a table has no row). */
export function readRow<R, K extends keyof R>(
  sql: SqlStorage,
  columns: Columns<R>,
  keys: readonly K[],
): Pick<R, K> {
  const out = {} as Pick<R, K>;
  for (const [table, fields] of byTable(columns, keys)) {
    const names = fields.map((k) => columns[k].name);
    const row = sql.exec(`SELECT ${names.join(", ")} FROM ${table} WHERE id = 1`).toArray()[0];
    for (const k of fields) out[k] = columns[k].read(row?.[columns[k].name]);
  }
  return out;
}

/** Writes the given fields of a typed row: one row written per table they touch. */
export function writeRow<R>(sql: SqlStorage, columns: Columns<R>, change: Partial<R>): void {
  const keys = (Object.keys(change) as (keyof R)[]).filter((k) => change[k] !== undefined);
  for (const [table, fields] of byTable(columns, keys)) {
    const names = fields.map((k) => columns[k].name);
    sql.exec(
      `INSERT INTO ${table} (id, ${names.join(", ")}) VALUES (1, ${names.map(() => "?").join(", ")})
       ON CONFLICT (id) DO UPDATE SET ${names.map((n) => `${n} = excluded.${n}`).join(", ")}`,
      ...fields.map((k) => columns[k].write(change[k] as R[typeof k])),
    );
  }
}

/** What the old rows wrote to "kv-seen" when KV had no document. */
const OLD_DELETED = "\u0000deleted";

/** Copies the string-keyed rows of earlier releases into the typed rows, then drops them. */
export function migrateKeyValueRows(sql: SqlStorage): void {
  const old = sql
    .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('texts', 'numbers')")
    .toArray()
    .map((row) => String(row.name));
  if (old.length === 0) return;
  const rows = (table: string) =>
    new Map(
      old.includes(table)
        ? sql
            .exec(`SELECT key, value FROM ${table}`)
            .toArray()
            .map((r) => [String(r.key), r.value])
        : [],
    );
  const texts = rows("texts");
  const numbers = rows("numbers");
  const seen = text(texts.get("kv-seen"));
  writeRow(sql, SERVICE, {
    service: text(texts.get("service")),
    imported: int(numbers.get("imported")) === 1,
    document: text(texts.get("document")),
    history: text(texts.get("history")),
    lastGood: text(texts.get("last-good")),
    highest: int(numbers.get("highest")),
    kvVersion: int(numbers.get("kv-version")),
    kvSeen: seen === OLD_DELETED ? null : seen,
    kvState: kvState(texts.get("kv-state")),
  });
  writeRow(sql, ROLLOUT, { status: ROLLOUT.status.read(texts.get("rollout")) });
  writeRow(sql, FLUSH, {
    batches: FLUSH.batches.read(texts.get("batches")),
    changed: int(numbers.get("shadow-changed")),
    mirrored: int(numbers.get("shadow-mirrored")),
    mirroredRecord: int(numbers.get("shadow-mirrored-record")),
  });
  sql.exec("DROP TABLE IF EXISTS texts; DROP TABLE IF EXISTS numbers;");
}
