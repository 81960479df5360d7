/**
 * The routing document: one JSON document per model service, stored in
 * Workers KV under `service:<name>`. This module is the single schema shared
 * by the worker, the scripts (CLI, seeding, JSON Schema generation) and the
 * admin API; every TypeScript type for the document is inferred from it.
 *
 * Layer: document (pure; depends on zod and src/core only). Cross-field rules (live origin
 * exists, arms never overlap, shares never exceed 100 %, the shadow is not
 * live) live in
 * `checkCrossFields` so that every failure carries a field path. The
 * shared scalars and limits (schema-basics.ts), the identity sources
 * (identity-schema.ts) and the shadow's settings (shadow-schema.ts) are
 * their own modules.
 */
import { METRIC_PATTERN, OUTCOME_LIMITS } from "../core/outcomes/outcome-batch.ts";
import { BUCKETS } from "../core/routing/bucket.ts";
import { Identity } from "./identity-schema.ts";
import { RolloutPlan } from "./rollout-plan.ts";
import { BasisPoints, LIMITS, OriginName, ServiceName } from "./schema-basics.ts";
import { Shadow } from "./shadow-schema.ts";
import * as z from "./zod.ts";

// The parts of the schema that live in their own modules, re-exported so
// the document's schema stays one import for its users.
export { Identity, IdentitySource } from "./identity-schema.ts";
export { BasisPoints, LIMITS, OriginName, ServiceName } from "./schema-basics.ts";
export { HttpMethod, Shadow } from "./shadow-schema.ts";

export const Origin = z.strictObject({
  url: z.string().check(
    z.url(),
    z.refine((u: string) => /^https?:\/\//.test(u), "must be an http(s) URL"),
    z.describe("Base URL; the request path after the service prefix is appended"),
  ),
  timeoutMs: z
    ._default(z.number().check(z.int(), z.gte(1), z.lte(300_000)), 10_000)
    .check(z.describe("Give up on this origin after this many milliseconds")),
});

export const Canary = z.strictObject({
  origin: OriginName,
  shareBp: BasisPoints.check(z.describe("Share of users sent to the canary, in basis points")),
  salt: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(128),
      z.describe("Per-rollout salt; changing it reshuffles which users are in the canary"),
    ),
  killed: z
    ._default(z.boolean(), false)
    .check(z.describe("Kill switch: true sends everyone to live")),
});

export const Challenger = z.strictObject({
  origin: OriginName,
  startBp: BasisPoints.check(z.describe("First bucket of this challenger's fixed range")),
  shareBp: BasisPoints.check(z.describe("Width of the range in basis points")),
});

export const Retry = z.strictObject({
  safe: z
    ._default(z.boolean(), false)
    .check(
      z.describe("Requests may be replayed: a failed canary/challenger call is retried on live"),
    ),
  maxBodyBytes: z
    ._default(z.number().check(z.int(), z.gte(0), z.lte(10_485_760)), 1_048_576)
    .check(
      z.describe(
        "Largest body buffered for a replay; a larger request streams to its arm without failover",
      ),
    ),
});

const RoutingDocumentObject = z.strictObject({
  $schema: z.optional(z.string()),
  service: ServiceName,
  version: z.number().check(z.int(), z.gte(1)),
  updatedAt: z.string().check(z.iso.datetime({ offset: true })),
  updatedBy: z.string().check(z.minLength(1), z.maxLength(200)),
  description: z.optional(z.string().check(z.maxLength(2000))),
  origins: z
    .record(OriginName, Origin)
    .check(z.describe(`Every model origin of this service, by name (at most ${LIMITS.origins})`)),
  live: OriginName.check(z.describe("The blue-green live origin (the champion)")),
  canary: z.optional(Canary),
  challengerSalt: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  challengers: z._default(z.array(Challenger).check(z.maxLength(LIMITS.challengers)), []),
  identity: z._default(Identity, { sources: [{ type: "header", name: "x-user-id" }] }),
  retry: z._default(Retry, { safe: false, maxBodyBytes: 1_048_576 }),
  shadow: z
    .optional(Shadow)
    .check(
      z.describe(
        "Shadow mode: mirror a share of requests to an origin and compare its predictions",
      ),
    ),
  tokenUsage: z
    .optional(z.enum(["streams", "all"]))
    .check(
      z.describe(
        'Token usage per arm (usage.total_tokens and friends) in the request metrics: "streams" (unset: the same) reads it from streamed answers\' last events; "all" also from JSON answers of up to 64 KiB, read from a copy after the client has its answer',
      ),
    ),
  outcomes: z
    .optional(
      z.record(
        z.string().check(z.regex(METRIC_PATTERN)),
        z.strictObject({
          better: z
            .enum(["higher", "lower"])
            .check(z.describe("Which way is better for this metric (default: higher)")),
        }),
      ),
    )
    .check(
      z.describe(
        `Outcome metrics sent to POST /_router/outcomes, by name: which way is better (at most ${OUTCOME_LIMITS.metricsPerService}; an unnamed metric is higher-is-better)`,
      ),
    ),
  challengerPolicy: z
    .optional(
      z.strictObject({
        removeWhenWorse: z
          ._default(z.boolean(), false)
          .check(
            z.describe(
              'Remove a challenger once the leaderboard shows it worse than the champion on any metric (its users go back to the champion). The service\'s control object looks once a minute; the history entry (source "policy") holds the evidence',
            ),
          ),
      }),
    )
    .check(
      z.describe(
        "What the router does on its own with the challengers' verdicts (GET /_router/admin/services/<service>/challengers)",
      ),
    ),
  rollout: z
    .optional(RolloutPlan)
    .check(
      z.describe(
        "Progressive delivery: the analyzer ramps the canary through these steps and rolls back on failing gates",
      ),
    ),
});

type DocumentShape = z.output<typeof RoutingDocumentObject>;

/**
 * The rules `checkCrossFields` enforces, in words, by the path it reports
 * (`[]`: any element); docs/reference/routing-document.md lists them, and
 * a test fails when a path reported below is missing here.
 */
export const CROSS_FIELD_RULES: readonly { path: string; rule: string }[] = [
  { path: "origins", rule: `names at least one origin, at most ${LIMITS.origins}` },
  { path: "live", rule: "names an origin in `origins`" },
  { path: "canary.origin", rule: "names an origin in `origins`, not the live one" },
  { path: "rollout", rule: "needs a `canary` block (its origin and salt are what rolls out)" },
  { path: "rollout.gates.shadow", rule: "needs a `shadow` block to judge shadow agreement" },
  { path: "shadow.origin", rule: "names an origin in `origins`, not the live one" },
  { path: "shadow.salt", rule: 'is required when `sampling` is "user"' },
  { path: "shadow.labelField", rule: "differs from `scoreField`" },
  { path: "challengerSalt", rule: "is required when there are challengers" },
  {
    path: "challengers[].origin",
    rule: "names an origin in `origins`: not the live one, not the canary's, each at most once",
  },
  { path: "challengers[].shareBp", rule: `startBp + shareBp is at most ${BUCKETS}` },
  { path: "challengers[].startBp", rule: "ranges never overlap (an empty range overlaps nothing)" },
  { path: "challengers", rule: `shares add up to at most ${BUCKETS} bp (100%)` },
  { path: "outcomes", rule: `names at most ${OUTCOME_LIMITS.metricsPerService} metrics` },
  {
    path: "rollout.gates.outcomes[]",
    rule: "gates only metrics named in `outcomes` (which says which way is better)",
  },
];

function checkCrossFields(doc: DocumentShape, ctx: z.core.$RefinementCtx<DocumentShape>): void {
  const has = (name: string) => Object.hasOwn(doc.origins, name);
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });

  if (Object.keys(doc.origins).length === 0) issue(["origins"], "must name at least one origin");
  if (!has(doc.live)) issue(["live"], `names no origin in "origins": ${doc.live}`);

  if (doc.canary) {
    if (!has(doc.canary.origin)) issue(["canary", "origin"], 'names no origin in "origins"');
    if (doc.canary.origin === doc.live)
      issue(["canary", "origin"], "must differ from the live origin");
  }

  if (doc.rollout && !doc.canary) {
    issue(["rollout"], "needs a canary block (origin and salt) to roll out");
  }
  if (doc.rollout?.gates.shadow && !doc.shadow) {
    issue(["rollout", "gates", "shadow"], "needs a shadow block to judge shadow agreement");
  }
  for (const metric of Object.keys(doc.rollout?.gates.outcomes ?? {}))
    if (!doc.outcomes || !Object.hasOwn(doc.outcomes, metric))
      issue(
        ["rollout", "gates", "outcomes", metric],
        `names a metric missing from "outcomes": add "outcomes": {"${metric}": {"better": "higher"}} (or "lower") so the gate knows which way is worse`,
      );

  if (doc.shadow) {
    if (!has(doc.shadow.origin)) issue(["shadow", "origin"], 'names no origin in "origins"');
    if (doc.shadow.origin === doc.live)
      issue(["shadow", "origin"], "must differ from the live origin");
    if (doc.shadow.sampling === "user" && !doc.shadow.salt)
      issue(["shadow", "salt"], 'is required when sampling is "user"');
    if (doc.shadow.scoreField === doc.shadow.labelField)
      issue(["shadow", "labelField"], "must differ from scoreField");
  }

  if (doc.challengers.length > 0 && !doc.challengerSalt)
    issue(["challengerSalt"], "is required when there are challengers");

  const metrics = Object.keys(doc.outcomes ?? {}).length;
  if (metrics > OUTCOME_LIMITS.metricsPerService)
    issue(["outcomes"], `has ${metrics} metrics; at most ${OUTCOME_LIMITS.metricsPerService}`);

  const origins = Object.keys(doc.origins).length;
  if (origins > LIMITS.origins)
    issue(["origins"], `has ${origins} origins; at most ${LIMITS.origins}`);

  let total = 0;
  const seen = new Set<string>();
  doc.challengers.forEach((c, i) => {
    total += c.shareBp;
    if (!has(c.origin)) issue(["challengers", i, "origin"], 'names no origin in "origins"');
    if (c.origin === doc.live)
      issue(["challengers", i, "origin"], "must differ from the live origin");
    if (doc.canary && c.origin === doc.canary.origin)
      issue(["challengers", i, "origin"], "is already the canary origin");
    if (seen.has(c.origin)) issue(["challengers", i, "origin"], "appears twice");
    seen.add(c.origin);
    if (c.startBp + c.shareBp > BUCKETS)
      issue(["challengers", i, "shareBp"], `range ends past ${BUCKETS} (startBp + shareBp)`);
  });
  // Overlaps in n log n: sorted by start, each range must begin at or after
  // the furthest end seen so far (empty ranges overlap nothing).
  const ranges = doc.challengers
    .map((c, i) => ({ i, start: c.startBp, end: c.startBp + c.shareBp }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start || a.i - b.i);
  let furthest: { i: number; end: number } | null = null;
  for (const r of ranges) {
    if (furthest && r.start < furthest.end) {
      const [later, earlier] = r.i > furthest.i ? [r.i, furthest.i] : [furthest.i, r.i];
      issue(["challengers", later, "startBp"], `range overlaps challengers.${earlier}`);
    }
    if (!furthest || r.end > furthest.end) furthest = { i: r.i, end: r.end };
  }
  if (total > BUCKETS)
    issue(["challengers"], `shares add up to ${total} bp, more than ${BUCKETS} (100%)`);
}

/** The top-level fields `checkCrossFields` reads. */
const CROSS_FIELD_INPUTS = new Set([
  "origins",
  "live",
  "canary",
  "challengerSalt",
  "challengers",
  "shadow",
  "outcomes",
  "rollout",
]);

/**
 * The cross-field rules also run when other fields failed, as long as the
 * ones they read parsed: by default zod skips a refinement after any
 * aborting issue (a missing or mistyped field), so a file without
 * `updatedAt` was refused for that alone, its overlapping ranges unreported
 * until it was fixed (the admin API, which stamps updatedAt, listed them).
 * Non-aborting issues (a number out of range) leave the value in place, as
 * before. Every error at once, wherever a document is checked.
 */
function crossFieldsReadable(payload: z.core.ParsePayload): boolean {
  const { value, issues } = payload;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return issues.every((i) => {
    if (i.continue === true) return true;
    const top = i.path?.[0];
    return top === undefined
      ? i.code === "unrecognized_keys"
      : !CROSS_FIELD_INPUTS.has(String(top));
  });
}

export const RoutingDocument = RoutingDocumentObject.check(
  z.superRefine(checkCrossFields, { when: crossFieldsReadable }),
);

/** A validated routing document (defaults applied). */
export type RoutingDocument = z.output<typeof RoutingDocument>;
/** What an author may write (defaults optional). */
export type RoutingDocumentInput = z.input<typeof RoutingDocument>;
export type Origin = z.output<typeof Origin>;
