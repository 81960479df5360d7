/**
 * Bearer-token authentication for the admin API.
 *
 * Layer: HTTP edge (admin). In this order:
 *   - an ADMIN_TOKEN shorter than 32 bytes (src/core/admin-token.ts): 503
 *     `admin_token_too_short` for every request; no token is compared;
 *   - no `Authorization: Bearer <token>`: 401 (with WWW-Authenticate), not
 *     counted as a guess;
 *   - a client over the failed-attempt limit (AuthThrottle, per
 *     cf-connecting-ip): 429 `too_many_failed_attempts` with Retry-After,
 *     before its token is compared;
 *   - the token compared in constant time (src/app/route/secret-compare.ts)
 *     with the ADMIN_TOKEN Worker secret: a wrong one is counted and
 *     answered 403, or 429 when it went over the limit.
 * Without an ADMIN_TOKEN secret every token is wrong, so the API is closed.
 */
import type { Context, MiddlewareHandler } from "hono";
import { secretMatches } from "../../app/route/secret-compare.ts";
import { ADMIN_TOKEN_MESSAGES, adminTokenProblem } from "../../core/admin-token.ts";
import type { AuthThrottle } from "../../ports/auth-throttle.ts";

export interface AdminAuthDeps {
  adminToken: string | undefined;
  authThrottle: AuthThrottle;
}

/** The client whose failed attempts are counted: its address, as Cloudflare sets it. */
export const clientOf = (c: Context): string | undefined => c.req.header("cf-connecting-ip");

/** `depsOf` gives the ADMIN_TOKEN secret and the throttle for this request's environment. */
export function adminAuth(
  depsOf: (c: Context<{ Bindings: Env }>) => AdminAuthDeps,
): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const { adminToken, authThrottle } = depsOf(c);
    if (adminTokenProblem(adminToken) === "admin_token_too_short") {
      return c.json(
        {
          error: "admin_token_too_short",
          message: ADMIN_TOKEN_MESSAGES.admin_token_too_short,
        },
        503,
      );
    }
    const refusal = await bearerRefusal(c, {
      name: "admin",
      secret: adminToken,
      throttle: authThrottle,
      missing: "the admin API needs Authorization: Bearer <ADMIN_TOKEN>",
    });
    if (refusal) return refusal;
    await next();
  };
}

/** A bearer-token surface: the admin API, or the outcomes endpoint with its own token. */
export interface BearerCheck {
  /** Prefix of the refusal codes (`<name>_unauthenticated`, `<name>_forbidden`) and the realm. */
  name: "admin" | "outcomes";
  secret: string | undefined;
  throttle: AuthThrottle;
  /** The 401's message: which header and token to send. */
  missing: string;
}

/**
 * The refusal of a request without the right bearer token (401 without
 * one, 429 over the failed-attempt limit, 403 with a wrong one, counted),
 * or null when the token is `secret`.
 */
export async function bearerRefusal(c: Context, check: BearerCheck): Promise<Response | null> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token) {
    return c.json({ error: `${check.name}_unauthenticated`, message: check.missing }, 401, {
      "www-authenticate": `Bearer realm="model-router-${check.name}"`,
    });
  }
  const client = clientOf(c);
  const wait = check.throttle.waitSeconds(client);
  if (wait > 0) return tooManyFailures(c, wait, check.name);
  if (await secretMatches(token, check.secret)) return null;
  const limited = await check.throttle.fail(client);
  if (limited > 0) return tooManyFailures(c, limited, check.name);
  return c.json(
    { error: `${check.name}_forbidden`, message: `${check.name} token is not valid` },
    403,
  );
}

function tooManyFailures(c: Context, seconds: number, name: BearerCheck["name"]): Response {
  return c.json(
    {
      error: "too_many_failed_attempts",
      message: `too many wrong ${name} tokens from this client: try again after Retry-After (${seconds} s)`,
      retryAfterSeconds: seconds,
    },
    429,
    { "retry-after": String(seconds) },
  );
}
