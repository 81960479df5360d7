import { describe, expect, it } from "vitest";
import {
  ABS_DELTA,
  bucketIndex,
  bucketUpperBound,
  emptyHistogram,
  LATENCY_MS,
  mergeHistograms,
  observe,
  quantile,
} from "../../src/core/histogram.ts";
import { comparePair, readPrediction, type ShadowPair } from "../../src/core/shadow/compare.ts";
import {
  addPair,
  addSkip,
  emptySummary,
  mergeSummaries,
  parseSummary,
  viewSummary,
} from "../../src/core/shadow/summary.ts";

describe("log histogram", () => {
  it("bucket 0 takes values below min (zero, negatives, NaN); the last takes overflow", () => {
    expect(bucketIndex(LATENCY_MS, 0)).toBe(0);
    expect(bucketIndex(LATENCY_MS, 0.09)).toBe(0);
    expect(bucketIndex(LATENCY_MS, Number.NaN)).toBe(0);
    expect(bucketIndex(LATENCY_MS, 0.1)).toBe(1);
    expect(bucketIndex(LATENCY_MS, 1e12)).toBe(bucketIndex(LATENCY_MS, 120_000));
  });

  it("every value lies below its bucket's upper bound and within 4.4% of it", () => {
    for (let v = 0.1; v < 100_000; v *= 1.37) {
      const ub = bucketUpperBound(LATENCY_MS, bucketIndex(LATENCY_MS, v));
      expect(v).toBeLessThan(ub);
      expect(ub / v).toBeLessThanOrEqual(2 ** (1 / 16) + 1e-9);
    }
  });

  it("percentiles of 1..1000 ms are within one bucket of the exact ones", () => {
    const h = emptyHistogram();
    for (let i = 1; i <= 1000; i++) observe(h, LATENCY_MS, i);
    for (const [q, exact] of [
      [0.5, 500],
      [0.95, 950],
      [0.99, 990],
      [1, 1000],
    ] as const) {
      const got = quantile(h, LATENCY_MS, q) ?? Number.NaN;
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got / exact).toBeLessThanOrEqual(2 ** (1 / 16) + 1e-9);
    }
    expect(quantile(emptyHistogram(), LATENCY_MS, 0.5)).toBeNull();
  });

  it("all-zero deltas have percentiles of exactly 0", () => {
    const h = emptyHistogram();
    for (let i = 0; i < 10; i++) observe(h, ABS_DELTA, 0);
    expect(quantile(h, ABS_DELTA, 0.95)).toBe(0);
  });

  it("merging shards equals recording everything in one histogram", () => {
    const values = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) / 3 + 0.05);
    const all = emptyHistogram();
    const a = emptyHistogram();
    const b = emptyHistogram();
    values.forEach((v, i) => {
      observe(all, LATENCY_MS, v);
      observe(i % 3 === 0 ? a : b, LATENCY_MS, v);
    });
    const merged = mergeHistograms(a, b);
    expect(merged.counts).toEqual(all.counts);
    expect(merged.n).toBe(all.n);
    expect(merged.lo).toBe(all.lo);
    expect(merged.hi).toBe(all.hi);
    for (const q of [0.5, 0.9, 0.99]) {
      expect(quantile(merged, LATENCY_MS, q)).toBe(quantile(all, LATENCY_MS, q));
    }
  });
});

const fields = { scoreField: "score", labelField: "label" };
function pair(prod: unknown, shadow: unknown, over: Partial<ShadowPair> = {}): ShadowPair {
  const answer = (body: unknown, ms: number) =>
    body === "timeout"
      ? { status: 0, durationMs: ms, error: "timeout" as const, text: null }
      : { status: 200, durationMs: ms, error: null, text: JSON.stringify(body) };
  return {
    at: 1_000,
    service: "svc",
    production: "blue",
    role: "live",
    shadow: "green",
    bucket: 10,
    sampleBucket: 5,
    version: 3,
    inputId: "tx",
    bodyBytes: 20,
    comparison: comparePair(
      readPrediction(answer(prod, 10), fields),
      readPrediction(answer(shadow, 30), fields),
    ),
    ...over,
  };
}

describe("shadow summary", () => {
  const pairs = [
    pair({ score: 0.5, label: "p" }, { score: 0.5, label: "p" }),
    pair({ score: 0.6, label: "p" }, { score: 0.4, label: "n" }, { at: 2_000 }),
    pair({ score: 0.1, label: "n" }, { score: 0.2, label: "n" }, { production: "canary" }),
    pair({ score: 0.1, label: "n" }, "timeout", { version: 4 }),
  ];

  it("counts pairs, agreement, deltas, latencies and errors", () => {
    const s = emptySummary("svc", "green");
    for (const p of pairs) addPair(s, p);
    addSkip(s, "body-too-large", 3_000, 4);
    const v = viewSummary(s);
    expect(v).toMatchObject({
      pairs: 4,
      compared: 3,
      scored: 3,
      errors: { "shadow:timeout": 1 },
      skipped: { "body-too-large": 1 },
      firstAt: 1_000,
      lastAt: 3_000,
      version: 4,
    });
    expect(v.agreementRate).toBeCloseTo(2 / 3, 12);
    expect(v.meanDelta).toBeCloseTo((0 - 0.2 + 0.1) / 3, 12);
    expect(v.meanAbsDelta).toBeCloseTo((0 + 0.2 + 0.1) / 3, 12);
    expect(v.maxAbsDelta).toBeCloseTo(0.2, 12);
    expect(v.production.n).toBe(4);
    expect(v.shadowLatency.n).toBe(3); // the timeout is not a latency
    expect(v.byProduction).toMatchObject({
      blue: { pairs: 3, compared: 2, agreed: 1, agreementRate: 0.5 },
      canary: { pairs: 1, compared: 1, agreed: 1, agreementRate: 1 },
    });
  });

  it("merging per-isolate summaries equals one summary of all pairs", () => {
    const one = emptySummary("svc", "green");
    const a = emptySummary("svc", "green");
    const b = emptySummary("svc", "green");
    pairs.forEach((p, i) => {
      addPair(one, p);
      addPair(i % 2 ? a : b, p);
    });
    const merged = mergeSummaries(a, b);
    expect(viewSummary(merged)).toEqual(viewSummary(one));
    expect(viewSummary(mergeSummaries(emptySummary("svc", "green"), one))).toEqual(
      viewSummary(one),
    );
  });

  it("round-trips through JSON and rejects foreign values", () => {
    const s = emptySummary("svc", "green");
    for (const p of pairs) addPair(s, p);
    expect(parseSummary(JSON.stringify(s))).toEqual(s);
    expect(parseSummary("{}")).toBeNull();
    expect(parseSummary("not json")).toBeNull();
  });
});

describe("shadow pairs by cluster of users", () => {
  it("each pair lands in its user's cluster (the routing bucket; no user: the sampling draw), merged exactly", () => {
    const one = emptySummary("svc", "green");
    const a = emptySummary("svc", "green");
    const b = emptySummary("svc", "green");
    const many = Array.from({ length: 200 }, (_, i) =>
      pair(
        { score: 0.5, label: "p" },
        { score: 0.5 + (i % 7) / 100, label: i % 5 ? "p" : "n" },
        { bucket: i % 3 ? (i * 37) % 10_000 : null, sampleBucket: (i * 101) % 10_000 },
      ),
    );
    many.forEach((p, i) => {
      addPair(one, p);
      addPair(i % 3 ? a : b, p);
    });
    const u = one.byUser;
    expect(u?.compared.reduce((x, y) => x + y, 0)).toBe(one.compared);
    expect(u?.disagreed.reduce((x, y) => x + y, 0)).toBe(one.compared - one.agreed);
    expect(u?.scored.reduce((x, y) => x + y, 0)).toBe(one.absDelta.n);
    const first = many[0] as ShadowPair;
    expect(u?.compared[(first.sampleBucket & 63) as number]).toBeGreaterThan(0);
    expect(mergeSummaries(b, a).byUser).toEqual(one.byUser);
  });

  it("sums from the wire that do not fit their pairs, or an earlier release's, add nothing", () => {
    const s = emptySummary("svc", "green");
    addPair(s, pair({ score: 0.5, label: "p" }, { score: 0.7, label: "n" }));
    const bad = JSON.parse(JSON.stringify(s));
    bad.byUser.disagreed[10] = 5; // more disagreements than compared pairs
    expect(mergeSummaries(emptySummary("svc", "green"), bad).byUser).toEqual(
      emptySummary("svc", "green").byUser,
    );
    const old = JSON.parse(JSON.stringify(s));
    delete old.byUser;
    expect(mergeSummaries(s, old).byUser).toEqual(s.byUser);
  });
});
