/**
 * The champion-challenger leaderboard in workerd, with the real control
 * object: 1,500 users split by the real challenger hash, their answers'
 * receipts sent back with conversions (champion 10 %, challenger-a 30 %,
 * challenger-b 0 %) and a score identical in distribution across arms. The
 * board calls a better and b worse on conversions, never calls the
 * identical score, and says how much more each undecided metric needs.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { answers, makeDoc, predict, putDoc, sendOutcomes } from "./support.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const admin = (path: string) =>
  SELF.fetch(`http://router.test/_router/admin${path}`, {
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
  });

describe("challenger leaderboard", () => {
  it("calls the better and the worse challenger on an outcome, and not an identical metric", {
    timeout: 60_000,
  }, async () => {
    await putDoc(
      makeDoc("cb", {
        challengerSalt: "cb-salt",
        challengers: [
          { origin: "challenger-a", startBp: 0, shareBp: 2000 },
          { origin: "challenger-b", startBp: 2000, shareBp: 2000 },
        ],
        // Fewer missed frauds is better: the board judges this metric the other way round.
        outcomes: { missed: { better: "lower" } },
      }),
    );
    const served = await answers("cb", 1500, (i) => `cb-${i}`);
    const converts = (arm: string, i: number) =>
      arm === "challenger-a" ? i % 10 < 3 : arm === "challenger-b" ? false : i % 10 === 0;
    const outcomes = served.flatMap((a) => [
      { receipt: a.receipt, metric: "converted", value: converts(a.arm, a.i) },
      { receipt: a.receipt, metric: "score", value: (a.i * 7919) % 100 },
      { receipt: a.receipt, metric: "missed", value: !converts(a.arm, a.i) },
    ]);
    // Three outcomes per answer: 4,500 in five batches, each accepted whole.
    const sent = await sendOutcomes(outcomes);
    sent.forEach((b, k) => {
      expect(b.body.accepted).toBe(Math.min(1000, outcomes.length - k * 1000));
    });
    const res = await admin("/services/cb/challengers");
    expect(res.status).toBe(200);
    const board = (await res.json()) as Json;
    expect(board).toMatchObject({ service: "cb", champion: "blue", alpha: 0.01 });
    const of = (c: string, metric: string) =>
      board.challengers
        .find((x: Json) => x.challenger === c)
        .metrics.find((m: Json) => m.metric === metric);
    const a = of("challenger-a", "converted");
    expect(a).toMatchObject({ verdict: "better", better: "higher", unit: "rate" });
    expect(a.lo).toBeGreaterThan(0);
    // Users, not indices, are split: the arms' rates are about 30 % and 10 %.
    expect(a.challenger.mean).toBeGreaterThan(0.2);
    expect(a.champion.mean).toBeLessThan(0.15);
    expect(of("challenger-b", "converted")).toMatchObject({ verdict: "worse" });
    expect(of("challenger-b", "converted").hi).toBeLessThan(0);
    for (const c of ["challenger-a", "challenger-b"]) {
      const score = of(c, "score");
      expect(score.verdict).toBe("undecided");
      expect(score.lo).toBeLessThan(0);
      expect(score.hi).toBeGreaterThan(0);
      expect(score.unit).toBe("number");
    }
    // Lower is better for "missed": a misses fewer (better), b more (worse).
    expect(of("challenger-a", "missed")).toMatchObject({ better: "lower", verdict: "better" });
    expect(of("challenger-a", "missed").hi).toBeLessThan(0);
    expect(of("challenger-b", "missed")).toMatchObject({ better: "lower", verdict: "worse" });
    expect(board.challengers.map((c: Json) => [c.challenger, c.verdict])).toEqual([
      ["challenger-a", "better"],
      ["challenger-b", "worse"],
    ]);
    // Request metrics are judged too (the control object's exact user sums).
    expect(of("challenger-a", "error-rate").challenger.n).toBeGreaterThan(100);
  });

  it("removes a challenger shown worse when the service's policy says so, with the evidence in the history", {
    timeout: 60_000,
  }, async () => {
    await putDoc(
      makeDoc("cb-policy", {
        challengerSalt: "cb-policy-salt",
        challengers: [
          { origin: "challenger-a", startBp: 0, shareBp: 2000 },
          { origin: "challenger-b", startBp: 2000, shareBp: 2000 },
        ],
        challengerPolicy: { removeWhenWorse: true },
      }),
    );
    const served = await answers("cb-policy", 1200, (i) => `cb-${i}`);
    // The champion converts 30 %, challenger-a the same, challenger-b never.
    const outcomes = served.map((a) => ({
      receipt: a.receipt,
      metric: "converted",
      value: a.arm === "challenger-b" ? false : a.i % 10 < 3,
    }));
    for (const b of await sendOutcomes(outcomes)) expect(b.status).toBe(200);
    // The control object's alarm looks every CHALLENGER_POLICY_MS (500 ms in tests).
    let doc: Json = null;
    for (let tries = 0; tries < 100; tries++) {
      doc = JSON.parse((await env.ROUTING.get("service:cb-policy")) ?? "null");
      if (doc.challengers.length < 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(doc.challengers.map((c: Json) => c.origin)).toEqual(["challenger-a"]);
    expect(doc.updatedBy).toBe("challenger-policy");
    const last = JSON.parse((await env.ROUTING.get("history:cb-policy")) ?? "[]").at(-1);
    expect(last).toMatchObject({
      source: "policy",
      change: "challenger challenger-b removed",
      evidence: {
        event: "remove-worse",
        standing: { challenger: "challenger-b", verdict: "worse" },
      },
    });
    expect(last.evidence.reason).toMatch(
      /^challenger challenger-b shown worse than blue on converted/,
    );
    // Its users are back on the champion; challenger-a keeps exactly its users.
    for (const a of served.slice(0, 200)) {
      const res = await predict("cb-policy", { user: `cb-${a.i}` });
      const arm = res.headers.get("x-model-variant");
      await res.arrayBuffer();
      expect(arm).toBe(a.arm === "challenger-b" ? "blue" : a.arm);
    }
  });

  it("answers 404 for a service without a document", async () => {
    expect((await admin("/services/cb-none/challengers")).status).toBe(404);
  });
});
