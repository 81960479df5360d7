/**
 * The dashboard's sessions: a SQLite-backed Durable Object, one named
 * instance for the whole router (`idFromName("dashboard")`), that every
 * isolate asks on every dashboard request whether the cookie's session
 * still lasts. Signing out, or "End" on the Sessions page, ends a session
 * here, and from then on its cookie opens nothing anywhere.
 *
 * Layer: control (a top floor beside src/http/): the object's RPC surface,
 * over its storage adapter and the core's session decisions. Sessions are
 * not per service, so they are not the service control objects' business.
 * Load: one call per dashboard request (a person, or a page polling every
 * 3 s); the model path never calls it.
 */
import { DurableObject } from "cloudflare:workers";
import { SessionStorage } from "../adapters/durable-object/session-storage.ts";
import {
  lastSeenDue,
  MAX_ACTIVE_SESSIONS,
  type NewSessionRecord,
  type SessionRecord,
  sessionActive,
} from "../core/session-record.ts";

export class DashboardSessions extends DurableObject<Env> {
  readonly #store: SessionStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new SessionStorage(ctx.storage.sql);
  }

  /** Records a new session; the least recently seen beyond MAX_ACTIVE_SESSIONS are ended. */
  async create(record: NewSessionRecord): Promise<void> {
    const now = Date.now();
    this.#store.prune(now);
    this.#store.insert(record);
    this.#store.endBeyond(MAX_ACTIVE_SESSIONS, now, "too many sessions");
  }

  /** The session if it still lasts (its last-seen time refreshed), else null. */
  async check(id: string): Promise<SessionRecord | null> {
    const now = Date.now();
    const record = this.#store.get(id);
    if (!record || !sessionActive(record, now)) return null;
    if (!lastSeenDue(record, now)) return record;
    this.#store.touch(id, now);
    return { ...record, lastSeenAt: now };
  }

  /** Ends a session; whether it was still lasting. */
  async end(id: string, by: string): Promise<boolean> {
    return this.#store.revoke(id, Date.now(), by);
  }

  /** Every session still lasting, the most recently seen first. */
  async list(): Promise<SessionRecord[]> {
    return this.#store.active(Date.now(), MAX_ACTIVE_SESSIONS);
  }
}
