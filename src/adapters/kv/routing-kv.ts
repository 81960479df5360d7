/**
 * The routing store's side of KV: reading a service's document and
 * `:last-good` keys (through the edge cache, counted for the health
 * endpoint and the benchmark), and what a document's text means for the
 * service it is stored under: parsed and checked against the schema and
 * its key, and, against what the isolate held before, whether it is served
 * (an older copy than the control object sent never is; an older one than
 * KV had is, loudly). When to read is ./routing-store.ts's policy.
 *
 * Layer: adapter (ROUTING binding, reads only).
 */
import { documentKey, lastGoodKey } from "../../document/kv-keys.ts";
import { parseRoutingDocument } from "../../document/validate.ts";
import type { LoadedDocument, LoadResult } from "../../ports/routing-documents.ts";

export class RoutingKv {
  readonly #kv: KVNamespace;
  /** KV edge cache TTL for reads (Cloudflare's minimum is 30 s). */
  readonly #cacheTtl: number;
  /** KV reads by this isolate. */
  reads = 0;

  constructor(kv: KVNamespace, cacheTtlSeconds: number) {
    this.#kv = kv;
    this.#cacheTtl = cacheTtlSeconds;
  }

  /** The document's text (null: no such key). */
  document(service: string): Promise<string | null> {
    this.reads++;
    return this.#kv.get(documentKey(service), { type: "text", cacheTtl: this.#cacheTtl });
  }

  /** The `:last-good` copy in KV, if there is a valid one for this service. */
  async lastGood(service: string): Promise<LoadedDocument | null> {
    this.reads++;
    const raw = await this.#kv.get(lastGoodKey(service), {
      type: "text",
      cacheTtl: this.#cacheTtl,
    });
    return raw === null ? null : lastGoodOf(service, raw);
  }
}

/** Parses and checks a stored document text; `previous`: what the isolate held. */
export function acceptText(
  service: string,
  raw: string,
  previous: LoadResult | undefined,
  log: (message: string, detail: Record<string, unknown>) => void,
): LoadResult {
  const parsed = parseRoutingDocument(raw);
  if (!parsed.ok) return { status: "invalid", errors: parsed.errors };
  const { doc } = parsed;
  if (doc.service !== service) {
    return {
      status: "invalid",
      errors: [{ path: "service", message: `is "${doc.service}", key is for "${service}"` }],
    };
  }
  const before = previous?.status === "ok" ? previous.doc.version : null;
  if (previous?.status === "ok" && previous.source === "control") {
    // KV lags the control object (propagation, edge cache): an older KV
    // copy never replaces what the object sent.
    if (before !== null && doc.version < before) return previous;
  }
  if (before !== null && doc.version < before) {
    // KV is the truth, so a lower version is served; but every tool writes
    // one above the highest version it has seen, so this is a raw put of a
    // stale copy and deserves a loud line (`wrangler tail`).
    log("routing document version went backwards; serving it", {
      service,
      from: before,
      to: doc.version,
    });
  }
  return { status: "ok", doc, source: "kv" };
}

/** A valid `:last-good` copy for this service, or null. */
function lastGoodOf(service: string, raw: string): LoadedDocument | null {
  const parsed = parseRoutingDocument(raw);
  return parsed.ok && parsed.doc.service === service
    ? { status: "ok", doc: parsed.doc, source: "last-good" }
    : null;
}
