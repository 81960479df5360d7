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
import type { ControlStatus } from "../../ports/control-plane-reader.ts";
import type { OutcomeSink, Verified } from "../../ports/outcome-store.ts";
import type { ControlOutcome } from "../../ports/rollout-control.ts";
import { listServiceNames } from "../kv/service-store.ts";
import type { ControlRpc } from "./protocol.ts";

/** The CONTROL binding, whatever class it is typed with (this module never imports it). */
export interface ControlNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): unknown;
}

/** The stub of a service's control object. */
export function controlOf(ns: ControlNamespace, service: string): ControlRpc {
  return ns.get(ns.idFromName(service)) as ControlRpc;
}

/**
 * What a failed call to a service's object throws (overloaded, its location
 * unreachable, an exception inside it): the composition root passes the
 * app's ControlUnavailableError, which the HTTP layer answers 503 with the
 * break-glass path; without one, a plain Error.
 */
export type Unreachable = new (service: string, cause: unknown) => Error;

class Unreached extends Error {
  constructor(service: string, cause: unknown) {
    super(`the control object of "${service}" cannot be reached: ${String(cause)}`);
  }
}

/** Runs one call to a service's object, turning a failure into `unreachable`. */
const reacher =
  (unreachable: Unreachable) =>
  async <T>(service: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw new unreachable(service, err);
    }
  };

/** The ServiceStore port (src/ports/service-store.ts) over the control objects (KV lists the services). */
export class ControlServiceStore {
  readonly #ns: ControlNamespace;
  readonly #kv: KVNamespace;
  readonly #reach: ReturnType<typeof reacher>;

  constructor(ns: ControlNamespace, kv: KVNamespace, unreachable: Unreachable = Unreached) {
    this.#ns = ns;
    this.#kv = kv;
    this.#reach = reacher(unreachable);
  }

  async read(service: string): Promise<StoredService> {
    const texts = await this.#reach(service, () => controlOf(this.#ns, service).texts(service));
    return parseStoredService(service, texts);
  }

  async write(
    service: string,
    doc: RoutingDocument,
    history: readonly HistoryEntry[],
    basis: string | null,
  ) {
    const result = await this.#reach(service, () =>
      controlOf(this.#ns, service).write(service, {
        basis,
        document: documentText(doc),
        version: doc.version,
        history: serializeHistory(history),
      }),
    );
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
export function controlReaders(ns: ControlNamespace, unreachable: Unreachable = Unreached) {
  const of = (service: string) => controlOf(ns, service);
  const reach = reacher(unreachable);
  return {
    rollouts: {
      read: (service: string): Promise<StoredRolloutStatus | null> =>
        reach(service, () => of(service).rolloutStatus(service)),
    },
    metrics: {
      read: async (doc: {
        service: string;
        version: number;
        updatedAt: string;
      }): Promise<VersionMetrics> => {
        const revision = revisionOf(doc);
        const m = await reach(doc.service, () => of(doc.service).metrics(doc.service, revision));
        return m ?? emptyVersionMetrics(doc.service, doc.version, revision, 0);
      },
    },
    shadowViews: {
      read: async (doc: RoutingDocument) => {
        const shadow = doc.shadow?.origin;
        if (!shadow) return null;
        return shadowViewOf(
          await reach(doc.service, () => of(doc.service).shadowSummary(doc.service, shadow)),
        );
      },
    },
    /** The OutcomeSink port: verified outcomes counted, and the sums read back. */
    outcomes: {
      record: (service: string, outcomes: readonly Verified[]) =>
        reach(service, () => of(service).recordOutcomes(service, JSON.stringify(outcomes))),
      cells: (service: string) => reach(service, () => of(service).outcomeCells(service)),
    } satisfies OutcomeSink,
    status: (service: string): Promise<ControlStatus> =>
      reach(service, () => of(service).status(service)),
    shadowSummaries: (service: string) =>
      reach(service, () => of(service).shadowSummaries(service)),
    shadowRecords: (service: string, limit: number) =>
      reach(service, () => of(service).shadowRecords(service, limit)),
    series: (service: string, since: number) =>
      reach(service, () => of(service).series(service, since)),
    /** The analyzer, run inside the object (serialized with its alarm's evaluations). */
    evaluate: (service: string, at?: number): Promise<ControlOutcome> =>
      reach(service, () => of(service).evaluate(service, at)),
    command: (
      service: string,
      command: ManualCommand,
      author: string,
      at?: number,
    ): Promise<ControlOutcome> =>
      reach(service, () => of(service).command(service, command, author, at)),
  };
}

export type ControlReaders = ReturnType<typeof controlReaders>;
