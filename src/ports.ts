/**
 * The ports: what the use cases (src/app/) need from the outside world,
 * as interfaces. Adapters (src/adapters/, and the CLI's wrangler store in
 * scripts/cli/) implement them structurally, without importing this
 * file, so no import points up a floor; the composition root
 * (src/index.ts) and the CLI wire them, and the compiler checks the fit.
 *
 * Layer: app (types only).
 */

import type { Histogram } from "./core/histogram.ts";
import type { ShadowView } from "./core/rollout/metrics-view.ts";
import type { RequestObservation, VersionMetrics } from "./core/rollout/request-metrics.ts";
import type { RolloutEvent } from "./core/rollout/rollout-event.ts";
import type { StoredRolloutStatus } from "./core/rollout/rollout-status.ts";
import type { ManualCommand } from "./core/rollout/state-machine.ts";
import type { NewSessionRecord, SessionRecord } from "./core/session-record.ts";
import type { ShadowPair } from "./core/shadow/compare.ts";
import type { ShadowRecord } from "./core/shadow/record.ts";
import type { ShadowSummary, SkipReason } from "./core/shadow/summary.ts";
import type { HistoryEntry } from "./document/edits/history.ts";
import type { StoredService } from "./document/edits/stored-service.ts";
import type { RoutingDocument } from "./document/routing-document.ts";

/** A service's stored document, history and last-good copy; the one write of both. */
export interface ServiceStore {
  read(service: string): Promise<StoredService>;
  /**
   * Writes the document and its history, only if the stored document is
   * still `basis` (the text the writer read): a compare-and-swap where the
   * store has one (the control object), a re-read check where it does not
   * (KV alone). A conflict is returned, a failed history write reported.
   */
  write(
    service: string,
    doc: RoutingDocument,
    history: readonly HistoryEntry[],
    basis: string | null,
  ): Promise<WriteOutcome>;
  /** Names of every service with a document. */
  list(): Promise<string[]>;
}

export interface WriteOutcome {
  historyError: string | null;
  /** Set when nothing was written: the document moved, or the version is not above every one seen. */
  conflict?: { actual: number | null; reason: string };
}

/** The progress record of each rollout. */
export interface RolloutStore {
  read(service: string): Promise<StoredRolloutStatus | null>;
  write(service: string, status: StoredRolloutStatus): Promise<void>;
}

/** Per-arm request metrics of one document revision, merged over every isolate. */
export interface MetricsReader {
  read(doc: { service: string; version: number; updatedAt: string }): Promise<VersionMetrics>;
}

/** The shadow evidence of a document's current shadow, merged (null when none). */
export interface ShadowViewReader {
  read(doc: RoutingDocument): Promise<ShadowView | null>;
}

/** Per-arm request metrics of this isolate, reported off the request path. */
export interface MetricsRecorder {
  record(o: RequestObservation, waitUntil: WaitUntil): void;
}

/** Shadow pairs and skips of this isolate, reported off the request path. */
export interface ShadowRecorder {
  recordPair(pair: ShadowPair, waitUntil: WaitUntil): void;
  recordSkip(
    skip: { service: string; shadow: string; reason: SkipReason; version: number },
    waitUntil: WaitUntil,
  ): void;
}

/** Reads the progress record of a rollout (the admin API's view). */
export interface RolloutReader {
  read(service: string): Promise<StoredRolloutStatus | null>;
}

/**
 * A use case run elsewhere (inside the service's control object), where a
 * thrown RouterError cannot cross: its value, or the error's parts.
 */
export type RemoteOutcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      error: { status: number; code: string; message: string; detail: Record<string, unknown> };
    };

/** The rollout analyzer and an operator's commands, run by the service's control object. */
export interface RolloutControl {
  evaluate(service: string): Promise<RemoteOutcome>;
  command(service: string, command: ManualCommand, author: string): Promise<RemoteOutcome>;
}

/** What the service's control object can tell about itself and its live data. */
export interface ControlPlaneReader {
  status(service: string): Promise<ControlStatusView>;
  shadowSummaries(service: string): Promise<ShadowSummary[]>;
  shadowRecords(service: string, limit: number): Promise<ShadowRecord[]>;
  series(service: string, since: number): Promise<SeriesPointView[]>;
}

export interface ControlStatusView {
  service: string;
  version: number;
  isolates: number;
  checkInsPerSecond: number;
  intervalMs: number;
  kvVersion: number;
  rolloutActive: boolean;
  nextAlarmAt: number | null;
  /** KV reads and writes by the object since it started (it polls one key per CONTROL_KV_POLL_MS). */
  kvOps: { reads: number; writes: number };
}

export interface SeriesPointView {
  at: number;
  arm: string;
  requests: number;
  errors: number;
  failovers: number;
  latencyMs: Histogram;
}

/**
 * The dashboard's sessions, kept server-side (records keyed by a hash of
 * the cookie's session id). Every method throws when the store cannot be
 * reached; the dashboard then stays closed.
 */
export interface SessionStore {
  create(record: NewSessionRecord): Promise<void>;
  /** The session if it still lasts (neither ended nor expired), else null. */
  check(id: string): Promise<SessionRecord | null>;
  /** Ends a session (`by`: who ended it); whether it was still lasting. */
  end(id: string, by: string): Promise<boolean>;
  /** The sessions still lasting, the most recently seen first. */
  list(): Promise<SessionRecord[]>;
}

/**
 * Failed authentications per client (its address), limited: a client over
 * the limit waits before its next attempt is even compared.
 */
export interface AuthThrottle {
  /** Seconds before this client's next attempt is compared (0: it may try now). */
  waitSeconds(client: string | undefined): number;
  /** Counts one failed attempt; the seconds to wait when it went over the limit, else 0. */
  fail(client: string | undefined): Promise<number>;
}

/** Tells people about a rollout event; never throws, never blocks the rollout. */
export type Notifier = (event: RolloutEvent) => Promise<void>;

/** Background work that must not delay the response (ctx.waitUntil). */
export type WaitUntil = (promise: Promise<unknown>) => void;
