/**
 * Shadow mode's settings in a routing document: which origin gets the
 * mirrored copies, what share of which requests, how long it is waited
 * for, and where the score, label and input id are in the JSON.
 *
 * Layer: document (pure; zod and src/core only). Part of the routing
 * document's schema (routing-document.ts).
 */
import { BasisPoints, LIMITS, OriginName } from "./schema-basics.ts";
import * as z from "./zod.ts";

/** Methods a shadow may mirror; anything that changes state must be listed explicitly. */
export const HttpMethod = z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const FieldPath = z
  .string()
  .check(z.regex(/^[^.\s]+(?:\.[^.\s]+)*$/, "must be a dot path such as score or result.label"));

const MirroredPath = z
  .string()
  .check(
    z.regex(/^\/\S*$/, 'must start with "/"'),
    z.describe('Origin path (after the service prefix); a trailing "*" matches any suffix'),
  );

/**
 * How an answer's label is compared (src/core/shadow/comparators.ts): exact
 * JSON text by default; numbers within a tolerance; text normalized; the
 * word-set similarity of two texts at a threshold; JSON by structure.
 */
export const Compare = z.discriminatedUnion("kind", [
  z
    .strictObject({ kind: z.literal("exact") })
    .check(z.describe("The labels' JSON text is equal (a string compared byte for byte)")),
  z
    .strictObject({
      kind: z.literal("number"),
      tolerance: z
        ._default(z.number().check(z.gte(0)), 0)
        .check(z.describe("Agree when |production - shadow| is at most this")),
    })
    .check(z.describe("Both labels are numbers (or numeric strings) within tolerance")),
  z
    .strictObject({ kind: z.literal("text") })
    .check(
      z.describe(
        "Equal after normalizing: Unicode NFKC, case, punctuation and symbols, runs of whitespace",
      ),
    ),
  z
    .strictObject({
      kind: z.literal("tokens"),
      threshold: z
        ._default(z.number().check(z.gte(0), z.lte(1)), 0.8)
        .check(z.describe("Agree when the similarity is at least this")),
    })
    .check(
      z.describe(
        "Similarity of free text: the Jaccard index of the normalized words' sets (0 to 1); the shadow summary keeps its distribution",
      ),
    ),
  z
    .strictObject({ kind: z.literal("json") })
    .check(z.describe("Structurally equal JSON values (object keys in any order)")),
]);

export const Shadow = z.strictObject({
  origin: OriginName.check(
    z.describe("Origin that receives the mirrored copies; never serves users"),
  ),
  shareBp: BasisPoints.check(z.describe("Share of eligible requests mirrored, in basis points")),
  sampling: z
    ._default(z.enum(["request", "user"]), "request")
    .check(
      z.describe(
        '"request": each request drawn independently (an unbiased sample of the traffic mix); ' +
          '"user": whole users by bucketOf(salt, id), for per-user comparisons',
      ),
    ),
  salt: z
    .optional(z.string().check(z.minLength(1), z.maxLength(128)))
    .check(z.describe('Salt of the user draw (required when sampling is "user")')),
  enabled: z
    ._default(z.boolean(), true)
    .check(z.describe("false pauses mirroring but keeps the settings")),
  timeoutMs: z
    ._default(z.number().check(z.int(), z.gte(1), z.lte(25_000)), 5_000)
    .check(z.describe("Give up on the shadow after this many ms (headers and body)")),
  maxBodyBytes: z
    ._default(z.number().check(z.int(), z.gte(0), z.lte(10_485_760)), 65_536)
    .check(z.describe("Requests with a larger body are not mirrored (and are counted)")),
  methods: z
    ._default(z.array(HttpMethod).check(z.minLength(1)), ["POST"])
    .check(z.describe("Methods mirrored; state-changing operations only when listed")),
  paths: z
    ._default(z.array(MirroredPath).check(z.minLength(1), z.maxLength(LIMITS.shadowPaths)), [
      "/predict",
    ])
    .check(z.describe("Origin paths mirrored")),
  scoreField: z
    ._default(FieldPath, "score")
    .check(z.describe("Dot path of the score in a prediction")),
  labelField: z
    ._default(FieldPath, "label")
    .check(z.describe("Dot path of the label in a prediction")),
  compare: z
    ._default(Compare, { kind: "exact" })
    .check(
      z.describe(
        'How the labels (labelField, or a streamed answer\'s assembled text) are compared: "exact", "number", "text", "tokens", "json"',
      ),
    ),
  streamTextPath: z
    .optional(FieldPath)
    .check(
      z.describe(
        "For answers streamed as server-sent events: dot path of the text in each event's JSON, concatenated into the answer. Default: OpenAI's chat (choices.0.delta.content) and completions (choices.0.text) deltas",
      ),
    ),
  maxAnswerBytes: z
    ._default(z.number().check(z.int(), z.gte(1_024), z.lte(1_048_576)), 262_144)
    .check(
      z.describe(
        "Each arm's answer is read for comparison up to this many bytes (and timeoutMs); a streamed answer past either bound is recorded as cut (kept apart from agreement), a JSON one as too large",
      ),
    ),
  inputIdField: z
    ._default(FieldPath, "id")
    .check(
      z.describe("Dot path of the input's id in a JSON request body (kept with disagreements)"),
    ),
});

export type Shadow = z.output<typeof Shadow>;
