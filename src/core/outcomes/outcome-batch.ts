/**
 * A batch of outcomes as `POST /_router/outcomes` receives it, checked item
 * by item before any receipt's MAC is: what an outcome is, the limits of a
 * batch, and the per-item refusals (a bad item is refused with its reason,
 * the others still count).
 *
 *   { "outcomes": [ { "receipt": "<x-router-assignment>", "metric": "converted", "value": true },
 *                   { "receipt": "...", "metric": "fraud_confirmed", "value": 0 },
 *                   { "receipt": "...", "metric": "grader_score", "value": 0.82 } ] }
 *
 * A value is binary (true/false, counted as 1/0) or numeric (a finite
 * number within +-1e12). Metric names are lowercase identifiers; a service
 * keeps at most OUTCOME_LIMITS.metricsPerService of them.
 *
 * Layer: pure core.
 */
import { splitReceipt } from "./receipt.ts";

export const OUTCOME_LIMITS = {
  /** Outcomes in one batch. */
  items: 1000,
  /** Bytes of one batch's body (1,000 outcomes of about 250 bytes, and room). */
  bodyBytes: 512 * 1024,
  /** Distinct metric names one service keeps. */
  metricsPerService: 32,
  /** The largest magnitude of a numeric value. */
  maxAbsValue: 1e12,
  /** How long a receipt counts, by default (OUTCOME_WINDOW_DAYS). */
  windowDays: 7,
} as const;

export const METRIC_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** Why an outcome was not counted. */
export type RefusalReason =
  | "malformed"
  | "bad_metric"
  | "bad_value"
  | "forged"
  | "expired"
  | "future"
  | "too_many_metrics";

export type ItemResult =
  | { status: "accepted" }
  | { status: "duplicate" }
  | { status: "refused"; reason: RefusalReason; message: string };

/** An item whose shape is right: its receipt still to be verified. */
export interface CheckedItem {
  index: number;
  payload: string;
  mac: string;
  metric: string;
  value: number;
}

export type BatchCheck =
  | { ok: true; items: CheckedItem[]; results: (ItemResult | null)[] }
  | { ok: false; message: string };

/**
 * The batch's items: those of the right shape to verify, and a result for
 * each refused one (null where the item goes on). The batch as a whole is
 * refused only when it is not `{outcomes: [...]}` within the item limit.
 */
export function checkBatch(body: unknown): BatchCheck {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { ok: false, message: 'the body must be {"outcomes": [...]}' };
  const outcomes = (body as Record<string, unknown>).outcomes;
  if (!Array.isArray(outcomes)) return { ok: false, message: '"outcomes" must be an array' };
  if (outcomes.length === 0) return { ok: false, message: '"outcomes" is empty' };
  if (outcomes.length > OUTCOME_LIMITS.items)
    return {
      ok: false,
      message: `${outcomes.length} outcomes in one batch; at most ${OUTCOME_LIMITS.items}`,
    };
  const items: CheckedItem[] = [];
  const results: (ItemResult | null)[] = outcomes.map((raw, index) => {
    const item = checkItem(raw);
    if ("status" in item) return item;
    items.push({ index, ...item });
    return null;
  });
  return { ok: true, items, results };
}

function checkItem(raw: unknown): Omit<CheckedItem, "index"> | ItemResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return refused("malformed", "an outcome must be {receipt, metric, value}");
  const o = raw as Record<string, unknown>;
  const parts = splitReceipt(o.receipt);
  if (!parts.ok) return refused("malformed", parts.message);
  if (typeof o.metric !== "string" || !METRIC_PATTERN.test(o.metric))
    return refused(
      "bad_metric",
      "metric must be a lowercase name: a letter, then up to 63 of a-z 0-9 _ . -",
    );
  const value = outcomeValue(o.value);
  if (value === null)
    return refused(
      "bad_value",
      `value must be true, false or a finite number within +-${OUTCOME_LIMITS.maxAbsValue}`,
    );
  return { payload: parts.payload, mac: parts.mac, metric: o.metric, value };
}

function outcomeValue(v: unknown): number | null {
  if (v === true) return 1;
  if (v === false) return 0;
  if (typeof v !== "number" || !Number.isFinite(v)) return null;
  return Math.abs(v) <= OUTCOME_LIMITS.maxAbsValue ? v : null;
}

export const refused = (reason: RefusalReason, message: string): ItemResult => ({
  status: "refused",
  reason,
  message,
});

/** How many items ended each way. */
export function tally(results: readonly ItemResult[]) {
  const out = { accepted: 0, duplicate: 0, refused: 0 };
  for (const r of results) out[r.status] += 1;
  return out;
}
