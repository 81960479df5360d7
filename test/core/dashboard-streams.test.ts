/**
 * The dashboard for an LLM service (src/http/dashboard): a time-to-first-
 * token chart per arm appears once an arm streamed in the window (and only
 * then), and a shadow of free text shows its similarity distribution where
 * a scored model shows |Δscore|.
 */
import { describe, expect, it } from "vitest";
import { alignSeries, armCharts, armsOf } from "../../src/http/dashboard/chart-data.ts";
import { similarityHistogram } from "../../src/http/dashboard/similarity-histogram.ts";
import type { SeriesWire } from "../../src/http/dashboard/wire.ts";

const now = 1_796_700_000_000;
const point = (arm: string, at: number, firstByte: number | null) => ({
  at,
  arm,
  requests: 10,
  errors: 0,
  failovers: 0,
  p50Ms: 900,
  p95Ms: 1_400,
  firstByteP50Ms: firstByte,
  firstByteP95Ms: firstByte === null ? null : firstByte * 2,
});
const arms = [
  { origin: "chat-v1", role: "live" },
  { origin: "chat-v2", role: "canary" },
];

function charts(points: SeriesWire["points"]) {
  const series: SeriesWire = { service: "chat", bucketMs: 10_000, points };
  const a = armsOf(arms, series);
  return armCharts(alignSeries(series, a, 15, now), a, null);
}

describe("the arm charts of a service whose answers stream", () => {
  it("add time to first token per arm, p50 and p95", () => {
    const bucket = Math.floor(now / 10_000) * 10_000;
    const out = charts([point("chat-v1", bucket, 80), point("chat-v2", bucket, 140)]);
    expect(out.map((c) => c.id)).toEqual(["requests", "errors", "latency", "first-token"]);
    const ttft = out[3];
    expect(ttft?.series.map((s) => [s.label, s.values.at(-1)])).toEqual([
      ["chat-v1 p95", 160],
      ["chat-v1 p50", 80],
      ["chat-v2 p95", 280],
      ["chat-v2 p50", 140],
    ]);
  });

  it("leave it out when nothing streamed in the window", () => {
    const bucket = Math.floor(now / 10_000) * 10_000;
    expect(charts([point("chat-v1", bucket, null)]).map((c) => c.id)).toEqual([
      "requests",
      "errors",
      "latency",
    ]);
  });
});

describe("the similarity histogram", () => {
  it("has eleven bars, the last for identical answers", () => {
    const spec = similarityHistogram("delta-s", [0, 0, 1, 3, 5, 8, 4, 2, 1, 0, 6]);
    expect(spec.categories?.[0]).toBe("0.0–0.1");
    expect(spec.categories?.[10]).toBe("1 (same)");
    expect(spec.series[0]?.values).toEqual([0, 0, 1, 3, 5, 8, 4, 2, 1, 0, 6]);
    expect(spec.hasData).toBe(true);
    expect(similarityHistogram("x", []).hasData).toBe(false);
  });
});
