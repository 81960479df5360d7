/**
 * Failed authentications per client (a wrong admin token on the admin API
 * or the dashboard's sign-in), over the Workers Rate Limiting binding
 * (AUTH_FAILURES in wrangler.toml: 10 per 60 s per client at each
 * Cloudflare location).
 *
 * Layer: adapter (the only module that calls the AUTH_FAILURES binding).
 * The binding counts every call to `limit()` and has no way to look
 * without counting, so it is called only for a failure: a correct token
 * never counts, and a typo never locks its owner out. When it answers that
 * a client went over the limit, this isolate remembers the client until
 * the period is over and refuses its next attempts before their token is
 * compared (`waitSeconds`), so a limited client learns nothing, not even
 * from the right token. Another isolate learns of the limit at that
 * client's next failure there. If the binding fails, nothing is limited
 * (logged): an outage of the limiter must not lock the operators out.
 */
import { clientKey } from "../../core/client-key.ts";

/** The binding's period (wrangler.toml `[[ratelimits]] simple.period`), in seconds. */
export const AUTH_FAILURE_PERIOD_SECONDS = 60;
/** Limited clients remembered per isolate (the oldest are forgotten first). */
const REMEMBERED = 10_000;

export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export class AuthFailureLimiter {
  readonly #binding: RateLimitBinding | undefined;
  readonly #periodMs: number;
  /** Client key -> epoch ms until which its attempts are refused. */
  readonly #refused = new Map<string, number>();

  constructor(binding: RateLimitBinding | undefined, periodSeconds = AUTH_FAILURE_PERIOD_SECONDS) {
    this.#binding = binding;
    this.#periodMs = periodSeconds * 1000;
  }

  /** Seconds before this client's next attempt is even compared (0: it may try now). */
  waitSeconds(client: string | undefined, nowMs = Date.now()): number {
    const key = clientKey(client);
    const until = this.#refused.get(key);
    if (until === undefined) return 0;
    if (until <= nowMs) {
      this.#refused.delete(key);
      return 0;
    }
    return Math.max(1, Math.ceil((until - nowMs) / 1000));
  }

  /** Counts one failed attempt; the seconds to wait when it went over the limit, else 0. */
  async fail(client: string | undefined, nowMs = Date.now()): Promise<number> {
    if (!this.#binding) return 0;
    const key = clientKey(client);
    let success: boolean;
    try {
      ({ success } = await this.#binding.limit({ key }));
    } catch (err) {
      console.error(
        JSON.stringify({
          message: "auth failure limiter unavailable: not limiting",
          error: String(err),
        }),
      );
      return 0;
    }
    if (success) return 0;
    if (this.#refused.size >= REMEMBERED) {
      for (const [k, until] of this.#refused) if (until <= nowMs) this.#refused.delete(k);
      const oldest = this.#refused.keys().next();
      if (this.#refused.size >= REMEMBERED && !oldest.done) this.#refused.delete(oldest.value);
    }
    this.#refused.set(key, nowMs + this.#periodMs);
    console.error(
      JSON.stringify({
        message: "admin authentication: too many failed attempts; client limited",
        client: key,
        seconds: this.#periodMs / 1000,
      }),
    );
    return this.waitSeconds(client, nowMs);
  }
}
