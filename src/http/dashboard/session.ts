/**
 * The dashboard's session: who signed in, until when, and the per-session
 * CSRF token, in one HMAC-signed cookie, and the handle of the session's
 * server-side record.
 *
 * Layer: HTTP edge (dashboard). The cookie holds
 * `base64url(JSON {sid, sub, via, exp}) "." base64url(HMAC-SHA256)`: never
 * the admin token. `sid` is 18 random bytes. The HMAC key is derived from
 * ADMIN_TOKEN (HMAC(ADMIN_TOKEN, KEY_LABEL)), so the Worker needs no second
 * secret, and rotating ADMIN_TOKEN signs every session out. `exp` is
 * checked here, not only by the browser's Max-Age. A valid signature is not
 * enough: the session must also still last in the sessions object, which
 * keeps its record under the handle SHA-256("session:" + sid) (guard.ts),
 * so signing out ends it for every copy of the cookie. The CSRF token is
 * HMAC(key, "csrf:" + sid): the page carries it, every write sends it back
 * in a header, and a cross-site page can neither read it nor compute it.
 */
import { decodeUtf8 } from "../../core/utf8.ts";

export interface Session {
  /** Random session id (the CSRF token is derived from it). */
  sid: string;
  /** Who signed in: the author of every write made through the session. */
  sub: string;
  /** How: the admin token on the sign-in page, or a verified Cloudflare Access identity. */
  via: "token" | "access";
  /** Epoch seconds. */
  exp: number;
}

/** Twelve hours: a working day, then sign in again. */
export const SESSION_SECONDS = 12 * 3600;
const KEY_LABEL = "edge-model-router dashboard session v1";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function b64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = "";
  for (const b of view) text += String.fromCharCode(b);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * The bytes of unpadded base64url, or null. Only the canonical spelling is
 * taken: atob ignores the unused low bits of the last character, so
 * without the check several strings would decode to one signature.
 */
export function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    return b64url(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

/** The session key for this ADMIN_TOKEN (derived once per isolate). */
function sessionKey(adminToken: string): Promise<CryptoKey> {
  let key = keys.get(adminToken);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey(
        "raw",
        encoder.encode(adminToken),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const derived = await crypto.subtle.sign("HMAC", base, encoder.encode(KEY_LABEL));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]);
    })();
    // One token per environment: keep the map from growing across rotations.
    if (keys.size > 4) keys.clear();
    keys.set(adminToken, key);
  }
  return key;
}

async function mac(adminToken: string, text: string): Promise<string> {
  return b64url(
    await crypto.subtle.sign("HMAC", await sessionKey(adminToken), encoder.encode(text)),
  );
}

export function newSession(sub: string, via: Session["via"], nowMs: number): Session {
  const sid = b64url(crypto.getRandomValues(new Uint8Array(18)));
  return { sid, sub, via, exp: Math.floor(nowMs / 1000) + SESSION_SECONDS };
}

/**
 * The handle of the session's server-side record: base64url(SHA-256 of its
 * id), 43 characters. What the sessions object keeps and the Sessions page
 * shows; it opens nothing (the id cannot be had from it).
 */
export async function sessionHandle(session: Session): Promise<string> {
  return b64url(await crypto.subtle.digest("SHA-256", encoder.encode(`session:${session.sid}`)));
}

export const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export async function sealSession(adminToken: string, session: Session): Promise<string> {
  const payload = b64url(encoder.encode(JSON.stringify(session)));
  return `${payload}.${await mac(adminToken, payload)}`;
}

/** The session in a cookie value, or null: unsigned, tampered, expired or from another token. */
export async function openSession(
  adminToken: string,
  value: string | undefined,
  nowMs: number,
): Promise<Session | null> {
  if (!value || value.length > 1024) return null;
  const [payload, signature, ...rest] = value.split(".");
  if (payload === undefined || signature === undefined || rest.length > 0) return null;
  const sig = fromB64url(signature);
  if (!sig) return null;
  const ok = await crypto.subtle.verify(
    "HMAC",
    await sessionKey(adminToken),
    sig,
    encoder.encode(payload),
  );
  if (!ok) return null;
  const bytes = fromB64url(payload);
  if (!bytes) return null;
  try {
    const s = JSON.parse(decodeUtf8(bytes)) as Partial<Session>;
    const valid =
      typeof s.sid === "string" &&
      typeof s.sub === "string" &&
      (s.via === "token" || s.via === "access") &&
      typeof s.exp === "number" &&
      s.exp * 1000 > nowMs;
    return valid ? (s as Session) : null;
  } catch {
    return null;
  }
}

export function csrfToken(adminToken: string, session: Session): Promise<string> {
  return mac(adminToken, `csrf:${session.sid}`);
}

/** Constant time: the presented CSRF token against the session's. */
export async function csrfMatches(
  adminToken: string,
  session: Session,
  presented: string | undefined,
): Promise<boolean> {
  if (!presented) return false;
  const expected = await csrfToken(adminToken, session);
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  // By hand rather than crypto.subtle.timingSafeEqual (a workerd extension),
  // so this module runs in Node too (test/browser/session.test.ts).
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
