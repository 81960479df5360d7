/**
 * Outcome ingestion (POST /_router/outcomes): a batch checked item by item,
 * each receipt's MAC verified, then each service's verified outcomes sent
 * to that service's control object in one call, which counts each receipt
 * once per metric. Every item gets a result in the batch's order:
 * accepted, duplicate (counted before: a replayed batch changes nothing),
 * refused with a reason (malformed, bad_metric, bad_value, forged, expired,
 * future, too_many_metrics), or unavailable (its service's control object
 * could not be reached: send it again, duplicates are never counted twice).
 *
 * Layer: app (use case) over the ReceiptSigner and OutcomeSink ports.
 */
import {
  type CheckedItem,
  checkBatch,
  type ItemResult,
  OUTCOME_LIMITS,
  refused,
  tally,
} from "../../core/outcomes/outcome-batch.ts";
import { macInput, parsePayload, receiptAgeProblem } from "../../core/outcomes/receipt.ts";
import type { OutcomeSink, Verified } from "../../ports/outcome-store.ts";
import type { ReceiptSigner } from "../../ports/receipt-signer.ts";
import { RouterError } from "../errors.ts";

export interface IngestDeps {
  signer: ReceiptSigner;
  sink: OutcomeSink;
  /** How long a receipt counts (OUTCOME_WINDOW_DAYS). */
  windowMs: number;
}

export type IngestResult = ItemResult | { status: "unavailable"; message: string };

export interface IngestAnswer {
  accepted: number;
  duplicate: number;
  refused: number;
  unavailable: number;
  results: IngestResult[];
}

export async function ingestOutcomes(
  body: unknown,
  deps: IngestDeps,
  nowMs: number,
): Promise<IngestAnswer> {
  const batch = checkBatch(body);
  if (!batch.ok) throw new RouterError(400, "invalid_outcomes", batch.message);
  const results: (IngestResult | null)[] = [...batch.results];
  const byService = new Map<string, { index: number; outcome: Verified }[]>();
  const verified = await Promise.all(batch.items.map((item) => verify(item, deps, nowMs)));
  batch.items.forEach((item, k) => {
    const v = verified[k] as ItemResult | Verified;
    if ("status" in v) {
      results[item.index] = v;
      return;
    }
    const service = (v as Verified & { service: string }).service;
    const list = byService.get(service) ?? [];
    list.push({ index: item.index, outcome: v });
    byService.set(service, list);
  });
  await Promise.all(
    [...byService].map(async ([service, list]) => {
      try {
        const recorded = await deps.sink.record(
          service,
          list.map((x) => withoutService(x.outcome)),
        );
        list.forEach((x, k) => {
          const r = recorded[k];
          results[x.index] =
            r === "accepted" || r === "duplicate"
              ? { status: r }
              : refused(
                  "too_many_metrics",
                  `service "${service}" already keeps outcomes of ${OUTCOME_LIMITS.metricsPerService} metrics`,
                );
        });
      } catch (err) {
        const message = `the control object of "${service}" cannot be reached; send these again (none is counted twice): ${String(err)}`;
        for (const x of list) results[x.index] = { status: "unavailable", message };
      }
    }),
  );
  const final = results as IngestResult[];
  const counts = tally(final.filter((r): r is ItemResult => r.status !== "unavailable"));
  return {
    ...counts,
    unavailable: final.filter((r) => r.status === "unavailable").length,
    results: final,
  };
}

/** The outcome a checked item counts as, or why it does not count. */
async function verify(
  item: CheckedItem,
  deps: IngestDeps,
  nowMs: number,
): Promise<ItemResult | (Verified & { service: string })> {
  if (!(await deps.signer.verify(macInput(item.payload), item.mac)))
    return refused("forged", "receipt's MAC does not match: not issued by this router");
  const parsed = parsePayload(item.payload);
  if (!parsed.ok) return refused("malformed", "receipt's payload is not a receipt");
  const r = parsed.receipt;
  const age = receiptAgeProblem(r, nowMs, deps.windowMs);
  if (age) return refused(age.reason, age.message);
  const issuedMs = r.issuedAt * 1000;
  return {
    service: r.service,
    id: r.id,
    revision: r.revision,
    arm: r.arm,
    bucket: r.bucket,
    metric: item.metric,
    value: item.value,
    issuedMs,
    expiresMs: issuedMs + deps.windowMs,
  };
}

function withoutService(v: Verified & { service?: string }): Verified {
  const { service: _service, ...rest } = v;
  return rest;
}
