/**
 * An isolate's link to the control objects: it collects the isolate's
 * per-arm request metrics and shadow pairs in memory and, per service,
 * checks in with the service's object at the interval the object asks for
 * (CHECKIN_INTERVAL_MS to start), sending the revision it routes by and
 * its deltas; the answer ("current", or the new document) goes to the
 * routing store.
 *
 * Layer: adapter (CONTROL binding). Never on the request path: a check-in
 * runs inside waitUntil, at most one per service at a time, scheduled by
 * the requests themselves (a quiet isolate sends its last deltas one
 * interval after its last request). When the object cannot be reached the
 * deltas are kept (bounded) and re-sent with the same sequence numbers, so
 * the object counts each once; the routing store then falls back to its
 * KV memo policy.
 *
 * Fan-in (docs/control-plane.md): when the service object's answer says
 * "fan-in", the isolate checks in with its location's aggregator
 * (AGGREGATORS binding, src/control/location-aggregator.ts) instead, same
 * request, same answer; it moves between targets only with nothing
 * unacknowledged (src/core/control/fan-in.ts), so each batch is counted by
 * one object. An aggregator that cannot be reached keeps the batches sent
 * to it; the document then comes from the service object, then from KV.
 */
import { aggregatorName, nextTarget, type Route, shardOf } from "../../core/control/fan-in.ts";
import { dict, own } from "../../core/dict.ts";
import {
  emptyVersionMetrics,
  observeRequest,
  type RequestObservation,
  type VersionMetrics,
} from "../../core/rollout/request-metrics.ts";
import { isNotable, type ShadowPair } from "../../core/shadow/compare.ts";
import { type ShadowRecord, toRecord } from "../../core/shadow/record.ts";
import {
  addPair,
  addSkip,
  emptySummary,
  type ShadowSummary,
  type SkipReason,
} from "../../core/shadow/summary.ts";
import type { WaitUntil } from "../../ports/wait-until.ts";
import { type ControlNamespace, controlOf } from "./control-client.ts";
import type { AggregatorRpc, CheckIn, CheckInAnswer, DeltaBatch } from "./protocol.ts";

/** The routing store, as the link sees it. */
export interface HeldDocuments {
  /** Revision of the document routed by for a service (null: none). */
  revision(service: string): string | null;
  /** The object confirmed `revision` is current at `at`. */
  confirm(service: string, revision: string | null, at: number): void;
  /** The object sent a different document. */
  offer(service: string, text: string, at: number): void;
}

export interface CheckInLinkOptions {
  intervalMs: number;
  /** The location aggregators (fan-in); absent: always the service object. */
  aggregators?: ControlNamespace | null;
  /** This isolate's location (LOCATION var, else the first request's cf.colo; locate()). */
  location?: string | null;
  isolateId?: string;
  now?: () => number;
  /** Notable shadow pairs kept per batch (the rest are counted as dropped). */
  maxRecordsPerBatch?: number;
  /** Unacknowledged batches kept per service while the object is unreachable. */
  maxUnacked?: number;
  maxServices?: number;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

interface Pending {
  metrics: Record<string, VersionMetrics>;
  shadow: Record<string, ShadowSummary>;
  records: ShadowRecord[];
  empty: boolean;
}

interface ServiceLink {
  pending: Pending;
  unacked: DeltaBatch[];
  /** Where the unacknowledged batches went: "service", or an aggregator's name. */
  target: string;
  /** The route and shard count the last answer gave. */
  route: Route;
  shards: number;
  seq: number;
  lastStartAt: number;
  /** When the pending (or running) check-in was scheduled; null: none. */
  scheduledAt: number | null;
  intervalMs: number;
  failures: number;
}

const emptyPending = (): Pending => ({ metrics: dict(), shadow: dict(), records: [], empty: true });

/** The target of check-ins that go to the service object itself. */
const SERVICE = "service";

/** A scheduled check-in older than this is treated as lost (waitUntil lasts 30 s). */
const GIVE_UP_MS = 30_000;

export class CheckInLink {
  readonly #ns: ControlNamespace;
  readonly #held: HeldDocuments;
  readonly #opts: Required<CheckInLinkOptions>;
  readonly #links = new Map<string, ServiceLink>();
  #checkIns = 0;
  #failures = 0;
  #lastError: string | null = null;

  constructor(ns: ControlNamespace, held: HeldDocuments, options: CheckInLinkOptions) {
    this.#ns = ns;
    this.#held = held;
    this.#opts = {
      isolateId: crypto.randomUUID(),
      now: Date.now,
      maxRecordsPerBatch: 20,
      maxUnacked: 32,
      maxServices: 256,
      aggregators: null,
      location: null,
      log: (message, detail) => console.error(JSON.stringify({ message, ...detail })),
      ...options,
    };
  }

  // ---- the MetricsRecorder port --------------------------------------------

  record(o: RequestObservation, waitUntil: WaitUntil): void {
    const link = this.#link(o.service);
    let m = own(link.pending.metrics, o.revision);
    if (!m) {
      m = emptyVersionMetrics(o.service, o.version, o.revision, o.at);
      link.pending.metrics[o.revision] = m;
    }
    observeRequest(m, o);
    link.pending.empty = false;
    this.#schedule(o.service, link, waitUntil);
  }

  // ---- the ShadowRecorder port ---------------------------------------------

  recordPair(pair: ShadowPair, waitUntil: WaitUntil): void {
    const link = this.#link(pair.service);
    const summary = this.#summary(link, pair.service, pair.shadow, pair.at);
    addPair(summary, pair);
    if (isNotable(pair.comparison)) {
      if (link.pending.records.length < this.#opts.maxRecordsPerBatch) {
        link.pending.records.push(toRecord(pair));
      } else {
        summary.droppedRecords += 1;
      }
    }
    this.#schedule(pair.service, link, waitUntil);
  }

  recordSkip(
    skip: { service: string; shadow: string; reason: SkipReason; version: number },
    waitUntil: WaitUntil,
  ): void {
    const link = this.#link(skip.service);
    const at = this.#opts.now();
    addSkip(this.#summary(link, skip.service, skip.shadow, at), skip.reason, at, skip.version);
    this.#schedule(skip.service, link, waitUntil);
  }

  // ---- for the routing store and the health endpoint -------------------------

  /** Makes sure a check-in for `service` is coming (a request routed by it). */
  touch(service: string, waitUntil: WaitUntil): void {
    this.#schedule(service, this.#link(service), waitUntil);
  }

  stats(): { isolate: string; checkIns: number; failures: number; lastError: string | null } {
    return {
      isolate: this.#opts.isolateId,
      checkIns: this.#checkIns,
      failures: this.#failures,
      lastError: this.#lastError,
    };
  }

  // ---- internals -------------------------------------------------------------

  #link(service: string): ServiceLink {
    let link = this.#links.get(service);
    if (!link) {
      link = {
        pending: emptyPending(),
        unacked: [],
        target: SERVICE,
        route: "direct",
        shards: 1,
        seq: 0,
        lastStartAt: Number.NEGATIVE_INFINITY,
        scheduledAt: null,
        intervalMs: this.#opts.intervalMs,
        failures: 0,
      };
      this.#links.set(service, link);
      if (this.#links.size > this.#opts.maxServices) {
        for (const [name, l] of this.#links) {
          if (l.pending.empty && l.unacked.length === 0 && l.scheduledAt === null) {
            this.#links.delete(name);
            break;
          }
        }
      }
    }
    return link;
  }

  #summary(link: ServiceLink, service: string, shadow: string, at: number): ShadowSummary {
    link.pending.empty = false;
    let s = own(link.pending.shadow, shadow);
    if (!s) {
      s = emptySummary(service, shadow, at);
      link.pending.shadow[shadow] = s;
    }
    return s;
  }

  #schedule(service: string, link: ServiceLink, waitUntil: WaitUntil): void {
    const now = this.#opts.now();
    if (link.scheduledAt !== null && now - link.scheduledAt < link.intervalMs + GIVE_UP_MS) return;
    link.scheduledAt = now;
    const wait = Math.max(0, link.lastStartAt + link.intervalMs - now);
    const due = wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
    const scheduledAt = now;
    waitUntil(
      due
        .then(() => this.#checkIn(service, link))
        .finally(() => {
          if (link.scheduledAt === scheduledAt) link.scheduledAt = null;
          // Deltas recorded while this check-in was in flight (a shadow pair
          // completes after the request's metrics): send them an interval on.
          if (!link.pending.empty) this.#schedule(service, link, waitUntil);
        }),
    );
  }

  async #checkIn(service: string, link: ServiceLink): Promise<void> {
    link.lastStartAt = this.#opts.now();
    // A new target only once the old one acknowledged everything sent to it;
    // meanwhile new deltas wait in `pending`, so the queue drains.
    const target = nextTarget(link.target, this.#wanted(service, link), link.unacked.length);
    const moving = target !== this.#wanted(service, link);
    link.target = target;
    if (!link.pending.empty && !moving) this.#seal(service, link);
    const revision = this.#held.revision(service);
    const checkIn: CheckIn = {
      service,
      isolate: this.#opts.isolateId,
      revision,
      batches: link.unacked,
    };
    let answer: CheckInAnswer;
    try {
      answer = await this.#call(service, target, checkIn);
    } catch (err) {
      this.#failed(service, link, target, err);
      // An aggregator that cannot be reached: the document still comes from
      // the service object (no batches: they stay queued for the aggregator,
      // which may have applied them).
      if (target === SERVICE) return;
      try {
        answer = await this.#call(service, SERVICE, { ...checkIn, batches: [] });
      } catch (err2) {
        this.#failed(service, link, SERVICE, err2);
        return;
      }
      this.#answered(service, link, answer, revision, false);
      return;
    }
    this.#answered(service, link, answer, revision, true);
  }

  /** Seals the pending deltas into the next numbered batch. */
  #seal(service: string, link: ServiceLink): void {
    const p = link.pending;
    link.pending = emptyPending();
    link.seq += 1;
    link.unacked.push({
      seq: link.seq,
      metrics: Object.values(p.metrics),
      shadow: Object.values(p.shadow),
      records: p.records,
    });
    if (link.unacked.length > this.#opts.maxUnacked) {
      const lost = link.unacked.shift();
      this.#opts.log("control object unreachable; oldest metrics batch dropped", {
        service,
        seq: lost?.seq,
      });
    }
  }

  /** Where this isolate should check in now: the service object, or its location's aggregator. */
  #wanted(service: string, link: ServiceLink): string {
    const location = this.#opts.location;
    if (link.route !== "fan-in" || !this.#opts.aggregators || !location) return SERVICE;
    return aggregatorName(service, location, shardOf(this.#opts.isolateId, link.shards));
  }

  #call(service: string, target: string, checkIn: CheckIn): Promise<CheckInAnswer> {
    const text = JSON.stringify(checkIn);
    if (target === SERVICE) return controlOf(this.#ns, service).checkIn(text);
    const ns = this.#opts.aggregators as ControlNamespace;
    return (ns.get(ns.idFromName(target)) as AggregatorRpc).checkIn(text);
  }

  #failed(service: string, link: ServiceLink, target: string, err: unknown): void {
    this.#failures += 1;
    link.failures += 1;
    this.#lastError = String(err);
    // Loud once, then every 30th failure: the routers keep serving what
    // they hold and fall back to KV reads meanwhile.
    if (link.failures === 1 || link.failures % 30 === 0) {
      this.#opts.log(
        target === SERVICE
          ? "control object unreachable; serving the held document, KV as fallback"
          : "location aggregator unreachable; the document from the service object meanwhile",
        { service, target, failures: link.failures, error: String(err) },
      );
    }
  }

  #answered(
    service: string,
    link: ServiceLink,
    answer: CheckInAnswer,
    revision: string | null,
    fromTarget: boolean,
  ): void {
    this.#checkIns += 1;
    if (fromTarget) {
      link.failures = 0;
      link.unacked = link.unacked.filter((b) => b.seq > answer.acked);
      if (answer.route) link.route = answer.route;
      if (typeof answer.shards === "number" && answer.shards >= 1) link.shards = answer.shards;
    }
    link.intervalMs = Math.max(100, answer.intervalMs);
    const at = this.#opts.now();
    if (answer.document !== null) this.#held.offer(service, answer.document, at);
    else this.#held.confirm(service, revision, at);
  }

  /** Learns this isolate's location (the first request's cf.colo), unless set already. */
  locate(location: string | null | undefined): void {
    if (!this.#opts.location && location) this.#opts.location = location;
  }
}
