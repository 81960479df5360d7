/**
 * Is the admin token fit to guard the admin surfaces? The admin API and
 * the dashboard accept whoever presents ADMIN_TOKEN, so a short one is a
 * guessable one: below 32 bytes (256 bits of a random token) the router
 * refuses to serve them at all rather than compare against it.
 *
 * Layer: pure core (bytes counted as UTF-8, the way the token is compared).
 */

/** The shortest ADMIN_TOKEN the router serves its admin API and dashboard with, in UTF-8 bytes. */
export const MIN_ADMIN_TOKEN_BYTES = 32;

export type AdminTokenProblem = "no_admin_token" | "admin_token_too_short";

const encoder = new TextEncoder();

/** Why this ADMIN_TOKEN cannot open the admin surfaces, or null when it can. */
export function adminTokenProblem(token: string | undefined): AdminTokenProblem | null {
  if (!token) return "no_admin_token";
  return encoder.encode(token).length < MIN_ADMIN_TOKEN_BYTES ? "admin_token_too_short" : null;
}

/** What each problem means, and what to do about it (the log, the API, health, the closed page). */
export const ADMIN_TOKEN_MESSAGES: Record<AdminTokenProblem, string> = {
  no_admin_token:
    "the router has no ADMIN_TOKEN secret, so its admin API and dashboard are closed: set one (openssl rand -base64 32, then npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)",
  admin_token_too_short: `ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_BYTES} bytes, so the router keeps its admin API and dashboard closed: set a longer one (openssl rand -base64 32, then npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)`,
};
