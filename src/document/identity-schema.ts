/**
 * Who a request is routed by: the identity sources a routing document
 * reads a user id from (header, cookie, JWT claim, JSON body field), in
 * order, and the anonymous cookie for callers without one.
 *
 * Layer: document (pure; zod and src/core only). Part of the routing
 * document's schema (routing-document.ts).
 */
import { COOKIE_NAME_PATTERN, HEADER_NAME_PATTERN } from "../core/routing/names.ts";
import { LIMITS } from "./schema-basics.ts";
import * as z from "./zod.ts";

const HeaderName = z
  .string()
  .check(
    z.maxLength(256),
    z.regex(
      HEADER_NAME_PATTERN,
      "must be an HTTP header name (an RFC 9110 token: no spaces or separators)",
    ),
  );
const CookieName = z
  .string()
  .check(
    z.maxLength(256),
    z.regex(
      COOKIE_NAME_PATTERN,
      "must be a cookie name (an RFC 6265 token: no spaces, '=', ';' or separators)",
    ),
  );

const HeaderSource = z.strictObject({
  type: z.literal("header"),
  name: z._default(HeaderName, "x-user-id"),
});
const CookieSource = z.strictObject({ type: z.literal("cookie"), name: CookieName });
const JwtSource = z
  .strictObject({
    type: z.literal("jwt"),
    header: z._default(HeaderName, "authorization"),
    claim: z._default(z.string().check(z.minLength(1)), "sub"),
    alg: z.optional(z.enum(["HS256", "HS384", "HS512"])),
    jwksUrl: z.optional(z.string().check(z.url())),
    issuer: z.optional(z.string()),
    audience: z.optional(z.string()),
  })
  .check(
    z.describe("HS* tokens are verified with the JWT_SECRET secret; RS/ES tokens with jwksUrl"),
  );
const JsonBodySource = z.strictObject({
  type: z.literal("jsonBody"),
  path: z
    .string()
    .check(z.minLength(1), z.describe("Dot path of the id in a JSON body, e.g. user.id")),
  maxBytes: z._default(z.number().check(z.int(), z.gte(1), z.lte(1_048_576)), 65_536),
});

export const IdentitySource = z.discriminatedUnion("type", [
  HeaderSource,
  CookieSource,
  JwtSource,
  JsonBodySource,
]);

export const Identity = z.strictObject({
  sources: z._default(
    z.array(IdentitySource).check(z.minLength(1), z.maxLength(LIMITS.identitySources)),
    [{ type: "header", name: "x-user-id" }],
  ),
  anonymousCookie: z
    .optional(
      z.strictObject({
        name: z
          ._default(CookieName, "mr_uid")
          .check(z.describe('Cookie name; a "__Host-" or "__Secure-" name is always set Secure')),
        maxAgeDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(400)), 365),
      }),
    )
    .check(z.describe("When set, callers without an id get a first-party random id cookie")),
});

export type IdentitySource = z.output<typeof IdentitySource>;
