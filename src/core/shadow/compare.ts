/**
 * Comparison of one shadow pair: what each arm answered, whether the labels
 * agree (by the shadow's comparator) and how similar they are, how far
 * apart the scores are, and, for streamed answers, their time to first
 * byte and token usage.
 *
 * Layer: pure core (no I/O, no clock; text in, values out). Reading an
 * answer never throws: a transport failure, a non-2xx status, a body that
 * is not JSON, or a body with neither field becomes an error kind, in that
 * order of precedence. A field that is present but has the wrong type
 * counts as missing. Labels are compared as strings (numbers and booleans
 * by their JSON text; for the json comparator any value, by its canonical
 * text); scores must be finite numbers (or numeric strings). Delta is
 * shadow minus production. A stream of server-sent events is assembled
 * (src/core/answers/sse.ts): its text is the label; one cut at the shadow's
 * bounds is kept as cut, never read as invalid JSON, and is not counted
 * for agreement (half an answer does not disagree).
 */
import { assembleAnswer } from "../answers/sse.ts";
import { usageTokensOf } from "../answers/usage.ts";
import { fieldAt } from "../json-path.ts";
import { type Comparator, canonicalJson, compareValues } from "./comparators.ts";

export type TransportError = "timeout" | "connection" | "too-large";
export type ShadowErrorKind =
  | TransportError
  | "http-status"
  | "invalid-json"
  | "missing-fields"
  | "stream-error";

/** Where a streamed answer was cut: past maxAnswerBytes, or at the deadline. */
export type Cut = "bytes" | "time";

/** What one arm sent back, before interpretation. */
export interface ArmAnswer {
  /** HTTP status, 0 when no response arrived. */
  status: number;
  durationMs: number;
  error: TransportError | null;
  /** The body as text, when it was read (a cut stream: what arrived). */
  text: string | null;
  /** Bytes of the body read; absent: unknown (0). */
  bytes?: number;
  /** Server-sent events (Content-Type text/event-stream); absent: false. */
  eventStream?: boolean;
  /** Absent: not cut. */
  cut?: Cut | null;
  /** From the call to the body's first byte (a whole read: its headers); null or absent when none. */
  firstByteMs?: number | null;
}

/** One arm's prediction as the comparison sees it. */
export interface ArmReading {
  status: number;
  durationMs: number;
  error: ShadowErrorKind | null;
  score: number | null;
  label: string | null;
  streamed: boolean;
  cut: Cut | null;
  firstByteMs: number | null;
  /** Data events of a stream (about its tokens); 0 for a whole answer. */
  events: number;
  /** Bytes of the body read. */
  bytes: number;
  /** The answer's own token usage (usage.total_tokens and friends). */
  usageTokens: number | null;
}

export interface PredictionFields {
  scoreField: string;
  labelField: string;
  /** How labels are compared; exact when absent. */
  compare?: Comparator | undefined;
  /** Where the text is in each streamed event (default: OpenAI's deltas). */
  streamTextPath?: string | undefined;
}

export type Agreement = "agree" | "disagree" | "n/a";

export interface PairComparison {
  production: ArmReading;
  shadow: ArmReading;
  /** "n/a" unless both arms produced a label and neither was cut. */
  agreement: Agreement;
  /** 0 (nothing alike) .. 1 (the same) by the comparator; null when agreement is n/a. */
  similarity: number | null;
  /** shadow score - production score; null unless both produced a score. */
  delta: number | null;
  absDelta: number | null;
}

export function asScore(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function asLabel(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  return null;
}

/** A label as the comparator reads it: any JSON value for json, else a scalar's text. */
function labelOf(value: unknown, compare: Comparator | undefined): string | null {
  if (compare?.kind === "json") return value === undefined ? null : canonicalJson(value);
  return asLabel(value);
}

export function readPrediction(answer: ArmAnswer, fields: PredictionFields): ArmReading {
  const reading: ArmReading = {
    status: answer.status,
    durationMs: answer.durationMs,
    error: answer.error,
    score: null,
    label: null,
    streamed: answer.eventStream === true,
    cut: answer.cut ?? null,
    firstByteMs: answer.firstByteMs ?? null,
    events: 0,
    bytes: answer.bytes ?? 0,
    usageTokens: null,
  };
  if (reading.error) return reading;
  if (answer.status < 200 || answer.status > 299) return { ...reading, error: "http-status" };
  if (reading.streamed) return readStream(reading, answer.text ?? "", fields);
  let json: unknown;
  try {
    json = JSON.parse(answer.text ?? "");
  } catch {
    return { ...reading, error: "invalid-json" };
  }
  const score = asScore(fieldAt(json, fields.scoreField));
  const label = labelOf(fieldAt(json, fields.labelField), fields.compare);
  const usageTokens = usageTokensOf(json);
  if (score === null && label === null) return { ...reading, usageTokens, error: "missing-fields" };
  return { ...reading, score, label, usageTokens };
}

/** A stream of events: its assembled text is the label; cut streams keep what arrived. */
function readStream(reading: ArmReading, text: string, fields: PredictionFields): ArmReading {
  const answer = assembleAnswer(text, {
    cut: reading.cut !== null,
    textPath: fields.streamTextPath,
  });
  const read = { ...reading, events: answer.events, usageTokens: answer.usageTokens };
  if (answer.error !== null) return { ...read, error: "stream-error" };
  if (answer.events === 0 && reading.cut === null) return { ...read, error: "missing-fields" };
  return { ...read, label: answer.text };
}

export function comparePair(
  production: ArmReading,
  shadow: ArmReading,
  compare: Comparator = { kind: "exact" },
): PairComparison {
  const comparable =
    production.label !== null &&
    shadow.label !== null &&
    production.cut === null &&
    shadow.cut === null;
  // json labels are canonical text already: equal text is equal structure.
  const v = !comparable
    ? null
    : compare.kind === "json"
      ? {
          agree: production.label === shadow.label,
          similarity: production.label === shadow.label ? 1 : 0,
        }
      : compareValues(compare, production.label, shadow.label);
  const delta =
    production.score === null || shadow.score === null ? null : shadow.score - production.score;
  return {
    production,
    shadow,
    agreement: v === null ? "n/a" : v.agree ? "agree" : "disagree",
    similarity: v === null ? null : v.similarity,
    delta,
    absDelta: delta === null ? null : Math.abs(delta),
  };
}

/** True when the pair is worth keeping for inspection: a disagreement or any error. */
export function isNotable(pair: PairComparison): boolean {
  return (
    pair.agreement === "disagree" || pair.production.error !== null || pair.shadow.error !== null
  );
}

/** Everything recorded about one mirrored request (one AE data point, one summary update). */
export interface ShadowPair {
  /** Epoch ms when the pair completed. */
  at: number;
  service: string;
  /** The production arm that answered the user (origin name) and its role. */
  production: string;
  role: string;
  /** The shadow origin name (the "shadow version" of the summary). */
  shadow: string;
  /** The user's routing bucket (0..9999), null when no hash was taken. */
  bucket: number | null;
  /** The draw that selected this request (0..9999). */
  sampleBucket: number;
  /** Routing-document version that configured the pair. */
  version: number;
  /** The input's id from the request body (shadow.inputIdField), when there is one. */
  inputId: string | null;
  bodyBytes: number;
  comparison: PairComparison;
}
