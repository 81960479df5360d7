/**
 * Request metrics in KV: each isolate aggregates in memory and writes its
 * own shard per (service, document version) at most once per flush
 * interval; readers merge the shards.
 *
 * Layer: adapter (the only module that reads or writes `metrics:` keys).
 * Key: `metrics:<service>:<revision>:<isolate>`, holding that isolate's
 * cumulative totals for the document revision (rewriting it is idempotent), expiring
 * after 8 days. No key is written by more than one isolate, nor more than
 * once per interval, and the request never waits for a write (waitUntil):
 * the first recording after a flush schedules the next one for the end of
 * the interval, so quiet isolates flush too.
 * What it can lose: an isolate's last interval when it is evicted before
 * its next flush; and KV list/get are eventually consistent (up to ~60 s
 * behind in production), so the analyzer sees slightly old totals.
 */

import {
  emptyVersionMetrics,
  mergeVersionMetrics,
  observeRequest,
  type RequestObservation,
  revisionOf,
  type VersionMetrics,
} from "../../core/rollout/request-metrics.ts";
import { metricsKey, metricsPrefix } from "../../document/kv-keys.ts";

const EXPIRATION_TTL_SECONDS = 8 * 86_400;
/** Shards kept in memory per isolate (services x versions); oldest dropped. */
const MAX_SHARDS = 64;

type WaitUntil = (promise: Promise<unknown>) => void;

interface Shard {
  metrics: VersionMetrics;
  dirty: boolean;
}

export class KvMetricsRecorder {
  readonly #kv: KVNamespace;
  readonly #isolate: string;
  readonly #flushMs: number;
  readonly #shards = new Map<string, Shard>();
  #lastFlush = Number.NEGATIVE_INFINITY;
  /** When the pending flush was scheduled (null: none pending). */
  #scheduledAt: number | null = null;

  constructor(kv: KVNamespace, options: { flushMs: number; isolateId?: string }) {
    this.#kv = kv;
    this.#flushMs = options.flushMs;
    this.#isolate = options.isolateId ?? crypto.randomUUID();
  }

  record(o: RequestObservation, waitUntil: WaitUntil): void {
    const id = `${o.service}:${o.revision}`;
    let shard = this.#shards.get(id);
    if (!shard) {
      shard = {
        metrics: emptyVersionMetrics(o.service, o.version, o.revision, o.at),
        dirty: false,
      };
      this.#shards.set(id, shard);
      if (this.#shards.size > MAX_SHARDS) {
        const oldest = this.#shards.keys().next().value;
        if (oldest !== undefined) this.#shards.delete(oldest);
      }
    }
    observeRequest(shard.metrics, o);
    shard.dirty = true;
    // One pending flush per isolate: now if the interval has passed, else at
    // its end, so sparse traffic is flushed too (inside waitUntil, never
    // delaying the response). A pending flush whose request context was
    // cancelled before it ran (waitUntil lasts 30 s) is given up on.
    const pending = this.#scheduledAt;
    if (pending !== null && o.at - pending < this.#flushMs + 30_000) return;
    this.#scheduledAt = o.at;
    const wait = Math.max(0, this.#lastFlush + this.#flushMs - o.at);
    const due = wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
    waitUntil(
      due.then(() => {
        this.#scheduledAt = null;
        this.#lastFlush = Date.now();
        return this.flush();
      }),
    );
  }

  /** Writes every shard that changed since its last write. */
  async flush(): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const shard of this.#shards.values()) {
      if (!shard.dirty) continue;
      shard.dirty = false;
      const m = shard.metrics;
      writes.push(
        this.#kv
          .put(metricsKey(m.service, m.revision, this.#isolate), JSON.stringify(m), {
            expirationTtl: EXPIRATION_TTL_SECONDS,
          })
          .catch((err) => {
            shard.dirty = true; // try again at the next flush
            console.error(JSON.stringify({ message: "metrics flush failed", error: String(err) }));
          }),
      );
    }
    await Promise.all(writes);
  }
}

/** Merges every isolate's shard for one routing document (its revision). */
export async function readVersionMetrics(
  kv: KVNamespace,
  doc: { service: string; version: number; updatedAt: string },
): Promise<VersionMetrics> {
  const { service, version } = doc;
  const revision = revisionOf(doc);
  let merged = emptyVersionMetrics(service, version, revision, Number.POSITIVE_INFINITY);
  merged.lastAt = 0;
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: metricsPrefix(service, revision), cursor });
    const values = await Promise.all(page.keys.map((k) => kv.get<VersionMetrics>(k.name, "json")));
    for (const v of values) if (v) merged = mergeVersionMetrics(merged, v);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  if (!Number.isFinite(merged.firstAt)) merged.firstAt = 0;
  return merged;
}
