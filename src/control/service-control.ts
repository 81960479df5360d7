/**
 * The control plane of one model service: a SQLite-backed Durable Object
 * (one per service, `idFromName(service)`) that
 *   - holds the service's document and history and takes every write as a
 *     compare-and-swap on the document (versions strictly increase), then
 *     mirrors it to KV (document, history, last-good);
 *   - answers router isolates' check-ins ("current", or the new document)
 *     and merges the metric and shadow deltas they carry, exactly;
 *   - on its alarm: adopts a higher version put straight into KV
 *     (`wrangler kv key put`), retries a failed KV mirror, evaluates an
 *     active rollout every `analysisIntervalSeconds` and writes its
 *     verdicts through the same compare-and-swap, and prunes old data.
 * It only runs while someone uses it: the alarm keeps ticking while
 * isolates check in (last minute) or a rollout is active; a check-in
 * re-arms it.
 *
 * Layer: control (a top floor beside src/http/): the object's RPC surface
 * and alarm, wiring its storage adapter and the KV adapter to the use
 * cases (the write pipeline's store, the rollout analyzer).
 */
import { DurableObject } from "cloudflare:workers";
import { ControlStorage, SERIES_BUCKET_MS } from "../adapters/durable-object/control-storage.ts";
import type {
  CheckIn,
  CheckInAnswer,
  ControlOutcome,
  ControlStatus,
  ControlWrite,
  ControlWriteResult,
  ServiceTexts,
} from "../adapters/durable-object/protocol.ts";
import { webhookNotifier } from "../adapters/fetch/webhook-notifier.ts";
import {
  mirrorServiceTexts,
  readDocumentText,
  readServiceTexts,
} from "../adapters/kv/service-store.ts";
import { RouterError } from "../app/errors.ts";
import { type AnalyzerContext, analyzeService, manualRollout } from "../app/rollout/analyzer.ts";
import { adoptedHistory, adoptionOf, importOf } from "../core/control/adoption.ts";
import {
  type AlarmCause,
  analysisDue,
  dutyDue,
  keepTicking,
  nextAlarm,
} from "../core/control/alarm-plan.ts";
import { checkInVerdict } from "../core/control/check-in.ts";
import { compareAndSwap, reportedDocument } from "../core/control/compare-and-swap.ts";
import { DeltaBuffer } from "../core/control/delta-buffer.ts";
import { type MirrorCause, mirrored, mirrorPlan, retryFirst } from "../core/control/mirror-plan.ts";
import { shadowViewOf } from "../core/rollout/metrics-view.ts";
import {
  emptyVersionMetrics,
  revisionOf,
  type VersionMetrics,
} from "../core/rollout/request-metrics.ts";
import type { ManualCommand } from "../core/rollout/state-machine.ts";
import { type HistoryEntry, recordWrite, serializeHistory } from "../document/edits/history.ts";
import {
  documentText,
  highestVersionSeen,
  parseStoredService,
} from "../document/edits/stored-service.ts";
import { shadowLogKey, shadowSummaryKey } from "../document/kv-keys.ts";
import type { RoutingDocument } from "../document/routing-document.ts";
import { parseRoutingDocument } from "../document/validate.ts";
import type { ServiceStore } from "../ports.ts";
import { type ControlTuning, checkInInterval, tuningFrom } from "./tuning.ts";

/** Rollout states that still need evaluations. */
const ACTIVE_STATES = new Set(["progressing", "paused"]);

interface Current {
  version: number;
  revision: string | null;
  doc: RoutingDocument | null;
}

export class ServiceControl extends DurableObject<Env> {
  readonly #store: ControlStorage;
  readonly #tuning: ControlTuning;
  #service: string | null;
  #current: Current | null = null;
  #loading: Promise<void> | null = null;
  /** Serializes writes and evaluations (each awaits KV between its steps). */
  #queue: Promise<unknown> = Promise.resolve();
  /** Check-in arrival times of the last 10 s (for the rate and the adaptive interval). */
  #arrivals: number[] = [];
  #lastKvPoll = 0;
  /** The first alarm evaluation comes one plan interval after the object starts. */
  #lastAnalysis = Date.now();
  #lastPrune = 0;
  #lastFlush = 0;
  /** KV operations of this object since it started (status, the benchmark). */
  readonly #kvOps = { reads: 0, writes: 0 };
  readonly #buffer: DeltaBuffer;
  #lastShadowMirror = 0;
  /** The alarm this object set (null: none known to be pending). */
  #alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new ControlStorage(ctx.storage.sql);
    this.#tuning = tuningFrom(env);
    this.#service = this.#store.service("service").service;
    this.#buffer = new DeltaBuffer(this.#store.appliedBatches(), SERIES_BUCKET_MS);
  }

  // ---- RPC: router isolates ------------------------------------------------

  async checkIn(text: string): Promise<CheckInAnswer> {
    const c = parseCheckIn(text);
    await this.#ready(c.service);
    const now = Date.now();
    // From here to the return nothing awaits: the batches are applied (and,
    // once per interval, flushed) atomically.
    this.#buffer.apply(c.isolate, c.batches, now);
    if (now - this.#lastFlush >= this.#tuning.checkInMs) this.#flush(now);
    this.#arrivals.push(now);
    if (this.#arrivals.length > 4096 || (this.#arrivals[0] ?? now) < now - 10_000) {
      this.#arrivals = this.#arrivals.filter((t) => t >= now - 10_000);
    }
    const current = this.#currentDoc();
    const verdict = checkInVerdict({
      held: c.revision,
      current: current.revision,
      highest: this.#store.service("highest").highest,
    });
    if (verdict.pollKvNow) this.#arm(now, "poll-now");
    this.#arm(now);
    return {
      version: current.version,
      document: verdict.sendDocument ? this.#store.service("document").document : null,
      acked: this.#buffer.acked(c.isolate),
      intervalMs: checkInInterval(this.#tuning, this.#buffer.isolatesSince(now - 60_000)),
    };
  }

  // ---- RPC: the write pipeline, admin API, CLI ---------------------------------

  /**
   * What the write pipeline reads. A raw KV put not adopted yet is adopted
   * first (one KV read; admin reads are rare), so a write builds on it
   * rather than silently replacing it.
   */
  async texts(service: string): Promise<ServiceTexts> {
    await this.#ready(service);
    await this.#serial(() => this.#adoptFromKv(Date.now()));
    return this.#serviceTexts();
  }

  async write(service: string, w: ControlWrite): Promise<ControlWriteResult> {
    await this.#ready(service);
    return this.#serial(async () => {
      await this.#adoptFromKv(Date.now());
      return this.#commit(w);
    });
  }

  async metrics(service: string, revision: string): Promise<VersionMetrics | null> {
    await this.#ready(service);
    this.#flush(Date.now());
    return plain(this.#store.metrics(service, revision));
  }

  async shadowSummary(service: string, shadow: string) {
    await this.#ready(service);
    this.#flush(Date.now());
    return plain(this.#store.shadowSummary(shadow));
  }

  async shadowRecords(service: string, limit: number) {
    await this.#ready(service);
    this.#flush(Date.now());
    return this.#store.shadowRecords(Math.max(1, Math.min(500, limit)));
  }

  async shadowSummaries(service: string) {
    await this.#ready(service);
    this.#flush(Date.now());
    return plain(this.#store.shadowSummaries());
  }

  async series(service: string, since: number) {
    await this.#ready(service);
    this.#flush(Date.now());
    return plain(this.#store.series(since));
  }

  async rolloutStatus(service: string) {
    await this.#ready(service);
    return plain(this.#store.rolloutStatus());
  }

  /** Runs the analyzer now (`at`: the time it judges at; tests pass a simulated one). */
  async evaluate(service: string, at?: number): Promise<ControlOutcome> {
    await this.#ready(service);
    return this.#serial(() =>
      outcome(async () => {
        await this.#adoptFromKv(Date.now());
        const result = await analyzeService(this.#analyzer(at ?? Date.now()), service);
        this.#lastAnalysis = Date.now();
        if (!result) {
          if (this.#store.service("document").document === null) {
            throw new RouterError(
              404,
              "no_routing_document",
              `no routing document for "${service}"`,
              {
                service,
              },
            );
          }
          throw new RouterError(
            404,
            "no_rollout_plan",
            `"${service}" has no rollout plan (a "rollout" block with a canary) to evaluate`,
            { service },
          );
        }
        this.#arm(Date.now());
        return result;
      }),
    );
  }

  async command(
    service: string,
    command: ManualCommand,
    author: string,
    at?: number,
  ): Promise<ControlOutcome> {
    await this.#ready(service);
    return this.#serial(() =>
      outcome(async () => {
        await this.#adoptFromKv(Date.now());
        const result = await manualRollout(
          this.#analyzer(at ?? Date.now()),
          service,
          command,
          author,
        );
        this.#arm(Date.now());
        return result;
      }),
    );
  }

  async status(service: string): Promise<ControlStatus> {
    await this.#ready(service);
    const now = Date.now();
    const recent = this.#arrivals.filter((t) => t >= now - 10_000).length;
    const isolates = this.#buffer.isolatesSince(now - 60_000);
    return {
      service,
      version: this.#currentDoc().version,
      isolates,
      checkInsPerSecond: recent / 10,
      intervalMs: checkInInterval(this.#tuning, isolates),
      kvVersion: this.#store.service("kvVersion").kvVersion,
      rolloutActive: this.#rolloutActive(),
      nextAlarmAt: await this.ctx.storage.getAlarm(),
      kvOps: { ...this.#kvOps },
    };
  }

  // ---- the alarm ------------------------------------------------------------------

  override async alarm(): Promise<void> {
    const now = Date.now();
    const service = this.#service;
    if (!service) return;
    await this.#ready(service);
    try {
      this.#flush(now);
      if (dutyDue(this.#lastKvPoll, now, this.#tuning.kvPollMs)) {
        this.#lastKvPoll = now;
        await this.#serial(() => this.#adoptFromKv(now));
      }
      const plan = this.#currentDoc().doc?.rollout;
      if (
        plan &&
        this.#rolloutActive() &&
        analysisDue(this.#lastAnalysis, now, plan.analysisIntervalSeconds)
      ) {
        this.#lastAnalysis = now;
        await this.#serial(() => analyzeService(this.#analyzer(now), service));
      }
      if (dutyDue(this.#lastShadowMirror, now, this.#tuning.shadowMirrorMs)) {
        this.#lastShadowMirror = now;
        await this.#mirrorShadow(service, now);
      }
      if (dutyDue(this.#lastPrune, now, 60_000)) {
        this.#lastPrune = now;
        this.#store.prune(now);
      }
    } catch (err) {
      log("control alarm failed", { service, error: String(err) });
    } finally {
      this.#alarmAt = null;
      if (keepTicking(this.#buffer.isolatesSince(now - 60_000), this.#rolloutActive())) {
        this.#arm(now);
      }
    }
  }

  // ---- internals ----------------------------------------------------------------

  /**
   * Writes the buffered check-ins to SQLite in one synchronous block (one
   * implicit transaction): totals per revision, series buckets, shadow
   * summaries and records, and the batch ledger, which acknowledges them.
   */
  #flush(now: number): void {
    this.#lastFlush = now;
    if (this.#buffer.dirty) this.#store.writeFlush(this.#buffer.take(now));
  }

  /** Learns the service's name and, the first time ever, imports what KV holds. */
  #ready(service: string): Promise<void> {
    if (this.#service === null) {
      this.#service = service;
      this.#store.setService({ service });
    } else if (this.#service !== service) {
      throw new Error(`control object of "${this.#service}" called for "${service}"`);
    }
    if (this.#store.service("imported").imported) return Promise.resolve();
    this.#loading ??= this.#import(service).finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #import(service: string): Promise<void> {
    this.#kvOps.reads += 3;
    const texts = await readServiceTexts(this.env.ROUTING, service);
    if (this.#store.service("imported").imported) return;
    const highest = highestVersionSeen(parseStoredService(service, texts));
    const { row, mirrorLastGood } = importOf(service, texts, highest, parseRoutingDocument);
    this.#store.setService(row);
    this.#current = null;
    // The last-good copy follows the valid document KV holds (cold isolates
    // read it when the document is deleted or broken).
    if (mirrorLastGood) await this.#mirror("import");
  }

  #currentDoc(): Current {
    if (this.#current) return this.#current;
    const text = this.#store.service("document").document;
    const parsed = text === null ? null : parseRoutingDocument(text);
    const doc = parsed?.ok ? parsed.doc : null;
    this.#current = {
      version: doc?.version ?? 0,
      revision: doc ? revisionOf(doc) : null,
      doc,
    };
    return this.#current;
  }

  /** What the write pipeline reads (reportedDocument: as KV would say, when deleted or broken there). */
  #serviceTexts(): ServiceTexts {
    const { history, lastGood, ...row } = this.#store.service(
      "document",
      "kvSeen",
      "kvState",
      "history",
      "lastGood",
    );
    return { document: reportedDocument(row), history, lastGood };
  }

  /** The compare-and-swap: applied only on the basis the writer read, with a higher version. */
  async #commit(w: ControlWrite): Promise<ControlWriteResult> {
    const verdict = compareAndSwap(
      this.#store.service("document", "kvSeen", "kvState", "highest"),
      this.#currentDoc().doc?.version ?? null,
      w,
    );
    if (!verdict.ok) return verdict;
    this.#store.setService(verdict.row);
    this.#current = null;
    this.#arm(Date.now());
    return { ok: true, kvError: await this.#mirror("write") };
  }

  /**
   * Writes the current document (unless KV already holds it), history and
   * last-good copy to KV; returns the error, if any.
   */
  async #mirror(cause: MirrorCause): Promise<string | null> {
    const { document, history } = this.#store.service("document", "history");
    const service = this.#service;
    const plan = mirrorPlan(document, cause);
    if (plan === null || document === null || service === null) return null;
    const version = this.#currentDoc().version;
    try {
      this.#kvOps.writes += plan.writeDocument ? 3 : 2;
      await mirrorServiceTexts(this.env.ROUTING, service, {
        document,
        history,
        documentInKv: !plan.writeDocument,
      });
      this.#store.setService(mirrored(this.#store.service("kvVersion"), version, document));
      return null;
    } catch (err) {
      log("KV mirror failed; retried on the next alarm", { service, version, error: String(err) });
      return String(err);
    }
  }

  /**
   * Looks at KV's copy of the document for a change made around this object
   * (a raw `wrangler kv key put`, the CLI's --direct mode, a delete):
   *  - a valid document with a higher version than any seen is adopted
   *    (with a history entry, unless --direct wrote one) and pushed to every
   *    isolate at its next check-in;
   *  - a lower version is not adopted (KV reads can be stale, and versions
   *    only go up): logged, and the next write replaces it;
   *  - a deletion or a document that fails the schema is reported to the
   *    write pipeline as KV says (so rollback / apply repair it) while the
   *    fleet keeps routing by the last good document, as before.
   * Nothing happens while this object's own KV write is pending (retried first).
   */
  async #adoptFromKv(now: number): Promise<void> {
    const service = this.#service;
    if (!service) return;
    if (retryFirst(this.#store.service("kvVersion"), this.#currentDoc().version)) {
      if ((await this.#mirror("retry")) !== null) return;
    }
    this.#kvOps.reads += 1;
    const text = await readDocumentText(this.env.ROUTING, service);
    const current = this.#currentDoc();
    const row = this.#store.service("kvSeen", "document", "highest");
    const a = adoptionOf(service, row, text, parseRoutingDocument);
    if (a.kind === "unchanged") return;
    this.#store.setService(a.row);
    switch (a.kind) {
      case "deleted":
        return log("routing document deleted in KV; the fleet keeps the last good one", {
          service,
          version: current.version,
        });
      case "invalid":
        return log("KV holds a document that fails the schema; not adopted", {
          service,
          errors: a.errors,
        });
      case "stale":
        return log(
          "KV holds a version not above the highest seen; not adopted (bump its version)",
          {
            service,
            kv: a.version,
            highest: a.highest,
            serving: current.version,
          },
        );
      case "current":
        return;
    }
    this.#kvOps.reads += 3;
    const kvHistory = (await readServiceTexts(this.env.ROUTING, service)).history;
    const fromKv = parseStoredService(service, { document: text, history: kvHistory }).history;
    // The CLI's --direct mode writes its own history entry; keep KV's then.
    const history: HistoryEntry[] =
      adoptedHistory(fromKv, a.doc.version) === "kv"
        ? fromKv
        : recordWrite(
            parseStoredService(service, this.#store.service("document", "history", "lastGood"))
              .history,
            {
              previous: current.doc,
              next: a.doc,
              change: "adopted a raw KV put",
              source: "kv",
            },
          );
    this.#store.setService({ ...a.adopted, history: serializeHistory(history) });
    this.#current = null;
    log("adopted a raw KV put", { service, from: current.version, to: a.doc.version, at: now });
    await this.#mirror("adoption");
  }

  /**
   * Keeps `npm run shadow:report` and `wrangler kv key get` working: the
   * merged summaries as one shard each (`shadow-summary:<service>:<shadow>:control`)
   * and the pairs recorded since the last mirror as one log batch; written
   * only when something changed, at most once per SHADOW_KV_MIRROR_MS.
   */
  async #mirrorShadow(service: string, now: number): Promise<void> {
    const marks = this.#store.shadowMirror();
    const seen = marks.mirroredRecord;
    const records = this.#store.shadowRecordsAfter(seen, 200);
    const summaries = this.#store.shadowSummaries();
    // Read before the KV writes: a flush while they are in flight is mirrored next time.
    const changedAt = marks.changed;
    const changed = changedAt > marks.mirrored;
    if (!changed && records.length === 0) return;
    const kv = this.env.ROUTING;
    this.#kvOps.writes += summaries.length + (records.length > 0 ? 1 : 0);
    await Promise.all(
      summaries.map((s) =>
        kv.put(shadowSummaryKey(service, s.shadow, "control"), JSON.stringify(s), {
          expirationTtl: 7 * 86_400,
        }),
      ),
    );
    if (records.length > 0) {
      await kv.put(
        shadowLogKey(service, now, "control"),
        JSON.stringify(records.map((r) => r.record)),
        { expirationTtl: 86_400 },
      );
      this.#store.setShadowMirror({ mirroredRecord: records.at(-1)?.id ?? seen });
    }
    this.#store.setShadowMirror({ mirrored: changedAt });
  }

  #rolloutActive(): boolean {
    const doc = this.#currentDoc().doc;
    if (!doc?.rollout || !doc.canary) return false;
    const status = this.#store.rolloutStatus();
    return status === null || ACTIVE_STATES.has(status.state);
  }

  /**
   * Sets the alarm when nextAlarm says so (any call: when none is pending;
   * a KV poll at once: now); a failure is logged (the next call re-arms it).
   */
  #arm(now: number, cause: AlarmCause = "call"): void {
    if (cause === "poll-now") this.#lastKvPoll = 0;
    const at = nextAlarm(this.#alarmAt, now, cause, this.#tuning.alarmMs);
    if (at === null) return;
    this.#alarmAt = at;
    this.ctx.storage.setAlarm(at).catch((err: unknown) => {
      this.#alarmAt = null;
      log("control alarm not set", { service: this.#service, error: String(err) });
    });
  }

  #flushed<T>(now: number, read: () => T): T {
    this.#flush(now);
    return read();
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** The analyzer's ports, over this object's own storage. */
  #analyzer(now: number): AnalyzerContext {
    const service = this.#service as string;
    const services: ServiceStore = {
      read: async () => parseStoredService(service, this.#serviceTexts()),
      write: async (_service, doc, history, basis) => {
        const result = await this.#commit({
          basis,
          document: documentText(doc),
          version: doc.version,
          history: serializeHistory(history),
        });
        return result.ok
          ? { historyError: null }
          : { historyError: null, conflict: result.conflict };
      },
      list: async () => [service],
    };
    return {
      services,
      rollouts: {
        read: async () => this.#store.rolloutStatus(),
        write: async (_service, status) => this.#store.setRolloutStatus(status),
      },
      metrics: {
        read: async (doc) =>
          this.#flushed(now, () => this.#store.metrics(service, revisionOf(doc))) ??
          emptyVersionMetrics(service, doc.version, revisionOf(doc), 0),
      },
      shadowViews: {
        read: async (doc) =>
          doc.shadow
            ? shadowViewOf(
                this.#flushed(now, () => this.#store.shadowSummary(doc.shadow?.origin ?? "")),
              )
            : null,
      },
      now,
      notify: webhookNotifier(this.env.ROLLOUT_WEBHOOK_URL),
      waitUntil: (p) => this.ctx.waitUntil(p),
    };
  }
}

/**
 * A value RPC can carry: prototype-free maps (src/core/dict.ts) are
 * refused by structured clone, so results are passed through JSON.
 */
function plain<T>(value: T): T {
  return value === null || value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** A check-in's JSON text, with the shape checked where a bad one would throw later. */
function parseCheckIn(text: string): CheckIn {
  const c = JSON.parse(text) as CheckIn;
  if (
    typeof c?.service !== "string" ||
    typeof c.isolate !== "string" ||
    !Array.isArray(c.batches)
  ) {
    throw new Error("malformed check-in");
  }
  return c;
}

async function outcome(run: () => Promise<unknown>): Promise<ControlOutcome> {
  try {
    return { ok: true, value: plain(await run()) };
  } catch (err) {
    if (err instanceof RouterError) {
      return {
        ok: false,
        error: { status: err.status, code: err.code, message: err.message, detail: err.detail },
      };
    }
    throw err;
  }
}

function log(message: string, detail: Record<string, unknown>): void {
  console.error(JSON.stringify({ message, ...detail }));
}
