/**
 * The AuthThrottle port: failed authentications per client (its address),
 * limited: a client over the limit waits before its next attempt is even
 * compared. Implemented by src/adapters/ratelimit/auth-failures.ts.
 *
 * Layer: ports (types only).
 */

export interface AuthThrottle {
  /** Seconds before this client's next attempt is compared (0: it may try now). */
  waitSeconds(client: string | undefined): number;
  /** Counts one failed attempt; the seconds to wait when it went over the limit, else 0. */
  fail(client: string | undefined): Promise<number>;
}
