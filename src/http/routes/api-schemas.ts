/**
 * The zod schemas several admin routes answer with: every refusal's body
 * (ErrorBody), a field error, what KV holds for a service, its last-good
 * copy and version regression, a document's summary. Each route's own
 * answer sits beside its handler (src/http/routes/*.ts). `z.meta({ id })`
 * names a schema: it becomes a component of the OpenAPI document.
 *
 * Layer: HTTP edge (admin). Answers are loose objects (fields may be
 * added); the fields listed are always there.
 */
import * as z from "../../document/zod.ts";

export const int = () => z.number().check(z.int());

export const FieldError = z
  .object({
    path: z.string().check(z.describe('Dot path of the failing field ("" for the whole document)')),
    message: z.string(),
  })
  .check(z.meta({ id: "FieldError" }));

export const ErrorBody = z
  .looseObject({
    error: z
      .string()
      .check(z.describe("Stable error code, e.g. no_routing_document, version_mismatch")),
    message: z.string().check(z.describe("What went wrong, for a human")),
    errors: z
      .optional(z.array(FieldError))
      .check(z.describe("Field errors of an invalid body or change")),
    service: z.optional(z.string()),
  })
  .check(
    z.describe("Every refusal: a code, a message and, where it helps, details"),
    z.meta({ id: "Error" }),
  );

export const StoredState = z
  .enum(["valid", "invalid", "unreadable", "deleted", "missing"])
  .check(
    z.describe(
      "What KV holds for the service: a valid document, one that fails the schema, text that is not JSON, nothing but a history (deleted), or nothing",
    ),
    z.meta({ id: "StoredState" }),
  );

export const LastGood = z
  .nullable(z.object({ version: int(), live: z.string(), updatedAt: z.string() }))
  .check(
    z.describe(
      "The last valid document, which the router serves while the stored one is deleted or invalid",
    ),
  );

export const VersionRegression = z
  .nullable(z.object({ version: int(), highest: int(), next: int() }))
  .check(
    z.describe(
      "The stored version is lower than one the history has seen (a raw put of an old copy)",
    ),
  );

export const Summary = z
  .looseObject({
    service: z.string(),
    version: int(),
    arms: z.array(
      z.looseObject({
        origin: z.string(),
        role: z.string(),
        expectedBp: z.number().check(z.describe("Expected share of users, basis points")),
        detail: z.string(),
      }),
    ),
    idle: z.array(z.string()),
  })
  .check(z.describe("Who gets which origin, in words"), z.meta({ id: "DocumentSummary" }));
