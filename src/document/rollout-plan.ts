/**
 * The rollout plan: an optional `rollout` block of a routing document that
 * drives the canary automatically (progressive delivery).
 *
 * Layer: document (pure). The plan is what the operator wrote; the rollout's
 * progress (current step, when it started, verdicts) is kept separately in
 * KV (`rollout:<service>`), so analyzer ticks that change nothing do not
 * bump the document's version.
 */
import { z } from "zod";
import { BUCKETS } from "../core/routing/bucket.ts";

const Step = z
  .object({
    shareBp: z
      .number()
      .int()
      .min(1)
      .max(BUCKETS)
      .describe("Canary share during this step (basis points)"),
    bakeSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .describe("The gates must hold this long before the next step"),
  })
  .strict();

export const Gates = z
  .object({
    minRequests: z
      .number()
      .int()
      .min(1)
      .default(200)
      .describe("Requests each arm needs in a step before any verdict"),
    errorRate: z
      .object({
        maxPValue: z.number().gt(0).lt(1).default(0.01),
        minDelta: z.number().min(0).max(1).default(0.005),
      })
      .strict()
      .default({ maxPValue: 0.01, minDelta: 0.005 })
      .describe(
        "Fail when the canary's error rate is higher than live's with one-sided p < maxPValue and by more than minDelta",
      ),
    latencyP95Ratio: z
      .object({
        max: z.number().gt(1).default(1.5),
        minDeltaMs: z.number().min(0).default(25),
      })
      .strict()
      .default({ max: 1.5, minDeltaMs: 25 })
      .describe(
        "Fail when canary p95 / live p95 exceeds max and the p95s differ by more than minDeltaMs (jitter on fast models is not a regression)",
      ),
    shadow: z
      .object({
        minAgreement: z.number().min(0).max(1).default(0.95),
        maxMeanAbsDelta: z.number().min(0).default(0.05),
        minPairs: z.number().int().min(1).default(100),
      })
      .strict()
      .optional()
      .describe("Shadow prediction gates (label agreement and mean |Δscore|); needs a shadow"),
    srm: z
      .object({ maxPValue: z.number().gt(0).lt(1).default(0.001) })
      .strict()
      .default({ maxPValue: 0.001 })
      .describe("Sample-ratio mismatch alarm: chi-square p below this rolls back"),
  })
  .strict();

export const RolloutPlan = z
  .object({
    steps: z.array(Step).min(1).max(20),
    gates: Gates.default({
      minRequests: 200,
      errorRate: { maxPValue: 0.01, minDelta: 0.005 },
      latencyP95Ratio: { max: 1.5, minDeltaMs: 25 },
      srm: { maxPValue: 0.001 },
    }),
    onSuccess: z
      .enum(["flip", "stay"])
      .default("flip")
      .describe("After the last step: flip live to the canary origin, or stay at the last share"),
    analysisIntervalSeconds: z
      .number()
      .int()
      .min(5)
      .max(300)
      .default(15)
      .describe(
        "How often the service's control object evaluates the gates (seconds); each evaluation reads its exact metrics",
      ),
    notify: z
      .boolean()
      .default(true)
      .describe("Post every step, hold, rollback and promotion to ROLLOUT_WEBHOOK_URL when set"),
  })
  .strict();

export type RolloutPlan = z.output<typeof RolloutPlan>;
export type RolloutGates = z.output<typeof Gates>;
