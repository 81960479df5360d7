import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler.ts";
import { comparisonOf, localReport, mergeShards } from "../../scripts/shadow/local.ts";
import { fillSql, type Row, remoteReport } from "../../scripts/shadow/remote.ts";
import { renderReport } from "../../scripts/shadow/render.ts";
import { binHistogram, binValues } from "../../scripts/shadow/report-model.ts";
import { ABS_DELTA, emptyHistogram, observe } from "../../src/core/histogram.ts";
import { comparePair, readPrediction, type ShadowPair } from "../../src/core/shadow/compare.ts";
import { toRecord } from "../../src/core/shadow/record.ts";
import { addPair, emptySummary } from "../../src/core/shadow/summary.ts";
import { shadowLogKey, shadowSummaryKey } from "../../src/document/kv-keys.ts";
import { seedMany, tempState } from "./cli-support.ts";

const sql = (file: string) => readFileSync(join(ROOT, "scripts", "shadow", file), "utf8");
const queries = {
  summary: sql("summary.sql"),
  errors: sql("errors.sql"),
  deltaDistribution: sql("delta-distribution.sql"),
  disagreements: sql("disagreements.sql"),
};

describe("|Δscore| bins", () => {
  it("bin values by lower edge", () => {
    const bins = binValues([
      [0, 3],
      [0.0005, 1],
      [0.05, 2],
      [0.0999, 1],
      [7, 1],
    ]);
    expect(bins.filter((b) => b.count > 0)).toEqual([
      { label: "0 - 0.001", count: 4 },
      { label: "0.05 - 0.1", count: 3 },
      { label: ">= 1", count: 1 },
    ]);
  });

  it("bin a histogram the same way, up to one fine bucket at an edge", () => {
    const h = emptyHistogram();
    for (const v of [0, 0.0004, 0.03, 0.07, 0.3, 0.3]) observe(h, ABS_DELTA, v);
    expect(binHistogram(h).filter((b) => b.count > 0)).toEqual([
      { label: "0 - 0.001", count: 2 },
      { label: "0.02 - 0.05", count: 1 },
      { label: "0.05 - 0.1", count: 1 },
      { label: "0.2 - 0.5", count: 2 },
    ]);
  });
});

describe("remote (Analytics Engine SQL API)", () => {
  it("fills placeholders, drops comments, and refuses anything but names and integers", () => {
    const filled = fillSql(queries.summary, { service: "fraud", days: 3 });
    expect(filled).toContain("index1 = 'fraud'");
    expect(filled).toContain("INTERVAL '3' DAY");
    expect(filled).not.toMatch(/^--/m);
    expect(filled).not.toContain("{{");
    expect(() => fillSql(queries.summary, { service: "x' OR 1=1 --", days: 1 })).toThrow();
    expect(() => fillSql(queries.summary, { service: "fraud", days: 1.5 })).toThrow();
  });

  it("maps the query rows to the report", async () => {
    const seen: string[] = [];
    const answers: Record<string, Row[]> = {
      summary: [
        {
          shadow: "shadow",
          pairs: "1000",
          compared: "990",
          agreed: "920",
          scored: "990",
          sum_delta: -9.9,
          sum_abs_delta: 74.25,
          p50_abs_delta: 0.07,
          p95_abs_delta: 0.14,
          max_abs_delta: 0.21,
          production_p50_ms: 2.5,
          production_p95_ms: 8,
          production_p99_ms: 12,
          shadow_p50_ms: 210,
          shadow_p95_ms: 230,
          shadow_p99_ms: 260,
          version: 7,
          first_at: "2026-11-26 10:00:00",
          last_at: "2026-11-26 11:00:00",
        },
      ],
      errors: [
        {
          event: "shadow-pair",
          shadow: "shadow",
          production_error: "",
          shadow_error_or_skip: "timeout",
          count: "10",
        },
        {
          event: "shadow-skip",
          shadow: "shadow",
          production_error: "",
          shadow_error_or_skip: "body-too-large",
          count: "4",
        },
      ],
      deltaDistribution: [
        { shadow: "shadow", abs_delta: 0, count: "90" },
        { shadow: "shadow", abs_delta: 0.07, count: "900" },
      ],
      disagreements: [
        {
          timestamp: "2026-11-26 11:00:00",
          production: "blue",
          shadow: "shadow",
          agreement: "disagree",
          production_error: "",
          shadow_error: "",
          production_label: "negative",
          shadow_label: "positive",
          input_id: "tx-9",
          version: 7,
          bucket: 12,
          scored: 1,
          delta: 0.1,
          production_score: 0.45,
          shadow_score: 0.55,
          production_ms: 2,
          shadow_ms: 205,
          production_status: 200,
          shadow_status: 200,
        },
      ],
    };
    const client = {
      async query(text: string) {
        seen.push(text);
        const name = Object.entries(queries).find(
          ([, q]) => fillSql(q, { service: "fraud", days: 1, limit: 5 }) === text,
        )?.[0];
        return answers[name ?? ""] ?? [];
      },
    };
    const report = await remoteReport("fraud", { client, queries, days: 1, recent: 5 });
    expect(seen).toHaveLength(4);
    const [c] = report.shadows;
    expect(c).toMatchObject({
      shadow: "shadow",
      pairs: 1000,
      agreementRate: 920 / 990,
      errors: { "shadow:timeout": 10 },
      skipped: { "body-too-large": 4 },
      lastAt: "2026-11-26T11:00:00.000Z",
      version: 7,
    });
    expect(c?.meanAbsDelta).toBeCloseTo(0.075, 12);
    expect(c?.meanDelta).toBeCloseTo(-0.01, 12);
    expect(c?.deltaBins.filter((b) => b.count > 0)).toEqual([
      { label: "0 - 0.001", count: 90 },
      { label: "0.05 - 0.1", count: 900 },
    ]);
    expect(report.recent[0]).toMatchObject({
      inputId: "tx-9",
      delta: 0.1,
      shadowLabel: "positive",
    });
    expect(renderReport(report)).toContain("agreement    92.9 %  (920 / 990 labels agree)");
  });
});

describe("local (KV shards) and the rendered text", () => {
  const fields = { scoreField: "score", labelField: "label" };
  const pair = (prod: string, shadow: string, delta: number, arm = "blue"): ShadowPair => ({
    at: Date.UTC(2026, 10, 26, 12),
    service: "fraud",
    production: arm,
    role: "live",
    shadow: "shadow",
    bucket: 1,
    sampleBucket: 1,
    version: 3,
    inputId: "tx",
    bodyBytes: 10,
    comparison: comparePair(
      readPrediction(
        {
          status: 200,
          durationMs: 2,
          error: null,
          text: JSON.stringify({ label: prod, score: 0.5 }),
        },
        fields,
      ),
      readPrediction(
        {
          status: 200,
          durationMs: 20,
          error: null,
          text: JSON.stringify({ label: shadow, score: 0.5 + delta }),
        },
        fields,
      ),
    ),
  });

  it("merges shards per shadow origin and renders every section", () => {
    const a = emptySummary("fraud", "shadow");
    const b = emptySummary("fraud", "shadow");
    const other = emptySummary("fraud", "older");
    addPair(a, pair("p", "p", 0.01));
    addPair(b, pair("p", "n", -0.2, "canary"));
    addPair(other, pair("p", "p", 0));
    const merged = mergeShards([a, other, b]);
    expect(merged.map((s) => [s.shadow, s.pairs])).toEqual([
      ["shadow", 2],
      ["older", 1],
    ]);
    const text = renderReport({
      service: "fraud",
      source: "local KV",
      shadows: merged.map(comparisonOf),
      recent: [],
      notes: ["2 isolate shards merged"],
    });
    expect(text).toContain('shadow "shadow" (document version 3;');
    expect(text).toContain("agreement    50.0 %  (1 / 2 labels agree)");
    expect(text).toContain("by arm       blue 100.0 % (1/1), canary 0.0 % (0/1)");
    expect(text).toMatch(/latency ms {3}production p50 2\.\d/);
    expect(text).toContain("recent disagreements and errors: none");
    expect(text).toContain("note: 2 isolate shards merged");
    expect(text.split("\n").every((line) => line === line.trimEnd())).toBe(true);
  });
});

describe("local report from real local KV (wrangler)", () => {
  const fields = { scoreField: "score", labelField: "label" };
  const predicted = (label: string, score: number, durationMs: number) =>
    readPrediction(
      { status: 200, durationMs, error: null, text: JSON.stringify({ label, score }) },
      fields,
    );

  // Two wrangler runs at once on one local state used to fail now and then
  // (SQLITE_BUSY / "KV GET failed: 500", 2 reports in 60): the report runs
  // them one at a time. A race cannot be pinned by a few runs; these check
  // the whole local path, three times over one state.
  it("merges the shards and reads the newest log batches, run after run", async () => {
    const state = tempState("shadow-report-");
    try {
      const values: Record<string, unknown> = {};
      for (let i = 0; i < 3; i++) {
        const summary = emptySummary("fraud", "shadow");
        const records = [];
        for (let j = 0; j < 10; j++) {
          const pair: ShadowPair = {
            at: Date.UTC(2026, 10, 26, 12, i, j),
            service: "fraud",
            production: "blue",
            role: "live",
            shadow: "shadow",
            bucket: j,
            sampleBucket: j,
            version: 3,
            inputId: `tx-${i}-${j}`,
            bodyBytes: 10,
            comparison: comparePair(predicted("p", 0.5, 2), predicted(j < 2 ? "n" : "p", 0.5, 20)),
          };
          addPair(summary, pair);
          if (j < 2) records.push(toRecord(pair));
        }
        values[shadowSummaryKey("fraud", "shadow", `iso${i}`)] = summary;
        values[shadowLogKey("fraud", Date.UTC(2026, 10, 26, 12, i), `iso${i}`)] = records;
      }
      await seedMany(state.dir, values);
      for (let run = 0; run < 3; run++) {
        const report = await localReport("fraud", { target: { persistTo: state.dir }, recent: 4 });
        expect(report.shadows.map((c) => [c.shadow, c.pairs, c.agreed])).toEqual([
          ["shadow", 30, 24],
        ]);
        expect(report.recent.map((r) => r.inputId)).toEqual([
          "tx-2-1",
          "tx-2-0",
          "tx-1-1",
          "tx-1-0",
        ]);
        expect(report.notes[0]).toBe("3 isolate shards merged, 3 log batches kept (24 h)");
      }
    } finally {
      state.cleanup();
    }
  }, 120_000);
});
