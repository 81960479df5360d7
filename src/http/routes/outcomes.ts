/**
 * POST /_router/outcomes: what models' answers led to, sent back with the
 * answers' assignment receipts (src/core/outcomes/receipt.ts), and
 * GET /_router/admin/services/<s>/outcomes: the sums per revision, arm and
 * metric.
 *
 * Ingestion has its own token, OUTCOMES_TOKEN (a label pipeline gets it,
 * never the admin token): `Authorization: Bearer <OUTCOMES_TOKEN>`; wrong
 * tokens are limited per client as the admin API's are. Without
 * OUTCOMES_TOKEN or RECEIPT_SECRET the endpoint answers 503 saying which.
 * The body is at most 512 KiB and 1,000 outcomes; each outcome gets a
 * result (src/app/outcomes/ingest.ts).
 *
 * Layer: HTTP edge.
 */
import type { Context } from "hono";
import { RouterError } from "../../app/errors.ts";
import { ingestOutcomes } from "../../app/outcomes/ingest.ts";
import { OUTCOME_LIMITS } from "../../core/outcomes/outcome-batch.ts";
import { type OutcomeTotals, totalsOf } from "../../core/outcomes/outcome-sums.ts";
import * as z from "../../document/zod.ts";
import type { AuthThrottle } from "../../ports/auth-throttle.ts";
import type { OutcomeSink } from "../../ports/outcome-store.ts";
import type { ReceiptSigner } from "../../ports/receipt-signer.ts";
import { readBoundedJson } from "../bounded-body.ts";
import { bearerRefusal } from "../middleware/admin-auth.ts";
import { int } from "./api-schemas.ts";
import { type AdminDeps, READ_ERRORS, serviceParam, serviceParameter } from "./request-params.ts";
import type { RouteDef } from "./route-def.ts";

export interface OutcomeDeps {
  outcomesToken: string | undefined;
  signer: ReceiptSigner | null;
  sink: OutcomeSink;
  windowMs: number;
  authThrottle: AuthThrottle;
}

export const OUTCOMES_BODY = {
  bytes: OUTCOME_LIMITS.bodyBytes,
  what: "a batch of outcomes",
  rule: `at most ${OUTCOME_LIMITS.items} outcomes and ${OUTCOME_LIMITS.bodyBytes} bytes in one batch`,
};

const Outcome = z.object({
  receipt: z.string().check(z.describe("The answer's x-router-assignment header, as received")),
  metric: z
    .string()
    .check(z.describe("A lowercase name: a letter, then up to 63 of a-z 0-9 _ . -")),
  value: z
    .union([z.boolean(), z.number()])
    .check(z.describe("true/false (counted 1/0), or a finite number within +-1e12")),
});

const Result = z
  .looseObject({
    status: z.enum(["accepted", "duplicate", "refused", "unavailable"]),
    reason: z.optional(
      z.enum([
        "malformed",
        "bad_metric",
        "bad_value",
        "forged",
        "expired",
        "future",
        "too_many_metrics",
      ]),
    ),
    message: z.optional(z.string()),
  })
  .check(z.meta({ id: "OutcomeResult" }));

const IngestAnswer = z
  .looseObject({
    accepted: int(),
    duplicate: int(),
    refused: int(),
    unavailable: int(),
    results: z.array(Result).check(z.describe("One per outcome, in the batch's order")),
  })
  .check(z.meta({ id: "OutcomeIngest" }));

export const OUTCOMES_ROUTE: RouteDef<{ outcomes: OutcomeDeps }> = {
  method: "post",
  path: "/_router/outcomes",
  docs: {
    operationId: "outcomes.ingest",
    tag: "outcomes",
    summary: "Outcomes of served answers, each with the answer's assignment receipt",
    description:
      "Needs `Authorization: Bearer <OUTCOMES_TOKEN>` (not the admin token). Each outcome counts once per receipt and metric, for the arm and revision its receipt names; forged, expired and malformed ones are refused per item with a reason, the others still count.",
    security: "outcomesToken",
    body: {
      schema: z.object({ outcomes: z.array(Outcome) }),
      required: true,
      description: `Up to ${OUTCOME_LIMITS.items} outcomes, at most ${OUTCOME_LIMITS.bodyBytes} bytes`,
    },
    ok: { description: "One result per outcome", schema: IngestAnswer },
    errors: {
      400: "invalid_outcomes: not {outcomes: [...]}, empty, or more than 1,000; invalid_json",
      401: "outcomes_unauthenticated: no bearer token",
      403: "outcomes_forbidden: the token is not OUTCOMES_TOKEN",
      413: "body_too_large: more than 512 KiB",
      429: "too_many_failed_attempts: too many wrong tokens from this client (Retry-After)",
      503: "outcomes_disabled: OUTCOMES_TOKEN or RECEIPT_SECRET is not set",
    },
  },
  handler: async (c, { outcomes }) => {
    const refusal = await authenticate(c, outcomes);
    if (refusal) return refusal;
    const signer = outcomes.signer as ReceiptSigner;
    const body = await readBoundedJson(c, OUTCOMES_BODY, true);
    const answer = await ingestOutcomes(
      body,
      { signer, sink: outcomes.sink, windowMs: outcomes.windowMs },
      Date.now(),
    );
    return c.json(answer);
  },
};

async function authenticate(c: Context, deps: OutcomeDeps): Promise<Response | null> {
  if (!deps.outcomesToken || !deps.signer) {
    const missing = [
      ...(deps.outcomesToken ? [] : ["OUTCOMES_TOKEN"]),
      ...(deps.signer ? [] : ["RECEIPT_SECRET"]),
    ];
    throw new RouterError(
      503,
      "outcomes_disabled",
      `outcome ingestion is off: set the ${missing.join(" and ")} secret${missing.length > 1 ? "s" : ""} (wrangler secret put; locally .dev.vars)`,
    );
  }
  return bearerRefusal(c, {
    name: "outcomes",
    secret: deps.outcomesToken,
    throttle: deps.authThrottle,
    missing: "outcomes need Authorization: Bearer <OUTCOMES_TOKEN>",
  });
}

const ArmOutcome = z.looseObject({
  n: int(),
  sum: z.number(),
  mean: z.nullable(z.number()),
});

const OutcomeSums = z
  .looseObject({
    service: z.string(),
    revisions: z
      .record(z.string(), z.record(z.string(), z.record(z.string(), ArmOutcome)))
      .check(z.describe("revision -> arm -> metric -> outcomes counted, their sum and mean")),
  })
  .check(z.meta({ id: "OutcomeSums" }));

/** The sums without the per-bucket arrays (the gates' input, not a reader's). */
function summary(totals: OutcomeTotals) {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const [revision, arms] of Object.entries(totals)) {
    out[revision] = {};
    for (const [arm, metrics] of Object.entries(arms)) {
      const row: Record<string, unknown> = {};
      for (const [metric, m] of Object.entries(metrics))
        row[metric] = { n: m.n, sum: m.sum, mean: m.mean };
      (out[revision] as Record<string, unknown>)[arm] = row;
    }
  }
  return out;
}

export const OUTCOME_READ_ROUTE: RouteDef<AdminDeps> = {
  method: "get",
  path: "/services/:service/outcomes",
  docs: {
    operationId: "outcomes.read",
    tag: "outcomes",
    summary: "Outcomes counted for a service, per revision, arm and metric",
    parameters: [serviceParameter],
    ok: { description: "The sums", schema: OutcomeSums },
    errors: READ_ERRORS,
  },
  handler: async (c, deps) => {
    const service = serviceParam(c);
    const cells = await deps.outcomes.cells(service);
    return c.json({ service, revisions: summary(totalsOf(cells)) });
  },
};
