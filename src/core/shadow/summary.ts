/**
 * The running summary of a shadow: counts and mergeable histograms per
 * (service, shadow origin), built one pair at a time and merged across
 * isolates by the report.
 *
 * Layer: pure core. Every field is a sum, a min/max or a fixed-bucket
 * histogram (src/core/histogram.ts), so merge(a, b) equals the summary of
 * both streams of pairs, in any order. Latency histograms hold only arms
 * that answered (a timeout's duration is the timeout, not a latency).
 */

import {
  type AnswerTiming,
  emptyStreamSums,
  mergeStreamSums,
  observeAnswer,
  type StreamSums,
  type StreamView,
  streamFromWire,
  viewStream,
} from "../answers/stream-sums.ts";
import { dict, own } from "../dict.ts";
import {
  ABS_DELTA,
  emptyHistogram,
  type Histogram,
  LATENCY_MS,
  mean,
  mergeHistograms,
  observe,
  quantile,
} from "../histogram.ts";
import { logUnits, USER_BUCKETS } from "../rollout/user-sums.ts";
import type { ArmReading, PairComparison, ShadowPair } from "./compare.ts";
import {
  addShadowUserSums,
  emptyShadowUserSums,
  type ShadowUserSums,
  shadowUserSumsFrom,
} from "./user-clusters.ts";

export type SkipReason = "body-too-large";

export interface ArmCounts {
  pairs: number;
  compared: number;
  agreed: number;
}

export interface ShadowSummary {
  service: string;
  shadow: string;
  /** Epoch ms of the first and last pair or skip. */
  firstAt: number;
  lastAt: number;
  /** Highest routing-document version seen. */
  version: number;
  pairs: number;
  /** Pairs where both arms produced a label, and those that agreed. */
  compared: number;
  agreed: number;
  /** Sum of signed deltas (shadow - production) over pairs with both scores. */
  sumDelta: number;
  absDelta: Histogram;
  productionMs: Histogram;
  shadowMs: Histogram;
  /** Pair errors by "<arm>:<kind>", e.g. "shadow:timeout", "production:http-status". */
  errors: Record<string, number>;
  /** Requests that qualified for mirroring but were not mirrored, by reason. */
  skipped: Record<string, number>;
  /** Per production arm (live, canary, challengers...): pairs, compared, agreed. */
  byProduction: Record<string, ArmCounts>;
  /** Notable pairs not kept in the inspection log (per-flush cap). */
  droppedRecords: number;
  /** The same pairs summed by cluster of users (absent: a summary of an earlier release). */
  byUser?: ShadowUserSums | undefined;
  /**
   * Compared pairs by similarity (the comparator's, 0..1): bin i < 10 holds
   * [i/10, (i+1)/10), bin 10 exactly 1 (the same answer). Absent: none yet.
   */
  similarity?: number[] | undefined;
  /** Streamed answers cut at the shadow's bounds, by "<arm>:bytes" / "<arm>:time". */
  cut?: Record<string, number> | undefined;
  /** Each arm's streamed answers (time to first byte, tokens/s) and token usage. */
  answers?: { production: StreamSums; shadow: StreamSums } | undefined;
}

/** Bins of the similarity distribution: ten of width 0.1, and 1 exactly. */
export const SIMILARITY_BINS = 11;

export const similarityBin = (similarity: number): number =>
  similarity >= 1 ? 10 : Math.max(0, Math.min(9, Math.floor(similarity * 10)));

/** What an arm's reading adds to its answer sums. */
function timingOf(r: ArmReading): AnswerTiming {
  return {
    streamed: r.streamed && r.status > 0,
    firstByteMs: r.firstByteMs,
    streamMs: r.firstByteMs === null ? 0 : r.durationMs - r.firstByteMs,
    bytes: r.bytes,
    events: r.events,
    usageTokens: r.usageTokens,
    broken: r.streamed && r.error === "connection",
  };
}

export function emptySummary(service: string, shadow: string, at = 0): ShadowSummary {
  return {
    service,
    shadow,
    firstAt: at,
    lastAt: at,
    version: 0,
    pairs: 0,
    compared: 0,
    agreed: 0,
    sumDelta: 0,
    absDelta: emptyHistogram(),
    productionMs: emptyHistogram(),
    shadowMs: emptyHistogram(),
    errors: dict(),
    skipped: dict(),
    byProduction: dict(),
    droppedRecords: 0,
    byUser: emptyShadowUserSums(),
  };
}

const sumBins = (a: number[] | undefined, b: number[] | undefined): number[] | undefined => {
  if (!a) return b ? [...b] : undefined;
  if (!b) return [...a];
  return Array.from({ length: SIMILARITY_BINS }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
};

function touch(s: ShadowSummary, at: number, version: number): void {
  s.firstAt = s.firstAt === 0 ? at : Math.min(s.firstAt, at);
  s.lastAt = Math.max(s.lastAt, at);
  s.version = Math.max(s.version, version);
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (own(record, key) ?? 0) + by;
}

function armCounts(byArm: Record<string, ArmCounts>, arm: string): ArmCounts {
  const existing = own(byArm, arm);
  if (existing) return existing;
  const created = { pairs: 0, compared: 0, agreed: 0 };
  byArm[arm] = created;
  return created;
}

export function addPair(s: ShadowSummary, pair: ShadowPair): void {
  const c: PairComparison = pair.comparison;
  touch(s, pair.at, pair.version);
  s.pairs += 1;
  const arm = armCounts(s.byProduction, pair.production);
  arm.pairs += 1;
  s.byUser ??= emptyShadowUserSums();
  const u = s.byUser;
  const k = (pair.bucket ?? pair.sampleBucket) & (USER_BUCKETS - 1);
  if (c.agreement !== "n/a") {
    s.compared += 1;
    arm.compared += 1;
    u.compared[k] = (u.compared[k] ?? 0) + 1;
    if (c.agreement === "agree") {
      s.agreed += 1;
      arm.agreed += 1;
    } else u.disagreed[k] = (u.disagreed[k] ?? 0) + 1;
  }
  if (c.delta !== null && c.absDelta !== null) {
    s.sumDelta += c.delta;
    observe(s.absDelta, ABS_DELTA, c.absDelta);
    const l = logUnits(c.absDelta);
    u.scored[k] = (u.scored[k] ?? 0) + 1;
    u.logAbs[k] = (u.logAbs[k] ?? 0) + l;
    u.logAbsSq[k] = (u.logAbsSq[k] ?? 0) + l * l;
  }
  if (c.similarity !== null) {
    s.similarity ??= new Array<number>(SIMILARITY_BINS).fill(0);
    const bin = similarityBin(c.similarity);
    s.similarity[bin] = (s.similarity[bin] ?? 0) + 1;
  }
  for (const [arm, r] of [
    ["production", c.production],
    ["shadow", c.shadow],
  ] as const) {
    if (r.cut) {
      s.cut ??= dict();
      bump(s.cut, `${arm}:${r.cut}`);
    }
    const t = timingOf(r);
    if (t.streamed || t.usageTokens !== null) {
      s.answers ??= { production: emptyStreamSums(), shadow: emptyStreamSums() };
      observeAnswer(s.answers[arm], t);
    }
  }
  if (c.production.status > 0) observe(s.productionMs, LATENCY_MS, c.production.durationMs);
  if (c.shadow.status > 0) observe(s.shadowMs, LATENCY_MS, c.shadow.durationMs);
  if (c.production.error) bump(s.errors, `production:${c.production.error}`);
  if (c.shadow.error) bump(s.errors, `shadow:${c.shadow.error}`);
}

export function addSkip(s: ShadowSummary, reason: SkipReason, at: number, version: number): void {
  touch(s, at, version);
  bump(s.skipped, reason);
}

export function mergeSummaries(a: ShadowSummary, b: ShadowSummary): ShadowSummary {
  const sumRecords = (x: Record<string, number>, y: Record<string, number>) => {
    const out = dict(x);
    for (const [k, v] of Object.entries(y)) bump(out, k, v);
    return out;
  };
  const byProduction = dict<ArmCounts>();
  for (const [arm, c] of Object.entries(a.byProduction)) byProduction[arm] = { ...c };
  for (const [arm, c] of Object.entries(b.byProduction)) {
    const into = armCounts(byProduction, arm);
    into.pairs += c.pairs;
    into.compared += c.compared;
    into.agreed += c.agreed;
  }
  const nonZero = [a.firstAt, b.firstAt].filter((t) => t > 0);
  // A side without valid user sums (an earlier release's, or malformed) adds none.
  const byUser = addShadowUserSums(
    shadowUserSumsFrom(a.byUser) ?? emptyShadowUserSums(),
    shadowUserSumsFrom(b.byUser) ?? emptyShadowUserSums(),
  );
  return {
    service: a.service,
    shadow: a.shadow,
    firstAt: nonZero.length > 0 ? Math.min(...nonZero) : 0,
    lastAt: Math.max(a.lastAt, b.lastAt),
    version: Math.max(a.version, b.version),
    pairs: a.pairs + b.pairs,
    compared: a.compared + b.compared,
    agreed: a.agreed + b.agreed,
    sumDelta: a.sumDelta + b.sumDelta,
    absDelta: mergeHistograms(a.absDelta, b.absDelta),
    productionMs: mergeHistograms(a.productionMs, b.productionMs),
    shadowMs: mergeHistograms(a.shadowMs, b.shadowMs),
    errors: sumRecords(a.errors, b.errors),
    skipped: sumRecords(a.skipped, b.skipped),
    byProduction,
    droppedRecords: a.droppedRecords + b.droppedRecords,
    byUser,
    similarity: sumBins(binsFrom(a.similarity), binsFrom(b.similarity)),
    cut: a.cut || b.cut ? sumRecords(a.cut ?? {}, b.cut ?? {}) : undefined,
    answers: mergeAnswers(answersFrom(a.answers), answersFrom(b.answers)),
  };
}

/** Similarity bins read from the wire: SIMILARITY_BINS non-negative integers, else none. */
function binsFrom(x: unknown): number[] | undefined {
  if (!Array.isArray(x) || x.length !== SIMILARITY_BINS) return undefined;
  return x.every((n) => Number.isSafeInteger(n) && n >= 0) ? (x as number[]) : undefined;
}

type ArmAnswers = { production: StreamSums; shadow: StreamSums };

function answersFrom(x: unknown): ArmAnswers | undefined {
  if (typeof x !== "object" || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const production = streamFromWire(o.production);
  const shadow = streamFromWire(o.shadow);
  return production && shadow ? { production, shadow } : undefined;
}

function mergeAnswers(
  a: ArmAnswers | undefined,
  b: ArmAnswers | undefined,
): ArmAnswers | undefined {
  if (!a || !b) return a ?? b;
  return {
    production: mergeStreamSums(a.production, b.production) ?? emptyStreamSums(),
    shadow: mergeStreamSums(a.shadow, b.shadow) ?? emptyStreamSums(),
  };
}

export interface LatencyView {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The readable numbers of a summary (what the report prints). */
export interface SummaryView {
  service: string;
  shadow: string;
  pairs: number;
  compared: number;
  agreementRate: number | null;
  scored: number;
  meanDelta: number | null;
  meanAbsDelta: number | null;
  p50AbsDelta: number | null;
  p95AbsDelta: number | null;
  maxAbsDelta: number | null;
  production: LatencyView;
  shadowLatency: LatencyView;
  errors: Record<string, number>;
  skipped: Record<string, number>;
  byProduction: Record<string, ArmCounts & { agreementRate: number | null }>;
  firstAt: number;
  lastAt: number;
  version: number;
  droppedRecords: number;
  /** Compared pairs by similarity bin (SIMILARITY_BINS); null before any. */
  similarity: number[] | null;
  cut: Record<string, number>;
  /** Each arm's streamed answers and usage; null when neither streamed nor reported usage. */
  answers: { production: StreamView; shadow: StreamView } | null;
}

function latency(h: Histogram): LatencyView {
  return {
    n: h.n,
    p50: quantile(h, LATENCY_MS, 0.5),
    p95: quantile(h, LATENCY_MS, 0.95),
    p99: quantile(h, LATENCY_MS, 0.99),
  };
}

export function viewSummary(s: ShadowSummary): SummaryView {
  const rate = (agreed: number, compared: number) => (compared === 0 ? null : agreed / compared);
  return {
    service: s.service,
    shadow: s.shadow,
    pairs: s.pairs,
    compared: s.compared,
    agreementRate: rate(s.agreed, s.compared),
    scored: s.absDelta.n,
    meanDelta: s.absDelta.n === 0 ? null : s.sumDelta / s.absDelta.n,
    meanAbsDelta: mean(s.absDelta),
    p50AbsDelta: quantile(s.absDelta, ABS_DELTA, 0.5),
    p95AbsDelta: quantile(s.absDelta, ABS_DELTA, 0.95),
    maxAbsDelta: s.absDelta.hi,
    production: latency(s.productionMs),
    shadowLatency: latency(s.shadowMs),
    errors: s.errors,
    skipped: s.skipped,
    byProduction: Object.fromEntries(
      Object.entries(s.byProduction).map(([arm, c]) => [
        arm,
        { ...c, agreementRate: rate(c.agreed, c.compared) },
      ]),
    ),
    firstAt: s.firstAt,
    lastAt: s.lastAt,
    version: s.version,
    droppedRecords: s.droppedRecords,
    similarity: binsFrom(s.similarity) ?? null,
    cut: s.cut ?? {},
    answers: s.answers
      ? { production: viewStream(s.answers.production), shadow: viewStream(s.answers.shadow) }
      : null,
  };
}

/** Parses a stored summary; null when it is not one (a foreign or corrupt value). */
export function parseSummary(text: string): ShadowSummary | null {
  try {
    const s = JSON.parse(text) as ShadowSummary;
    const ok =
      typeof s?.service === "string" &&
      typeof s.shadow === "string" &&
      typeof s.pairs === "number" &&
      typeof s.absDelta?.counts === "object";
    return ok ? s : null;
  } catch {
    return null;
  }
}
