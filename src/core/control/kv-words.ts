/**
 * What KV holds beside what the fleet routes by, in words: the same
 * sentence in `router status`, the dashboard and the admin API's readers.
 * Null when they agree.
 *
 * Layer: core (pure).
 */
import { STALE_READ_MS } from "./adoption.ts";

export interface KvView {
  /** The version the fleet routes by (the control object's). */
  version: number;
  /** The version the object last wrote to KV. */
  kvVersion: number;
  /** What KV held when the object last looked. */
  kv?: { state: "ok" | "behind" | "deleted" | "invalid"; version: number | null } | undefined;
}

export function kvDisagreement(c: KvView): string | null {
  const held = c.kv?.version ?? null;
  switch (c.kv?.state) {
    case "deleted":
      return `KV's document is deleted; the fleet routes by version ${c.version} (rollback or apply writes it again)`;
    case "invalid":
      return `KV holds a document that fails the schema; the fleet routes by version ${c.version} (fix it, or rollback)`;
    case "behind":
      return `KV returned version ${held ?? "?"}, a document the control object replaced less than ${STALE_READ_MS / 1000} s ago: a stale read, or a put of it that is adopted (as version ${c.version + 1}) once that time has passed; the fleet routes by version ${c.version}`;
  }
  if (c.kv?.state === "ok" && held !== null && held < c.version && c.kvVersion >= c.version)
    return `KV holds this document as it was put, version ${held}; the fleet routes by it as version ${c.version} (versions only go up; the next write puts it in KV)`;
  if (c.kvVersion < c.version)
    return `KV still holds version ${c.kvVersion}; the fleet routes by version ${c.version} (the control object retries the copy)`;
  return null;
}
