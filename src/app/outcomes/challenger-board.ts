/**
 * The champion-challenger leaderboard of a service: its document's
 * champion (live) and challengers, judged on the current revision's
 * identified requests (error rate, mean log latency, from the control
 * object's per-bucket user sums) and on every outcome metric sent back for
 * it (src/core/outcomes/leaderboard.ts does the statistics; an outcome is
 * higher-is-better unless the document's `outcomes` says lower). Rates per
 * minute come from the last 10 minutes of the object's time series.
 *
 * Layer: app (use case) over the ServiceStore, MetricsReader,
 * ControlPlaneReader and OutcomeSink ports.
 */
import {
  type ArmSample,
  type ChallengerStanding,
  leaderboard,
  type MetricSpec,
  outcomeMetricSpec,
  REQUEST_METRICS,
} from "../../core/outcomes/leaderboard.ts";
import { binaryValues, type OutcomeTotals, totalsOf } from "../../core/outcomes/outcome-sums.ts";
import { revisionOf, type VersionMetrics } from "../../core/rollout/request-metrics.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import type { ControlPlaneReader } from "../../ports/control-plane-reader.ts";
import type { MetricsReader } from "../../ports/metrics-reader.ts";
import type { OutcomeSink } from "../../ports/outcome-store.ts";

export interface BoardDeps {
  metrics: MetricsReader;
  controlPlane: Pick<ControlPlaneReader, "series">;
  outcomes: Pick<OutcomeSink, "cells">;
}

export interface ChallengerBoard {
  service: string;
  champion: string;
  revision: string;
  /** Per challenger, over its metrics and both sides, at any look. */
  alpha: number;
  challengers: ChallengerStanding[];
}

export const BOARD_ALPHA = 0.01;
const RATE_WINDOW_MS = 10 * 60_000;
const sum = (xs: readonly number[] | undefined) => (xs ?? []).reduce((s, x) => s + x, 0);

export async function challengerBoard(
  doc: RoutingDocument,
  deps: BoardDeps,
  nowMs: number,
): Promise<ChallengerBoard> {
  const revision = revisionOf(doc);
  const [metrics, cells, series] = await Promise.all([
    deps.metrics.read(doc),
    deps.outcomes.cells(doc.service),
    deps.controlPlane.series(doc.service, nowMs - RATE_WINDOW_MS),
  ]);
  const outcomes: OutcomeTotals[string] = totalsOf(cells)[revision] ?? {};
  const armsWithOutcomes = Object.values(outcomes);
  const names = [...new Set(armsWithOutcomes.flatMap((m) => Object.keys(m)))].sort();
  const outcomeSpecs: MetricSpec[] = names.map((name) => {
    const all = armsWithOutcomes.flatMap((m) => (m[name] ? [m[name]] : []));
    const binary = binaryValues(all);
    const n = sum(all.map((m) => m.n));
    const mean = sum(all.map((m) => m.sum)) / Math.max(1, n);
    const sd = Math.sqrt(Math.max(0, sum(all.map((m) => m.sumSq)) / Math.max(1, n) - mean * mean));
    const declared = doc.outcomes && Object.hasOwn(doc.outcomes, name) ? doc.outcomes[name] : null;
    return outcomeMetricSpec(name, declared?.better ?? "higher", binary, sd);
  });
  const requestsPerMinute = perMinute(series, nowMs);
  return {
    service: doc.service,
    champion: doc.live,
    revision,
    alpha: BOARD_ALPHA,
    challengers: leaderboard({
      champion: doc.live,
      challengers: doc.challengers,
      metrics: [...REQUEST_METRICS, ...outcomeSpecs],
      alpha: BOARD_ALPHA,
      samples: (arm, metric) => sampleOf(metrics, outcomes, arm, metric),
      perMinute: (arm, metric) => {
        const rpm = requestsPerMinute.get(arm);
        const requests = sum(metrics.arms[arm]?.users.requests);
        const observed = sampleOf(metrics, outcomes, arm, metric);
        if (!rpm || requests <= 0 || !observed) return null;
        return (rpm * sum(observed.n)) / Math.max(requests, metrics.arms[arm]?.requests ?? 0);
      },
    }),
  };
}

function sampleOf(
  metrics: VersionMetrics,
  outcomes: OutcomeTotals[string],
  arm: string,
  metric: string,
): ArmSample | null {
  const users = metrics.arms[arm]?.users;
  if (metric === "error-rate")
    return users ? { n: users.requests, sum: users.errors, sumSq: sum(users.errors) } : null;
  if (metric === "latency")
    return users ? { n: users.timed, sum: users.logMs, sumSq: sum(users.logMsSq) } : null;
  const o = outcomes[arm]?.[metric];
  return o ? { n: o.buckets.n, sum: o.buckets.sum, sumSq: o.sumSq } : null;
}

/** Requests per minute of each arm over the series' span. */
function perMinute(
  series: readonly { at: number; arm: string; requests: number }[],
  nowMs: number,
): Map<string, number> {
  const out = new Map<string, number>();
  if (series.length === 0) return out;
  const first = Math.min(...series.map((p) => p.at));
  const minutes = Math.max(1 / 6, (nowMs - first) / 60_000);
  for (const p of series) out.set(p.arm, (out.get(p.arm) ?? 0) + p.requests);
  for (const [arm, n] of out) out.set(arm, n / minutes);
  return out;
}
