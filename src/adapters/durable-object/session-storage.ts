/**
 * The sessions object's SQLite storage: one row per dashboard session
 * (src/core/session-record.ts), keyed by its handle.
 *
 * Layer: adapter (the only module that touches the sessions object's
 * `ctx.storage.sql`). Every method is synchronous, so each is atomic inside
 * the object. Expired rows are deleted when a session is created; ended
 * rows stay until they expire (the record says when and by whom).
 */
import type { NewSessionRecord, SessionRecord } from "../../core/session-record.ts";

type Row = Record<string, SqlStorageValue>;

const COLUMNS = "id, sub, via, created_at, expires_at, last_seen_at, revoked_at";

function recordOf(row: Row): SessionRecord {
  return {
    id: String(row.id),
    sub: String(row.sub),
    via: row.via === "access" ? "access" : "token",
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastSeenAt: Number(row.last_seen_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export class SessionStorage {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`
      CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, sub TEXT NOT NULL,
        via TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL, revoked_at INTEGER, revoked_by TEXT);
    `);
  }

  insert(record: NewSessionRecord): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO sessions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL)`,
      record.id,
      record.sub,
      record.via,
      record.createdAt,
      record.expiresAt,
      record.createdAt,
    );
  }

  get(id: string): SessionRecord | null {
    const row = this.#sql.exec(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`, id).toArray()[0];
    return row ? recordOf(row) : null;
  }

  touch(id: string, atMs: number): void {
    this.#sql.exec("UPDATE sessions SET last_seen_at = ? WHERE id = ?", atMs, id);
  }

  /** Ends a session that has not ended yet; whether one did. */
  revoke(id: string, atMs: number, by: string): boolean {
    const cursor = this.#sql.exec(
      "UPDATE sessions SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
      atMs,
      by,
      id,
    );
    return cursor.rowsWritten > 0;
  }

  /** Sessions neither ended nor expired, the most recently seen first. */
  active(nowMs: number, limit: number): SessionRecord[] {
    return this.#sql
      .exec(
        `SELECT ${COLUMNS} FROM sessions WHERE revoked_at IS NULL AND expires_at > ?
         ORDER BY last_seen_at DESC, created_at DESC LIMIT ?`,
        nowMs,
        limit,
      )
      .toArray()
      .map(recordOf);
  }

  /** Ends the least recently seen active sessions beyond `keep`; how many. */
  endBeyond(keep: number, nowMs: number, by: string): number {
    return this.#sql.exec(
      `UPDATE sessions SET revoked_at = ?, revoked_by = ? WHERE id IN (
         SELECT id FROM sessions WHERE revoked_at IS NULL AND expires_at > ?
         ORDER BY last_seen_at DESC, created_at DESC LIMIT -1 OFFSET ?)`,
      nowMs,
      by,
      nowMs,
      keep,
    ).rowsWritten;
  }

  /** Deletes the rows of expired sessions (ended or not). */
  prune(nowMs: number): void {
    this.#sql.exec("DELETE FROM sessions WHERE expires_at <= ?", nowMs);
  }
}
