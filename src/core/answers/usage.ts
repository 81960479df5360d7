/**
 * The token usage an LLM answer reports about itself: OpenAI's
 * `usage.total_tokens` (else prompt_tokens + completion_tokens), or the
 * input_tokens + output_tokens of APIs that count that way.
 *
 * Layer: pure core. Any JSON value in; a non-negative integer or null out.
 */
import { fieldAt } from "../json-path.ts";

const count = (v: unknown): number | null =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : null;

export function usageTokensOf(json: unknown): number | null {
  const usage = fieldAt(json, "usage");
  if (usage === undefined || usage === null || typeof usage !== "object") return null;
  const total = count(fieldAt(usage, "total_tokens"));
  if (total !== null) return total;
  const pairs: [string, string][] = [
    ["prompt_tokens", "completion_tokens"],
    ["input_tokens", "output_tokens"],
  ];
  for (const [a, b] of pairs) {
    const x = count(fieldAt(usage, a));
    const y = count(fieldAt(usage, b));
    if (x !== null || y !== null) return (x ?? 0) + (y ?? 0);
  }
  return null;
}
