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
  it("error rate: the rates, the difference, its interval, the bound and when it was crossed", () => {
    expect(detail("error rate 2.9% vs 1.0%: fail", "error-rate")).toMatch(
      /^error rate 2\.9% vs 1\.0% live, worse by 1\.9 pp \(interval \+1\.\d pp to \+2\.\d pp\), beyond the \+0\.5 pp allowed; boundary crossed after 12,000 canary requests$/,
    );
    expect(
      detail("healthy with plenty of traffic, latency reference held: all pass", "error-rate"),
    ).toMatch(
      /^error rate 1\.0% vs 1\.0% live, [+-]0\.0\d? pp \(interval -0\.\d+ pp to \+0\.\d+ pp\), within the \+0\.5 pp allowed after 12,000 canary requests$/,
    );
    expect(detail("healthy but little traffic: error rate inconclusive", "error-rate")).toMatch(
      /not yet beyond or within the \+0\.5 pp allowed \(about [\d,]+ more canary requests at this estimate\)$/,
    );
    expect(detail("100% step, canary at 3% vs the baseline's 1%: fail", "error-rate")).toMatch(
      /^error rate 3\.0% vs 1\.0% live's baseline, worse by 2\.0 pp/,
    );
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
    expect(detail("split 5.4% for a 5% share: SRM fails", "srm")).toMatch(
      /^canary got 5\.4% of 240,000 identified requests for a 5\.0% share \(interval 5\.\d% to 5\.\d%\): the split is broken/,
    );
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
        const perStep = (a["error-rate"] ?? 0) + (a["latency-p95"] ?? 0) + (a.srm ?? 0);
        const once = (a["shadow-agreement"] ?? 0) + (a["shadow-delta"] ?? 0);
        close(perStep * n + once, 0.01, 1e-12);
      }
    }
  });

  it("gives the error rate 4/8, latency 3/8 and SRM 1/8 per step without shadow gates", () => {
    expect(gateAlphas({ alpha: 0.01, steps: steps(5), gates: gates(false) })).toEqual({
      "error-rate": 0.001,
      "latency-p95": 0.00075,
      srm: 0.00025,
    });
  });
});
