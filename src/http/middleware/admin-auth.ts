/**
 * Bearer-token authentication for the admin API.
 *
 * Layer: HTTP edge (admin). `Authorization: Bearer <token>` is compared in
 * constant time (src/app/route/secret-compare.ts) with the ADMIN_TOKEN Worker
 * secret: no token -> 401 (with WWW-Authenticate), a wrong token -> 403.
 * Without an ADMIN_TOKEN secret every token is wrong, so the API is closed.
 */
import type { Context, MiddlewareHandler } from "hono";
import { secretMatches } from "../../app/route/secret-compare.ts";

/** `tokenOf` gives the ADMIN_TOKEN secret for this request's environment. */
export function adminAuth(
  tokenOf: (c: Context<{ Bindings: Env }>) => string | undefined,
): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!token) {
      return c.json(
        {
          error: "admin_unauthenticated",
          message: "the admin API needs Authorization: Bearer <ADMIN_TOKEN>",
        },
        401,
        { "www-authenticate": 'Bearer realm="model-router-admin"' },
      );
    }
    if (!(await secretMatches(token, tokenOf(c)))) {
      return c.json({ error: "admin_forbidden", message: "admin token is not valid" }, 403);
    }
    await next();
  };
}
