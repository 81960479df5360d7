/**
 * Rollout notifications: a Slack-compatible webhook (`{"text": ...}` plus
 * structured fields) for every step, hold, rollback and promotion.
 *
 * Layer: adapter. A slow or failing webhook never blocks or fails a
 * rollout: it runs with a 5 s timeout and its errors are only logged.
 */
import type { RolloutEvent } from "../../core/rollout/rollout-event.ts";

export type { RolloutEvent };

const ICON: Record<string, string> = {
  start: ":rocket:",
  advance: ":arrow_up:",
  hold: ":hourglass:",
  rollback: ":rotating_light:",
  promote: ":white_check_mark:",
  abort: ":no_entry:",
  pause: ":double_vertical_bar:",
  resume: ":arrow_forward:",
};

export function slackMessage(e: RolloutEvent): Record<string, unknown> {
  const share = e.shareBp === null ? "" : ` (canary ${e.shareBp / 100}%)`;
  return {
    text: `${ICON[e.event] ?? ":information_source:"} ${e.service}: ${e.event}${share} — ${e.reason}`,
    ...e,
  };
}

export function webhookNotifier(url: string | undefined): (event: RolloutEvent) => Promise<void> {
  if (!url) return async () => {};
  return async (event) => {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(slackMessage(event)),
        signal: AbortSignal.timeout(5_000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    } catch (err) {
      console.error(
        JSON.stringify({
          message: "rollout webhook failed",
          event: event.event,
          error: String(err),
        }),
      );
    }
  };
}
