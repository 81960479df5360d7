/**
 * The shadow comparison's similarity distribution as a bar chart: how alike
 * production's and the shadow's answers were, by the shadow's comparator
 * (0: nothing alike, 1: the same), in the summary's eleven bins. Where
 * answers are free text (an LLM's) there is no score, so this stands where
 * the |Δscore| histogram stands for scored models.
 *
 * Layer: HTTP edge (dashboard), pure.
 */
import { SIMILARITY_BINS } from "../../core/shadow/summary.ts";
import { SHADOW_COLOR } from "./chart-data.ts";
import type { ChartSpec } from "./page-data.ts";

const label = (i: number) =>
  i === 10 ? "1 (same)" : `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`;

export function similarityHistogram(id: string, bins: readonly number[]): ChartSpec {
  const values = Array.from({ length: SIMILARITY_BINS }, (_, i) => bins[i] ?? 0);
  return {
    id,
    title: "Similarity of production's and the shadow's answers, compared pairs",
    unit: "pairs",
    kind: "bars",
    x: values.map((_, i) => i),
    categories: values.map((_, i) => label(i)),
    series: [{ label: "pairs", color: SHADOW_COLOR, values }],
    markers: [],
    empty: "No compared pairs yet.",
    hasData: values.some((n) => n > 0),
  };
}
