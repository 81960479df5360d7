/**
 * The CLI's KV access for services (--direct): the stored document,
 * history and last-good copy of one service, or of every service, in one
 * wrangler run; and the write of a document and its history.
 *
 * Layer: CLI (--direct), over scripts/cli/wrangler.ts, so every read and
 * write goes through `wrangler kv` exactly as an operator's would. Parsing
 * is the shared src/document/edits/stored-service.ts, as in the admin API.
 */
import { type HistoryEntry, serializeHistory } from "../../src/document/edits/history.ts";
import {
  documentText,
  parseStoredService,
  type StoredService,
} from "../../src/document/edits/stored-service.ts";
import { documentKey, historyKey, lastGoodKey } from "../../src/document/kv-keys.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import { type KvTarget, kvGetMany, kvList, kvPut } from "./wrangler.ts";

export type { StoredService };

export async function readService(service: string, target: KvTarget): Promise<StoredService> {
  const keys = [documentKey(service), historyKey(service), lastGoodKey(service)];
  const values = await kvGetMany(keys, target);
  return parseStoredService(service, {
    document: values.get(documentKey(service)) ?? null,
    history: values.get(historyKey(service)) ?? null,
    lastGood: values.get(lastGoodKey(service)) ?? null,
  });
}

/**
 * Every service in KV, read in one wrangler run: those with a document
 * (`service:<name>`) and those whose document was deleted but whose
 * last-good copy the router still serves (`service:<name>:last-good`), each
 * with its history and last-good copy, as `readService` reads one.
 */
export async function listServices(target: KvTarget): Promise<StoredService[]> {
  const keys = await kvList("service:", target);
  const names = [
    ...new Set(keys.flatMap((k) => /^service:([a-z0-9-]+)(?::last-good)?$/.exec(k)?.[1] ?? [])),
  ];
  if (names.length === 0) return [];
  const values = await kvGetMany(
    names.flatMap((n) => [documentKey(n), historyKey(n), lastGoodKey(n)]),
    target,
  );
  return names.map((n) =>
    parseStoredService(n, {
      document: values.get(documentKey(n)) ?? null,
      history: values.get(historyKey(n)) ?? null,
      lastGood: values.get(lastGoodKey(n)) ?? null,
    }),
  );
}

/** The ServiceStore port (src/ports/service-store.ts) over `wrangler kv`, for the write pipeline. */
export function wranglerServiceStore(target: KvTarget) {
  return {
    read: (service: string) => readService(service, target),
    write: (service: string, doc: RoutingDocument, history: readonly HistoryEntry[]) =>
      writeService(service, doc, history, target),
    list: async () => (await listServices(target)).map((s) => s.service),
  };
}

/** Writes the document, then the history (the document is what matters if one fails). */
export async function writeService(
  service: string,
  doc: RoutingDocument,
  history: readonly HistoryEntry[],
  target: KvTarget,
): Promise<{ historyError: string | null }> {
  await kvPut(documentKey(service), documentText(doc), target);
  try {
    await kvPut(historyKey(service), serializeHistory(history), target);
    return { historyError: null };
  } catch (err) {
    return { historyError: (err as Error).message };
  }
}
