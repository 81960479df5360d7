/**
 * Writes one Workers Analytics Engine data point per shadow pair (and one per
 * request that qualified for mirroring but was skipped).
 *
 * Layer: adapter (the only module that writes shadow events to ROUTER_EVENTS;
 * request events are request-events.ts). Same dataset, told apart by blob1.
 * Layout of a pair (index = service):
 *   blobs:   1 "shadow-pair", 2 service, 3 production arm, 4 production role,
 *            5 shadow arm, 6 agreement (agree|disagree|n/a), 7 production error
 *            kind ("" = none), 8 shadow error kind, 9 production label,
 *            10 shadow label, 11 input id
 *   doubles: 1 document version, 2 user bucket (-1 = none), 3 sample bucket,
 *            4 agreed (1 agree, 0 disagree, -1 n/a), 5 scored (1 when both
 *            scores), 6 delta (shadow - production), 7 |delta|, 8 production
 *            score, 9 shadow score, 10 production ms, 11 shadow ms,
 *            12 production status (0 = none), 13 shadow status, 14 body bytes,
 *            15 similarity (0..1; -1 = not compared), 16 production and 17
 *            shadow time to first byte (ms; -1 = none), 18 production and 19
 *            shadow usage tokens (-1 = none)
 *   blob 12: the arms whose streamed answer was cut ("production:bytes
 *            shadow:time"; "" = none)
 * A skip: blobs [ "shadow-skip", service, production arm, role, shadow arm,
 * reason ], doubles [ version, bucket, body bytes ].
 * Blobs are cut to 256 characters each, so a point stays far below AE's
 * 16 KB of blobs; 12 blobs and 19 doubles are within its 20 + 20.
 * writeDataPoint is fire-and-forget: it never throws into the caller.
 */
import type { ShadowPair } from "../../core/shadow/compare.ts";
import type { ShadowSkipEvent } from "../../ports/router-events.ts";

const MAX_BLOB = 256;
const cut = (s: string | null) => (s ?? "").slice(0, MAX_BLOB);

const cutArms = ({ comparison: c }: ShadowPair): string =>
  [
    c.production.cut ? `production:${c.production.cut}` : "",
    c.shadow.cut ? `shadow:${c.shadow.cut}` : "",
  ]
    .filter(Boolean)
    .join(" ");

export function writeShadowPair(
  dataset: AnalyticsEngineDataset | undefined,
  pair: ShadowPair,
): void {
  if (!dataset) return;
  const c = pair.comparison;
  try {
    dataset.writeDataPoint({
      indexes: [pair.service],
      blobs: [
        "shadow-pair",
        pair.service,
        pair.production,
        pair.role,
        pair.shadow,
        c.agreement,
        c.production.error ?? "",
        c.shadow.error ?? "",
        cut(c.production.label),
        cut(c.shadow.label),
        cut(pair.inputId),
        cutArms(pair),
      ],
      doubles: [
        pair.version,
        pair.bucket ?? -1,
        pair.sampleBucket,
        c.agreement === "agree" ? 1 : c.agreement === "disagree" ? 0 : -1,
        c.delta === null ? 0 : 1,
        c.delta ?? 0,
        c.absDelta ?? 0,
        c.production.score ?? 0,
        c.shadow.score ?? 0,
        c.production.durationMs,
        c.shadow.durationMs,
        c.production.status,
        c.shadow.status,
        pair.bodyBytes,
        c.similarity ?? -1,
        c.production.firstByteMs ?? -1,
        c.shadow.firstByteMs ?? -1,
        c.production.usageTokens ?? -1,
        c.shadow.usageTokens ?? -1,
      ],
    });
  } catch (err) {
    console.error(JSON.stringify({ message: "shadow analytics write failed", error: String(err) }));
  }
}

export function writeShadowSkip(
  dataset: AnalyticsEngineDataset | undefined,
  e: ShadowSkipEvent,
): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint({
      indexes: [e.service],
      blobs: ["shadow-skip", e.service, e.production, e.role, e.shadow, e.reason],
      doubles: [e.version, e.bucket ?? -1, e.bodyBytes],
    });
  } catch (err) {
    console.error(JSON.stringify({ message: "shadow analytics write failed", error: String(err) }));
  }
}
