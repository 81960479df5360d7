/**
 * The SessionStore port: the dashboard's sessions, kept server-side
 * (records keyed by a hash of the cookie's session id). Every method throws
 * when the store cannot be reached; the dashboard then stays closed.
 * Implemented by src/adapters/durable-object/session-client.ts.
 *
 * Layer: ports (types only).
 */
import type { NewSessionRecord, SessionRecord } from "../core/session-record.ts";

export interface SessionStore {
  create(record: NewSessionRecord): Promise<void>;
  /** The session if it still lasts (neither ended nor expired), else null. */
  check(id: string): Promise<SessionRecord | null>;
  /** Ends a session (`by`: who ended it); whether it was still lasting. */
  end(id: string, by: string): Promise<boolean>;
  /** The sessions still lasting, the most recently seen first. */
  list(): Promise<SessionRecord[]>;
}
