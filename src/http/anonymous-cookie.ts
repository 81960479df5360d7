/**
 * The first-party anonymous-id cookie for browser traffic without a user id.
 *
 * Layer: HTTP edge. The request that has no id is routed to live; the
 * cookie gives the browser a stable random id, so from the next request on
 * it is hashed like any user id and stays on one arm.
 */
import { generateCookie } from "hono/cookie";

export function anonymousIdCookie(
  config: { name: string; maxAgeDays: number },
  secure: boolean,
): string {
  return generateCookie(config.name, crypto.randomUUID(), {
    path: "/",
    maxAge: config.maxAgeDays * 86_400,
    httpOnly: true,
    sameSite: "Lax",
    secure,
  });
}
