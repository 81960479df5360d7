/**
 * What the control object's use cases share: the service, the object's
 * ports (its own state, KV's copy, the webhook), and what the object holds
 * in memory: the buffer of check-in deltas not flushed yet, the parsed
 * document the fleet routes by, when each periodic duty last ran, and the
 * recent check-ins.
 *
 * Layer: app (control use cases; src/control/service-control.ts builds it).
 */
import type { DeltaBuffer } from "../../core/control/delta-buffer.ts";
import type { Route } from "../../core/control/fan-in.ts";
import type { OutcomeCell } from "../../core/outcomes/outcome-sums.ts";
import { revisionOf } from "../../core/rollout/request-metrics.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import { parseRoutingDocument } from "../../document/validate.ts";
import type { ControlState } from "../../ports/control-state.ts";
import type { KvCopy } from "../../ports/kv-copy.ts";
import type { Notifier } from "../../ports/notifier.ts";
import type { WaitUntil } from "../../ports/wait-until.ts";

export type Log = (message: string, detail: Record<string, unknown>) => void;

/**
 * One JSON line (what `wrangler tail` and the tests read), at the level the
 * detail gives: "info" (routine, console.log), "warn" (console.warn),
 * else an error (console.error).
 */
export const log: Log = (message, detail) => {
  const line = JSON.stringify({ message, ...detail });
  if (detail.level === "info") console.log(line);
  else if (detail.level === "warn") console.warn(line);
  else console.error(line);
};

/** Runs tasks one after another (writes and evaluations await KV between their steps). */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  };
}

export interface ControlPorts {
  readonly state: ControlState;
  readonly kv: KvCopy;
  readonly notify: Notifier;
  readonly waitUntil: WaitUntil;
  readonly log: Log;
  /** The object's outcome sums (what the outcome gates judge). */
  readonly outcomeCells: () => OutcomeCell[];
  /** A write landed: the object keeps its alarm set (KV mirror retries, check-ins to come). */
  readonly wake: () => void;
}

export interface ControlContext extends ControlPorts {
  readonly service: string;
  readonly buffer: DeltaBuffer;
  readonly serving: ServingDocument;
  /** When each periodic duty last ran (the first evaluation comes one plan interval after the start). */
  readonly last: {
    flush: number;
    analysis: number;
    kvPoll: number;
    challengers: number;
    shadowMirror: number;
    prune: number;
  };
  /** Check-in arrival times of the last 10 s (the rate in the status). */
  arrivals: number[];
  /** Fan-in: the route handed out, and the isolates behind each aggregator seen lately. */
  readonly fanIn: { route: Route; behind: Map<string, { isolates: number; seen: number }> };
  /** The first import from KV while it runs (concurrent first calls share it). */
  importing: Promise<void> | null;
}

export function controlContext(
  service: string,
  buffer: DeltaBuffer,
  ports: ControlPorts,
  now: number,
): ControlContext {
  const serving = new ServingDocument(ports.state);
  const last = { flush: 0, analysis: now, kvPoll: 0, challengers: 0, shadowMirror: 0, prune: 0 };
  return {
    ...ports,
    service,
    buffer,
    serving,
    last,
    arrivals: [],
    importing: null,
    fanIn: { route: "direct", behind: new Map() },
  };
}

export interface Current {
  /** 0 when there is no document. */
  version: number;
  revision: string | null;
  doc: RoutingDocument | null;
}

/** The document the fleet routes by, parsed once per change: check-ins read it hundreds of times a second. */
export class ServingDocument {
  readonly #state: ControlState;
  #current: Current | null = null;

  constructor(state: ControlState) {
    this.#state = state;
  }

  get(): Current {
    if (this.#current) return this.#current;
    const text = this.#state.service("document").document;
    const parsed = text === null ? null : parseRoutingDocument(text);
    const doc = parsed?.ok ? parsed.doc : null;
    this.#current = { version: doc?.version ?? 0, revision: doc ? revisionOf(doc) : null, doc };
    return this.#current;
  }

  /** The document was written: parse it again when next asked. */
  changed(): void {
    this.#current = null;
  }
}
