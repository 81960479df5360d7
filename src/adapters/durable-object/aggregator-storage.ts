/**
 * A location aggregator's SQLite state (the AggregatorState port,
 * src/ports/aggregator-state.ts): the sealed batches for the service object
 * (one row each, deleted once acknowledged) and one row holding the
 * isolates' ledger and the next sequence number (a seal writes these two
 * rows), and one with the service's name (written once).
 *
 * Layer: adapter (the aggregator object's storage).
 */
import type { DeltaBatch } from "../../core/control/batches.ts";
import type { Ledger } from "../../core/control/delta-buffer.ts";
import type { AggregatorState } from "../../ports/aggregator-state.ts";

export class AggregatorStorage implements AggregatorState {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS sealed (seq INTEGER PRIMARY KEY, batch TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1),
        next_seq INTEGER NOT NULL, isolates TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS aggregates (id INTEGER PRIMARY KEY CHECK (id = 1),
        service TEXT NOT NULL);`);
  }

  service(): string | null {
    const row = this.#sql.exec("SELECT service FROM aggregates WHERE id = 1").toArray()[0];
    return row ? String(row.service) : null;
  }

  setService(service: string): void {
    this.#sql.exec("INSERT OR REPLACE INTO aggregates (id, service) VALUES (1, ?)", service);
  }

  ledger(): Map<string, Ledger> {
    const row = this.#sql.exec("SELECT isolates FROM ledger WHERE id = 1").toArray()[0];
    const out = new Map<string, Ledger>();
    if (!row) return out;
    for (const [isolate, l] of Object.entries(
      JSON.parse(String(row.isolates)) as Record<string, Ledger>,
    )) {
      if (typeof l?.seq === "number" && typeof l.seen === "number") out.set(isolate, l);
    }
    return out;
  }

  nextSeq(): number {
    const row = this.#sql.exec("SELECT next_seq FROM ledger WHERE id = 1").toArray()[0];
    return row ? Number(row.next_seq) : 1;
  }

  seal(batch: DeltaBatch, ledger: Map<string, Ledger>): void {
    this.#sql.exec(
      "INSERT INTO sealed (seq, batch) VALUES (?, ?)",
      batch.seq,
      JSON.stringify(batch),
    );
    this.#sql.exec(
      `INSERT INTO ledger (id, next_seq, isolates) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE
       SET next_seq = excluded.next_seq, isolates = excluded.isolates`,
      batch.seq + 1,
      JSON.stringify(Object.fromEntries(ledger)),
    );
  }

  unacknowledged(): DeltaBatch[] {
    return this.#sql
      .exec("SELECT batch FROM sealed ORDER BY seq")
      .toArray()
      .map((r) => JSON.parse(String(r.batch)) as DeltaBatch);
  }

  acknowledged(upTo: number): void {
    this.#sql.exec("DELETE FROM sealed WHERE seq <= ?", upTo);
  }
}
