/**
 * Comparison of one shadow pair: what each arm predicted, whether the
 * labels agree, and how far apart the scores are.
 *
 * Layer: pure core (no I/O, no clock; parsed JSON text in, values out).
 * Reading a prediction never throws: a transport failure, a non-2xx status,
 * a body that is not JSON, or a body with neither field becomes an error
 * kind, in that order of precedence. A field that is present but has the
 * wrong type counts as missing. Labels are compared as strings (numbers and
 * booleans by their JSON text); scores must be finite numbers (or numeric
 * strings). Delta is shadow minus production.
 */

export type TransportError = "timeout" | "connection" | "too-large";
export type ShadowErrorKind = TransportError | "http-status" | "invalid-json" | "missing-fields";

/** What one arm sent back, before interpretation. */
export interface ArmAnswer {
  /** HTTP status, 0 when no response arrived. */
  status: number;
  durationMs: number;
  error: TransportError | null;
  /** The body as text, when it was read. */
  text: string | null;
}

/** One arm's prediction as the comparison sees it. */
export interface ArmReading {
  status: number;
  durationMs: number;
  error: ShadowErrorKind | null;
  score: number | null;
  label: string | null;
}

export interface PredictionFields {
  scoreField: string;
  labelField: string;
}

export type Agreement = "agree" | "disagree" | "n/a";

export interface PairComparison {
  production: ArmReading;
  shadow: ArmReading;
  /** "n/a" unless both arms produced a label. */
  agreement: Agreement;
  /** shadow score - production score; null unless both produced a score. */
  delta: number | null;
  absDelta: number | null;
}

/** The value at a dot path ("result.label", "predictions.0.score"), or undefined. */
export function fieldAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
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

export function readPrediction(answer: ArmAnswer, fields: PredictionFields): ArmReading {
  const reading: ArmReading = {
    status: answer.status,
    durationMs: answer.durationMs,
    error: answer.error,
    score: null,
    label: null,
  };
  if (reading.error) return reading;
  if (answer.status < 200 || answer.status > 299) return { ...reading, error: "http-status" };
  let json: unknown;
  try {
    json = JSON.parse(answer.text ?? "");
  } catch {
    return { ...reading, error: "invalid-json" };
  }
  const score = asScore(fieldAt(json, fields.scoreField));
  const label = asLabel(fieldAt(json, fields.labelField));
  if (score === null && label === null) return { ...reading, error: "missing-fields" };
  return { ...reading, score, label };
}

export function comparePair(production: ArmReading, shadow: ArmReading): PairComparison {
  const agreement: Agreement =
    production.label === null || shadow.label === null
      ? "n/a"
      : production.label === shadow.label
        ? "agree"
        : "disagree";
  const delta =
    production.score === null || shadow.score === null ? null : shadow.score - production.score;
  return {
    production,
    shadow,
    agreement,
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
