/**
 * Assignment receipts: what a routed response says about who served it, in
 * a form a client (or a label pipeline days later) hands back with an
 * outcome. A receipt is `<payload>.<mac>`: the payload is base64url of a
 * compact JSON object (service, arm, revision, user bucket, time, id), the
 * MAC an HMAC-SHA256 of `r1.<payload>` under RECEIPT_SECRET, truncated to
 * 128 bits (src/adapters/crypto/hmac-receipts.ts computes it). The receipt
 * is what makes an outcome count for an arm: without the secret nobody can
 * claim an arm they were not served.
 *
 * The arm is the one the routing decision chose (intention to treat, as
 * the rollout metrics count requests): a canary answer that failed over to
 * live still counts for the canary, so arms stay the random split the
 * statistics assume. The user is carried only as its bucket
 * (src/core/rollout/user-sums.ts: 64 clusters of users, the unit of the
 * cluster-robust variance), never as the id.
 *
 * Layer: pure core (no I/O; the MAC is a port's).
 */

import { USER_BUCKETS } from "../rollout/user-sums.ts";
import { isValidName } from "../routing/names.ts";

/** The header a routed response carries its receipt in. */
export const RECEIPT_HEADER = "x-router-assignment";
/** What the MAC covers, before the payload: a new format gets a new prefix. */
export const RECEIPT_MAC_PREFIX = "r1.";
/** The longest receipt accepted back (a real one is about 150 characters). */
export const RECEIPT_MAX_CHARS = 512;

export interface Receipt {
  service: string;
  /** The origin the decision chose (the arm). */
  arm: string;
  /** Revision of the document that decided ("version@updatedAt ms"). */
  revision: string;
  /** The user's bucket, 0..USER_BUCKETS-1. */
  bucket: number;
  /** When it was issued, in seconds since the epoch. */
  issuedAt: number;
  /** Random, unique per response: an outcome counts once per receipt and metric. */
  id: string;
}

const ID_PATTERN = /^[0-9a-f]{16,32}$/;
const REVISION_PATTERN = /^\d{1,16}@-?\d{1,16}$/;

/** The payload part of a receipt: base64url of the compact JSON. */
export function receiptPayload(r: Receipt): string {
  const json = JSON.stringify({
    s: r.service,
    a: r.arm,
    r: r.revision,
    b: r.bucket,
    t: r.issuedAt,
    i: r.id,
  });
  return base64url(json);
}

/** The text the MAC is computed over. */
export const macInput = (payload: string) => `${RECEIPT_MAC_PREFIX}${payload}`;

/** A receipt's two parts, or why it is not one (before its MAC is checked). */
export function splitReceipt(
  text: unknown,
): { ok: true; payload: string; mac: string } | { ok: false; message: string } {
  if (typeof text !== "string" || text.length === 0)
    return { ok: false, message: "receipt must be a non-empty string" };
  if (text.length > RECEIPT_MAX_CHARS)
    return { ok: false, message: `receipt longer than ${RECEIPT_MAX_CHARS} characters` };
  const parts = text.split(".");
  if (parts.length !== 2 || !isBase64url(parts[0] ?? "") || !isBase64url(parts[1] ?? ""))
    return { ok: false, message: "receipt is not <payload>.<mac> in base64url" };
  return { ok: true, payload: parts[0] as string, mac: parts[1] as string };
}

/** The receipt a payload holds (after its MAC matched), or why it holds none. */
export function parsePayload(payload: string): { ok: true; receipt: Receipt } | { ok: false } {
  let v: unknown;
  try {
    v = JSON.parse(fromBase64url(payload));
  } catch {
    return { ok: false };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { ok: false };
  const o = v as Record<string, unknown>;
  const { s, a, r, b, t, i } = o;
  if (
    typeof s !== "string" ||
    !isValidName(s) ||
    typeof a !== "string" ||
    !isValidName(a) ||
    typeof r !== "string" ||
    !REVISION_PATTERN.test(r) ||
    !Number.isInteger(b) ||
    (b as number) < 0 ||
    (b as number) >= USER_BUCKETS ||
    !Number.isInteger(t) ||
    (t as number) < 0 ||
    typeof i !== "string" ||
    !ID_PATTERN.test(i)
  )
    return { ok: false };
  return {
    ok: true,
    receipt: { service: s, arm: a, revision: r, bucket: b as number, issuedAt: t as number, id: i },
  };
}

/** Why a verified receipt no longer counts at `nowMs`, or null: expired, or issued in the future. */
export function receiptAgeProblem(
  r: Receipt,
  nowMs: number,
  windowMs: number,
): { reason: "expired" | "future"; message: string } | null {
  const issuedMs = r.issuedAt * 1000;
  if (issuedMs < nowMs - windowMs)
    return {
      reason: "expired",
      message: `receipt issued ${new Date(issuedMs).toISOString()}, more than ${windowText(windowMs)} ago`,
    };
  // Clocks of isolates and the ingesting one may differ by a little, never by minutes.
  if (issuedMs > nowMs + 300_000)
    return { reason: "future", message: "receipt issued more than 5 minutes in the future" };
  return null;
}

function windowText(ms: number): string {
  const days = ms / 86_400_000;
  if (Number.isInteger(days)) return `${days} day${days === 1 ? "" : "s"}`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** A receipt id: 16 random bytes as hex (the caller's random source). */
export function receiptId(bytes: Uint8Array): string {
  let s = "";
  for (const x of bytes) s += x.toString(16).padStart(2, "0");
  return s;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const isBase64url = (s: string) => s.length > 0 && BASE64URL.test(s);

/** base64url (no padding) of a string's UTF-8 bytes. */
export function base64url(text: string): string {
  return bytesToBase64url(new TextEncoder().encode(text));
}

export function bytesToBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const x of bytes) binary += String.fromCharCode(x);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The string base64url (no padding) encodes as UTF-8; throws on malformed input. */
export function fromBase64url(s: string): string {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
}
