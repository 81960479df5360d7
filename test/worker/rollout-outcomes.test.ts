/**
 * Outcome gates end to end in workerd, with the real control object: a
 * rollout whose plan gates on an outcome, real routed answers and their
 * receipts, outcomes posted back to POST /_router/outcomes, and the
 * analyzer's verdict. A canary whose chargebacks are shown worse than
 * live's is rolled back (the kill lands in KV, the history names the gate);
 * a canary whose conversions are shown better passes its success gate;
 * outcomes of another arm or metric move nothing.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { controlReaders } from "../../src/adapters/durable-object/control-client.ts";
import type { AnalysisOutcome } from "../../src/app/rollout/analyzer.ts";
import type { ControlOutcome } from "../../src/ports/rollout-control.ts";
import { answers, makeDoc, putDoc, sendOutcomes } from "./support.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const MIN = 60_000;
const control = controlReaders(env.CONTROL);

function ok(outcome: ControlOutcome): AnalysisOutcome {
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.error)}`);
  return outcome.value as AnalysisOutcome;
}
const evaluate = async (service: string, at: number) => ok(await control.evaluate(service, at));

/** Sends the outcomes; every batch is answered 200 and accepted whole. */
async function send(outcomes: { receipt: string; metric: string; value: boolean | number }[]) {
  const sent = await sendOutcomes(outcomes);
  sent.forEach((b, k) => {
    expect(b.status).toBe(200);
    expect(b.body.accepted).toBe(Math.min(1000, outcomes.length - k * 1000));
  });
}

const rolloutDoc = (service: string, gates: Json, outcomes: Json) =>
  makeDoc(service, {
    canary: { origin: "green", shareBp: 0, salt: `${service}-salt` },
    outcomes,
    rollout: {
      steps: [
        { shareBp: 3000, bakeSeconds: 600 },
        { shareBp: 6000, bakeSeconds: 600 },
      ],
      gates: { minRequests: 30, ...gates },
      analysisIntervalSeconds: 300,
    },
  });

const history = async (service: string) =>
  JSON.parse((await env.ROUTING.get(`history:${service}`)) ?? "[]");

describe("outcome gates", () => {
  it("roll back a canary whose chargebacks are shown worse than live's", {
    timeout: 60_000,
  }, async () => {
    const T0 = Date.now();
    await putDoc(
      rolloutDoc(
        "oc-bad",
        { outcomes: { chargeback: { kind: "guardrail", minDelta: 0.02 } } },
        { chargeback: { better: "lower" }, clicks: { better: "higher" } },
      ),
    );
    expect(await evaluate("oc-bad", T0)).toMatchObject({ event: "start" });
    const served = await answers("oc-bad", 1200);
    const arms = new Set(served.map((a) => a.arm));
    expect(arms).toEqual(new Set(["blue", "green"]));
    // Before any outcome: the gate waits, and says for what.
    const before = await evaluate("oc-bad", T0 + MIN);
    expect(before.gates.find((g) => g.gate === "outcome:chargeback")).toMatchObject({
      outcome: "inconclusive",
      detail: "chargeback: 0 canary and 0 live outcomes (need 30 each)",
    });
    // A metric no gate names, however bad, moves nothing.
    await send(
      served.map((a) => ({ receipt: a.receipt, metric: "clicks", value: a.arm === "blue" })),
    );
    expect(
      (await evaluate("oc-bad", T0 + 1.5 * MIN)).gates.find((g) => g.gate === "outcome:chargeback")
        ?.outcome,
    ).toBe("inconclusive");
    // Chargebacks: the canary's users 25 %, live's 5 %.
    await send(
      served.map((a) => ({
        receipt: a.receipt,
        metric: "chargeback",
        value: a.arm === "green" ? a.i % 4 === 0 : a.i % 20 === 0,
      })),
    );
    const rollback = await evaluate("oc-bad", T0 + 2 * MIN);
    expect(rollback).toMatchObject({
      event: "rollback",
      state: "rolled-back",
      reason: "gate failed: outcome:chargeback",
    });
    const gate = rollback.gates.find((g) => g.gate === "outcome:chargeback");
    expect(gate?.detail).toMatch(
      /^chargeback \(lower is better\) 2\d\.\d% vs \d\.\d% live .*: shown worse than live/,
    );
    expect(gate?.evidence?.lo).toBeGreaterThan(0);
    const doc = JSON.parse((await env.ROUTING.get("service:oc-bad")) ?? "null");
    expect(doc.canary.killed).toBe(true);
    const last = (await history("oc-bad")).at(-1);
    expect(last.evidence.gates).toContainEqual(
      expect.objectContaining({ gate: "outcome:chargeback", outcome: "fail" }),
    );
  });

  it("pass a canary whose conversions are shown better, and keep a replayed batch from counting twice", {
    timeout: 60_000,
  }, async () => {
    const T0 = Date.now();
    await putDoc(
      rolloutDoc(
        "oc-good",
        { outcomes: { converted: { kind: "success", minDelta: 0.05 } } },
        { converted: { better: "higher" } },
      ),
    );
    await evaluate("oc-good", T0);
    const served = await answers("oc-good", 1200);
    const outcomes = served.map((a) => ({
      receipt: a.receipt,
      metric: "converted",
      value: a.arm === "green" ? a.i % 5 < 2 : a.i % 10 === 0,
    }));
    await send(outcomes);
    const look = await evaluate("oc-good", T0 + MIN);
    const gate = look.gates.find((g) => g.gate === "outcome:converted");
    expect(gate).toMatchObject({ outcome: "pass" });
    expect(gate?.detail).toMatch(/: shown better than live/);
    // The admin API's rollout view judges the same outcomes (its preview and budget).
    const view = (await (
      await SELF.fetch("http://router.test/_router/admin/services/oc-good/rollout", {
        headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
      })
    ).json()) as Json;
    expect(view.preview.gates).toContainEqual(
      expect.objectContaining({ gate: "outcome:converted", outcome: "pass" }),
    );
    if (view.budget)
      expect(view.budget.outcomes[0]).toMatchObject({ metric: "converted", kind: "success" });
    // The same batch again is all duplicates: the evidence does not grow.
    const res = await SELF.fetch("http://router.test/_router/outcomes", {
      method: "POST",
      headers: {
        authorization: `Bearer ${env.OUTCOMES_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ outcomes: outcomes.slice(0, 1000) }),
    });
    expect(((await res.json()) as Json).duplicate).toBe(1000);
    const again = await evaluate("oc-good", T0 + 1.5 * MIN);
    const same = again.gates.find((g) => g.gate === "outcome:converted");
    expect(same?.evidence?.candidate).toBe(gate?.evidence?.candidate);
    expect(same?.evidence?.reference).toBe(gate?.evidence?.reference);
  });

  it("refuses a plan gating on a metric the document does not declare", async () => {
    const res = await SELF.fetch("http://router.test/_router/admin/services/oc-undeclared", {
      method: "PUT",
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(
        rolloutDoc(
          "oc-undeclared",
          { outcomes: { refunds: { kind: "guardrail", minDelta: 0.01 } } },
          {},
        ),
      ),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("rollout.gates.outcomes.refunds");
  });
});
