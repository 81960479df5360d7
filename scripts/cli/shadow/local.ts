/**
 * The shadow report from local KV (what `npm start` / `wrangler dev` wrote):
 * merges every isolate's summary shard per shadow origin and reads the
 * newest inspection batches, through `wrangler kv` like an operator would.
 * Wrangler runs one after another, never two at once (local state is one
 * SQLite database per namespace).
 *
 * Layer: script support (Node; wrangler CLI).
 */

import type { ShadowRecord } from "../../../src/core/shadow/record.ts";
import {
  mergeSummaries,
  parseSummary,
  type ShadowSummary,
  viewSummary,
} from "../../../src/core/shadow/summary.ts";
import { shadowLogPrefix, shadowSummaryPrefix } from "../../../src/document/kv-keys.ts";
import { type KvTarget, kvGetMany, kvList } from "../wrangler.ts";
import { binHistogram, type ShadowComparison, type ShadowReport } from "./report-model.ts";

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);

export function comparisonOf(s: ShadowSummary): ShadowComparison {
  const {
    service: _service,
    droppedRecords: _dropped,
    byProduction: _arms,
    ...view
  } = viewSummary(s);
  return {
    ...view,
    agreed: s.agreed,
    deltaBins: binHistogram(s.absDelta),
    byProduction: s.byProduction,
    firstAt: iso(view.firstAt),
    lastAt: iso(view.lastAt),
  };
}

/** Merges shards into one summary per shadow origin, most pairs first. */
export function mergeShards(shards: ShadowSummary[]): ShadowSummary[] {
  const byShadow = new Map<string, ShadowSummary>();
  for (const s of shards) {
    const seen = byShadow.get(s.shadow);
    byShadow.set(s.shadow, seen ? mergeSummaries(seen, s) : s);
  }
  return [...byShadow.values()].sort((a, b) => b.pairs - a.pairs);
}

export async function localReport(
  service: string,
  options: { target: KvTarget; recent: number },
): Promise<ShadowReport> {
  // One wrangler at a time: two local runs at once contend for the same
  // SQLite state and one of them fails now and then (SQLITE_BUSY, "KV GET
  // failed: 500"): 2 reports in 60 failed so with the two lists run at once.
  // The control object's mirror only (per-isolate shards of older releases
  // expire on their own within 7 days).
  const summaryKeys = (await kvList(shadowSummaryPrefix(service), options.target)).filter((k) =>
    k.endsWith(":control"),
  );
  const logKeys = await kvList(shadowLogPrefix(service), options.target);
  // Log keys sort newest first (countdown timestamps); a batch holds <= 20 records.
  const newestBatches = logKeys.slice(0, Math.max(1, options.recent));
  const values =
    summaryKeys.length + newestBatches.length === 0
      ? new Map<string, string | null>()
      : await kvGetMany([...summaryKeys, ...newestBatches], options.target);

  const shards = summaryKeys
    .map((k) => parseSummary(values.get(k) ?? ""))
    .filter((s): s is ShadowSummary => s !== null);
  const recent = newestBatches
    .flatMap((k) => {
      try {
        return JSON.parse(values.get(k) ?? "[]") as ShadowRecord[];
      } catch {
        return [];
      }
    })
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, options.recent);

  const merged = mergeShards(shards);
  const dropped = merged.reduce((n, s) => n + s.droppedRecords, 0);
  const notes = [
    `the control object's KV mirror (every SHADOW_KV_MIRROR_MS), ${logKeys.length} log batch${logKeys.length === 1 ? "" : "es"} kept (24 h)`,
    ...(dropped > 0
      ? [`${dropped} notable pairs were counted but not kept (20 per isolate check-in)`]
      : []),
  ];
  return {
    service,
    source: `local KV${options.target.persistTo ? ` at ${options.target.persistTo}` : ""}`,
    shadows: merged.map(comparisonOf),
    recent,
    notes,
  };
}
