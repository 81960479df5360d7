/**
 * The shadow comparison's |Δscore| histogram as a bar chart: the control
 * object's histogram buckets merged eight to a bar (half a doubling each),
 * from the smallest seen to the largest, with the mean and the gate's bound
 * as markers.
 *
 * Layer: HTTP edge (dashboard), pure.
 */
import { ABS_DELTA, bucketUpperBound, type Histogram } from "../../core/histogram.ts";
import { SHADOW_COLOR } from "./chart-data.ts";
import type { ChartMarker, ChartSpec } from "./page-data.ts";

/** Eight histogram buckets per bar (half a doubling of |Δscore|), from the smallest seen to the largest. */
const PER_BAR = 8;

export function deltaHistogram(
  id: string,
  h: Histogram,
  maxMeanAbsDelta: number | null,
  meanAbsDelta: number | null,
): ChartSpec {
  const indexes = Object.keys(h.counts).map(Number);
  const bars = new Map<number, number>();
  for (const i of indexes) {
    const bar = Math.floor(i / PER_BAR);
    bars.set(bar, (bars.get(bar) ?? 0) + (h.counts[String(i)] ?? 0));
  }
  const lo = Math.min(...bars.keys());
  const hi = Math.max(...bars.keys());
  const x: number[] = [];
  const categories: string[] = [];
  const values: number[] = [];
  if (bars.size > 0) {
    for (let b = lo; b <= hi; b++) {
      x.push(x.length);
      categories.push(compact(bucketUpperBound(ABS_DELTA, (b + 1) * PER_BAR)));
      values.push(bars.get(b) ?? 0);
    }
  }
  const barOf = (value: number) => {
    for (let b = lo; b <= hi; b++) {
      if (value <= bucketUpperBound(ABS_DELTA, (b + 1) * PER_BAR)) return b - lo;
    }
    return hi - lo;
  };
  const markers: ChartMarker[] = [];
  if (bars.size > 0 && meanAbsDelta !== null) {
    markers.push({
      x: barOf(meanAbsDelta),
      label: `mean |Δ| ${compact(meanAbsDelta)}`,
      tone: "info",
    });
  }
  if (bars.size > 0 && maxMeanAbsDelta !== null) {
    markers.push({
      x: barOf(maxMeanAbsDelta),
      label: `gate: mean |Δ| at most ${compact(maxMeanAbsDelta)}`,
      tone: "bad",
    });
  }
  return {
    id,
    title: "|Δscore| between production and shadow, by bin upper bound",
    unit: "pairs",
    kind: "bars",
    x,
    categories,
    series: [{ label: "pairs", color: SHADOW_COLOR, values }],
    markers,
    empty: "No scored pairs yet.",
    hasData: bars.size > 0,
  };
}

function compact(x: number): string {
  if (x === 0) return "0";
  if (x >= 1) return Number(x.toPrecision(3)).toString();
  return Number(x.toPrecision(2)).toString();
}
