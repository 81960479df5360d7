/**
 * The shadow evidence for the rollout gates: every isolate's shadow summary
 * shard of the service's current shadow, merged and reduced to agreement
 * rate and mean |Δscore|.
 *
 * Layer: adapter (reads the `shadow-summary:` shards that
 * src/adapters/kv/shadow-log.ts writes).
 */

import type { ShadowView } from "../../core/rollout/metrics-view.ts";
import {
  mergeSummaries,
  parseSummary,
  type ShadowSummary,
  viewSummary,
} from "../../core/shadow/summary.ts";
import { shadowSummaryPrefix } from "../../document/kv-keys.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";

export async function readShadowView(
  kv: KVNamespace,
  doc: RoutingDocument,
): Promise<ShadowView | null> {
  if (!doc.shadow) return null;
  const prefix = `${shadowSummaryPrefix(doc.service)}${doc.shadow.origin}:`;
  let merged: ShadowSummary | null = null;
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
    const texts = await Promise.all(page.keys.map((k) => kv.get(k.name, "text")));
    for (const text of texts) {
      const s = text === null ? null : parseSummary(text);
      if (s) merged = merged ? mergeSummaries(merged, s) : s;
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  if (!merged) return { pairs: 0, agreementRate: 0, meanAbsDelta: 0 };
  const view = viewSummary(merged);
  return {
    pairs: view.compared,
    agreementRate: view.agreementRate ?? 0,
    meanAbsDelta: view.meanAbsDelta ?? 0,
  };
}
