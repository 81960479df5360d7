/**
 * The SessionStore port (src/ports/session-store.ts) over the sessions Durable Object
 * (SESSIONS binding, one named instance): create a session's record, check
 * it on every dashboard request, end one, list the active ones.
 *
 * Layer: adapter (the only module that calls the SESSIONS binding). The
 * object's class is never imported here: its RPC surface is SessionsRpc.
 * Any failure to reach the object throws `unreachable` (the composition
 * root passes the app's SessionsUnavailableError, which the dashboard
 * answers with 503: it fails closed, never trusting a cookie it cannot
 * check).
 */
import type { NewSessionRecord, SessionRecord } from "../../core/session-record.ts";

/** The one object every isolate's dashboard shares. */
export const SESSIONS_OBJECT_NAME = "dashboard";

/** The sessions object's RPC surface (src/control/dashboard-sessions.ts). */
export interface SessionsRpc {
  create(record: NewSessionRecord): Promise<void>;
  check(id: string): Promise<SessionRecord | null>;
  end(id: string, by: string): Promise<boolean>;
  list(): Promise<SessionRecord[]>;
}

/** The SESSIONS binding, whatever class it is typed with (this module never imports it). */
export interface SessionsNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): unknown;
}

/** What a failed call to the object throws; without one, a plain Error. */
export type Unreachable = new (cause: unknown) => Error;

class Unreached extends Error {
  constructor(cause: unknown) {
    super(`the dashboard's sessions object cannot be reached: ${String(cause)}`);
  }
}

export class DurableObjectSessionStore {
  readonly #ns: SessionsNamespace | undefined;
  readonly #unreachable: Unreachable;

  constructor(ns: SessionsNamespace | undefined, unreachable: Unreachable = Unreached) {
    this.#ns = ns;
    this.#unreachable = unreachable;
  }

  async #reach<T>(call: (stub: SessionsRpc) => Promise<T>): Promise<T> {
    try {
      if (!this.#ns) throw new Error("the Worker has no SESSIONS binding");
      const stub = this.#ns.get(this.#ns.idFromName(SESSIONS_OBJECT_NAME)) as SessionsRpc;
      return await call(stub);
    } catch (err) {
      throw new this.#unreachable(err);
    }
  }

  create(record: NewSessionRecord): Promise<void> {
    return this.#reach((s) => s.create(record));
  }

  check(id: string): Promise<SessionRecord | null> {
    return this.#reach((s) => s.check(id));
  }

  end(id: string, by: string): Promise<boolean> {
    return this.#reach((s) => s.end(id, by));
  }

  list(): Promise<SessionRecord[]> {
    return this.#reach((s) => s.list());
  }
}
