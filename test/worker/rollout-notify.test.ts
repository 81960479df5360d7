/**
 * Rollout notifications against real local HTTP endpoints: the message
 * reaches a webhook receiver in Slack-compatible form, and a failing or
 * unreachable webhook never throws into the analyzer. The control object's
 * analyzer posts through this notifier (ROLLOUT_WEBHOOK_URL, empty in the
 * workerd tests); test/scripts/simulate-rollout.test.ts checks a rollback
 * reaching a real receiver from the object, end to end.
 */
import { describe, expect, it } from "vitest";
import { slackMessage, webhookNotifier } from "../../src/adapters/fetch/webhook-notifier.ts";
import { originUrl } from "./support.ts";

const event = {
  service: "fraud",
  event: "rollback",
  reason: "gate failed: error-rate",
  version: 7,
  stepIndex: 1,
  shareBp: 0,
  at: Date.UTC(2026, 10, 26),
};

describe("webhook notifications", () => {
  it("posts a Slack-compatible message with the structured fields", async () => {
    const inbox = `${originUrl("green")}/inbox`;
    await webhookNotifier(inbox)(event);
    const kept = (await (await fetch(inbox)).json()) as Record<string, unknown>[];
    expect(kept.at(-1)).toEqual(slackMessage(event));
    expect(kept.at(-1)?.text).toBe(
      ":rotating_light: fraud: rollback (canary 0%) — gate failed: error-rate",
    );
  });

  it("a webhook that answers 500, cannot be reached, or is not set never throws", async () => {
    await expect(webhookNotifier(`${originUrl("failing")}/inbox`)(event)).resolves.toBeUndefined();
    await expect(webhookNotifier("http://127.0.0.1:9/hook")(event)).resolves.toBeUndefined();
    await expect(webhookNotifier(undefined)(event)).resolves.toBeUndefined();
    await expect(webhookNotifier("")(event)).resolves.toBeUndefined();
  });
});
