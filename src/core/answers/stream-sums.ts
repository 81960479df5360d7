/**
 * What an arm's streamed answers (server-sent events: an LLM's tokens) and
 * its answers' token usage add up to: time to first byte, how fast the rest
 * came, how many broke off, and tokens per answer. Kept per arm of a
 * revision (request metrics, src/core/rollout/request-metrics.ts) and per
 * arm of a shadow (src/core/shadow/summary.ts): one concept, one shape.
 *
 * Layer: pure core. Sums and a fixed-bucket histogram, so sums recorded by
 * many isolates merge exactly in any order. `streamFromWire` checks a value
 * read from a check-in or from storage (malformed: null, never thrown).
 */
import {
  emptyHistogram,
  type Histogram,
  LATENCY_MS,
  mergeHistograms,
  observe,
  quantile,
} from "../histogram.ts";

/** One answer as the router saw it pass (or the shadow read it). */
export interface AnswerTiming {
  /** Streamed as server-sent events (the stream fields below only count these). */
  streamed: boolean;
  /** From the request to the first byte of the body; null when none came. */
  firstByteMs: number | null;
  /** From the first byte to the end of the body (or where it broke off). */
  streamMs: number;
  bytes: number;
  /** Server-sent events carrying data ("[DONE]" excluded): an LLM's tokens, about. */
  events: number;
  /** The answer's own token count (usage.total_tokens), when it carried one. */
  usageTokens: number | null;
  /** The body broke off (the origin reset or stopped mid-answer). */
  broken: boolean;
}

export interface StreamSums {
  /** Streamed answers, and those that broke off. */
  answers: number;
  broken: number;
  /** Time to first byte of streamed answers. */
  firstByteMs: Histogram;
  /** Sums over streamed answers: body bytes, data events, ms from first byte to end. */
  bytes: number;
  events: number;
  streamMs: number;
  /** Answers (streamed or not) that carried a token usage, and its sum. */
  usageAnswers: number;
  usageTokens: number;
}

export function emptyStreamSums(): StreamSums {
  return {
    answers: 0,
    broken: 0,
    firstByteMs: emptyHistogram(),
    bytes: 0,
    events: 0,
    streamMs: 0,
    usageAnswers: 0,
    usageTokens: 0,
  };
}

/** Adds one answer; nothing to add (not streamed, no usage) leaves `s` as it was. */
export function observeAnswer(s: StreamSums, a: AnswerTiming): void {
  if (a.streamed) {
    s.answers += 1;
    if (a.broken) s.broken += 1;
    if (a.firstByteMs !== null) observe(s.firstByteMs, LATENCY_MS, a.firstByteMs);
    s.bytes += a.bytes;
    s.events += a.events;
    s.streamMs += Math.max(0, a.streamMs);
  }
  if (a.usageTokens !== null && Number.isFinite(a.usageTokens) && a.usageTokens >= 0) {
    s.usageAnswers += 1;
    s.usageTokens += a.usageTokens;
  }
}

export function mergeStreamSums(
  a: StreamSums | undefined,
  b: StreamSums | undefined,
): StreamSums | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    answers: a.answers + b.answers,
    broken: a.broken + b.broken,
    firstByteMs: mergeHistograms(a.firstByteMs, b.firstByteMs),
    bytes: a.bytes + b.bytes,
    events: a.events + b.events,
    streamMs: a.streamMs + b.streamMs,
    usageAnswers: a.usageAnswers + b.usageAnswers,
    usageTokens: a.usageTokens + b.usageTokens,
  };
}

const COUNTS = ["answers", "broken", "bytes", "events", "usageAnswers", "usageTokens"] as const;

/**
 * A StreamSums read from the wire or storage, or null when it is not one:
 * counts are non-negative safe integers, broken <= answers, the histogram's
 * n is at most the answers, streamMs a non-negative finite number.
 */
export function streamFromWire(x: unknown): StreamSums | null {
  if (typeof x !== "object" || x === null) return null;
  const o = x as Record<string, unknown>;
  for (const k of COUNTS) {
    const v = o[k];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) return null;
  }
  const h = o.firstByteMs as Histogram | undefined;
  const streamMs = o.streamMs;
  if (typeof streamMs !== "number" || !Number.isFinite(streamMs) || streamMs < 0) return null;
  if (!h || typeof h !== "object" || typeof h.n !== "number" || typeof h.counts !== "object")
    return null;
  const s = o as unknown as StreamSums;
  if (s.broken > s.answers || h.n > s.answers || (s.usageAnswers === 0 && s.usageTokens > 0))
    return null;
  return {
    answers: s.answers,
    broken: s.broken,
    firstByteMs: h,
    bytes: s.bytes,
    events: s.events,
    streamMs: s.streamMs,
    usageAnswers: s.usageAnswers,
    usageTokens: s.usageTokens,
  };
}

/** The readable numbers: what the dashboard, the CLI and the shadow report print. */
export interface StreamView {
  answers: number;
  broken: number;
  firstByteP50Ms: number | null;
  firstByteP95Ms: number | null;
  /** Data events (about tokens) per second after the first byte; null without stream time. */
  eventsPerSecond: number | null;
  bytesPerSecond: number | null;
  /** Mean usage tokens per answer that carried one. */
  tokensPerAnswer: number | null;
  usageAnswers: number;
}

export function viewStream(s: StreamSums): StreamView {
  const perSecond = (n: number) => (s.streamMs > 0 ? (n * 1000) / s.streamMs : null);
  return {
    answers: s.answers,
    broken: s.broken,
    firstByteP50Ms: quantile(s.firstByteMs, LATENCY_MS, 0.5),
    firstByteP95Ms: quantile(s.firstByteMs, LATENCY_MS, 0.95),
    eventsPerSecond: perSecond(s.events),
    bytesPerSecond: perSecond(s.bytes),
    tokensPerAnswer: s.usageAnswers > 0 ? s.usageTokens / s.usageAnswers : null,
    usageAnswers: s.usageAnswers,
  };
}
