/**
 * Finds the user id a request is routed by, trying the service's identity
 * sources in order: header, cookie, verified JWT claim, JSON body field.
 *
 * Layer: app, the request path (uses Hono's JWT and cookie helpers, not its app). Never throws: a
 * missing, malformed or unverifiable source is skipped, and the caller
 * routes a request without any id to live. A request id or a random number
 * is never used as an identity.
 */
import { verify, verifyWithJwks } from "hono/jwt";
import { parse as parseCookies } from "hono/utils/cookie";
import { decodeUtf8 } from "../../core/utf8.ts";
import type { IdentitySource } from "../../document/routing-document.ts";
import type { RequestBody } from "./request-body.ts";

export type IdentitySourceType = IdentitySource["type"] | "anonymous-cookie";

export interface Identity {
  userId: string;
  source: IdentitySourceType;
}

export interface IdentityContext {
  headers: Headers;
  body: RequestBody;
  jwtSecret: string | undefined;
  anonymousCookie: string | undefined;
}

/** Longest id accepted, so a hostile header cannot make hashing expensive. */
const MAX_ID_LENGTH = 256;

export async function resolveIdentity(
  sources: readonly IdentitySource[],
  ctx: IdentityContext,
): Promise<Identity | null> {
  for (const source of sources) {
    const userId = await readSource(source, ctx);
    if (userId) return { userId, source: source.type };
  }
  if (ctx.anonymousCookie) {
    const anon = cookie(ctx.headers, ctx.anonymousCookie);
    if (anon) return { userId: anon, source: "anonymous-cookie" };
  }
  return null;
}

async function readSource(source: IdentitySource, ctx: IdentityContext): Promise<string | null> {
  switch (source.type) {
    case "header":
      return clean(ctx.headers.get(source.name));
    case "cookie":
      return cookie(ctx.headers, source.name);
    case "jwt":
      return jwtClaim(source, ctx);
    case "jsonBody":
      return jsonBodyField(source, ctx);
  }
}

function clean(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= MAX_ID_LENGTH ? trimmed : null;
}

function cookie(headers: Headers, name: string): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  const all = parseCookies(header, name); // a plain object: `__proto__` or `constructor` are inherited
  return Object.hasOwn(all, name) ? clean(all[name]) : null;
}

async function jwtClaim(
  source: Extract<IdentitySource, { type: "jwt" }>,
  ctx: IdentityContext,
): Promise<string | null> {
  const header = ctx.headers.get(source.header);
  if (!header) return null;
  const token = header.replace(/^Bearer\s+/i, "").trim();
  if (!token) return null;
  const verification = {
    ...(source.issuer ? { iss: source.issuer } : {}),
    ...(source.audience ? { aud: source.audience } : {}),
  };
  try {
    const payload = source.jwksUrl
      ? await verifyWithJwks(
          token,
          {
            jwks_uri: source.jwksUrl,
            verification,
            allowedAlgorithms: ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"],
          },
          { cf: { cacheTtl: 600, cacheEverything: true } } as RequestInit,
        )
      : ctx.jwtSecret
        ? await verify(token, ctx.jwtSecret, { alg: source.alg ?? "HS256", ...verification })
        : null;
    const claim = payload?.[source.claim];
    return typeof claim === "string" || typeof claim === "number" ? clean(String(claim)) : null;
  } catch {
    return null; // expired, bad signature, malformed: not an identity
  }
}

async function jsonBodyField(
  source: Extract<IdentitySource, { type: "jsonBody" }>,
  ctx: IdentityContext,
): Promise<string | null> {
  if (!ctx.body.present) return null;
  const type = ctx.headers.get("content-type") ?? "";
  if (!type.includes("json")) return null;
  // At most maxBytes are read: a larger body (declared or chunked) has no
  // identity from here, and still reaches the origin intact.
  const bytes = await ctx.body.upTo(source.maxBytes);
  if (!bytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(bytes));
  } catch {
    return null;
  }
  for (const key of source.path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" || typeof value === "number" ? clean(String(value)) : null;
}
