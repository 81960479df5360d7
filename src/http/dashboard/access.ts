/**
 * Cloudflare Access in front of /_router/: verify the application token
 * Access adds to every request it lets through (`Cf-Access-Jwt-Assertion`)
 * and take its identity as the dashboard's author.
 *
 * Layer: HTTP edge (dashboard). What is checked, all of it or the request
 * is refused: RS256 only (no "none", no HMAC), a signature by a key of the
 * team's JWKS (https://<team>.cloudflareaccess.com/cdn-cgi/access/certs,
 * cached for 10 minutes, refetched on an unknown key id at most every 30 s),
 * `iss` equal to the team domain, `aud` holding the application's AUD tag,
 * `exp` in the future and `nbf`/`iat` not in the future (60 s leeway). The
 * identity is `email` (a user) or `common_name` (a service token). A header
 * alone proves nothing: anyone who reaches the Worker another way (its
 * workers.dev URL, a route Access does not cover) can send one, which is
 * why the signature, issuer and audience are all verified here.
 */
import { decodeUtf8 } from "../../core/utf8.ts";
import { fromB64url } from "./session.ts";

export interface AccessConfig {
  /** "<team>.cloudflareaccess.com" (or with https://): the token's issuer and the JWKS host. */
  teamDomain: string;
  /** The Access application's Application Audience (AUD) tag. */
  audience: string;
  /** Where the keys come from (default: fetch the team's JWKS); tests pass their own. */
  keys?: () => Promise<JsonWebKey[]>;
}

export type AccessOutcome =
  | { ok: true; identity: string }
  | { ok: false; reason: "missing" | "invalid"; message: string };

export const ACCESS_HEADER = "cf-access-jwt-assertion";
const LEEWAY_S = 60;
const KEYS_TTL_MS = 10 * 60_000;
const REFETCH_MIN_MS = 30_000;

interface KeyCache {
  at: number;
  keys: Map<string, CryptoKey>;
}
const caches = new Map<string, KeyCache>();

export function issuerOf(teamDomain: string): string {
  const host = teamDomain
    .trim()
    .replace(/^https?:\/\//, "")
    .replace(/\/+$/, "");
  return `https://${host}`;
}

const fetchKeys = (teamDomain: string) => async (): Promise<JsonWebKey[]> => {
  const res = await fetch(`${issuerOf(teamDomain)}/cdn-cgi/access/certs`);
  if (!res.ok) throw new Error(`Access certs answered ${res.status}`);
  const body = (await res.json()) as { keys?: JsonWebKey[] };
  return Array.isArray(body.keys) ? body.keys : [];
};

async function importKeys(jwks: JsonWebKey[]): Promise<Map<string, CryptoKey>> {
  const out = new Map<string, CryptoKey>();
  for (const jwk of jwks) {
    const kid = (jwk as { kid?: unknown }).kid;
    if (typeof kid !== "string" || jwk.kty !== "RSA") continue;
    try {
      out.set(
        kid,
        await crypto.subtle.importKey(
          "jwk",
          { kty: jwk.kty, n: jwk.n, e: jwk.e, alg: "RS256", ext: true },
          { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
          false,
          ["verify"],
        ),
      );
    } catch {
      // A key we cannot use is skipped; a token signed by it is refused.
    }
  }
  return out;
}

async function keyFor(config: AccessConfig, kid: string, nowMs: number): Promise<CryptoKey | null> {
  const cacheKey = `${issuerOf(config.teamDomain)}|${config.audience}`;
  let cache = caches.get(cacheKey);
  const stale = !cache || nowMs - cache.at > KEYS_TTL_MS;
  const unknown = cache !== undefined && !cache.keys.has(kid) && nowMs - cache.at > REFETCH_MIN_MS;
  if (stale || unknown) {
    const source = config.keys ?? fetchKeys(config.teamDomain);
    try {
      cache = { at: nowMs, keys: await importKeys(await source()) };
      caches.set(cacheKey, cache);
    } catch (err) {
      console.error(JSON.stringify({ message: "Access certs unavailable", error: String(err) }));
      if (!cache) return null;
    }
  }
  return cache?.keys.get(kid) ?? null;
}

function decodeJson(part: string): Record<string, unknown> | null {
  const bytes = fromB64url(part);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(decodeUtf8(bytes));
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const invalid = (message: string): AccessOutcome => ({ ok: false, reason: "invalid", message });

/** Verifies an Access application token; the identity it carries, or why not. */
export async function verifyAccessToken(
  config: AccessConfig,
  token: string | undefined,
  nowMs: number,
): Promise<AccessOutcome> {
  if (!token) {
    return { ok: false, reason: "missing", message: "no Cf-Access-Jwt-Assertion header" };
  }
  const parts = token.split(".");
  const [h, p, s] = parts;
  if (parts.length !== 3 || h === undefined || p === undefined || s === undefined) {
    return invalid("not a JWT");
  }
  const header = decodeJson(h);
  const claims = decodeJson(p);
  const signature = fromB64url(s);
  if (!header || !claims || !signature) return invalid("not a JWT");
  if (header.alg !== "RS256") return invalid(`algorithm ${String(header.alg)} is not RS256`);
  if (typeof header.kid !== "string") return invalid("no key id");
  const key = await keyFor(config, header.kid, nowMs);
  if (!key) return invalid("signed by a key the team's certs do not list");
  const signed = new TextEncoder().encode(`${h}.${p}`);
  if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed))) {
    return invalid("bad signature");
  }
  if (claims.iss !== issuerOf(config.teamDomain)) return invalid("issued by another team");
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(config.audience)) return invalid("for another Access application");
  const now = nowMs / 1000;
  if (typeof claims.exp !== "number" || claims.exp + LEEWAY_S < now) return invalid("expired");
  for (const name of ["nbf", "iat"] as const) {
    const t = claims[name];
    if (typeof t === "number" && t - LEEWAY_S > now) return invalid(`${name} is in the future`);
  }
  const identity =
    (typeof claims.email === "string" && claims.email) ||
    (typeof claims.common_name === "string" && claims.common_name) ||
    "";
  if (!identity) return invalid("carries no email or service token name");
  return { ok: true, identity };
}
