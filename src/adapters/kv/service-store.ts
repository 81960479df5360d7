/**
 * The ServiceStore over KV: a service's document, history and last-good
 * copy, the write of a document with its history, and the service list
 * (the admin API, the analyzer and the write pipeline use it).
 *
 * Layer: adapter (admin writes; the request path reads through
 * src/adapters/kv/routing-store.ts). Reads skip the edge cache where KV
 * allows it (no cacheTtl), but across locations KV is eventually
 * consistent: a write made elsewhere can take up to 60 s to be seen here.
 */
import type { ServiceTexts } from "../../core/control/adoption.ts";
import { type HistoryEntry, serializeHistory } from "../../document/edits/history.ts";
import {
  documentText,
  parseStoredService,
  type StoredService,
} from "../../document/edits/stored-service.ts";
import { documentKey, historyKey, lastGoodKey } from "../../document/kv-keys.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import type { MirrorTexts } from "../../ports/kv-copy.ts";

/** The stored texts of a service: document, history, last-good copy (null when absent). */
export async function readServiceTexts(kv: KVNamespace, service: string): Promise<ServiceTexts> {
  const [document, history, lastGood] = await Promise.all([
    kv.get(documentKey(service), "text"),
    kv.get(historyKey(service), "text"),
    kv.get(lastGoodKey(service), "text"),
  ]);
  return { document, history, lastGood };
}

export async function readService(kv: KVNamespace, service: string): Promise<StoredService> {
  return parseStoredService(service, await readServiceTexts(kv, service));
}

/** The stored document text only (the control object's poll for raw puts). */
export function readDocumentText(kv: KVNamespace, service: string): Promise<string | null> {
  return kv.get(documentKey(service), "text");
}

/**
 * The control object's KV mirror of an accepted document: the document
 * (unless it came from KV), its history, and the last-good copy (the object
 * only accepts valid documents).
 */
export async function mirrorServiceTexts(
  kv: KVNamespace,
  service: string,
  texts: MirrorTexts,
): Promise<void> {
  if (!texts.documentInKv) await kv.put(documentKey(service), texts.document);
  await Promise.all([
    texts.history === null ? null : kv.put(historyKey(service), texts.history),
    kv.put(lastGoodKey(service), texts.document),
  ]);
}

/** Writes the document first, then its history (the document is what matters if one fails). */
export async function writeService(
  kv: KVNamespace,
  service: string,
  doc: RoutingDocument,
  history: readonly HistoryEntry[],
): Promise<{ historyError: string | null }> {
  await kv.put(documentKey(service), documentText(doc));
  try {
    await kv.put(historyKey(service), serializeHistory(history));
    return { historyError: null };
  } catch (err) {
    return { historyError: String(err) };
  }
}

/** The ServiceStore port (src/ports/service-store.ts) over the ROUTING binding. */
export class KvServiceStore {
  readonly #kv: KVNamespace;
  constructor(kv: KVNamespace) {
    this.#kv = kv;
  }
  read(service: string): Promise<StoredService> {
    return readService(this.#kv, service);
  }
  write(service: string, doc: RoutingDocument, history: readonly HistoryEntry[]) {
    return writeService(this.#kv, service, doc, history);
  }
  list(): Promise<string[]> {
    return listServiceNames(this.#kv);
  }
}

/**
 * Names of every service: those with a document (`service:<name>`) and
 * those whose document was deleted but whose last-good copy the router
 * still serves (`service:<name>:last-good` only), as the CLI's --direct
 * listing does.
 */
export async function listServiceNames(kv: KVNamespace): Promise<string[]> {
  const names = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: "service:", ...(cursor ? { cursor } : {}) });
    for (const key of page.keys) {
      const name = /^service:([a-z0-9-]+)(?::last-good)?$/.exec(key.name)?.[1];
      if (name) names.add(name);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return [...names];
}
