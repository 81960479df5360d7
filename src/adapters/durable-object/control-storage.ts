/**
 * The control object's SQLite storage: its typed rows (the service's
 * document and KV's copy, the rollout record, the flush's ledger and
 * marks: ./control-rows.ts), exact per-revision arm totals, a per-arm time
 * series in 10 s buckets, the shadow summaries and a bounded log of
 * notable shadow pairs. It implements the ControlState port
 * (src/ports/control-state.ts) structurally.
 *
 * Layer: adapter (with control-rows.ts, the only code that touches
 * `ctx.storage.sql`). Every method is synchronous: SQLite calls in a
 * Durable Object are, and a method that runs no `await` is atomic (nothing
 * else runs in the object meanwhile). Rows written are billed, so the
 * object buffers check-ins in memory and writes them here in one flush per
 * interval (src/core/control/delta-buffer.ts), a handful of rows whatever
 * the number of isolates.
 *
 * An arm's totals per revision are one row, its user parts included as two
 * JSON columns (`users`: the sums over user buckets, `seen`: the sparse
 * distinct-user bitmap; NULL while empty), and its streamed answers in a
 * third (`streams`, also kept per series bucket): one row written per arm and
 * flush, never one per user bucket. The tables and their migrations:
 * ./control-schema.ts.
 */
import { mergeStreamSums } from "../../core/answers/stream-sums.ts";
import type { ArmCounts, Flushable, Ledger } from "../../core/control/delta-buffer.ts";
import type { ServiceRow, ShadowMirrorRow } from "../../core/control/state-rows.ts";
import { mergeHistograms } from "../../core/histogram.ts";
import {
  type ArmAggregate,
  emptyVersionMetrics,
  type VersionMetrics,
} from "../../core/rollout/request-metrics.ts";
import type { StoredRolloutStatus } from "../../core/rollout/rollout-status.ts";
import { mergeSeenUsers, mergeUserSums, total } from "../../core/rollout/user-sums.ts";
import type { ShadowRecord } from "../../core/shadow/record.ts";
import { mergeSummaries, parseSummary, type ShadowSummary } from "../../core/shadow/summary.ts";
import type { SeriesPoint } from "../../ports/control-plane-reader.ts";
import { FLUSH, ROLLOUT, readRow, SERVICE, writeRow } from "./control-rows.ts";
import { countsOf, createTables, latencyOf, seenOf, streamsOf, usersOf } from "./control-schema.ts";

/** Width of one time-series bucket. */
export const SERIES_BUCKET_MS = 10_000;
/** How long the time series is kept. */
export const SERIES_KEEP_MS = 6 * 3_600_000;
/** Revisions (and their totals) not seen for this long are dropped. */
const REVISION_KEEP_MS = 8 * 86_400_000;
/** Notable shadow pairs kept (newest). */
export const SHADOW_RECORDS_KEPT = 500;

export class ControlStorage {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    createTables(sql);
  }

  /** Fields of the service row (only those named: its texts can be large). */
  service<K extends keyof ServiceRow>(...keys: K[]): Pick<ServiceRow, K> {
    return readRow(this.#sql, SERVICE, keys);
  }

  /** Writes fields of the service row (one row written). */
  setService(change: Partial<ServiceRow>): void {
    writeRow(this.#sql, SERVICE, change);
  }

  rolloutStatus(): StoredRolloutStatus | null {
    return readRow(this.#sql, ROLLOUT, ["status"]).status;
  }

  setRolloutStatus(status: StoredRolloutStatus): void {
    writeRow(this.#sql, ROLLOUT, { status });
  }

  /** Per isolate: the highest batch durably applied, and when it was last seen. */
  appliedBatches(): Map<string, Ledger> {
    return readRow(this.#sql, FLUSH, ["batches"]).batches;
  }

  shadowMirror(): ShadowMirrorRow {
    return readRow(this.#sql, FLUSH, ["changed", "mirrored", "mirroredRecord"]);
  }

  setShadowMirror(change: Partial<ShadowMirrorRow>): void {
    writeRow(this.#sql, FLUSH, change);
  }

  /**
   * Writes one flush of the buffered check-ins: totals per revision, series
   * buckets, shadow summaries and pairs, and the batch ledger, which
   * acknowledges them (one synchronous block: one implicit transaction).
   */
  writeFlush(f: Flushable): void {
    for (const m of f.totals) this.#addTotals(m);
    for (const { bucket, arm, delta } of f.series.values()) this.#addSeries(bucket, arm, delta);
    for (const summary of f.shadow) this.#addShadow(summary);
    this.#addShadowRecords(f.records);
    const changed = this.shadowMirror().changed + (f.shadow.length > 0 ? 1 : 0);
    writeRow(this.#sql, FLUSH, { batches: f.ledger, changed });
  }

  /** Adds deltas of a revision to its exact totals. */
  #addTotals(m: VersionMetrics): void {
    this.#sql.exec(
      `INSERT INTO revisions (revision, version, first_at, last_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (revision) DO UPDATE SET first_at = min(first_at, excluded.first_at),
       last_at = max(last_at, excluded.last_at)`,
      m.revision,
      m.version,
      m.firstAt,
      m.lastAt,
    );
    for (const [arm, delta] of Object.entries(m.arms)) this.#addArmTotals(m.revision, arm, delta);
    for (const [role, n] of Object.entries(m.identified)) {
      this.#sql.exec(
        "INSERT INTO identified (revision, role, n) VALUES (?, ?, ?) ON CONFLICT (revision, role) DO UPDATE SET n = n + excluded.n",
        m.revision,
        role,
        n,
      );
    }
  }

  /** Adds an arm's deltas to its totals for a revision: one row, user parts merged exactly. */
  #addArmTotals(revision: string, arm: string, d: ArmAggregate): void {
    const row = this.#sql
      .exec(
        "SELECT latency, users, seen, streams FROM arm_totals WHERE revision = ? AND arm = ?",
        revision,
        arm,
      )
      .toArray()[0];
    const latency = row ? mergeHistograms(latencyOf(row), d.latencyMs) : d.latencyMs;
    const users = row ? mergeUserSums(usersOf(row), d.users) : d.users;
    const seen = row ? mergeSeenUsers(seenOf(row), d.seen) : d.seen;
    const streams = row ? mergeStreamSums(streamsOf(row), d.streams) : d.streams;
    this.#sql.exec(
      `INSERT INTO arm_totals (revision, arm, requests, errors, failovers, latency, users, seen, streams)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (revision, arm) DO UPDATE SET
       requests = requests + excluded.requests, errors = errors + excluded.errors,
       failovers = failovers + excluded.failovers, latency = excluded.latency,
       users = excluded.users, seen = excluded.seen, streams = excluded.streams`,
      revision,
      arm,
      d.requests,
      d.errors,
      d.failovers,
      JSON.stringify(latency),
      total(users.requests) === 0 ? null : JSON.stringify(users),
      Object.keys(seen).length === 0 ? null : JSON.stringify(seen),
      streams ? JSON.stringify(streams) : null,
    );
  }

  /** Adds an arm's deltas to a time-series bucket (counts and latency: no user parts). */
  #addSeries(bucket: number, arm: string, d: ArmCounts): void {
    const row = this.#sql
      .exec("SELECT latency, streams FROM series WHERE bucket = ? AND arm = ?", bucket, arm)
      .toArray()[0];
    const latency = row ? mergeHistograms(latencyOf(row), d.latencyMs) : d.latencyMs;
    const streams = row ? mergeStreamSums(streamsOf(row), d.streams) : d.streams;
    this.#sql.exec(
      `INSERT INTO series (bucket, arm, requests, errors, failovers, latency, streams)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, arm) DO UPDATE SET
       requests = requests + excluded.requests, errors = errors + excluded.errors,
       failovers = failovers + excluded.failovers, latency = excluded.latency,
       streams = excluded.streams`,
      bucket,
      arm,
      d.requests,
      d.errors,
      d.failovers,
      JSON.stringify(latency),
      streams ? JSON.stringify(streams) : null,
    );
  }

  /** Every isolate's metrics for one revision, merged exactly (null: none recorded). */
  metrics(service: string, revision: string): VersionMetrics | null {
    const rev = this.#sql
      .exec("SELECT version, first_at, last_at FROM revisions WHERE revision = ?", revision)
      .toArray()[0];
    if (!rev) return null;
    const m = emptyVersionMetrics(service, Number(rev.version), revision, Number(rev.first_at));
    m.lastAt = Number(rev.last_at);
    for (const row of this.#sql.exec("SELECT * FROM arm_totals WHERE revision = ?", revision)) {
      m.arms[String(row.arm)] = { ...countsOf(row), users: usersOf(row), seen: seenOf(row) };
    }
    for (const row of this.#sql.exec(
      "SELECT role, n FROM identified WHERE revision = ?",
      revision,
    )) {
      m.identified[String(row.role)] = Number(row.n);
    }
    return m;
  }

  /** The per-arm time series since `since` (10 s buckets, oldest first). */
  series(since: number): SeriesPoint[] {
    return this.#sql
      .exec("SELECT * FROM series WHERE bucket >= ? ORDER BY bucket, arm", since)
      .toArray()
      .map((row) => ({ at: Number(row.bucket), arm: String(row.arm), ...countsOf(row) }));
  }

  #addShadow(delta: ShadowSummary): void {
    const stored = this.shadowSummary(delta.shadow);
    const merged = stored ? mergeSummaries(stored, delta) : delta;
    this.#sql.exec(
      "INSERT INTO shadow_summaries (shadow, summary) VALUES (?, ?) ON CONFLICT (shadow) DO UPDATE SET summary = excluded.summary",
      delta.shadow,
      JSON.stringify(merged),
    );
  }

  shadowSummary(shadow: string): ShadowSummary | null {
    const row = this.#sql
      .exec("SELECT summary FROM shadow_summaries WHERE shadow = ?", shadow)
      .toArray()[0];
    return row ? parseSummary(String(row.summary)) : null;
  }

  shadowSummaries(): ShadowSummary[] {
    return this.#sql
      .exec("SELECT summary FROM shadow_summaries")
      .toArray()
      .map((row) => parseSummary(String(row.summary)))
      .filter((s): s is ShadowSummary => s !== null);
  }

  /**
   * Adds notable pairs, keeping the newest SHADOW_RECORDS_KEPT: rows written
   * are billed, and a flush may bring 20 per isolate.
   */
  #addShadowRecords(records: readonly ShadowRecord[]): void {
    if (records.length === 0) return;
    for (const r of records.slice(-SHADOW_RECORDS_KEPT)) {
      this.#sql.exec("INSERT INTO shadow_records (record) VALUES (?)", JSON.stringify(r));
    }
    this.#sql.exec(
      "DELETE FROM shadow_records WHERE id <= (SELECT max(id) FROM shadow_records) - ?",
      SHADOW_RECORDS_KEPT,
    );
  }

  /** The newest notable shadow pairs, newest first. */
  shadowRecords(limit: number): ShadowRecord[] {
    return this.#sql
      .exec("SELECT record FROM shadow_records ORDER BY id DESC LIMIT ?", limit)
      .toArray()
      .map((row) => JSON.parse(String(row.record)) as ShadowRecord);
  }

  /** Notable pairs recorded after row `id` (oldest first), for the KV mirror. */
  shadowRecordsAfter(id: number, limit: number): { id: number; record: ShadowRecord }[] {
    return this.#sql
      .exec("SELECT id, record FROM shadow_records WHERE id > ? ORDER BY id LIMIT ?", id, limit)
      .toArray()
      .map((row) => ({
        id: Number(row.id),
        record: JSON.parse(String(row.record)) as ShadowRecord,
      }));
  }

  /** Drops old buckets, revisions, isolates and shadow records (run on the alarm). */
  prune(now: number): void {
    this.#sql.exec("DELETE FROM series WHERE bucket < ?", now - SERIES_KEEP_MS);
    const old = now - REVISION_KEEP_MS;
    this.#sql.exec(
      "DELETE FROM arm_totals WHERE revision IN (SELECT revision FROM revisions WHERE last_at < ?)",
      old,
    );
    this.#sql.exec(
      "DELETE FROM identified WHERE revision IN (SELECT revision FROM revisions WHERE last_at < ?)",
      old,
    );
    this.#sql.exec("DELETE FROM revisions WHERE last_at < ?", old);
    this.#sql.exec(
      "DELETE FROM shadow_records WHERE id <= (SELECT max(id) FROM shadow_records) - ?",
      SHADOW_RECORDS_KEPT,
    );
  }
}
