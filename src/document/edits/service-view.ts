/**
 * What one service looks like to an operator: its state, version, summary,
 * the last-good copy the router falls back to, and its history. Built once
 * here from a StoredService; the admin API returns these views as JSON and
 * the CLI's --direct mode builds the very same ones from KV, so `status`
 * and `history` print the same either way.
 *
 * Layer: document, edits (pure).
 */
import type { FieldError } from "../validate.ts";
import type { HistoryEntry } from "./history.ts";
import { type StoredState, storedState } from "./registry.ts";
import { currentWriteIndex, restorableVersions } from "./rollback.ts";
import {
  nextVersion,
  type StoredService,
  storedVersion,
  validLastGood,
  versionRegression,
} from "./stored-service.ts";
import { type DocumentSummary, summarizeDocument } from "./summary.ts";

export interface LastGood {
  version: number;
  live: string;
  updatedAt: string;
}

export interface VersionRegression {
  version: number;
  highest: number;
  next: number;
}

/** One service as `status` shows it (GET /_router/admin/services/:service). */
export interface ServiceStatus {
  service: string;
  state: StoredState;
  /** A document is stored (valid or not). */
  found: boolean;
  /** No document, but a history or last-good copy: it was deleted. */
  deleted: boolean;
  valid: boolean;
  version: number | null;
  errors: FieldError[];
  summary: DocumentSummary | null;
  /** What the router serves while the document is deleted or invalid. */
  lastGood: LastGood | null;
  versionRegression: VersionRegression | null;
  document: Record<string, unknown> | null;
}

/** A service's history as `history` shows it (GET …/history). */
export interface HistoryView {
  service: string;
  state: StoredState;
  currentVersion: number | null;
  live: string | null;
  nextVersion: number;
  /** Index in `entries` (newest first) of the write that made the current document. */
  currentIndex: number | null;
  versionRegression: VersionRegression | null;
  lastGood: LastGood | null;
  restorable: number[];
  /** Newest first. */
  entries: HistoryEntry[];
  dropped: number;
}

export function lastGoodOf(stored: StoredService): LastGood | null {
  const doc = validLastGood(stored);
  return doc ? { version: doc.version, live: doc.live, updatedAt: doc.updatedAt } : null;
}

export function serviceStatus(stored: StoredService): ServiceStatus {
  const state = storedState(stored);
  const found = stored.raw !== null;
  return {
    service: stored.service,
    state,
    found,
    deleted: state === "deleted",
    valid: stored.doc !== null,
    version: storedVersion(stored),
    errors: stored.errors,
    summary: stored.doc ? summarizeDocument(stored.doc) : null,
    lastGood: lastGoodOf(stored),
    versionRegression: found ? versionRegression(stored) : null,
    document: stored.json,
  };
}

export function serviceHistory(stored: StoredService, withDocuments: boolean): HistoryView {
  const writtenBy = currentWriteIndex(stored);
  return {
    service: stored.service,
    state: storedState(stored),
    currentVersion: storedVersion(stored),
    live: stored.doc?.live ?? null,
    nextVersion: nextVersion(stored),
    currentIndex: writtenBy < 0 ? null : stored.history.length - 1 - writtenBy,
    versionRegression: versionRegression(stored),
    lastGood: lastGoodOf(stored),
    restorable: restorableVersions(stored),
    entries: [...stored.history]
      .reverse()
      .map((e) => (withDocuments ? e : { ...e, document: undefined })),
    dropped: stored.droppedHistory,
  };
}
