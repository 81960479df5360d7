/**
 * The one write pipeline. Every change to a routing document (admin API, CLI,
 * rollout analyzer) takes these steps, over a ServiceStore:
 *   1. read the stored document, history and last-good copy;
 *   2. guard: the document exists and validates (unless the write may
 *      create or repair it), and is at `expectedVersion` when one is given;
 *   3. compute the next document with a shared edit (src/document/edits/),
 *      stamped with nextVersion (one above every version ever seen) and
 *      validated by the schema;
 *   4. diff it against what the router serves; run the writer's check (a
 *      flip's smoke tests); stop here on a dry run; ask for confirmation;
 *   5. re-read and refuse if the document moved meanwhile (lost update);
 *   6. write the document and the history with the replaced one appended,
 *      as a compare-and-swap on the re-read text (the service's control
 *      object refuses it if anything landed since, or if the version is not
 *      above every version it has seen).
 * Refusals are typed (`WriteRefused.kind`): the HTTP layer maps them to
 * statuses, the CLI to exit codes, the analyzer to its own outcomes.
 * Over KV alone (the CLI's --direct break-glass mode) there is no
 * compare-and-swap: a write landing between 5 and 6 is lost there.
 *
 * Layer: app (use case).
 */

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
import { selfOriginErrors } from "../document/router-hosts.ts";
import type { RoutingDocument } from "../document/routing-document.ts";
import type { FieldError } from "../document/validate.ts";
import type { ServiceStore } from "../ports/service-store.ts";
import { RouterError } from "./errors.ts";

export { REFUSALS, type RefusalKind } from "./refusals.ts";

import { REFUSALS, type RefusalKind } from "./refusals.ts";

/** A write that did not happen (or, for history_not_written, only half did). */
export class WriteRefused extends RouterError {
  readonly kind: RefusalKind;
  readonly errors: FieldError[];
  /** What would have been written, when the refusal came after computing it. */
  readonly report: WriteReport | null;

  constructor(
    kind: RefusalKind,
    message: string,
    detail: Record<string, unknown> & { errors?: FieldError[] } = {},
    report: WriteReport | null = null,
  ) {
    super(REFUSALS[kind].status, REFUSALS[kind].code, message, detail);
    this.kind = kind;
    this.errors = detail.errors ?? [];
    this.report = report;
  }
}

export interface CheckOutcome {
  ok: boolean;
  /** The check was skipped on purpose (recorded in the history). */
  forced?: boolean;
  report: unknown;
  text: string;
}

interface WriteCommon {
  service: string;
  /** Who and when; the version is added here, from what is stored (nextVersion). */
  meta: Authorship;
  /** Refuse unless the stored version is this (If-Match, --expect-version, the analyzer). */
  expectedVersion?: number | undefined;
  dryRun?: boolean;
  /** Who writes, for the history. */
  source: HistoryEntry["source"];
  /** Machine-readable reasons kept in the history entry (e.g. gate results). */
  evidence?: Record<string, unknown>;
  /** Runs after the diff, before a dry run returns (a flip's smoke tests). */
  check?: (stored: StoredService, next: RoutingDocument) => Promise<CheckOutcome>;
  /** Told the plan before the check runs and anything is written (the CLI prints the diff). */
  onPlan?: (plan: WriteReport, stored: StoredService) => void;
  /** Asked last; false aborts (the CLI's --confirm). */
  confirm?: (plan: WriteReport) => Promise<boolean>;
  /** Hosts the router answers on: an origin there is refused (it would loop). */
  routerHosts?: readonly string[];
}

/** An edit of a valid stored document (flip, canary, challenger, rollout steps...). */
export interface EditWrite extends WriteCommon {
  edit: (doc: RoutingDocument, meta: OperationMeta, stored: StoredService) => OperationResult;
}

/** A write that may create the document or replace an invalid one (apply, rollback). */
export interface ComputeWrite extends WriteCommon {
  compute: (stored: StoredService, meta: OperationMeta) => OperationResult;
  allowMissing?: boolean;
  allowInvalid?: boolean;
}

export type WriteSpec = EditWrite | ComputeWrite;

export interface WriteReport {
  service: string;
  change: string;
  fromVersion: number | null;
  version: number;
  diff: DiffLine[];
  document: RoutingDocument;
  check: CheckOutcome | null;
  forced: boolean;
}

export interface WriteResult extends WriteReport {
  written: boolean;
  dryRun: boolean;
}

export async function writeService(store: ServiceStore, w: WriteSpec): Promise<WriteResult> {
  const { service } = w;
  const stored = await store.read(service);
  const fromVersion = storedVersion(stored);
  const allowMissing = "compute" in w && w.allowMissing === true;
  const allowInvalid = "compute" in w && w.allowInvalid === true;
  if (stored.raw === null && !allowMissing) {
    throw new WriteRefused("not_found", `no routing document for "${service}"`, { service });
  }
  if (stored.raw !== null && !stored.doc && !allowInvalid) {
    throw new WriteRefused(
      "stored_document_invalid",
      "the stored document fails the schema; roll back or replace it",
      { service, errors: stored.errors },
    );
  }
  if (w.expectedVersion !== undefined && w.expectedVersion !== fromVersion) {
    throw new WriteRefused(
      "version_mismatch",
      `the document is at version ${fromVersion ?? "(none)"}, not ${w.expectedVersion}`,
      { service, expectedVersion: w.expectedVersion, actualVersion: fromVersion },
    );
  }

  const meta: OperationMeta = { ...w.meta, version: nextVersion(stored) };
  const result =
    "edit" in w ? w.edit(stored.doc as RoutingDocument, meta, stored) : w.compute(stored, meta);
  const errors = result.ok ? selfOriginErrors(result.doc, w.routerHosts ?? []) : result.errors;
  if (!result.ok || errors.length > 0) {
    throw new WriteRefused("invalid_change", "the change is invalid; nothing written", {
      service,
      errors,
    });
  }
  const plan: WriteReport = {
    service,
    change: result.change,
    fromVersion,
    version: result.doc.version,
    diff: diffDocuments(diffBase(stored), result.doc),
    document: result.doc,
    check: null,
    forced: false,
  };
  w.onPlan?.(plan, stored);
  const check = w.check ? await w.check(stored, result.doc) : null;
  plan.check = check;
  plan.forced = check?.forced === true;
  if (check && !check.ok) {
    throw new WriteRefused("check_failed", "refused: the checks failed; nothing written", {}, plan);
  }
  if (w.dryRun) return { ...plan, written: false, dryRun: true };
  if (w.confirm && !(await w.confirm(plan))) {
    throw new WriteRefused("aborted", "aborted; nothing written", {}, plan);
  }

  const fresh = await store.read(service);
  const moved = movedSince(stored, fresh);
  if (moved) {
    throw new WriteRefused(
      "version_conflict",
      "the document changed while this write ran; nothing written",
      { service, expectedVersion: moved.expected, actualVersion: moved.actual },
      plan,
    );
  }
  const history = recordWrite(fresh.history, {
    previous: fresh.json,
    next: result.doc,
    change: result.change,
    source: w.source,
    forced: plan.forced,
    ...(w.evidence ? { evidence: w.evidence } : {}),
  });
  const { historyError, conflict } = await store.write(service, result.doc, history, fresh.raw);
  if (conflict) {
    throw new WriteRefused(
      "version_conflict",
      `the document changed while this write ran (${conflict.reason}); nothing written`,
      { service, expectedVersion: storedVersion(fresh), actualVersion: conflict.actual },
      plan,
    );
  }
  if (historyError) {
    throw new WriteRefused(
      "history_not_written",
      `wrote ${service} version ${result.doc.version}, but its history entry was NOT written: ${historyError}`,
      { service, version: result.doc.version },
      plan,
    );
  }
  return { ...plan, written: true, dryRun: false };
}
