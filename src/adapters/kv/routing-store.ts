/**
 * The routing documents an isolate routes by: read from Workers KV on a
 * cold start, then kept current by the service's control object through
 * check-ins (src/adapters/durable-object/check-in-link.ts calls `confirm`
 * and `offer`), with the KV memo policy below as the fallback whenever
 * check-ins stop (the object unreachable).
 *
 * Layer: adapter (with ./routing-kv.ts, the only code that reads routing
 * documents from KV; the memo is ./routing-memo.ts),
 * implementing the RoutingDocuments port (src/ports/routing-documents.ts).
 * - Check-ins: a confirmation ("current") renews the memo like a KV read
 *   does, so an isolate whose check-ins succeed makes no KV reads at all;
 *   a document the object sends replaces the memo at once. A KV read never
 *   replaces a document the object sent with a lower version (KV lags).
 * - Memo: a parsed document is reused for `memoTtlMs`; after that the next
 *   request still gets the memoized copy while one background refresh runs
 *   (stale-while-revalidate through `waitUntil`), up to `maxStaleMs`
 *   (default 2 x memoTtlMs). That is a hard bound: no request is routed by a
 *   copy read from KV longer ago than maxStaleMs, under any concurrency
 *   (the one exception: KV reads failing, see below). Only one read per
 *   service runs at a time: requests arriving meanwhile keep the memo while
 *   it is within the bound and wait for that read once it is not (so a
 *   burst after an idle spell costs one read and is routed by the new
 *   document; so does a burst into a cold isolate with nothing memoized).
 *   `memoTtlMs` 0 disables the memo.
 * - Bounded: see ./routing-memo.ts (made-up names evict no document).
 * - Unknown names cost at most ONE KV read per name per memo period (a
 *   request for a made-up name must not be a cheap way to run up the KV
 *   bill): "missing" is memoized like a document, and past the period the
 *   next request waits for the one read (nothing to protect by serving a
 *   stale "missing"). A read that finds no document does not also read the
 *   `:last-good` key in the same period: the next read of that name, a
 *   period on, looks there instead, then at the document again. So a
 *   service created meanwhile is routed within 2 x memoTtlMs of KV holding
 *   it (within memoTtlMs when written through the control object, which
 *   writes both keys). Check-ins cannot bring it sooner: an isolate checks
 *   in only for services it routes (one object request per made-up name
 *   would be the same bill attack).
 * - Bad documents never take traffic down: an unparsable, oversized or
 *   schema-invalid value, or a deleted key, is logged and the last good
 *   document is served instead (the memo, else the `:last-good` copy the
 *   control object keeps in KV), flagged in stats() for the health endpoint. Only a
 *   service that never had a good document answers "invalid" / "missing".
 *   The one gap, the price of the bound above: an isolate that never held
 *   a deleted service's document answers "missing" for one memo period
 *   before it finds the `:last-good` copy.
 * - KV failing: the memo is served past the bound (logged) and the next read
 *   waits one memo period, rather than failing every request.
 */
import { revisionOf } from "../../core/rollout/request-metrics.ts";
import { parseRoutingDocument } from "../../document/validate.ts";
import type {
  LoadedDocument,
  LoadResult,
  RoutingDocuments,
} from "../../ports/routing-documents.ts";
import type { WaitUntil } from "../../ports/wait-until.ts";
import { acceptText, RoutingKv } from "./routing-kv.ts";
import { type MemoEntry, RoutingMemo } from "./routing-memo.ts";

export interface RoutingStoreOptions {
  memoTtlMs: number;
  /** KV edge cache TTL for reads (Cloudflare's minimum is 30 s). */
  cacheTtlSeconds: number;
  maxStaleMs?: number;
  maxEntries?: number;
  /** Unknown names remembered as missing (the negative cache), least recently asked for evicted. */
  maxAbsent?: number;
  now?: () => number;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

const MISSING: LoadResult = Object.freeze({ status: "missing" });

/** A refresh older than this is treated as lost (Workers cap waitUntil at 30 s). */
const READ_GIVE_UP_MS = 30_000;

export class KvRoutingStore implements RoutingDocuments {
  readonly #kv: RoutingKv;
  readonly #opts: Required<RoutingStoreOptions>;
  readonly #memo: RoutingMemo;
  /** First reads under way (no memo entry yet), shared by concurrent requests. */
  readonly #cold = new Map<string, { startedAt: number; read: Promise<LoadResult> }>();

  constructor(kv: KVNamespace, options: RoutingStoreOptions) {
    this.#kv = new RoutingKv(kv, options.cacheTtlSeconds);
    this.#opts = {
      maxStaleMs: options.memoTtlMs * 2,
      maxEntries: 256,
      maxAbsent: 1_000,
      now: Date.now,
      log: (message, detail) => console.error(JSON.stringify({ message, ...detail })),
      ...options,
    };
    this.#memo = new RoutingMemo(this.#opts.maxEntries, this.#opts.maxAbsent);
  }

  /** The routing document for a service, as fresh as the memo policy allows. */
  async load(service: string, waitUntil: WaitUntil): Promise<LoadResult> {
    const { memoTtlMs, maxStaleMs, now } = this.#opts;
    const entry = this.#memo.lookup(service);
    if (memoTtlMs <= 0) return this.#refresh(service, entry);
    if (!entry) return this.#firstLoad(service);

    const at = now();
    const age = at - entry.loadedAt;
    if (age < memoTtlMs) return entry.result;
    // THE BOUND: a memo older than maxStaleMs is never served. Younger than
    // that, requests keep the memo while one background read runs; past it,
    // every request waits for that same read. One read per service at a
    // time either way (no herd after an idle spell). A read that never
    // settled (its request was torn down) is given up on. A stale
    // "missing" protects no traffic: its requests wait for the read.
    const servable = entry.result.status !== "missing" && age < Math.max(maxStaleMs, memoTtlMs);
    const inFlight = entry.refreshing;
    if (inFlight && at - inFlight.startedAt < READ_GIVE_UP_MS) {
      return servable ? entry.result : inFlight.read;
    }
    const read = this.#refresh(service, entry);
    entry.refreshing = { startedAt: at, read };
    waitUntil(read);
    return servable ? entry.result : read;
  }

  /**
   * Nothing memoized yet (a fresh isolate, or evicted): concurrent requests
   * share one read too, so a burst into a cold isolate costs one KV read.
   */
  #firstLoad(service: string): Promise<LoadResult> {
    const pending = this.#cold.get(service);
    if (pending && this.#opts.now() - pending.startedAt < READ_GIVE_UP_MS) return pending.read;
    const read = this.#refresh(service, undefined).finally(() => {
      if (this.#cold.get(service)?.read === read) this.#cold.delete(service);
    });
    this.#cold.set(service, { startedAt: this.#opts.now(), read });
    return read;
  }

  /**
   * Counters for the health endpoint and the benchmark: memoized services and
   * unknown names, KV reads by this isolate, and the services served from their last good
   * copy because the stored document was deleted or fails the schema.
   */
  stats(): {
    services: number;
    absent: number;
    kvReads: number;
    fallbacks: { service: string; version: number; reason: "deleted" | "invalid" }[];
  } {
    return { ...this.#memo.counts(), kvReads: this.#kv.reads, fallbacks: this.#memo.fallbacks() };
  }

  /** Forgets every memoized document (tests). */
  clear(): void {
    this.#memo.clear();
  }

  /** Revision of the document routed by for `service` (null: none held). */
  revision(service: string): string | null {
    const result = this.#memo.document(service)?.result;
    return result?.status === "ok" ? revisionOf(result.doc) : null;
  }

  /** The control object says `revision` is still current: renew the memo. */
  confirm(service: string, revision: string | null, at: number): void {
    const entry = this.#memo.peek(service);
    if (!entry) return;
    const held = entry.result.status === "ok" ? revisionOf(entry.result.doc) : null;
    if (held === revision) entry.loadedAt = Math.max(entry.loadedAt, at);
  }

  /**
   * A document from the control object (a write, or a raw put it adopted):
   * routed by from now on. The object only holds documents that validate;
   * one that does not here (a schema mismatch between deployments) is
   * logged and ignored.
   */
  offer(service: string, text: string, at: number): void {
    const parsed = parseRoutingDocument(text);
    if (!parsed.ok || parsed.doc.service !== service) {
      this.#opts.log("control object sent a document that fails the schema; ignored", {
        service,
        errors: parsed.ok ? [] : parsed.errors,
      });
      return;
    }
    const previous = this.#memo.document(service);
    this.#memo.remember(service, {
      result: { status: "ok", doc: parsed.doc, source: "control" },
      raw: text,
      loadedAt: at,
      refreshing: previous?.refreshing ?? null,
    });
  }

  async #refresh(service: string, previous: MemoEntry | undefined): Promise<LoadResult> {
    const memoOn = this.#opts.memoTtlMs > 0;
    // The document was missing at this name's last read: this read (the one
    // of this period) looks for a last-good copy instead. Found, the name is
    // a real service (deleted, or created meanwhile): its document is read too.
    const probe = memoOn && previous?.probeLastGood === true;
    let probed: LoadedDocument | null = null;
    let raw: string | null;
    try {
      if (probe) probed = await this.#kv.lastGood(service);
      raw = probe && !probed ? null : await this.#kv.document(service);
    } catch (err) {
      // KV unreachable: keep serving what we had for another memo period
      // (the next attempt runs in the background), instead of making every
      // request wait for a read that fails. The only case past the bound.
      this.#opts.log("routing document read failed", { service, error: String(err) });
      if (previous) {
        previous.refreshing = null;
        previous.loadedAt = this.#opts.now();
        return previous.result;
      }
      throw err;
    }

    let result: LoadResult;
    let probeNext = false;
    if (
      previous &&
      !probe &&
      raw === previous.raw &&
      (raw !== null || previous.result.status === "ok")
    ) {
      result = previous.result;
    } else if (raw === null) {
      // Deleted (or never written): a delete is far more often an accident
      // than a decommission, so the last good document keeps serving, loudly.
      // Decommissioning a service means deleting its :last-good key too.
      // Without one in memory, the :last-good key is read a period later
      // (above), not now: made-up names cost one read each.
      const lastGood =
        probed ??
        (previous?.result.status === "ok"
          ? { status: "ok" as const, doc: previous.result.doc, source: "last-good" as const }
          : memoOn
            ? null
            : await this.#kv.lastGood(service));
      if (lastGood) {
        this.#opts.log("routing document is missing; serving the last good one", {
          service,
          version: lastGood.doc.version,
        });
        result = { ...lastGood, fallback: "deleted" };
      } else {
        result = MISSING;
        probeNext = memoOn && !probe;
      }
    } else {
      result = acceptText(service, raw, previous?.result, this.#opts.log);
      if (result.status === "invalid") {
        this.#opts.log("routing document rejected; serving the last good one", {
          service,
          errors: result.errors,
        });
        const lastGood = probed ?? (await this.#lastGood(service, previous));
        if (lastGood) result = { ...lastGood, fallback: "invalid" };
      }
    }

    // The control object sent a newer document while this read ran: keep it.
    const meanwhile = this.#memo.document(service);
    if (
      meanwhile &&
      meanwhile !== previous &&
      meanwhile.result.status === "ok" &&
      meanwhile.result.source === "control" &&
      !(result.status === "ok" && result.doc.version >= meanwhile.result.doc.version)
    ) {
      meanwhile.refreshing = null;
      return meanwhile.result;
    }
    this.#memo.remember(service, {
      result,
      raw,
      loadedAt: this.#opts.now(),
      refreshing: null,
      ...(probeNext ? { probeLastGood: true } : {}),
    });
    return result;
  }

  async #lastGood(
    service: string,
    previous: MemoEntry | undefined,
  ): Promise<LoadedDocument | null> {
    if (previous?.result.status === "ok") {
      return { status: "ok", doc: previous.result.doc, source: "last-good" };
    }
    return this.#kv.lastGood(service);
  }
}
