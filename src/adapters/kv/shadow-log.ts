/**
 * The local, readable side of shadow mode: a running summary per service and
 * shadow origin, and a bounded, expiring log of notable pairs, in the
 * ROUTING KV namespace. Works wherever KV does, including `wrangler dev`,
 * where the Analytics Engine binding stores nothing.
 *
 * Layer: adapter (the only module that writes shadow state to KV).
 * Design:
 *  - Each isolate aggregates in memory (src/core/shadow/summary.ts) and flushes
 *    its cumulative summary to its OWN shard key
 *    `shadow-summary:<service>:<shadow>:<isolate>`; the report merges the
 *    shards of a service (histograms with fixed buckets merge exactly).
 *  - Notable pairs (disagreements, errors) are batched, at most
 *    `maxRecordsPerFlush` per service per flush (the rest are counted in
 *    the summary as droppedRecords), into one new key per flush
 *    `shadow-log:<service>:<countdown time>:<isolate>` that expires after
 *    `recordTtlSeconds`.
 *  - Flushes run inside ctx.waitUntil and at most once per
 *    `flushIntervalMs` (>= 1 s) per isolate, so no key is ever written more
 *    than once a second (KV's limit per key); a shard expires
 *    `summaryTtlSeconds` after its isolate's last flush.
 * What it can lose: pairs recorded after an isolate's last flush when the
 * isolate dies (crash, memory limit, redeploy) before the flush ran; log
 * batches whose KV write failed (a failed summary write is retried at the
 * next flush, the summary being cumulative); shards of isolates silent for
 * longer than the TTL. Reads are eventually consistent (a new shard can be
 * missing from a listing for up to about a minute). Production-scale
 * numbers come from Analytics Engine (scripts/shadow/summary.sql).
 */

import { isNotable, type ShadowPair } from "../../core/shadow/compare.ts";
import { type ShadowRecord, toRecord } from "../../core/shadow/record.ts";
import {
  addPair,
  addSkip,
  emptySummary,
  type ShadowSummary,
  type SkipReason,
} from "../../core/shadow/summary.ts";
import { shadowLogKey, shadowSummaryKey } from "../../document/kv-keys.ts";

type WaitUntil = (promise: Promise<unknown>) => void;

export interface ShadowLogOptions {
  /** Names this isolate's shard; random by default. */
  isolateId?: string;
  now?: () => number;
  /** Minimum time between two flushes of this isolate (at least 1000 ms). */
  flushIntervalMs?: number;
  summaryTtlSeconds?: number;
  recordTtlSeconds?: number;
  maxRecordsPerFlush?: number;
  /** Summaries kept in memory at once (oldest evicted after it was flushed). */
  maxSummaries?: number;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

export class KvShadowLog {
  readonly #kv: KVNamespace;
  readonly #opts: Required<ShadowLogOptions>;
  readonly #summaries = new Map<string, ShadowSummary>();
  readonly #dirty = new Set<string>();
  readonly #records = new Map<string, ShadowRecord[]>();
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  #scheduled: Promise<void> | null = null;
  #scheduledAt = 0;
  #running: Promise<void> | null = null;

  constructor(kv: KVNamespace, options: ShadowLogOptions = {}) {
    this.#kv = kv;
    this.#opts = {
      isolateId: crypto.randomUUID().slice(0, 8),
      now: Date.now,
      flushIntervalMs: 1_000,
      summaryTtlSeconds: 7 * 24 * 3600,
      recordTtlSeconds: 24 * 3600,
      maxRecordsPerFlush: 20,
      maxSummaries: 256,
      log: (message, detail) => console.error(JSON.stringify({ message, ...detail })),
      ...options,
    };
    this.#opts.flushIntervalMs = Math.max(1_000, this.#opts.flushIntervalMs);
    // KV rejects an expirationTtl under 60 seconds.
    this.#opts.summaryTtlSeconds = Math.max(60, this.#opts.summaryTtlSeconds);
    this.#opts.recordTtlSeconds = Math.max(60, this.#opts.recordTtlSeconds);
  }

  get isolateId(): string {
    return this.#opts.isolateId;
  }

  recordPair(pair: ShadowPair, waitUntil: WaitUntil): void {
    const summary = this.#summary(pair.service, pair.shadow, pair.at);
    addPair(summary, pair);
    if (isNotable(pair.comparison)) {
      const pending = this.#records.get(pair.service) ?? [];
      if (pending.length < this.#opts.maxRecordsPerFlush) {
        pending.push(toRecord(pair));
        this.#records.set(pair.service, pending);
      } else {
        summary.droppedRecords += 1;
      }
    }
    this.#schedule(waitUntil);
  }

  recordSkip(
    skip: { service: string; shadow: string; reason: SkipReason; version: number },
    waitUntil: WaitUntil,
  ): void {
    const at = this.#opts.now();
    addSkip(this.#summary(skip.service, skip.shadow, at), skip.reason, at, skip.version);
    this.#schedule(waitUntil);
  }

  /** This isolate's in-memory summaries (cumulative since the isolate started). */
  summaries(): ShadowSummary[] {
    return [...this.#summaries.values()].map((s) => structuredClone(s));
  }

  /** Waits for a scheduled flush, if any (tests and shutdown). */
  async settled(): Promise<void> {
    while (this.#scheduled || this.#running) await (this.#scheduled ?? this.#running);
  }

  #summary(service: string, shadow: string, at: number): ShadowSummary {
    const key = shadowSummaryKey(service, shadow, this.#opts.isolateId);
    let summary = this.#summaries.get(key);
    if (!summary) {
      summary = emptySummary(service, shadow, at);
      this.#summaries.set(key, summary);
      this.#evict();
    }
    this.#dirty.add(key);
    return summary;
  }

  #evict(): void {
    for (const key of this.#summaries.keys()) {
      if (this.#summaries.size <= this.#opts.maxSummaries) return;
      if (!this.#dirty.has(key)) this.#summaries.delete(key);
    }
  }

  #schedule(waitUntil: WaitUntil): void {
    const now = this.#opts.now();
    // A pending flush carries this pair too, unless its request context died
    // (waitUntil's 30 s limit) and it will never run.
    const stale = now - this.#scheduledAt > this.#opts.flushIntervalMs + 30_000;
    if (this.#scheduled && !stale) return;
    this.#scheduledAt = now;
    // Never awaits a flush started by another request: promises do not cross
    // request contexts in Workers. Flush starts stay >= flushIntervalMs apart.
    const run = async () => {
      const interval = this.#opts.flushIntervalMs;
      for (let left = this.#lastFlushAt + interval - this.#opts.now(); left > 0; ) {
        await new Promise((resolve) => setTimeout(resolve, left));
        left = this.#lastFlushAt + interval - this.#opts.now();
      }
      if (this.#scheduled === scheduled) this.#scheduled = null;
      const running = this.#flush();
      this.#running = running;
      await running;
      if (this.#running === running) this.#running = null;
    };
    const scheduled: Promise<void> = Promise.resolve().then(run);
    this.#scheduled = scheduled;
    waitUntil(scheduled);
  }

  async #flush(): Promise<void> {
    const at = this.#opts.now();
    this.#lastFlushAt = at;
    const summaries = [...this.#dirty].map((key) => {
      const summary = this.#summaries.get(key);
      return [key, summary ? JSON.stringify(summary) : null] as const;
    });
    this.#dirty.clear();
    const records = [...this.#records];
    this.#records.clear();

    const { isolateId, summaryTtlSeconds, recordTtlSeconds } = this.#opts;
    const writes = [
      ...summaries.map(async ([key, text]) => {
        if (text === null) return;
        try {
          await this.#kv.put(key, text, { expirationTtl: summaryTtlSeconds });
        } catch (err) {
          this.#dirty.add(key); // cumulative: the next flush writes it again
          this.#opts.log("shadow summary not written", { key, error: String(err) });
        }
      }),
      ...records.map(async ([service, batch]) => {
        const key = shadowLogKey(service, at, isolateId);
        try {
          await this.#kv.put(key, JSON.stringify(batch), { expirationTtl: recordTtlSeconds });
        } catch (err) {
          this.#opts.log("shadow records lost", { key, count: batch.length, error: String(err) });
        }
      }),
    ];
    await Promise.all(writes);
  }
}
