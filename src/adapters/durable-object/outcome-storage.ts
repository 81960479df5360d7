/**
 * The control object's outcome tables: which receipts counted for which
 * metric (`outcome_seen`, kept until the receipt expires), and exact sums
 * per revision, arm, metric and user bucket (`outcome_sums`). Implements the
 * OutcomeStore port (src/ports/outcome-store.ts).
 *
 * Layer: adapter (Durable Object storage). A batch is one synchronous
 * method: its dedup rows and sums are written atomically. Rows written are
 * billed: a batch writes one dedup row per new outcome and one sums row per
 * cell it touches (a cell's outcomes are added up in memory first).
 */
import { OUTCOME_LIMITS } from "../../core/outcomes/outcome-batch.ts";
import type { OutcomeCell } from "../../core/outcomes/outcome-sums.ts";
import type { OutcomeStore, Recorded, Verified } from "../../ports/outcome-store.ts";

export class OutcomeStorage implements OutcomeStore {
  readonly #sql: SqlStorage;
  /** The metrics the sums hold (null: not read yet, or pruned since). */
  #metrics: Set<string> | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`
      CREATE TABLE IF NOT EXISTS outcome_seen (id TEXT NOT NULL, metric TEXT NOT NULL,
        expires INTEGER NOT NULL, PRIMARY KEY (id, metric)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS outcome_sums (revision TEXT NOT NULL, arm TEXT NOT NULL,
        metric TEXT NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL,
        sum_sq REAL NOT NULL, last_at INTEGER NOT NULL,
        PRIMARY KEY (revision, arm, metric, bucket)) WITHOUT ROWID;
    `);
  }

  record(outcomes: readonly Verified[], nowMs: number): Recorded[] {
    // Read once per instance (a scan of the sums), then kept: every batch asks.
    this.#metrics ??= new Set(
      this.#sql
        .exec<{ metric: string }>("SELECT DISTINCT metric FROM outcome_sums")
        .toArray()
        .map((r) => r.metric),
    );
    const metrics = this.#metrics;
    const cells = new Map<string, OutcomeCell>();
    const results = outcomes.map((o): Recorded => {
      if (!metrics.has(o.metric)) {
        if (metrics.size >= OUTCOME_LIMITS.metricsPerService) return "too_many_metrics";
        metrics.add(o.metric);
      }
      const inserted = this.#sql.exec(
        "INSERT OR IGNORE INTO outcome_seen (id, metric, expires) VALUES (?, ?, ?)",
        o.id,
        o.metric,
        o.expiresMs,
      ).rowsWritten;
      if (inserted === 0) return "duplicate";
      const key = JSON.stringify([o.revision, o.arm, o.metric, o.bucket]);
      const cell = cells.get(key) ?? {
        revision: o.revision,
        arm: o.arm,
        metric: o.metric,
        bucket: o.bucket,
        n: 0,
        sum: 0,
        sumSq: 0,
      };
      cell.n += 1;
      cell.sum += o.value;
      cell.sumSq += o.value * o.value;
      cells.set(key, cell);
      return "accepted";
    });
    for (const c of cells.values()) {
      this.#sql.exec(
        `INSERT INTO outcome_sums (revision, arm, metric, bucket, n, sum, sum_sq, last_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (revision, arm, metric, bucket) DO UPDATE SET n = n + excluded.n,
           sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq, last_at = excluded.last_at`,
        c.revision,
        c.arm,
        c.metric,
        c.bucket,
        c.n,
        c.sum,
        c.sumSq,
        nowMs,
      );
    }
    return results;
  }

  cells(): OutcomeCell[] {
    return this.#sql
      .exec<Record<string, SqlStorageValue>>(
        "SELECT revision, arm, metric, bucket, n, sum, sum_sq FROM outcome_sums",
      )
      .toArray()
      .map((r) => ({
        revision: String(r.revision),
        arm: String(r.arm),
        metric: String(r.metric),
        bucket: Number(r.bucket),
        n: Number(r.n),
        sum: Number(r.sum),
        sumSq: Number(r.sum_sq),
      }));
  }

  prune(nowMs: number, keepMs: number): void {
    this.#sql.exec("DELETE FROM outcome_seen WHERE expires < ?", nowMs);
    this.#sql.exec("DELETE FROM outcome_sums WHERE last_at < ?", nowMs - keepMs);
    this.#metrics = null;
  }
}
