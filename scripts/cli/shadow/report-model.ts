/**
 * The shadow report's data, whatever it was read from (local KV shards or
 * the Analytics Engine SQL API), and the |Δscore| distribution bins both
 * sources share.
 *
 * Layer: script support (pure: no I/O, no Node APIs).
 */
import { ABS_DELTA, bucketUpperBound, type Histogram } from "../../../src/core/histogram.ts";
import type { ShadowRecord } from "../../../src/core/shadow/record.ts";
import type { LatencyView, SummaryView } from "../../../src/core/shadow/summary.ts";

/** Latency percentiles of one arm (the summary view's, without the count the SQL API lacks). */
export type LatencyStats = Omit<LatencyView, "n">;

export interface DeltaBin {
  label: string;
  count: number;
}

/**
 * One shadow origin (a "shadow version") of a service: the summary view
 * (src/core/shadow/summary.ts), whichever source it was read from, plus the
 * report's own additions (agreed count, |Δ| bins, ISO times).
 */
export type ShadowComparison = Omit<
  SummaryView,
  | "service"
  | "production"
  | "shadowLatency"
  | "byProduction"
  | "firstAt"
  | "lastAt"
  | "droppedRecords"
> & {
  agreed: number;
  production: LatencyStats;
  shadowLatency: LatencyStats;
  deltaBins: DeltaBin[];
  /** Per production arm, when the source keeps it (local summaries do; the SQL API does not). */
  byProduction: Record<string, { pairs: number; compared: number; agreed: number }> | null;
  firstAt: string | null;
  lastAt: string | null;
};

export interface ShadowReport {
  service: string;
  source: string;
  shadows: ShadowComparison[];
  /** Disagreements and errors, newest first. */
  recent: ShadowRecord[];
  notes: string[];
}

/** Lower edges of the |Δscore| bins (scores on a 0..1 scale read best). */
export const DELTA_EDGES = [0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1] as const;

export function binLabel(i: number): string {
  const lo = DELTA_EDGES[i] ?? 0;
  const hi = DELTA_EDGES[i + 1];
  return hi === undefined ? `>= ${lo}` : `${lo} - ${hi}`;
}

function binOf(value: number): number {
  let bin = 0;
  DELTA_EDGES.forEach((edge, i) => {
    if (value >= edge) bin = i;
  });
  return bin;
}

/** Bins from (value, count) pairs, e.g. rounded |Δ| grouped by the SQL API. */
export function binValues(values: Iterable<[number, number]>): DeltaBin[] {
  const counts = DELTA_EDGES.map(() => 0);
  for (const [value, count] of values) counts[binOf(value)] = (counts[binOf(value)] ?? 0) + count;
  return counts.map((count, i) => ({ label: binLabel(i), count }));
}

/**
 * Bins from a |Δ| histogram: each fine bucket goes to the bin of its lower
 * bound, so a bucket that straddles an edge (it is at most 4.4 % wide)
 * counts in the lower bin.
 */
export function binHistogram(h: Histogram): DeltaBin[] {
  return binValues(
    Object.entries(h.counts).map(([index, count]) => {
      const i = Number(index);
      return [i === 0 ? 0 : bucketUpperBound(ABS_DELTA, i - 1), count] as [number, number];
    }),
  );
}
