/**
 * The demo "ML model": a deterministic prediction from the input.
 *
 * Layer: shared test support (test/support/stack/: tests, benchmarks and
 * the demo run it; not part of the worker). Every model of a service shares a base score for an input; each version adds its own
 * deterministic noise, so versions mostly agree and disagree now and then
 * near the decision threshold, like a real retrained model.
 */
import { murmur3String } from "../../../src/core/routing/murmur3.ts";

export interface ModelSpec {
  /** Version string reported in predictions, e.g. "fraud-v7". */
  version: string;
  /** Inputs of one service share the base score; versions differ by noise. */
  family: string;
  /** Largest deviation from the base score (0 = identical to the base). */
  noise: number;
  /** Threshold above which the label is "positive". */
  threshold?: number;
}

export interface Prediction {
  model_version: string;
  score: number;
  label: "positive" | "negative";
  input_id: string | null;
}

const unit = (text: string) => murmur3String(text) / 4_294_967_296;

/** Canonical JSON (sorted keys), so equal inputs hash alike. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

export function predict(model: ModelSpec, input: unknown): Prediction {
  const features = (input as { features?: unknown } | null)?.features ?? input;
  const key = canonical(features);
  const base = unit(`${model.family}|${key}`);
  const jitter = (unit(`${model.version}|${key}`) * 2 - 1) * model.noise;
  const score = Math.round(Math.min(1, Math.max(0, base + jitter)) * 10_000) / 10_000;
  const id = (input as { id?: unknown } | null)?.id;
  return {
    model_version: model.version,
    score,
    label: score >= (model.threshold ?? 0.5) ? "positive" : "negative",
    input_id: typeof id === "string" || typeof id === "number" ? String(id) : null,
  };
}
