/**
 * The ports: what the use cases (src/app/) need from the outside world,
 * as interfaces. Adapters (src/adapters/, and the CLI's wrangler store in
 * scripts/router/) implement them structurally, without importing this
 * file, so no import points up a floor; the composition root
 * (src/index.ts) and the CLI wire them, and the compiler checks the fit.
 *
 * Layer: app (types only).
 */
import type { ShadowView } from "./core/rollout/metrics-view.ts";
import type { VersionMetrics } from "./core/rollout/request-metrics.ts";
import type { RolloutEvent } from "./core/rollout/rollout-event.ts";
import type { StoredRolloutStatus } from "./core/rollout/rollout-status.ts";
import type { HistoryEntry } from "./document/edits/history.ts";
import type { StoredService } from "./document/edits/stored-service.ts";
import type { RoutingDocument } from "./document/routing-document.ts";

/** A service's stored document, history and last-good copy; the one write of both. */
export interface ServiceStore {
  read(service: string): Promise<StoredService>;
  /** Writes the document, then its history; a failed history write is reported, not thrown. */
  write(
    service: string,
    doc: RoutingDocument,
    history: readonly HistoryEntry[],
  ): Promise<{ historyError: string | null }>;
  /** Names of every service with a document. */
  list(): Promise<string[]>;
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

/** Tells people about a rollout event; never throws, never blocks the rollout. */
export type Notifier = (event: RolloutEvent) => Promise<void>;

/** Background work that must not delay the response (ctx.waitUntil). */
export type WaitUntil = (promise: Promise<unknown>) => void;
