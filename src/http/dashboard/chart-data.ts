/**
 * The dashboard's charts as data: the control object's 10 s buckets turned
 * into aligned uPlot series per arm (live, canary, each challenger, any
 * other origin that served in the window), the gates' boundaries as dashed
 * series, the rollout's verdicts as markers on the time axis (the |Δscore|
 * histogram's bars: delta-histogram.ts). The client script draws whatever
 * it is given.
 *
 * Layer: HTTP edge (dashboard), pure.
 */
import type { ChartMarker, ChartSeries, ChartSpec, Tone } from "./page-data.ts";
import { numberAt, type RolloutWire, type SeriesWire } from "./wire.ts";

export type { ChartMarker, ChartSeries, ChartSpec, Tone };

export type Role = "live" | "canary" | "challenger" | "other";

export interface Arm {
  origin: string;
  role: Role;
}

const CHALLENGER_COLORS = ["#7c3aed", "#0d9488", "#db2777", "#65a30d"];
export const SHADOW_COLOR = "#a16207";

export function armColor(role: Role, index: number): string {
  if (role === "live") return "#2563eb";
  if (role === "canary") return "#ea580c";
  if (role === "challenger")
    return CHALLENGER_COLORS[index % CHALLENGER_COLORS.length] ?? "#7c3aed";
  return "#64748b";
}

/** The arms in display order: the document's, then any other origin seen in the series. */
export function armsOf(
  docArms: readonly { origin: string; role: string }[],
  series: SeriesWire | null,
): (Arm & { color: string })[] {
  const out: (Arm & { color: string })[] = [];
  let challengers = 0;
  for (const a of docArms) {
    const role: Role =
      a.role === "live" || a.role === "canary" || a.role === "challenger" ? a.role : "other";
    out.push({
      origin: a.origin,
      role,
      color: armColor(role, role === "challenger" ? challengers++ : 0),
    });
  }
  for (const p of series?.points ?? []) {
    if (!out.some((a) => a.origin === p.arm)) {
      out.push({ origin: p.arm, role: "other", color: armColor("other", 0) });
    }
  }
  return out;
}

export interface ArmSeries {
  x: number[];
  requestsPerSecond: Map<string, (number | null)[]>;
  errorRatePct: Map<string, (number | null)[]>;
  p50: Map<string, (number | null)[]>;
  p95: Map<string, (number | null)[]>;
  /** Streamed answers' time to first byte (null where none streamed). */
  firstByteP50: Map<string, (number | null)[]>;
  firstByteP95: Map<string, (number | null)[]>;
  requests: Map<string, number>;
  errors: Map<string, number>;
}

const MIN_SPAN_MS = 2 * 60_000;

/**
 * Every bucket of the window, oldest first (an empty bucket is 0 req/s and
 * no rate or latency). The bucket in progress is a rate over its elapsed
 * part, so the line does not dip at the right edge.
 */
export function alignSeries(
  series: SeriesWire,
  arms: readonly Arm[],
  minutes: number,
  nowMs: number,
): ArmSeries {
  const step = series.bucketMs || 10_000;
  const last = Math.floor(nowMs / step) * step;
  // The window, but not the empty stretch before the first data: a chart of
  // a service that began serving a minute ago shows that minute (at least
  // MIN_SPAN_MS), not a spike at the right edge of 15 empty minutes.
  const windowFirst = last - Math.ceil((minutes * 60_000) / step) * step + step;
  const seen = series.points.filter((p) => p.at >= windowFirst).map((p) => p.at);
  const firstData = seen.length > 0 ? Math.min(...seen) : last;
  const first = Math.max(windowFirst, Math.min(firstData, last - MIN_SPAN_MS));
  const x: number[] = [];
  for (let t = first; t <= last; t += step) x.push(t / 1000);
  const index = new Map(x.map((t, i) => [t * 1000, i]));
  const make = (fill: number | null) =>
    new Map(arms.map((a) => [a.origin, x.map(() => fill)] as [string, (number | null)[]]));
  const out: ArmSeries = {
    x,
    requestsPerSecond: make(0),
    errorRatePct: make(null),
    p50: make(null),
    p95: make(null),
    firstByteP50: make(null),
    firstByteP95: make(null),
    requests: new Map(arms.map((a) => [a.origin, 0])),
    errors: new Map(arms.map((a) => [a.origin, 0])),
  };
  for (const p of series.points) {
    const i = index.get(p.at);
    if (i === undefined || !out.requestsPerSecond.has(p.arm)) continue;
    const elapsed = Math.min(step, Math.max(1000, nowMs - p.at)) / 1000;
    (out.requestsPerSecond.get(p.arm) as (number | null)[])[i] = p.requests / elapsed;
    (out.errorRatePct.get(p.arm) as (number | null)[])[i] =
      p.requests > 0 ? (p.errors / p.requests) * 100 : null;
    (out.p50.get(p.arm) as (number | null)[])[i] = p.p50Ms;
    (out.p95.get(p.arm) as (number | null)[])[i] = p.p95Ms;
    (out.firstByteP50.get(p.arm) as (number | null)[])[i] = p.firstByteP50Ms ?? null;
    (out.firstByteP95.get(p.arm) as (number | null)[])[i] = p.firstByteP95Ms ?? null;
    out.requests.set(p.arm, (out.requests.get(p.arm) ?? 0) + p.requests);
    out.errors.set(p.arm, (out.errors.get(p.arm) ?? 0) + p.errors);
  }
  return out;
}

const TONES: Record<string, Tone> = {
  start: "info",
  advance: "good",
  step: "good",
  promote: "good",
  promoted: "good",
  complete: "good",
  completed: "good",
  hold: "warn",
  pause: "warn",
  paused: "warn",
  resume: "info",
  rollback: "bad",
  "rolled-back": "bad",
  abort: "bad",
  aborted: "bad",
};

export const toneOf = (event: string): Tone => TONES[event] ?? "info";

function verdictMarkers(rollout: RolloutWire | null, x: readonly number[]): ChartMarker[] {
  const from = x[0] ?? 0;
  return (rollout?.status?.timeline ?? [])
    .filter((e) => e.at / 1000 >= from)
    .map((e) => ({ x: e.at / 1000, label: `${e.event}: ${e.reason}`, tone: toneOf(e.event) }));
}

/** The three arm charts of the service page: traffic, errors and latency. */
export function armCharts(
  aligned: ArmSeries,
  arms: readonly (Arm & { color: string })[],
  rollout: RolloutWire | null,
): ChartSpec[] {
  const markers = verdictMarkers(rollout, aligned.x);
  const seen = arms.filter((a) => (aligned.requests.get(a.origin) ?? 0) > 0);
  const hasData = seen.length > 0;
  const live = arms.find((a) => a.role === "live");
  const gates = rollout?.canary && rollout.plan ? rollout.plan.gates : undefined;
  const empty =
    "No requests in this window yet: send traffic to the service and the chart fills in.";

  const requests: ChartSpec = {
    id: "requests",
    title: "Requests per arm",
    unit: "req/s",
    kind: "time",
    x: aligned.x,
    series: arms.map((a) => ({
      label: `${a.origin} (${a.role})`,
      color: a.color,
      values: aligned.requestsPerSecond.get(a.origin) ?? [],
    })),
    markers,
    empty,
    hasData,
  };

  const errorSeries: ChartSeries[] = arms.map((a) => ({
    label: `${a.origin} (${a.role})`,
    color: a.color,
    values: aligned.errorRatePct.get(a.origin) ?? [],
  }));
  const minDelta = numberAt(gates, "errorRate.minDelta");
  if (live && minDelta !== null) {
    const base = aligned.errorRatePct.get(live.origin) ?? [];
    errorSeries.push({
      label: `gate: live + ${(minDelta * 100).toFixed(2)} pp`,
      color: "#dc2626",
      dash: true,
      values: base.map((v) => (v === null ? null : v + minDelta * 100)),
    });
  }
  const errors: ChartSpec = {
    id: "errors",
    title: "Error rate per arm",
    unit: "%",
    kind: "time",
    x: aligned.x,
    series: errorSeries,
    markers,
    empty,
    hasData,
  };

  const latencySeries: ChartSeries[] = [];
  for (const a of arms) {
    latencySeries.push({
      label: `${a.origin} p95`,
      color: a.color,
      values: aligned.p95.get(a.origin) ?? [],
    });
    latencySeries.push({
      label: `${a.origin} p50`,
      color: `${a.color}99`,
      values: aligned.p50.get(a.origin) ?? [],
    });
  }
  const ratio = numberAt(gates, "latencyP95Ratio.max");
  const slack = numberAt(gates, "latencyP95Ratio.minDeltaMs") ?? 0;
  if (live && ratio !== null) {
    const base = aligned.p95.get(live.origin) ?? [];
    latencySeries.push({
      label: `gate: live p95 × ${ratio}${slack ? ` and +${slack} ms` : ""}`,
      color: "#dc2626",
      dash: true,
      values: base.map((v) => (v === null ? null : Math.max(v * ratio, v + slack))),
    });
  }
  const latency: ChartSpec = {
    id: "latency",
    title: "Latency per arm (p50, p95)",
    unit: "ms",
    kind: "time",
    x: aligned.x,
    series: latencySeries,
    markers,
    empty,
    hasData,
  };
  const charts = [requests, errors, latency];
  const streamed = arms.some((a) => aligned.firstByteP50.get(a.origin)?.some((v) => v !== null));
  if (streamed) charts.push(firstTokenChart(aligned, arms, markers));
  return charts;
}

/** Streamed answers' time to first byte per arm (p50, p95): what users of an LLM feel. */
function firstTokenChart(
  aligned: ArmSeries,
  arms: readonly (Arm & { color: string })[],
  markers: ChartMarker[],
): ChartSpec {
  const series: ChartSeries[] = [];
  for (const a of arms) {
    series.push({
      label: `${a.origin} p95`,
      color: a.color,
      values: aligned.firstByteP95.get(a.origin) ?? [],
    });
    series.push({
      label: `${a.origin} p50`,
      color: `${a.color}99`,
      values: aligned.firstByteP50.get(a.origin) ?? [],
    });
  }
  return {
    id: FIRST_TOKEN_CHART,
    title: "Time to first token per arm, streamed answers (p50, p95)",
    unit: "ms",
    kind: "time",
    x: aligned.x,
    series,
    markers,
    empty: "No streamed answers in this window.",
    hasData: true,
  };
}

/** The id of the time-to-first-token chart (present when an arm streamed in the window). */
export const FIRST_TOKEN_CHART = "first-token";

/** The overview's two sparklines of a service: req/s and error rate per arm. */
export function sparklines(
  aligned: ArmSeries,
  arms: readonly (Arm & { color: string })[],
): ChartSpec[] {
  const hasData = arms.some((a) => (aligned.requests.get(a.origin) ?? 0) > 0);
  const line = (id: string, unit: ChartSpec["unit"], data: Map<string, (number | null)[]>) => ({
    id,
    title: id,
    unit,
    kind: "time" as const,
    x: aligned.x,
    series: arms.map((a) => ({
      label: a.origin,
      color: a.color,
      values: data.get(a.origin) ?? [],
    })),
    markers: [],
    empty: "no traffic",
    hasData,
  });
  return [
    line("requests", "req/s", aligned.requestsPerSecond),
    line("errors", "%", aligned.errorRatePct),
  ];
}

/** A write's tone on the charts: a kill or a removal is bad, a rollback a warning, the rest info. */
function writeTone(change: string): Tone {
  if (/\bkill|\bremoved?\b|rolled back/.test(change)) return "bad";
  if (/^rollback|^restore/.test(change)) return "warn";
  return "info";
}

/**
 * The history's writes as chart markers with their authors ("flip live blue
 * -> green · alice"). The rollout analyzer's writes are left out: its
 * verdicts come from the rollout's timeline (verdictMarkers).
 */
export function writeMarkers(
  entries: readonly { updatedAt: string; updatedBy: string; change: string; source: string }[],
): ChartMarker[] {
  return entries
    .filter((e) => e.source !== "rollout")
    .map((e) => ({
      x: Date.parse(e.updatedAt) / 1000,
      label: `${e.change} · ${e.updatedBy}`,
      tone: writeTone(e.change),
    }))
    .filter((m) => Number.isFinite(m.x));
}
