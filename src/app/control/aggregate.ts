/**
 * A location aggregator (fan-in, docs/control-plane.md): the isolates of one
 * location (and shard) check in here instead of with the service object;
 * the aggregator applies their numbered batches once, merges them, and
 * checks in with the service object once per interval as one more sender
 * with batches of its own; the documents the service object sends come
 * back down in the answers to the isolates.
 *
 * Exactness: an isolate's batch is acknowledged only once it is inside a
 * batch the aggregator sealed and stored (`seal`: the batch and the ledger
 * in one write), so an evicted aggregator loses nothing it acknowledged;
 * what it applied but had not sealed, the isolates send again. Sealed
 * batches carry the aggregator's own stored sequence numbers, so the
 * service object counts each once, however often it is re-sent.
 *
 * Layer: app (control use case) over the AggregatorState port and the
 * service object's check-in (`upstream`); decisions in src/core/control/.
 */
import { checkInInterval, checkInVerdict } from "../../core/control/check-in.ts";
import { DeltaBuffer } from "../../core/control/delta-buffer.ts";
import { type Route, shardsFor } from "../../core/control/fan-in.ts";
import type { AggregatorState } from "../../ports/aggregator-state.ts";
import type { WaitUntil } from "../../ports/wait-until.ts";
import type { CheckInReply, CheckInRequest } from "./check-in.ts";
import type { Log } from "./context.ts";

/** How long after a failed exchange one without a document may be tried again. */
const RETRY_MS = 1_000;

/** Notable shadow pairs forwarded per sealed batch (the service object keeps the newest anyway). */
const MAX_RECORDS = 100;

export interface AggregatorPorts {
  state: AggregatorState;
  /** Asks for `exchange` at about this time (the object's alarm): deltas held are sent up without traffic. */
  wakeAt: (at: number) => void;
  /** The service object's check-in, as JSON text in and its answer out. */
  upstream: (service: string, checkIn: string) => Promise<CheckInReply>;
  waitUntil: WaitUntil;
  log: Log;
}

interface Held {
  version: number;
  revision: string;
  text: string;
}

const revisionOfText = (text: string): string | null => {
  try {
    const d = JSON.parse(text) as { version?: unknown; updatedAt?: unknown };
    return typeof d.version === "number" && typeof d.updatedAt === "string"
      ? `${d.version}@${Date.parse(d.updatedAt)}`
      : null;
  } catch {
    return null;
  }
};
const versionOf = (revision: string | null) =>
  revision === null ? 0 : Number(revision.split("@")[0]) || 0;

export class Aggregator {
  readonly #ports: AggregatorPorts;
  readonly #id: string;
  readonly #tuning: { checkInMs: number; maxCheckInsPerSecond: number };
  readonly buffer: DeltaBuffer;
  #service: string | null = null;
  /** The service it aggregates for (null until the first check-in). */
  get service(): string | null {
    return this.#service;
  }
  #held: Held | null = null;
  #route: Route = "fan-in";
  #upstreamMs: number;
  #lastUpstream = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | null = null;
  /** When an exchange last failed: with no document yet, isolates do not each retry it at once. */
  #failedAt = Number.NEGATIVE_INFINITY;
  /** The highest revision an isolate holds above ours (a raw KV put): passed up. */
  #ahead: string | null = null;

  constructor(
    id: string,
    ports: AggregatorPorts,
    tuning: { checkInMs: number; maxCheckInsPerSecond: number },
    bucketMs: number,
  ) {
    this.#id = id;
    this.#ports = ports;
    this.#tuning = tuning;
    this.#upstreamMs = tuning.checkInMs;
    this.buffer = new DeltaBuffer(ports.state.ledger(), bucketMs);
    // After an eviction the alarm can send what was sealed before any isolate calls.
    this.#service = ports.state.service();
  }

  async checkIn(c: CheckInRequest, now: number): Promise<CheckInReply> {
    if (this.#service !== null && this.#service !== c.service) {
      throw new Error(`aggregator of "${this.#service}" called for "${c.service}"`);
    }
    if (this.#service === null) this.#ports.state.setService(c.service);
    this.#service = c.service;
    this.buffer.apply(c.isolate, c.batches, now);
    const heldVersion = this.#held?.version ?? 0;
    if (
      c.revision !== null &&
      versionOf(c.revision) > Math.max(heldVersion, versionOf(this.#ahead))
    )
      this.#ahead = c.revision;
    const due = now - this.#lastUpstream >= this.#upstreamMs;
    // No document yet: exchange at once, unless one just failed (a burst of
    // isolates must not each call a service object that does not answer).
    const first = this.#held === null && now - this.#failedAt >= RETRY_MS;
    if (first || due) {
      const exchange = this.exchange(now);
      // A new instance knows no document yet: the isolate waits for it.
      if (this.#held === null) await exchange;
      else this.#ports.waitUntil(exchange);
    }
    // What isolates sent goes up one interval on, even if none checks in again.
    if (this.buffer.dirty) this.#ports.wakeAt(this.#lastUpstream + this.#upstreamMs);
    const held = this.#held as Held | null;
    const verdict = checkInVerdict({
      held: c.revision,
      current: held?.revision ?? null,
      highest: held?.version ?? 0,
    });
    const isolates = this.buffer.isolatesSince(now - 60_000);
    return {
      version: held?.version ?? 0,
      document: verdict.sendDocument && held ? held.text : null,
      acked: this.buffer.acked(c.isolate),
      intervalMs: checkInInterval(this.#tuning, isolates),
      route: this.#route,
      shards: shardsFor(isolates, this.#tuning),
    };
  }

  /**
   * Seals what the isolates sent since the last seal (stored with the ledger
   * it makes durable: from now on it is acknowledged) and checks in with
   * the service object: every sealed batch it has not acknowledged, the
   * revision held, the number of isolates behind. One at a time.
   */
  exchange(now: number): Promise<void> {
    if (this.#inflight) return this.#inflight;
    this.#lastUpstream = now;
    const { state } = this.#ports;
    if (this.buffer.dirty) {
      const f = this.buffer.take(now);
      state.seal(
        {
          seq: state.nextSeq(),
          metrics: f.totals,
          shadow: f.shadow,
          records: f.records.slice(-MAX_RECORDS),
        },
        f.ledger,
      );
    }
    const service = this.#service as string;
    const text = JSON.stringify({
      service,
      isolate: this.#id,
      revision: this.#ahead ?? this.#held?.revision ?? null,
      batches: state.unacknowledged(),
      isolates: this.buffer.isolatesSince(now - 60_000),
    });
    this.#inflight = this.#ports
      .upstream(service, text)
      .then((reply) => {
        state.acknowledged(reply.acked);
        this.#route = reply.route ?? "direct";
        this.#upstreamMs = Math.max(100, reply.intervalMs);
        if (reply.document !== null) {
          const revision = revisionOfText(reply.document);
          if (revision !== null)
            this.#held = { version: reply.version, revision, text: reply.document };
        }
        if (this.#ahead !== null && versionOf(this.#ahead) <= (this.#held?.version ?? 0))
          this.#ahead = null;
      })
      .catch((err: unknown) => {
        this.#failedAt = now;
        this.#ports.log("aggregator: the service object cannot be reached", {
          service,
          aggregator: this.#id,
          error: String(err),
        });
      })
      .finally(() => {
        this.#inflight = null;
        // Not acknowledged yet (the service object flushes once per interval): ask again.
        if (state.unacknowledged().length > 0 || this.buffer.dirty)
          this.#ports.wakeAt(Date.now() + this.#upstreamMs);
      });
    return this.#inflight;
  }
}
