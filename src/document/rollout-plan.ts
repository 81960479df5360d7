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
import { BUCKETS } from "../core/routing/bucket.ts";
import * as z from "./zod.ts";

const Step = z.strictObject({
  shareBp: z
    .number()
    .check(
      z.int(),
      z.gte(1),
      z.lte(BUCKETS),
      z.describe("Canary share during this step (basis points)"),
    ),
  bakeSeconds: z
    .number()
    .check(
      z.int(),
      z.gte(0),
      z.lte(7 * 86_400),
      z.describe(
        "The step runs at least this long; it advances once every gate passes (and holds past it while any is inconclusive, see maxExtensionSeconds)",
      ),
    ),
});

const DEPRECATED =
  "Deprecated, ignored: the gates are anytime-valid tests at shares of the plan's alpha (kept so existing documents validate)";

/** A p-value threshold of the fixed-horizon gates: still accepted, ignored. */
const deprecatedPValue = () =>
  z.optional(z.number().check(z.gt(0), z.lt(1))).check(z.describe(DEPRECATED));

export const Gates = z.strictObject({
  minRequests: z
    ._default(z.number().check(z.int(), z.gte(1)), 200)
    .check(
      z.describe(
        "Kept. Requests each arm needs in a step before any gate is judged (a 100% step: the canary, and live's baseline from the previous step)",
      ),
    ),
  errorRate: z
    ._default(
      z.strictObject({
        maxPValue: deprecatedPValue(),
        minDelta: z
          ._default(z.number().check(z.gte(0), z.lte(1)), 0.005)
          .check(
            z.describe(
              "Kept. How much higher (absolute) the canary's error rate may be than live's: the gate fails once an anytime-valid interval of the difference lies wholly above it, and passes once it lies wholly below",
            ),
          ),
      }),
      { minDelta: 0.005 },
    )
    .check(
      z.describe(
        "Error rate (5xx, timeouts, connection errors of the first attempt): canary minus live, a mixture sequential test (mSPRT)",
      ),
    ),
  latencyP95Ratio: z
    ._default(
      z.strictObject({
        max: z
          ._default(z.number().check(z.gt(1)), 1.1)
          .check(z.describe("Kept. The canary's p95 may be up to this many times live's p95...")),
        minDeltaMs: z
          ._default(z.number().check(z.gte(0)), 25)
          .check(
            z.describe(
              "Kept. ...or this many milliseconds slower, whichever allows more (jitter on fast models is not a regression)",
            ),
          ),
      }),
      { max: 1.1, minDeltaMs: 25 },
    )
    .check(
      z.describe(
        "Latency: the share of canary requests slower than max(live p95 x max, live p95 + minDeltaMs) against the share of live requests slower than live's p95 (5%), a mixture sequential test on the exact histograms; fails once the canary's share is shown higher, passes once shown lower",
      ),
    ),
  shadow: z
    .optional(
      z.strictObject({
        minAgreement: z
          ._default(z.number().check(z.gte(0), z.lte(1)), 0.95)
          .check(
            z.describe(
              "Kept. Label agreement must be at least this: fails once an anytime-valid interval lies wholly below it, passes once wholly above",
            ),
          ),
        maxMeanAbsDelta: z
          ._default(z.number().check(z.gte(0)), 0.05)
          .check(
            z.describe(
              "Kept. Mean |Δscore| must be at most this: fails once an anytime-valid interval lies wholly above it, passes once wholly below",
            ),
          ),
        minPairs: z
          ._default(z.number().check(z.int(), z.gte(1)), 100)
          .check(
            z.describe("Kept. Compared (scored) pairs needed before either shadow gate is judged"),
          ),
      }),
    )
    .check(
      z.describe(
        "Shadow prediction gates (label agreement and mean |Δscore|, over every pair of the shadow's summary); needs a shadow",
      ),
    ),
  srm: z
    ._default(z.strictObject({ maxPValue: deprecatedPValue() }), {})
    .check(
      z.describe(
        "Sample-ratio mismatch of identified requests (canary vs everyone else) against the step's share: a Beta-Binomial sequential test; a mismatch rolls back (the split itself is broken). It has no bound to set",
      ),
    ),
});

export const RolloutPlan = z.strictObject({
  steps: z.array(Step).check(z.minLength(1), z.maxLength(20)),
  gates: z._default(Gates, {
    minRequests: 200,
    errorRate: { minDelta: 0.005 },
    latencyP95Ratio: { max: 1.1, minDeltaMs: 25 },
    srm: {},
  }),
  alpha: z
    ._default(z.number().check(z.gt(0), z.lte(0.2)), 0.01)
    .check(
      z.describe(
        "The chance of rolling back a canary that is within every bound, per rollout: across every gate, every step and every look. Split by weight (error rate 4, latency 3, SRM 1, each shadow gate 1, over the gates the plan has); the error-rate, latency and SRM shares are divided by the number of steps (each step is new traffic), the shadow gates' are not (one stream of pairs)",
      ),
    ),
  maxExtensionSeconds: z
    ._default(z.number().check(z.int(), z.gte(0), z.lte(7 * 86_400)), 3600)
    .check(
      z.describe(
        "A step whose gates are still inconclusive at the end of its bake holds (the bake extends) for up to this long, then the rollout pauses at its share with the reason; a failing gate still rolls it back, resume starts another bake",
      ),
    ),
  onSuccess: z
    ._default(z.enum(["flip", "stay"]), "flip")
    .check(
      z.describe("After the last step: flip live to the canary origin, or stay at the last share"),
    ),
  analysisIntervalSeconds: z
    ._default(z.number().check(z.int(), z.gte(5), z.lte(300)), 15)
    .check(
      z.describe(
        "How often the service's control object evaluates the gates (seconds); each evaluation reads its exact metrics. The gates are anytime-valid: looking more often does not raise the false-rollback chance (alpha), it only decides sooner",
      ),
    ),
  notify: z
    ._default(z.boolean(), true)
    .check(
      z.describe(
        "Post every step, hold, pause, rollback and promotion to ROLLOUT_WEBHOOK_URL when set",
      ),
    ),
});

export type RolloutPlan = z.output<typeof RolloutPlan>;
export type RolloutGates = z.output<typeof Gates>;
