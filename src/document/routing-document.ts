/**
 * The routing document: one JSON document per model service, stored in
 * Workers KV under `service:<name>`. This module is the single schema shared
 * by the worker, the scripts (CLI, seeding, JSON Schema generation) and the
 * admin API; every TypeScript type for the document is inferred from it.
 *
 * Layer: document (pure; depends on zod and src/core only). Cross-field rules (live origin
 * exists, arms never overlap, shares never exceed 100 %, the shadow is not
 * live) live in
 * `checkCrossFields` so that every failure carries a field path.
 */
import * as z from "zod";
import { BUCKETS } from "../core/routing/bucket.ts";
import { COOKIE_NAME_PATTERN, HEADER_NAME_PATTERN, NAME_PATTERN } from "../core/routing/names.ts";
import { RolloutPlan } from "./rollout-plan.ts";

/** A share in integer basis points: 0 = 0 %, 100 = 1 %, 10000 = 100 %. */
export const BasisPoints = z
  .number()
  .int("must be an integer number of basis points (100 = 1%)")
  .min(0)
  .max(BUCKETS);

const Name = z
  .string()
  .regex(NAME_PATTERN, "must be lowercase letters, digits and '-' (1-63 chars)");

export const ServiceName = Name.describe("Service name; also the first path segment it answers");
export const OriginName = Name.describe("Origin (model version) name, e.g. blue, green, canary");

export const Origin = z
  .object({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
      .describe("Base URL; the request path after the service prefix is appended"),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(300_000)
      .default(10_000)
      .describe("Give up on this origin after this many milliseconds"),
  })
  .strict();

export const Canary = z
  .object({
    origin: OriginName,
    shareBp: BasisPoints.describe("Share of users sent to the canary, in basis points"),
    salt: z
      .string()
      .min(1)
      .max(128)
      .describe("Per-rollout salt; changing it reshuffles which users are in the canary"),
    killed: z.boolean().default(false).describe("Kill switch: true sends everyone to live"),
  })
  .strict();

export const Challenger = z
  .object({
    origin: OriginName,
    startBp: BasisPoints.describe("First bucket of this challenger's fixed range"),
    shareBp: BasisPoints.describe("Width of the range in basis points"),
  })
  .strict();

/** Hard bounds of a routing document, checked before anything else is parsed. */
export const LIMITS = {
  /** UTF-8 bytes of the stored JSON text. */
  documentBytes: 65_536,
  /** Nesting of JSON objects and arrays. */
  depth: 16,
  origins: 64,
  challengers: 32,
  identitySources: 8,
  shadowPaths: 32,
} as const;

const HeaderName = z
  .string()
  .max(256)
  .regex(
    HEADER_NAME_PATTERN,
    "must be an HTTP header name (an RFC 9110 token: no spaces or separators)",
  );
const CookieName = z
  .string()
  .max(256)
  .regex(
    COOKIE_NAME_PATTERN,
    "must be a cookie name (an RFC 6265 token: no spaces, '=', ';' or separators)",
  );

const HeaderSource = z
  .object({ type: z.literal("header"), name: HeaderName.default("x-user-id") })
  .strict();
const CookieSource = z.object({ type: z.literal("cookie"), name: CookieName }).strict();
const JwtSource = z
  .object({
    type: z.literal("jwt"),
    header: HeaderName.default("authorization"),
    claim: z.string().min(1).default("sub"),
    alg: z.enum(["HS256", "HS384", "HS512"]).optional(),
    jwksUrl: z.string().url().optional(),
    issuer: z.string().optional(),
    audience: z.string().optional(),
  })
  .strict()
  .describe("HS* tokens are verified with the JWT_SECRET secret; RS/ES tokens with jwksUrl");
const JsonBodySource = z
  .object({
    type: z.literal("jsonBody"),
    path: z.string().min(1).describe("Dot path of the id in a JSON body, e.g. user.id"),
    maxBytes: z.number().int().min(1).max(1_048_576).default(65_536),
  })
  .strict();

export const IdentitySource = z.discriminatedUnion("type", [
  HeaderSource,
  CookieSource,
  JwtSource,
  JsonBodySource,
]);

export const Identity = z
  .object({
    sources: z
      .array(IdentitySource)
      .min(1)
      .max(LIMITS.identitySources)
      .default([{ type: "header", name: "x-user-id" }]),
    anonymousCookie: z
      .object({
        name: CookieName.default("mr_uid").describe(
          'Cookie name; a "__Host-" or "__Secure-" name is always set Secure',
        ),
        maxAgeDays: z.number().int().min(1).max(400).default(365),
      })
      .strict()
      .optional()
      .describe("When set, callers without an id get a first-party random id cookie"),
  })
  .strict();

export const Retry = z
  .object({
    safe: z
      .boolean()
      .default(false)
      .describe("Requests may be replayed: a failed canary/challenger call is retried on live"),
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(10_485_760)
      .default(1_048_576)
      .describe(
        "Largest body buffered for a replay; a larger request streams to its arm without failover",
      ),
  })
  .strict();

/** Methods a shadow may mirror; anything that changes state must be listed explicitly. */
export const HttpMethod = z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const FieldPath = z
  .string()
  .regex(/^[^.\s]+(?:\.[^.\s]+)*$/, "must be a dot path such as score or result.label");

const MirroredPath = z
  .string()
  .regex(/^\/\S*$/, 'must start with "/"')
  .describe('Origin path (after the service prefix); a trailing "*" matches any suffix');

export const Shadow = z
  .object({
    origin: OriginName.describe("Origin that receives the mirrored copies; never serves users"),
    shareBp: BasisPoints.describe("Share of eligible requests mirrored, in basis points"),
    sampling: z
      .enum(["request", "user"])
      .default("request")
      .describe(
        '"request": each request drawn independently (an unbiased sample of the traffic mix); ' +
          '"user": whole users by bucketOf(salt, id), for per-user comparisons',
      ),
    salt: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('Salt of the user draw (required when sampling is "user")'),
    enabled: z.boolean().default(true).describe("false pauses mirroring but keeps the settings"),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(25_000)
      .default(5_000)
      .describe("Give up on the shadow after this many ms (headers and body)"),
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(10_485_760)
      .default(65_536)
      .describe("Requests with a larger body are not mirrored (and are counted)"),
    methods: z
      .array(HttpMethod)
      .min(1)
      .default(["POST"])
      .describe("Methods mirrored; state-changing operations only when listed"),
    paths: z
      .array(MirroredPath)
      .min(1)
      .max(LIMITS.shadowPaths)
      .default(["/predict"])
      .describe("Origin paths mirrored"),
    scoreField: FieldPath.default("score").describe("Dot path of the score in a prediction"),
    labelField: FieldPath.default("label").describe("Dot path of the label in a prediction"),
    inputIdField: FieldPath.default("id").describe(
      "Dot path of the input's id in a JSON request body (kept with disagreements)",
    ),
  })
  .strict();

const RoutingDocumentObject = z
  .object({
    $schema: z.string().optional(),
    service: ServiceName,
    version: z.number().int().min(1),
    updatedAt: z.string().datetime({ offset: true }),
    updatedBy: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    origins: z
      .record(OriginName, Origin)
      .describe(`Every model origin of this service, by name (at most ${LIMITS.origins})`),
    live: OriginName.describe("The blue-green live origin (the champion)"),
    canary: Canary.optional(),
    challengerSalt: z.string().min(1).max(128).optional(),
    challengers: z.array(Challenger).max(LIMITS.challengers).default([]),
    identity: Identity.default({ sources: [{ type: "header", name: "x-user-id" }] }),
    retry: Retry.default({ safe: false, maxBodyBytes: 1_048_576 }),
    shadow: Shadow.optional().describe(
      "Shadow mode: mirror a share of requests to an origin and compare its predictions",
    ),
    rollout: RolloutPlan.optional().describe(
      "Progressive delivery: the analyzer ramps the canary through these steps and rolls back on failing gates",
    ),
  })
  .strict();

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
];

function checkCrossFields(doc: DocumentShape, ctx: z.RefinementCtx): void {
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

export const RoutingDocument = RoutingDocumentObject.superRefine(checkCrossFields);

/** A validated routing document (defaults applied). */
export type RoutingDocument = z.output<typeof RoutingDocument>;
/** What an author may write (defaults optional). */
export type RoutingDocumentInput = z.input<typeof RoutingDocument>;
export type IdentitySource = z.output<typeof IdentitySource>;
export type Origin = z.output<typeof Origin>;
export type Shadow = z.output<typeof Shadow>;
