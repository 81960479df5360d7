/**
 * The one path every admin API write takes, the same as the CLI's
 * (scripts/router/write.ts): read; check If-Match / expectedVersion (412);
 * compute with a shared operation, stamped with nextVersion (one above every
 * version seen in the document, history and last-good copy) and validated
 * by the shared schema (400 with field paths); re-read and refuse if the
 * document moved (409); write the document, then the history with the
 * replaced document appended.
 *
 * Layer: app (use case). Never writes `:last-good`; the request path
 * does that itself when it first reads the new version.
 */

import { readService, writeService } from "../adapters/kv/service-store.ts";
import { type DiffLine, diffDocuments } from "../document/edits/diff.ts";
import { type HistoryEntry, recordWrite } from "../document/edits/history.ts";
import type { Authorship, OperationMeta, OperationResult } from "../document/edits/operation.ts";
import {
  diffBase,
  movedSince,
  nextVersion,
  type StoredService,
  storedVersion,
} from "../document/edits/stored-service.ts";
import { type DocumentSummary, summarizeDocument } from "../document/edits/summary.ts";
import type { RoutingDocument } from "../document/routing-document.ts";
import { RouterError } from "./errors.ts";

export interface AdminWrite {
  kv: KVNamespace;
  service: string;
  /** Who and when; the version is added here, from what is stored (nextVersion). */
  meta: Authorship;
  /** From If-Match or the body's expectedVersion: refuse unless the stored version is this. */
  expectedVersion?: number | undefined;
  dryRun?: boolean;
  /** May the stored document be absent (create) or invalid (rollback, replace)? */
  allowMissing?: boolean;
  allowInvalid?: boolean;
  compute: (stored: StoredService, meta: OperationMeta) => OperationResult;
  /** Who writes, for the history: the admin API (default) or the rollout analyzer. */
  source?: HistoryEntry["source"];
  /** Machine-readable reasons kept in the history entry (e.g. gate results). */
  evidence?: Record<string, unknown>;
}

export interface AdminWriteResult {
  ok: true;
  written: boolean;
  dryRun: boolean;
  service: string;
  change: string;
  fromVersion: number | null;
  version: number;
  diff: DiffLine[];
  document: RoutingDocument;
  summary: DocumentSummary;
}

export async function adminWrite(w: AdminWrite): Promise<AdminWriteResult> {
  const { kv, service } = w;
  const stored = await readService(kv, service);
  const fromVersion = storedVersion(stored);
  if (stored.raw === null && !w.allowMissing) {
    throw new RouterError(404, "no_routing_document", `no routing document for "${service}"`, {
      service,
    });
  }
  if (stored.raw !== null && !stored.doc && !w.allowInvalid) {
    throw new RouterError(
      409,
      "stored_document_invalid",
      "the stored document fails the schema; roll back or replace it",
      { service, errors: stored.errors },
    );
  }
  if (w.expectedVersion !== undefined && w.expectedVersion !== fromVersion) {
    throw new RouterError(
      412,
      "version_mismatch",
      `the document is at version ${fromVersion}, not ${w.expectedVersion}`,
      { service, expectedVersion: w.expectedVersion, actualVersion: fromVersion },
    );
  }

  const meta: OperationMeta = { ...w.meta, version: nextVersion(stored) };
  const result = w.compute(stored, meta);
  if (!result.ok) {
    throw new RouterError(400, "invalid_change", "the change is invalid; nothing written", {
      service,
      errors: result.errors,
    });
  }
  const report: AdminWriteResult = {
    ok: true,
    written: false,
    dryRun: w.dryRun === true,
    service,
    change: result.change,
    fromVersion,
    version: result.doc.version,
    diff: diffDocuments(diffBase(stored), result.doc),
    document: result.doc,
    summary: summarizeDocument(result.doc),
  };
  if (w.dryRun) return report;

  const fresh = await readService(kv, service);
  const moved = movedSince(stored, fresh);
  if (moved) {
    throw new RouterError(
      409,
      "version_conflict",
      "the document changed while this request ran; nothing written",
      { service, expectedVersion: moved.expected, actualVersion: moved.actual },
    );
  }
  const history = recordWrite(fresh.history, {
    previous: fresh.json,
    next: result.doc,
    change: result.change,
    source: w.source ?? "admin",
    ...(w.evidence ? { evidence: w.evidence } : {}),
  });
  await writeService(kv, service, result.doc, history);
  return { ...report, written: true };
}
