/**
 * The first-party anonymous-id cookie for browser traffic without a user id.
 *
 * Layer: app, the request path. The request that has no id is routed to live; the
 * cookie gives the browser a stable random id, so from the next request on
 * it is hashed like any user id and stays on one arm. A "__Host-" or
 * "__Secure-" name is always set Secure (browsers require it; on plain http
 * only localhost keeps it), and a cookie that cannot be built is skipped,
 * never a failed request.
 */
import { generateCookie } from "hono/cookie";
import { cookieNeedsSecure } from "../../core/routing/names.ts";

export function anonymousIdCookie(
  config: { name: string; maxAgeDays: number },
  secure: boolean,
): string | null {
  try {
    return generateCookie(config.name, crypto.randomUUID(), {
      path: "/",
      maxAge: config.maxAgeDays * 86_400,
      httpOnly: true,
      sameSite: "Lax",
      secure: secure || cookieNeedsSecure(config.name),
    });
  } catch (err) {
    console.error(JSON.stringify({ message: "anonymous cookie not set", error: String(err) }));
    return null;
  }
}
