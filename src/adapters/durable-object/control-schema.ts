/**
 * The control object's SQLite tables (./control-storage.ts reads and writes
 * them; ./control-rows.ts holds the typed single rows) and their migrations
 * for objects created by earlier releases: the old key-value rows become
 * typed rows, `arm_totals` gains the user columns (`users`, `seen`),
 * whose NULL reads as no users, and `kv_copy` accepts the "behind" state;
 * and how a row's columns decode (JSON
 * columns checked as the wire's are: NULL, absent or malformed is empty).
 *
 * Layer: adapter (Durable Object storage). Runs in the object's constructor:
 * every statement is idempotent (CREATE ... IF NOT EXISTS, a column added
 * only when missing).
 */

import { type StreamSums, streamFromWire } from "../../core/answers/stream-sums.ts";
import type { ArmCounts } from "../../core/control/delta-buffer.ts";
import { emptyHistogram, type Histogram } from "../../core/histogram.ts";
import {
  type SeenUsers,
  seenUsersFrom,
  type UserSums,
  userSumsFrom,
} from "../../core/rollout/user-sums.ts";
import { allowKvBehind, migrateKeyValueRows, ROW_TABLES } from "./control-rows.ts";

export type Row = Record<string, SqlStorageValue>;

export function createTables(sql: SqlStorage): void {
  sql.exec(`${ROW_TABLES}
      CREATE TABLE IF NOT EXISTS revisions (revision TEXT PRIMARY KEY, version INTEGER NOT NULL,
        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS arm_totals (revision TEXT NOT NULL, arm TEXT NOT NULL,
        requests INTEGER NOT NULL, errors INTEGER NOT NULL, failovers INTEGER NOT NULL,
        latency TEXT NOT NULL, users TEXT, seen TEXT, PRIMARY KEY (revision, arm));
      CREATE TABLE IF NOT EXISTS identified (revision TEXT NOT NULL, role TEXT NOT NULL,
        n INTEGER NOT NULL, PRIMARY KEY (revision, role));
      CREATE TABLE IF NOT EXISTS series (bucket INTEGER NOT NULL, arm TEXT NOT NULL,
        requests INTEGER NOT NULL, errors INTEGER NOT NULL, failovers INTEGER NOT NULL,
        latency TEXT NOT NULL, PRIMARY KEY (bucket, arm));
      CREATE TABLE IF NOT EXISTS shadow_summaries (shadow TEXT PRIMARY KEY, summary TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS shadow_records (id INTEGER PRIMARY KEY AUTOINCREMENT,
        record TEXT NOT NULL);
    `);
  migrateKeyValueRows(sql);
  addUserColumns(sql);
  allowKvBehind(sql);
}

/** Adds the user and stream columns to tables made before them; once. */
function addUserColumns(sql: SqlStorage): void {
  const columns = sql.exec("SELECT * FROM arm_totals LIMIT 0").columnNames;
  if (!columns.includes("users")) sql.exec("ALTER TABLE arm_totals ADD COLUMN users TEXT");
  if (!columns.includes("seen")) sql.exec("ALTER TABLE arm_totals ADD COLUMN seen TEXT");
  if (!columns.includes("streams")) sql.exec("ALTER TABLE arm_totals ADD COLUMN streams TEXT");
  const series = sql.exec("SELECT * FROM series LIMIT 0").columnNames;
  if (!series.includes("streams")) sql.exec("ALTER TABLE series ADD COLUMN streams TEXT");
}

export function countsOf(row: Row): ArmCounts {
  const counts = {
    requests: Number(row.requests),
    errors: Number(row.errors),
    failovers: Number(row.failovers),
    latencyMs: latencyOf(row),
  };
  const streams = streamsOf(row);
  return streams ? { ...counts, streams } : counts;
}

/** The stored stream sums, checked as the wire's are (NULL or malformed: none). */
export const streamsOf = (row: Row): StreamSums | undefined =>
  streamFromWire(jsonOf(row.streams)) ?? undefined;

/** A JSON column's value; undefined when NULL or not JSON. */
function jsonOf(v: SqlStorageValue | undefined): unknown {
  if (typeof v !== "string") return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

export const latencyOf = (row: Row): Histogram =>
  row.latency ? (JSON.parse(String(row.latency)) as Histogram) : emptyHistogram();
/** The stored sums, checked as the wire's are (NULL, absent or malformed: empty). */
export const usersOf = (row: Row): UserSums =>
  userSumsFrom(jsonOf(row.users), Number(row.requests));
export const seenOf = (row: Row): SeenUsers => seenUsersFrom(jsonOf(row.seen));
