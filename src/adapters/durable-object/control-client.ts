/**
 * The ports over the service control objects (CONTROL binding), for the
 * write pipeline and the admin API: the ServiceStore whose write is the
 * object's compare-and-swap, and the readers of the object's exact
 * metrics, shadow summary and rollout record.
 *
 * Layer: adapter (with check-in-link.ts, the only modules that call the
 * CONTROL binding). The object's class is never imported here: its RPC
 * surface is the ControlRpc interface of protocol.ts.
 */
import { shadowViewOf } from "../../core/rollout/metrics-view.ts";
import {
  emptyVersionMetrics,
  revisionOf,
  type VersionMetrics,
} from "../../core/rollout/request-metrics.ts";
import type { StoredRolloutStatus } from "../../core/rollout/rollout-status.ts";
import type { ManualCommand } from "../../core/rollout/state-machine.ts";
import { type HistoryEntry, serializeHistory } from "../../document/edits/history.ts";
import {
  documentText,
  parseStoredService,
  type StoredService,
} from "../../document/edits/stored-service.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import { listServiceNames } from "../kv/service-store.ts";
import type { ControlOutcome, ControlRpc, ControlStatus } from "./protocol.ts";

/** The CONTROL binding, whatever class it is typed with (this module never imports it). */
export interface ControlNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): unknown;
}

/** The stub of a service's control object. */
export function controlOf(ns: ControlNamespace, service: string): ControlRpc {
  return ns.get(ns.idFromName(service)) as ControlRpc;
}

/** The ServiceStore port (src/ports.ts) over the control objects (KV lists the services). */
export class ControlServiceStore {
  readonly #ns: ControlNamespace;
  readonly #kv: KVNamespace;

  constructor(ns: ControlNamespace, kv: KVNamespace) {
    this.#ns = ns;
    this.#kv = kv;
  }

  async read(service: string): Promise<StoredService> {
    return parseStoredService(service, await controlOf(this.#ns, service).texts(service));
  }

  async write(
    service: string,
    doc: RoutingDocument,
    history: readonly HistoryEntry[],
    basis: string | null,
  ) {
    const result = await controlOf(this.#ns, service).write(service, {
      basis,
      document: documentText(doc),
      version: doc.version,
      history: serializeHistory(history),
    });
    if (!result.ok) return { historyError: null, conflict: result.conflict };
    if (result.kvError) {
      // Written and live (isolates get it at their next check-in); the KV
      // copy follows on the object's next alarm.
      console.error(
        JSON.stringify({
          message: "written through the control object; KV mirror pending",
          service,
          version: doc.version,
          error: result.kvError,
        }),
      );
    }
    return { historyError: null };
  }

  list(): Promise<string[]> {
    return listServiceNames(this.#kv);
  }
}

/** What the admin API reads from the objects besides documents. */
export function controlReaders(ns: ControlNamespace) {
  return {
    rollouts: {
      read: (service: string): Promise<StoredRolloutStatus | null> =>
        controlOf(ns, service).rolloutStatus(service),
    },
    metrics: {
      read: async (doc: {
        service: string;
        version: number;
        updatedAt: string;
      }): Promise<VersionMetrics> => {
        const revision = revisionOf(doc);
        return (
          (await controlOf(ns, doc.service).metrics(doc.service, revision)) ??
          emptyVersionMetrics(doc.service, doc.version, revision, 0)
        );
      },
    },
    shadowViews: {
      read: async (doc: RoutingDocument) =>
        doc.shadow
          ? shadowViewOf(
              await controlOf(ns, doc.service).shadowSummary(doc.service, doc.shadow.origin),
            )
          : null,
    },
    status: (service: string): Promise<ControlStatus> => controlOf(ns, service).status(service),
    shadowSummaries: (service: string) => controlOf(ns, service).shadowSummaries(service),
    shadowRecords: (service: string, limit: number) =>
      controlOf(ns, service).shadowRecords(service, limit),
    series: (service: string, since: number) => controlOf(ns, service).series(service, since),
    /** The analyzer, run inside the object (serialized with its alarm's evaluations). */
    evaluate: (service: string, at?: number): Promise<ControlOutcome> =>
      controlOf(ns, service).evaluate(service, at),
    command: (
      service: string,
      command: ManualCommand,
      author: string,
      at?: number,
    ): Promise<ControlOutcome> => controlOf(ns, service).command(service, command, author, at),
  };
}

export type ControlReaders = ReturnType<typeof controlReaders>;
