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
import { METRIC_PATTERN, OUTCOME_LIMITS } from "../core/outcomes/outcome-batch.ts";
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
              "The smallest increase (absolute) of the error rate worth a rollback: the gate passes once the canary is shown not worse by this much (with the plan's beta) and rolls back once it is shown worse than live (with its share of alpha); increases below this may go either way, and from 1 to 8 times this are caught quickest",
            ),
          ),
      }),
      { minDelta: 0.005 },
    )
    .check(
      z.describe(
        "Error rate (5xx, timeouts, connection errors of the first attempt) of identified requests: canary against live, a sequential likelihood-ratio test on the exact counts, corrected for users' clustering; rolls back once the canary is shown worse than live, passes once shown not worse by minDelta",
      ),
    ),
  statusClass: z
    ._default(
      z.strictObject({
        minDelta: z
          ._default(z.number().check(z.gte(0), z.lte(1)), 0.005)
          .check(
            z.describe(
              "The smallest increase (absolute) of the canary's share of 4xx, or of 3xx, answers worth a rollback (the error-rate gate's test, per class)",
            ),
          ),
      }),
      { minDelta: 0.005 },
    )
    .check(
      z.describe(
        "Status classes of identified requests: a canary whose share of 4xx (a wrong path, a stricter parser) or of 3xx is shown above live's is failing, whatever its error rate",
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
        measure: z
          ._default(z.enum(["total", "first-token"]), "total")
          .check(
            z.describe(
              '"total": until the answer is complete (a streamed answer\'s last byte; other answers\' headers); "first-token": until a streamed answer\'s first byte of body (what users of an LLM feel; the same as total for answers that do not stream)',
            ),
          ),
      }),
      { max: 1.1, minDeltaMs: 25, measure: "total" },
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
  outcomes: z
    .optional(
      z
        .record(
          z.string().check(z.regex(METRIC_PATTERN)),
          z.strictObject({
            kind: z
              .enum(["guardrail", "success"])
              .check(
                z.describe(
                  "guardrail: passes once the canary is shown not worse than live by minDelta; success: passes once it is shown better than live. Either rolls back once the canary is shown worse than live",
                ),
              ),
            minDelta: z
              .number()
              .check(
                z.gt(0),
                z.lte(1e12),
                z.describe(
                  "In the metric's units (a rate: 0.01 is 1 pp). A guardrail's allowance: worse by less may pass, worse by this much passes with probability at most beta. For success: the improvement the test is quickest to find (it decides fastest for 1 to 16 times this)",
                ),
              ),
          }),
        )
        .check(
          z.refine(
            (r) => Object.keys(r).length <= OUTCOME_LIMITS.metricsPerService,
            `at most ${OUTCOME_LIMITS.metricsPerService} outcome gates`,
          ),
        ),
    )
    .check(
      z.describe(
        "Outcome gates, by metric (each must be named in the document's `outcomes`, which says which way is better): what the canary's answers led to, sent back to POST /_router/outcomes with their receipts. One stream over the whole rollout (outcomes arrive late: each step's outcomes keep counting), stratified by step, users as the units; its alpha is not divided by the steps",
      ),
    ),
  srm: z
    ._default(z.strictObject({ maxPValue: deprecatedPValue() }), {})
    .check(
      z.describe(
        "Sample-ratio mismatch of distinct identified users (canary vs everyone else) against the step's share: a Beta-Binomial sequential test over users; a mismatch pauses the rollout (the comparison cannot be trusted; it does not say the canary is worse). It has no bound to set",
      ),
    ),
});

export const RolloutPlan = z.strictObject({
  steps: z.array(Step).check(z.minLength(1), z.maxLength(20)),
  gates: z._default(Gates, {
    minRequests: 200,
    errorRate: { minDelta: 0.005 },
    statusClass: { minDelta: 0.005 },
    latencyP95Ratio: { max: 1.1, minDeltaMs: 25, measure: "total" },
    srm: {},
  }),
  alpha: z
    ._default(z.number().check(z.gt(0), z.lte(0.2)), 0.01)
    .check(
      z.describe(
        "The chance of rolling back a canary that is within every bound, per rollout: across every gate, every step and every look. Split by weight (error rate 4, latency 3, status classes 1, SRM 1, each shadow gate 1, each outcome gate 2, over the gates the plan has); the error-rate, status-class, latency and SRM shares are divided by the number of steps (each step is new traffic), the shadow and outcome gates' are not (one stream each)",
      ),
    ),
  beta: z
    ._default(z.number().check(z.gt(0), z.lte(0.5)), 0.05)
    .check(
      z.describe(
        "The chance that a gate passes a canary worse by its bound (minDelta), per gate and step: the missed-regression budget. Smaller needs more traffic to pass a step",
      ),
    ),
  maxExtensionSeconds: z
    ._default(z.number().check(z.int(), z.gte(0), z.lte(7 * 86_400)), 3600)
    .check(
      z.describe(
        "A step whose gates are still inconclusive at the end of its bake holds (the bake extends) for up to this long, then the rollout pauses at its share with the reason; a failing gate still rolls it back, resume starts another bake",
      ),
    ),
  onInconclusive: z
    ._default(z.enum(["pause", "advance"]), "pause")
    .check(
      z.describe(
        "A step still undecided at bake + maxExtensionSeconds: pause at its share (the default), or advance when no gate shows harm and the canary reached the sample the evidence budget sizes for its error-rate bound; the history then says what the step could have caught ('passed without proof')",
      ),
    ),
  onSuccess: z
    ._default(z.enum(["flip", "stay"]), "flip")
    .check(
      z.describe("After the last step: flip live to the canary origin, or stay at the last share"),
    ),
  analysisIntervalSeconds: z
    ._default(z.number().check(z.int(), z.gte(5), z.lte(300)), 5)
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
