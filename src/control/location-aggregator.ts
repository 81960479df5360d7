/**
 * A location aggregator, a SQLite-backed Durable Object (AGGREGATORS binding,
 * `idFromName("<service>:<location>:<shard>")`): the isolates of one
 * location check in here when the service object says "fan-in", and it
 * checks in with the service object once per interval for all of them
 * (src/app/control/aggregate.ts; docs/control-plane.md). This class is the
 * shell: the RPC entry points; it builds the adapters.
 *
 * Layer: control (a top floor beside src/http/).
 */
import { DurableObject } from "cloudflare:workers";
import { AggregatorStorage } from "../adapters/durable-object/aggregator-storage.ts";
import { controlOf } from "../adapters/durable-object/control-client.ts";
import { SERIES_BUCKET_MS } from "../adapters/durable-object/control-storage.ts";
import type * as P from "../adapters/durable-object/protocol.ts";
import { Aggregator } from "../app/control/aggregate.ts";
import { parseCheckIn } from "../app/control/check-in.ts";
import { log } from "../app/control/context.ts";
import { tuningFrom } from "./tuning.ts";

export class LocationAggregator extends DurableObject<Env> {
  readonly #aggregator = new Aggregator(
    `aggregator:${this.ctx.id.toString()}`,
    {
      state: new AggregatorStorage(this.ctx.storage.sql),
      upstream: (service, text) => controlOf(this.env.CONTROL, service).checkIn(text),
      waitUntil: (p) => this.ctx.waitUntil(p),
      wakeAt: (at) => this.#wakeAt(at),
      log,
    },
    tuningFrom(this.env),
    SERIES_BUCKET_MS,
  );

  /** An isolate's check-in (the JSON text of a CheckIn), answered as the service object would. */
  checkIn(text: string): Promise<P.CheckInAnswer> {
    return this.#aggregator.checkIn(parseCheckIn(text), Date.now());
  }

  /** Sends up what it holds (the isolates may have gone quiet). */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const service = this.#aggregator.service;
    if (service !== null) await this.#aggregator.exchange(Date.now());
  }

  #alarmAt: number | null = null;

  /** Sets the alarm for `at` unless one is set for earlier; a failure is logged. */
  #wakeAt(at: number): void {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    this.ctx.storage.setAlarm(at).catch((err: unknown) => {
      this.#alarmAt = null;
      log("aggregator alarm not set", { error: String(err) });
    });
  }
}
