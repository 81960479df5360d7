/**
 * A dashboard session as the server keeps it: who, how they signed in,
 * when, until when, when last seen, and whether it was ended. The cookie
 * holds the session's secret id; the record is kept under a hash of it
 * (the handle), so neither the sessions object nor a page listing sessions
 * holds anything a browser could present.
 *
 * Layer: pure core (the record and the decisions on it; the sessions
 * object keeps the records, src/control/dashboard-sessions.ts).
 */

export interface SessionRecord {
  /** The handle: base64url(SHA-256 of the cookie's session id). */
  id: string;
  /** Who: the author of every write made through the session. */
  sub: string;
  via: "token" | "access";
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  /** When it was ended (sign-out, or "End" on the Sessions page); null while it lasts. */
  revokedAt: number | null;
}

export type NewSessionRecord = Omit<SessionRecord, "lastSeenAt" | "revokedAt">;

/** "Last seen" is written at most this often per session (one row write per minute of use). */
export const LAST_SEEN_STEP_MS = 60_000;

/** Sessions kept at once; signing in beyond that ends the least recently seen. */
export const MAX_ACTIVE_SESSIONS = 500;

/** Opens the dashboard: not ended, not expired. */
export function sessionActive(record: SessionRecord, nowMs: number): boolean {
  return record.revokedAt === null && record.expiresAt > nowMs;
}

/** Time to write "last seen" again. */
export function lastSeenDue(record: SessionRecord, nowMs: number): boolean {
  return nowMs - record.lastSeenAt >= LAST_SEEN_STEP_MS;
}
