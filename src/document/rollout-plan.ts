/**
 * The rollout plan: an optional `rollout` block of a routing document that
 * drives the canary automatically (progressive delivery).
 *
 * Layer: document (pure). The plan is what the operator wrote; the rollout's
 * progress (current step, when it started, verdicts) is kept separately by
 * the service's control object, so analyzer ticks that change nothing do
 * not bump the document's version. The gates are anytime-valid tests
 * (src/core/rollout/gates.ts); fields of the fixed-horizon gates that no
 * longer mean anything (the p-value thresholds) are still accepted and
 * ignored, and say so.
 */
import * as z from "zod";
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
      .describe(
        "The step runs at least this long; it advances once every gate passes (and holds past it while any is inconclusive, see maxExtensionSeconds)",
      ),
  })
  .strict();

const DEPRECATED =
  "Deprecated, ignored: the gates are anytime-valid tests at shares of the plan's alpha (kept so existing documents validate)";

export const Gates = z
  .object({
    minRequests: z
      .number()
      .int()
      .min(1)
      .default(200)
      .describe(
        "Kept. Requests each arm needs in a step before any gate is judged (a 100% step: the canary, and live's baseline from the previous step)",
      ),
    errorRate: z
      .object({
        maxPValue: z.number().gt(0).lt(1).optional().describe(DEPRECATED),
        minDelta: z
          .number()
          .min(0)
          .max(1)
          .default(0.005)
          .describe(
            "Kept. How much higher (absolute) the canary's error rate may be than live's: the gate fails once an anytime-valid interval of the difference lies wholly above it, and passes once it lies wholly below",
          ),
      })
      .strict()
      .default({ minDelta: 0.005 })
      .describe(
        "Error rate (5xx, timeouts, connection errors of the first attempt): canary minus live, a mixture sequential test (mSPRT)",
      ),
    latencyP95Ratio: z
      .object({
        max: z
          .number()
          .gt(1)
          .default(1.1)
          .describe("Kept. The canary's p95 may be up to this many times live's p95..."),
        minDeltaMs: z
          .number()
          .min(0)
          .default(25)
          .describe(
            "Kept. ...or this many milliseconds slower, whichever allows more (jitter on fast models is not a regression)",
          ),
      })
      .strict()
      .default({ max: 1.1, minDeltaMs: 25 })
      .describe(
        "Latency: the share of canary requests slower than max(live p95 x max, live p95 + minDeltaMs) against the share of live requests slower than live's p95 (5%), a mixture sequential test on the exact histograms; fails once the canary's share is shown higher, passes once shown lower",
      ),
    shadow: z
      .object({
        minAgreement: z
          .number()
          .min(0)
          .max(1)
          .default(0.95)
          .describe(
            "Kept. Label agreement must be at least this: fails once an anytime-valid interval lies wholly below it, passes once wholly above",
          ),
        maxMeanAbsDelta: z
          .number()
          .min(0)
          .default(0.05)
          .describe(
            "Kept. Mean |Δscore| must be at most this: fails once an anytime-valid interval lies wholly above it, passes once wholly below",
          ),
        minPairs: z
          .number()
          .int()
          .min(1)
          .default(100)
          .describe("Kept. Compared (scored) pairs needed before either shadow gate is judged"),
      })
      .strict()
      .optional()
      .describe(
        "Shadow prediction gates (label agreement and mean |Δscore|, over every pair of the shadow's summary); needs a shadow",
      ),
    srm: z
      .object({ maxPValue: z.number().gt(0).lt(1).optional().describe(DEPRECATED) })
      .strict()
      .default({})
      .describe(
        "Sample-ratio mismatch of identified requests (canary vs everyone else) against the step's share: a Beta-Binomial sequential test; a mismatch rolls back (the split itself is broken). It has no bound to set",
      ),
  })
  .strict();

export const RolloutPlan = z
  .object({
    steps: z.array(Step).min(1).max(20),
    gates: Gates.default({
      minRequests: 200,
      errorRate: { minDelta: 0.005 },
      latencyP95Ratio: { max: 1.1, minDeltaMs: 25 },
      srm: {},
    }),
    alpha: z
      .number()
      .gt(0)
      .max(0.2)
      .default(0.01)
      .describe(
        "The chance of rolling back a canary that is within every bound, per rollout: across every gate, every step and every look. Split by weight (error rate 4, latency 3, SRM 1, each shadow gate 1, over the gates the plan has); the error-rate, latency and SRM shares are divided by the number of steps (each step is new traffic), the shadow gates' are not (one stream of pairs)",
      ),
    maxExtensionSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(3600)
      .describe(
        "A step whose gates are still inconclusive at the end of its bake holds (the bake extends) for up to this long, then the rollout pauses at its share with the reason; a failing gate still rolls it back, resume starts another bake",
      ),
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
        "How often the service's control object evaluates the gates (seconds); each evaluation reads its exact metrics. The gates are anytime-valid: looking more often does not raise the false-rollback chance (alpha), it only decides sooner",
      ),
    notify: z
      .boolean()
      .default(true)
      .describe(
        "Post every step, hold, pause, rollback and promotion to ROLLOUT_WEBHOOK_URL when set",
      ),
  })
  .strict();

export type RolloutPlan = z.output<typeof RolloutPlan>;
export type RolloutGates = z.output<typeof Gates>;
