/**
 * The control object's in-memory buffer of check-in deltas, flushed to
 * SQLite once per interval: rows written are what a Durable Object is
 * billed for, and one flush writes a handful of rows (a few arm totals,
 * series buckets and the batch ledger) whether 10 or 10,000 isolates
 * checked in meanwhile.
 *
 * Exactness across a restart of the object: a batch counts as acknowledged
 * to its isolate only once flushed (`durable`); until then the isolate
 * keeps re-sending it and the buffer skips what it already holds
 * (`applied`). If the object is evicted with an unflushed buffer, the
 * isolates re-send those batches to the new instance, which applies them
 * once. So the object loses nothing, and an evicted isolate loses only
 * what it had not sent yet (at most one check-in interval).
 *
 * Layer: core (pure bookkeeping, time passed in; the object does the I/O).
 * Which batches count is ./batches.ts.
 */

import { mergeStreamSums } from "../answers/stream-sums.ts";
import { dict, own } from "../dict.ts";
import { mergeHistograms } from "../histogram.ts";
import {
  type ArmAggregate,
  addVersionMetrics,
  emptyVersionMetrics,
  type VersionMetrics,
} from "../rollout/request-metrics.ts";
import type { ShadowRecord } from "../shadow/record.ts";
import { mergeSummaries, type ShadowSummary } from "../shadow/summary.ts";
import { batchesToApply, type DeltaBatch } from "./batches.ts";

export interface Ledger {
  seq: number;
  seen: number;
}

/**
 * What a time-series bucket keeps of an arm: its counts, latency and
 * streamed answers. The
 * user parts (sums over user buckets, the distinct-user bitmap) are kept
 * per revision only, where the gates read them.
 */
export type ArmCounts = Omit<ArmAggregate, "users" | "seen">;

export interface Flushable {
  /** Per revision, user parts included (added exactly: addVersionMetrics). */
  totals: VersionMetrics[];
  /** `${bucket}|${arm}` -> deltas. */
  series: Map<string, { bucket: number; arm: string; delta: ArmCounts }>;
  shadow: ShadowSummary[];
  records: ShadowRecord[];
  ledger: Map<string, Ledger>;
}

export class DeltaBuffer {
  /** Highest batch flushed per isolate (what the isolates are told). */
  readonly durable: Map<string, Ledger>;
  /** Highest batch held in memory per isolate (durable or not). */
  readonly #applied = new Map<string, number>();
  #totals = dict<VersionMetrics>();
  #series = new Map<string, { bucket: number; arm: string; delta: ArmCounts }>();
  #shadow = dict<ShadowSummary>();
  #records: ShadowRecord[] = [];
  #dirty = false;
  readonly #bucketMs: number;

  constructor(durable: Map<string, Ledger>, bucketMs: number) {
    this.durable = durable;
    this.#bucketMs = bucketMs;
  }

  /** Applies the batches not applied yet; returns the highest seq now held for the isolate. */
  apply(isolate: string, batches: readonly DeltaBatch[], now: number): number {
    const before = Math.max(this.#applied.get(isolate) ?? 0, this.durable.get(isolate)?.seq ?? 0);
    const { apply, last } = batchesToApply(batches, before);
    const bucket = Math.floor(now / this.#bucketMs) * this.#bucketMs;
    for (const batch of apply) {
      for (const m of batch.metrics) {
        // Added in place: the buffer owns its totals, and a copy per check-in
        // would cost as much as the bitmap it has gathered so far.
        let held = own(this.#totals, m.revision);
        if (!held) {
          held = emptyVersionMetrics(m.service, m.version, m.revision, m.firstAt);
          this.#totals[m.revision] = held;
        }
        addVersionMetrics(held, m);
        for (const [arm, delta] of Object.entries(m.arms)) this.#addSeries(bucket, arm, delta);
      }
      for (const s of batch.shadow) {
        const held = own(this.#shadow, s.shadow);
        this.#shadow[s.shadow] = held ? mergeSummaries(held, s) : s;
      }
      for (const r of batch.records) this.#records.push(r);
    }
    this.#applied.set(isolate, last);
    const ledger = this.durable.get(isolate);
    this.durable.set(isolate, { seq: ledger?.seq ?? 0, seen: now });
    this.#dirty = true;
    return last;
  }

  /** The highest batch of `isolate` that is safe for it to forget. */
  acked(isolate: string): number {
    return this.durable.get(isolate)?.seq ?? 0;
  }

  /** Isolates seen since `since` (the ledger also remembers quiet ones for an hour). */
  isolatesSince(since: number): number {
    let n = 0;
    for (const { seen } of this.durable.values()) if (seen >= since) n += 1;
    return n;
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  /** Hands over everything held and marks it durable (the caller writes it in one go). */
  take(now: number): Flushable {
    for (const [isolate, seq] of this.#applied) {
      const ledger = this.durable.get(isolate);
      this.durable.set(isolate, { seq, seen: ledger?.seen ?? now });
    }
    for (const [isolate, { seen }] of this.durable) {
      if (seen < now - 3_600_000) {
        this.durable.delete(isolate);
        this.#applied.delete(isolate);
      }
    }
    const out: Flushable = {
      totals: Object.values(this.#totals),
      series: this.#series,
      shadow: Object.values(this.#shadow),
      records: this.#records,
      ledger: this.durable,
    };
    this.#totals = dict();
    this.#series = new Map();
    this.#shadow = dict();
    this.#records = [];
    this.#dirty = false;
    return out;
  }

  #addSeries(bucket: number, arm: string, d: ArmCounts): void {
    const key = `${bucket}|${arm}`;
    const held = this.#series.get(key);
    if (!held) {
      const { requests, errors, failovers, latencyMs, streams } = d;
      const counts = { requests, errors, failovers, latencyMs };
      this.#series.set(key, { bucket, arm, delta: streams ? { ...counts, streams } : counts });
      return;
    }
    const streams = mergeStreamSums(held.delta.streams, d.streams);
    const counts = {
      requests: held.delta.requests + d.requests,
      errors: held.delta.errors + d.errors,
      failovers: held.delta.failovers + d.failovers,
      latencyMs: mergeHistograms(held.delta.latencyMs, d.latencyMs),
    };
    held.delta = streams ? { ...counts, streams } : counts;
  }
}
