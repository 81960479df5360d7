/**
 * evaluateGates against test/vectors/gates.json, whose expectations come
 * from an independent implementation of the gates' rules in
 * scripts/tools/sequential_vectors.py (scipy for the statistics), run in
 * Node and in workerd; plus the sentences an operator reads and the alpha
 * split.
 */
import { describe, expect, it } from "vitest";
import {
  type Baseline,
  evaluateGates,
  type LatencyReference,
  type RateTests,
  type RolloutMetrics,
} from "../../src/core/rollout/gates.ts";
import { type GateRules, gateAlphas } from "../../src/core/rollout/plan.ts";
import raw from "../vectors/gates.json" with { type: "json" };
import { resolveCounts } from "./vector-counts.ts";

const v = resolveCounts(raw, { cases: raw.cases });

interface Expected {
  gate: string;
  outcome: string;
  evidence?: Record<string, number>;
}

/** Relative closeness with an absolute floor (1e-6 on a log statistic is nothing). */
const close = (actual: number, expected: number, rel = 1e-6, what = "", abs = 1e-8) =>
  expect(Math.abs(actual - expected), what).toBeLessThanOrEqual(
    Math.max(abs, Math.abs(expected) * rel),
  );

function run(c: (typeof v.cases)[number]) {
  const rules = c.rules as GateRules;
  const steps = Array.from({ length: c.steps }, () => ({ shareBp: c.shareBp, bakeSeconds: 60 }));
  return evaluateGates(rules, c.metrics as RolloutMetrics, {
    shareBp: c.shareBp,
    stepIndex: c.stepIndex,
    alphas: gateAlphas({ alpha: c.alpha, steps, gates: rules }),
    baseline: (c.baseline as Baseline | null) ?? null,
    latencyReference: (c.latencyReference as LatencyReference | null) ?? null,
    rateTests: ("rateTests" in c ? (c.rateTests as RateTests) : null) ?? null,
    ...("beta" in c ? { beta: c.beta as number } : {}),
  });
}

describe("gate vectors", () => {
  for (const c of v.cases) {
    const expected = c.expected as Expected[];
    const summary = expected.map((g) => `${g.gate} ${g.outcome}`).join(", ");
    it(`${c.name}: ${summary}`, () => {
      const out = run(c);
      expect(out.results.map((g) => [g.gate, g.outcome])).toEqual(
        expected.map((g) => [g.gate, g.outcome]),
      );
      for (const [i, g] of expected.entries()) {
        const got = out.results[i];
        expect(got?.detail.length).toBeGreaterThan(10);
        if (!g.evidence) continue;
        const e = got?.evidence as unknown as Record<string, number>;
        for (const key of ["effect", "lo", "hi", "bound", "statistic", "boundary", "alpha"]) {
          const abs = key === "statistic" ? 1e-6 : 1e-8;
          close(e[key] as number, g.evidence[key] as number, 1e-6, `${g.gate} ${key}`, abs);
        }
        expect([e.candidate, e.reference]).toEqual([g.evidence.candidate, g.evidence.reference]);
        // A decision means the boundary was reached (SRM only ever fails by it).
        if (g.gate !== "srm")
          expect(got?.outcome === "inconclusive").toBe(
            (e.statistic as number) < (e.boundary as number),
          );
      }
      expect(out.latencyReference?.bucket ?? null).toBe(c.keptReferenceBucket);
      // The rate tests kept for the next look: every look's counts, judged or not.
      const kept = c.keptRateTests as unknown as Required<RateTests>;
      // Against a baseline the bound goes through normalQuantileUpper (erfc, ~1e-9 relative).
      const rel = c.baseline ? 1e-6 : 1e-9;
      for (const what of ["errors", "clientErrors", "redirects"] as const) {
        const got = out.rateTests?.[what];
        expect([got?.canary, got?.live], what).toEqual([kept[what].canary, kept[what].live]);
        for (const [k, l] of kept[what].logLR.entries())
          close(got?.logLR[k] as number, l, rel, `${what} logLR[${k}]`, 1e-9);
        close(got?.passLR as number, kept[what].passLR, rel, `${what} passLR`, 1e-9);
      }
    });
  }
});

const byName = (name: string) => {
  const c = v.cases.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return run(c).results;
};
const detail = (name: string, gate: string) => byName(name).find((g) => g.gate === gate)?.detail;

describe("what an operator reads", () => {
  it("error rate: the rates, the difference, its interval, the test's statistic and boundary", () => {
    expect(detail("error rate 2.9% vs 1.0%: fail", "error-rate")).toMatch(
      /^error rate 2\.9% vs 1\.0% live \(\+1\.9 pp, interval \+1\.\d pp to \+2\.\d pp\): shown worse than live \(log LR \d+\.\d >= 7\.0\) after 12,000 canary requests/,
    );
    expect(
      detail(
        "healthy with plenty of traffic, latency reference held, an earlier look: all pass",
        "error-rate",
      ),
    ).toMatch(
      /^error rate 1\.0% vs 1\.0% live \([+-]0\.0\d? pp, interval -0\.\d+ pp to \+0\.\d+ pp\): shown not worse by \+0\.5 pp \(log LR \d+\.\d >= 3\.2\) after 12,000 canary requests/,
    );
    expect(detail("healthy but little traffic: error rate inconclusive", "error-rate")).toMatch(
      /: not yet shown worse \(0\.0 of 7\.0\) nor within \+0\.5 pp \(\d\.\d of 3\.2\) after 3,000 canary requests; about [\d,]+ more canary requests at this rate/,
    );
    expect(detail("100% step, canary at 3% vs the baseline's 1%: fail", "error-rate")).toMatch(
      /^error rate 3\.0% vs 1\.0% live's baseline \(\+2\.0 pp/,
    );
    expect(
      detail(
        "A/A with one heavy user whose 500 requests all fail: the dispersion keeps error-rate from failing",
        "error-rate",
      ),
    ).toMatch(/users' clustering counted \(dispersion \d{3}\.\d\)$/);
  });

  it("status classes: both shares, the deciding one's evidence", () => {
    const fails = "4xx 0.3% of the canary vs 0% of live, plenty of traffic: status-class fails";
    expect(detail(fails, "status-class")).toMatch(
      /^4xx share 0\.30% vs 0\.00% live \(\+0\.3 pp, .*\): shown worse than live .*; 3xx share 1\.0% vs 1\.0% live/,
    );
    expect(byName(fails).find((g) => g.gate === "status-class")?.evidence?.measure).toBe(
      "canary - live 4xx share",
    );
    // No 3xx anywhere: the canary's own requests show it is not worse by minDelta.
    const none = byName(
      "no 3xx in either arm, an earlier look: the canary's requests alone pass it",
    );
    expect(none.find((g) => g.gate === "status-class")?.outcome).toBe("pass");
    const waits = byName("healthy but little traffic: error rate inconclusive").find(
      (g) => g.gate === "status-class",
    );
    expect(waits?.outcome).toBe("inconclusive");
    expect(waits?.evidence?.statistic).toBeLessThan(waits?.evidence?.boundary as number);
  });

  it("latency: the p95s, the allowance, the shares slower than the thresholds", () => {
    expect(detail("canary p95 +50%: latency fails", "latency-p95")).toMatch(
      /^p95 \d+ ms vs \d+ ms live \(x1\.[45]\d, allowed x1\.1 or \+25 ms\): \d+\.\d% of canary requests slower than the allowance over live's p95 at the time \(now \d+ ms\) vs \d\.\d% of live slower than its p95 \(now \d+ ms\), \+\d+\.\d pp \(interval .*\), beyond the allowance; boundary crossed after [\d,]+ canary requests$/,
    );
    expect(
      detail(
        "first look with enough live latency: the reference is set, latency waits",
        "latency-p95",
      ),
    ).toMatch(
      /^live's p95 \d+ ms is the first threshold; each batch of requests from now on is judged against live's p95 before it$/,
    );
    expect(
      detail("100% step against the previous step's baseline: all pass", "latency-p95"),
    ).toMatch(
      /: [\d.]+% of canary requests slower than \d+ ms vs \d\.\d% of live slower than \d+ ms, -\d\.\d pp/,
    );
    expect(detail("no latency data at all: latency inconclusive", "latency-p95")).toBe(
      "no live latency data yet",
    );
  });

  it("SRM, shadow and the minimum sample", () => {
    expect(detail("users split 6% for a 5% share: SRM fails (the rollout pauses)", "srm")).toMatch(
      /^canary got 6\.0% of 12,000 users for a 5\.0% share \(interval 5\.\d% to 7\.\d%\): the split of users is broken/,
    );
    expect(
      detail("a client sends 600 requests under one user id: SRM on users passes", "srm"),
    ).toMatch(/of 12,001 users for a 5\.0% share .*: no mismatch$/);
    expect(
      detail("too many users to count: the split check passes on the step's first users", "srm"),
    ).toMatch(/^more users than the split check counts/);
    expect(detail("shadow agreeing 90%: shadow-agreement fails", "shadow-agreement")).toMatch(
      /^label agreement 90\.0% over 1,000 pairs \(interval 8\d\.\d% to 9\d\.\d%\), beyond the 95\.0% minimum/,
    );
    expect(detail("too few shadow pairs: shadow gates inconclusive", "shadow-delta")).toBe(
      "39 scored shadow pairs (need 100)",
    );
    expect(detail("too few canary requests: only min-requests, inconclusive", "min-requests")).toBe(
      "canary 150, live 3,000 requests (need 200 each)",
    );
    expect(
      detail("100% step without a baseline: min-requests inconclusive", "min-requests"),
    ).toMatch(/there is none\)$/);
  });
});

describe("the plan's alpha, split", () => {
  const gates = (shadow: boolean): GateRules => ({
    minRequests: 200,
    errorRate: { minDelta: 0.005 },
    latencyP95Ratio: { max: 1.1, minDeltaMs: 25 },
    ...(shadow ? { shadow: { minAgreement: 0.95, maxMeanAbsDelta: 0.05, minPairs: 100 } } : {}),
  });
  const steps = (n: number) => Array.from({ length: n }, () => ({ shareBp: 100, bakeSeconds: 60 }));

  it("sums to alpha over every gate and every step", () => {
    for (const shadow of [false, true]) {
      for (const n of [1, 3, 5, 20]) {
        const a = gateAlphas({ alpha: 0.01, steps: steps(n), gates: gates(shadow) });
        const perStep =
          (a["error-rate"] ?? 0) +
          (a["status-class"] ?? 0) +
          (a["latency-p95"] ?? 0) +
          (a.srm ?? 0);
        const once = (a["shadow-agreement"] ?? 0) + (a["shadow-delta"] ?? 0);
        close(perStep * n + once, 0.01, 1e-12);
      }
    }
  });

  it("gives the error rate 4/9, status classes 1/9, latency 3/9 and SRM 1/9 per step without shadow gates", () => {
    const a = gateAlphas({ alpha: 0.009, steps: steps(5), gates: gates(false) });
    expect(Object.keys(a).sort()).toEqual(["error-rate", "latency-p95", "srm", "status-class"]);
    close(a["error-rate"] as number, 0.0008, 1e-12);
    close(a["status-class"] as number, 0.0002, 1e-12);
    close(a["latency-p95"] as number, 0.0006, 1e-12);
    close(a.srm as number, 0.0002, 1e-12);
  });
});
