/**
 * The control plane of one model service, a SQLite-backed Durable Object
 * (`idFromName(service)`): writes as compare-and-swap mirrored to KV, the
 * isolates' check-ins and exact deltas, raw KV puts adopted, the rollout
 * analyzer, outcomes (docs/control-plane.md). This class is the shell: RPC
 * entry points and the alarm; it serializes writes and evaluations, keeps
 * the alarm set while active, and hands each call to a use case in
 * src/app/control/ over the object's ports; decisions are in src/core/control/.
 *
 * Layer: control (a top floor beside src/http/): builds the adapters.
 */
import { DurableObject } from "cloudflare:workers";
import { ControlStorage, SERIES_BUCKET_MS } from "../adapters/durable-object/control-storage.ts";
import { OutcomeStorage } from "../adapters/durable-object/outcome-storage.ts";
import type * as P from "../adapters/durable-object/protocol.ts";
import { webhookNotifier } from "../adapters/fetch/webhook-notifier.ts";
import { KvControlCopy } from "../adapters/kv/control-copy.ts";
import { adoptFromKv, importOnce } from "../app/control/adopt.ts";
import { alarmRound } from "../app/control/alarm-round.ts";
import { command, evaluate, rolloutActive } from "../app/control/analyse.ts";
import { checkIn, flush, parseCheckIn } from "../app/control/check-in.ts";
import { commit, serviceTexts } from "../app/control/commit.ts";
import {
  type ControlContext,
  type ControlPorts,
  controlContext,
  log,
  serialQueue,
} from "../app/control/context.ts";
import { outcome, plain } from "../app/control/outcome.ts";
import { OutcomeBook } from "../app/control/outcomes.ts";
import { controlStatus } from "../app/control/status.ts";
import type { ServiceTexts } from "../core/control/adoption.ts";
import { type AlarmCause, keepTicking, nextAlarm } from "../core/control/alarm-plan.ts";
import type { CasWrite } from "../core/control/compare-and-swap.ts";
import { DeltaBuffer } from "../core/control/delta-buffer.ts";
import type { ManualCommand } from "../core/rollout/state-machine.ts";
import type { ControlStatus } from "../ports/control-plane-reader.ts";
import type { ControlOutcome } from "../ports/rollout-control.ts";
import type { CommitResult } from "../ports/service-store.ts";
import { type ControlTuning, tuningFrom } from "./tuning.ts";

export class ServiceControl extends DurableObject<Env> {
  readonly #store = new ControlStorage(this.ctx.storage.sql);
  readonly #outcomes = new OutcomeBook(new OutcomeStorage(this.ctx.storage.sql));
  readonly #tuning: ControlTuning = tuningFrom(this.env);
  readonly #buffer = new DeltaBuffer(this.#store.appliedBatches(), SERIES_BUCKET_MS);
  /** Serializes writes and evaluations (each awaits KV between its steps). */
  readonly #serial = serialQueue();
  /** The use cases' ports; bindings are read at each call. */
  readonly #ports: ControlPorts = {
    state: this.#store,
    kv: new KvControlCopy(() => this.env.ROUTING),
    notify: (event) => webhookNotifier(this.env.ROLLOUT_WEBHOOK_URL)(event),
    waitUntil: (p) => this.ctx.waitUntil(p),
    log,
    outcomeCells: () => this.#outcomes.cells(),
    wake: () => this.#arm(Date.now()),
  };
  /** Set once the service's name is known (stored, or the first call). */
  #ctx: ControlContext | null = null;
  /** The alarm this object set (null: none known to be pending). */
  #alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const service = this.#store.service("service").service;
    if (service !== null) this.#ctx = this.#context(service);
  }

  // ---- RPC: router isolates ------------------------------------------------

  async checkIn(text: string): Promise<P.CheckInAnswer> {
    const c = parseCheckIn(text);
    const ctx = await this.#ready(c.service);
    const now = Date.now();
    // From here to the return nothing awaits: applied, flushed and answered atomically.
    const { reply, pollKvNow } = checkIn(ctx, c, now, this.#tuning);
    if (pollKvNow) this.#arm(now, "poll-now");
    this.#arm(now);
    return reply;
  }

  // ---- RPC: the write pipeline, admin API, CLI ---------------------------------

  /** What the write pipeline reads; a raw KV put not adopted yet is adopted first. */
  async texts(service: string): Promise<ServiceTexts> {
    const ctx = await this.#ready(service);
    await this.#serial(() => adoptFromKv(ctx, Date.now()));
    return serviceTexts(ctx);
  }

  async write(service: string, w: CasWrite): Promise<CommitResult> {
    const ctx = await this.#ready(service);
    return this.#serial(async () => {
      await adoptFromKv(ctx, Date.now());
      return commit(ctx, w);
    });
  }

  // ---- RPC: reads of flushed data -------------------------------------------------
  metrics(service: string, revision: string) {
    return this.#flushed(service, (ctx) => ctx.state.metrics(service, revision));
  }
  shadowSummary(service: string, shadow: string) {
    return this.#flushed(service, (ctx) => ctx.state.shadowSummary(shadow));
  }
  shadowRecords(service: string, limit: number) {
    const n = Math.max(1, Math.min(500, limit));
    return this.#flushed(service, (ctx) => ctx.state.shadowRecords(n));
  }
  shadowSummaries(service: string) {
    return this.#flushed(service, (ctx) => ctx.state.shadowSummaries());
  }
  series(service: string, since: number) {
    return this.#flushed(service, (ctx) => ctx.state.series(since));
  }
  async rolloutStatus(service: string) {
    return plain((await this.#ready(service)).state.rolloutStatus());
  }

  /** Runs the analyzer now (`at`: the time it judges at; tests pass a simulated one). */
  evaluate(service: string, at?: number): Promise<ControlOutcome> {
    return this.#judged(service, (ctx) => evaluate(ctx, at ?? Date.now()));
  }

  command(service: string, cmd: ManualCommand, author: string, at?: number) {
    return this.#judged(service, (ctx) => command(ctx, cmd, author, at ?? Date.now()));
  }

  // ---- RPC: outcomes (POST /_router/outcomes); the tables need no document -----
  recordOutcomes(_service: string, text: string) {
    return this.#outcomes.record(text, Date.now());
  }
  outcomeCells(_service: string) {
    return this.#outcomes.cells();
  }

  async status(service: string): Promise<ControlStatus> {
    const ctx = await this.#ready(service);
    return controlStatus(ctx, Date.now(), this.#tuning, () => this.ctx.storage.getAlarm());
  }

  // ---- the alarm ------------------------------------------------------------------

  override async alarm(): Promise<void> {
    const now = Date.now();
    if (!this.#ctx) return;
    const ctx = await this.#ready(this.#ctx.service);
    try {
      await alarmRound(ctx, now, this.#tuning, this.#serial);
    } catch (err) {
      log("control alarm failed", { service: ctx.service, error: String(err) });
    } finally {
      this.#alarmAt = null;
      if (keepTicking(ctx.buffer.isolatesSince(now - 60_000), rolloutActive(ctx))) this.#arm(now);
    }
  }

  // ---- internals ----------------------------------------------------------------

  /** Learns the service's name and, the first time ever, imports what KV holds. */
  #ready(service: string): Promise<ControlContext> {
    const ctx = this.#context(service);
    return importOnce(ctx)?.then(() => ctx) ?? Promise.resolve(ctx);
  }

  /** The use cases' context, made once the service's name is known (another name is refused). */
  #context(service: string): ControlContext {
    if (this.#ctx?.service === service) return this.#ctx;
    if (this.#ctx)
      throw new Error(`control object of "${this.#ctx.service}" called for "${service}"`);
    if (this.#store.service("service").service === null) this.#store.setService({ service });
    this.#ctx = controlContext(service, this.#buffer, this.#ports, Date.now());
    return this.#ctx;
  }

  /** A read of flushed data, as RPC can carry it. */
  async #flushed<T>(service: string, read: (ctx: ControlContext) => T): Promise<T> {
    const ctx = await this.#ready(service);
    flush(ctx, Date.now());
    return plain(read(ctx));
  }

  /** The analyzer or a command, serialized with the alarm's; it keeps the alarm set. */
  async #judged(service: string, run: (ctx: ControlContext) => Promise<unknown>) {
    const ctx = await this.#ready(service);
    return this.#serial(() => outcome(() => run(ctx).finally(() => this.#arm(Date.now()))));
  }

  /** Sets the alarm when nextAlarm says so; a failure is logged (the next call re-arms it). */
  #arm(now: number, cause: AlarmCause = "call"): void {
    const at = nextAlarm(this.#alarmAt, now, cause, this.#tuning.alarmMs);
    if (at === null) return;
    this.#alarmAt = at;
    this.ctx.storage.setAlarm(at).catch((err: unknown) => {
      this.#alarmAt = null;
      log("control alarm not set", { service: this.#ctx?.service ?? null, error: String(err) });
    });
  }
}
