/**
 * Reads routing documents from Workers KV, with a per-isolate memo.
 *
 * Layer: adapter (the only module that reads routing documents from KV).
 * - Memo: a parsed document is reused for `memoTtlMs`; after that the next
 *   request still gets the memoized copy while one background refresh runs
 *   (stale-while-revalidate through `waitUntil`), up to `maxStaleMs`
 *   (default 2 x memoTtlMs), after which a request waits for the read. With
 *   steady traffic the refresh happens in the background right after the TTL;
 *   sparse traffic reads synchronously. Only one read per service runs at a
 *   time; requests arriving meanwhile get the memoized copy (so a burst after
 *   an idle spell costs one read, not one per request). `memoTtlMs` 0
 *   disables the memo.
 * - Bounded: at most `maxEntries` services are memoized (oldest evicted).
 * - Bad documents never take traffic down: an unparsable or schema-invalid
 *   value is logged and the last good document is served instead (the memo,
 *   else the `:last-good` copy the worker keeps in KV). Only a service that
 *   never had a good document answers "invalid".
 */
import { documentKey, lastGoodKey } from "../schema/kv-keys.ts";
import type { RoutingDocument } from "../schema/routing-document.ts";
import { type FieldError, parseRoutingDocument } from "../schema/validate.ts";

export type LoadResult =
  | { status: "ok"; doc: RoutingDocument; source: "memo" | "kv" | "last-good" }
  | { status: "missing" }
  | { status: "invalid"; errors: FieldError[] };

export interface RoutingStoreOptions {
  memoTtlMs: number;
  /** KV edge cache TTL for reads (Cloudflare's minimum is 30 s). */
  cacheTtlSeconds: number;
  maxStaleMs?: number;
  maxEntries?: number;
  now?: () => number;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

interface MemoEntry {
  result: LoadResult;
  /** Raw KV text behind `result`, to skip re-parsing an unchanged value. */
  raw: string | null;
  loadedAt: number;
  /** A KV read for this service is under way (started then). */
  refreshing: { startedAt: number } | null;
}

type WaitUntil = (promise: Promise<unknown>) => void;

/** A refresh older than this is treated as lost (Workers cap waitUntil at 30 s). */
const READ_GIVE_UP_MS = 30_000;

export class KvRoutingStore {
  readonly #kv: KVNamespace;
  readonly #opts: Required<RoutingStoreOptions>;
  readonly #memo = new Map<string, MemoEntry>();
  #kvReads = 0;

  constructor(kv: KVNamespace, options: RoutingStoreOptions) {
    this.#kv = kv;
    this.#opts = {
      maxStaleMs: options.memoTtlMs * 2,
      maxEntries: 256,
      now: Date.now,
      log: (message, detail) => console.error(JSON.stringify({ message, ...detail })),
      ...options,
    };
  }

  /** The routing document for a service, as fresh as the memo policy allows. */
  async load(service: string, waitUntil: WaitUntil): Promise<LoadResult> {
    const { memoTtlMs, maxStaleMs, now } = this.#opts;
    const entry = this.#memo.get(service);
    if (memoTtlMs <= 0 || !entry) return this.#refresh(service, entry, waitUntil);

    const at = now();
    const age = at - entry.loadedAt;
    if (age < memoTtlMs) return entry.result;
    // One read per service at a time: while it runs, other requests keep the
    // memoized copy instead of each reading KV (no herd after an idle spell).
    // A read that never settled (its request was torn down) is given up on.
    if (entry.refreshing && at - entry.refreshing.startedAt < READ_GIVE_UP_MS) return entry.result;
    const refresh = this.#refresh(service, entry, waitUntil);
    entry.refreshing = { startedAt: at };
    waitUntil(refresh);
    // Too stale to serve (sparse traffic): this request waits for the read.
    return age < Math.max(maxStaleMs, memoTtlMs) ? entry.result : refresh;
  }

  /** Counters for the health endpoint and the benchmark (KV reads per isolate). */
  stats(): { services: number; kvReads: number } {
    return { services: this.#memo.size, kvReads: this.#kvReads };
  }

  /** Forgets every memoized document (tests, admin writes). */
  clear(): void {
    this.#memo.clear();
  }

  async #refresh(
    service: string,
    previous: MemoEntry | undefined,
    waitUntil: WaitUntil,
  ): Promise<LoadResult> {
    let raw: string | null;
    this.#kvReads++;
    try {
      raw = await this.#kv.get(documentKey(service), {
        type: "text",
        cacheTtl: this.#opts.cacheTtlSeconds,
      });
    } catch (err) {
      // KV unreachable: keep serving what we had for another memo period
      // (the next attempt runs in the background), instead of making every
      // request wait for a read that fails.
      this.#opts.log("routing document read failed", { service, error: String(err) });
      if (previous) {
        previous.refreshing = null;
        previous.loadedAt = this.#opts.now();
        return previous.result;
      }
      throw err;
    }

    let result: LoadResult;
    if (previous && raw !== null && raw === previous.raw) {
      result = previous.result;
    } else if (raw === null) {
      result = { status: "missing" };
    } else {
      const parsed = parseRoutingDocument(raw);
      if (parsed.ok && parsed.doc.service !== service) {
        result = {
          status: "invalid",
          errors: [
            { path: "service", message: `is "${parsed.doc.service}", key is for "${service}"` },
          ],
        };
      } else if (parsed.ok) {
        result = { status: "ok", doc: parsed.doc, source: "kv" };
        const previousVersion =
          previous?.result.status === "ok" ? previous.result.doc.version : null;
        if (previousVersion !== parsed.doc.version)
          waitUntil(this.#saveLastGood(service, parsed.doc, raw));
      } else {
        result = { status: "invalid", errors: parsed.errors };
      }
      if (result.status === "invalid") {
        this.#opts.log("routing document rejected; serving the last good one", {
          service,
          errors: result.errors,
        });
        result = (await this.#lastGood(service, previous)) ?? result;
      }
    }

    this.#remember(service, { result, raw, loadedAt: this.#opts.now(), refreshing: null });
    return result;
  }

  async #lastGood(service: string, previous: MemoEntry | undefined): Promise<LoadResult | null> {
    if (previous?.result.status === "ok") return { ...previous.result, source: "last-good" };
    const raw = await this.#kv.get(lastGoodKey(service), { type: "text" });
    if (raw === null) return null;
    const parsed = parseRoutingDocument(raw);
    return parsed.ok ? { status: "ok", doc: parsed.doc, source: "last-good" } : null;
  }

  async #saveLastGood(service: string, doc: RoutingDocument, raw: string): Promise<void> {
    try {
      const stored = await this.#kv.get(lastGoodKey(service), { type: "text" });
      if (stored !== null) {
        const parsed = parseRoutingDocument(stored);
        if (parsed.ok && parsed.doc.version === doc.version) return;
        if (parsed.ok && Date.parse(parsed.doc.updatedAt) > Date.parse(doc.updatedAt)) return;
      }
      await this.#kv.put(lastGoodKey(service), raw);
    } catch (err) {
      // Many isolates may race to write the same key (KV allows one write per
      // second per key); losing that race is harmless.
      this.#opts.log("last-good copy not written", { service, error: String(err) });
    }
  }

  #remember(service: string, entry: MemoEntry): void {
    this.#memo.delete(service);
    this.#memo.set(service, entry);
    if (this.#memo.size > this.#opts.maxEntries) {
      const oldest = this.#memo.keys().next().value;
      if (oldest !== undefined) this.#memo.delete(oldest);
    }
  }
}
