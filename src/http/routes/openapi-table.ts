/**
 * The admin API's route table: every route under /_router/admin (and the
 * public health check) with its method, path, summary, parameters, request
 * body and answers, each body and answer a zod schema. Request bodies are
 * the schemas the routes validate with: the edit registry's arguments
 * (src/document/edits/registry.ts) and the routing document itself.
 * src/http/routes/openapi.ts turns the table into the OpenAPI 3.1 document
 * served at GET /_router/admin/openapi.json (and docs/reference/).
 * test/scripts/docs-openapi.test.ts holds it to the app: a route the app
 * has and the table lacks (or the reverse) fails, and a real router's
 * answers must parse with the schemas documented for their status.
 *
 * Layer: HTTP edge (admin). Answers are loose objects (fields may be added);
 * the fields listed are always there.
 */
import { REFUSALS } from "../../app/write-service.ts";
import type { ManualCommand } from "../../core/rollout/state-machine.ts";
import { HistoryEntry } from "../../document/edits/history.ts";
import { EDIT_NAMES, EDITS, type EditName } from "../../document/edits/registry.ts";
import { RolloutPlan } from "../../document/rollout-plan.ts";
import { LIMITS, RoutingDocument, ServiceName } from "../../document/routing-document.ts";
import * as z from "../../document/zod.ts";
import { BODY_BOUNDS, BODY_DEPTH } from "../bounded-body.ts";
import { ROLLOUT_COMMANDS } from "./rollout.ts";

export type Method = "get" | "post" | "put" | "patch";

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  description: string;
  schema: z.ZodMiniType;
  required?: boolean;
}

export interface AdminRoute {
  method: Method;
  /** The full OpenAPI path, parameters in braces: /_router/admin/services/{service}. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  parameters?: Parameter[];
  body?: { schema: z.ZodMiniType; required: boolean; description: string };
  /** The 200 answer. */
  ok: { description: string; schema: z.ZodMiniType };
  /** Refusals this route may answer with (every error body is an Error). */
  errors: Partial<Record<ErrorStatus, string>>;
  /** Outside the admin API: no token needed. */
  public?: true;
}

export type Tag = "health" | "services" | "edits" | "rollout" | "control";
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 429 | 500 | 503;

export const TAGS: Record<Tag, string> = {
  health: "The router's own health, without a token",
  services: "Routing documents: list, read, history, and the older write endpoints",
  edits: "Named edits (the registry the CLI runs): every write, through the one write pipeline",
  rollout: "Progressive delivery: the plan's progress, evaluations and operator commands",
  control: "The service's control object: its state, shadow evidence and time series",
};

// Components: schemas that get a name in the OpenAPI document (`z.meta({ id })`
// names a copy; the document module's own schemas stay unnamed).
const Document = RoutingDocument.check(z.meta({ id: "RoutingDocument" }));
const Plan = RolloutPlan.check(z.meta({ id: "RolloutPlan" }));

const FieldError = z
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

const StoredState = z
  .enum(["valid", "invalid", "unreadable", "deleted", "missing"])
  .check(
    z.describe(
      "What KV holds for the service: a valid document, one that fails the schema, text that is not JSON, nothing but a history (deleted), or nothing",
    ),
    z.meta({ id: "StoredState" }),
  );

const int = () => z.number().check(z.int());

const LastGood = z
  .nullable(z.object({ version: int(), live: z.string(), updatedAt: z.string() }))
  .check(
    z.describe(
      "The last valid document, which the router serves while the stored one is deleted or invalid",
    ),
  );

const VersionRegression = z
  .nullable(z.object({ version: int(), highest: int(), next: int() }))
  .check(
    z.describe(
      "The stored version is lower than one the history has seen (a raw put of an old copy)",
    ),
  );

const Summary = z
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

const ServiceStatus = z
  .looseObject({
    service: z.string(),
    state: StoredState,
    found: z.boolean().check(z.describe("A document is stored (valid or not)")),
    deleted: z.boolean(),
    valid: z.boolean(),
    version: z.nullable(int()),
    errors: z.array(FieldError),
    summary: z.nullable(Summary),
    lastGood: LastGood,
    versionRegression: VersionRegression,
    document: z
      .nullable(z.record(z.string(), z.unknown()))
      .check(z.describe("The stored document")),
  })
  .check(z.meta({ id: "ServiceStatus" }));

const History = z
  .looseObject({
    service: z.string(),
    state: StoredState,
    currentVersion: z.nullable(int()),
    live: z.nullable(z.string()),
    nextVersion: int(),
    currentIndex: z
      .nullable(int())
      .check(z.describe("Index in entries of the write that made the current document")),
    versionRegression: VersionRegression,
    lastGood: LastGood,
    restorable: z.array(int()).check(z.describe("Versions a rollback can restore")),
    entries: z.array(HistoryEntry).check(z.describe("Newest first")),
    dropped: int().check(z.describe("Stored entries that did not parse")),
  })
  .check(z.meta({ id: "History" }));

const WriteResult = z
  .looseObject({
    ok: z.literal(true),
    service: z.string(),
    change: z.string().check(z.describe('One line, e.g. "flip live blue -> green"')),
    fromVersion: z.nullable(int()),
    version: int().check(z.describe("The version written (or that a dry run would write)")),
    diff: z.array(
      z.object({
        path: z.string(),
        kind: z.enum(["added", "removed", "changed"]),
        before: z.optional(z.unknown()),
        after: z.optional(z.unknown()),
      }),
    ),
    document: Document,
    forced: z.boolean().check(z.describe("A safety check was skipped (recorded in the history)")),
    written: z.boolean(),
    dryRun: z.boolean(),
    fromState: StoredState,
    summary: Summary,
  })
  .check(
    z.describe("What was written (or, with ?dryRun=1, would be); the ETag header is its version"),
    z.meta({ id: "WriteResult" }),
  );

const GateResult = z.looseObject({}).check(z.describe("One gate's verdict with its evidence"));

const RolloutOutcome = z
  .looseObject({
    service: z.string(),
    event: z
      .string()
      .check(z.describe("start, bake, advance, hold, pause, rollback, promote, ...")),
    reason: z.string(),
    version: int().check(z.describe("Document version after this evaluation")),
    state: z.nullable(z.string()),
    stepIndex: z.nullable(int()),
    gates: z.array(GateResult),
  })
  .check(z.meta({ id: "RolloutOutcome" }));

const RolloutView = z
  .looseObject({
    service: z.string(),
    version: int(),
    now: z.number().check(z.describe("Epoch milliseconds the preview was computed at")),
    live: z.string(),
    canary: z.nullable(
      z.looseObject({
        origin: z.string(),
        shareBp: z.number(),
        salt: z.string(),
        killed: z.boolean(),
      }),
    ),
    plan: z.nullable(Plan),
    status: z.nullable(z.looseObject({})).check(z.describe("The rollout's progress record")),
    statusCurrent: z
      .boolean()
      .check(z.describe("The progress record belongs to the document's plan")),
    metrics: z.looseObject({ version: int() }).check(z.describe("This version's per-arm metrics")),
    preview: z
      .nullable(
        z.looseObject({ verdict: z.string(), reason: z.string(), gates: z.array(GateResult) }),
      )
      .check(z.describe("What the gates say right now")),
  })
  .check(z.meta({ id: "RolloutView" }));

const ControlStatus = z
  .looseObject({
    service: z.string(),
    version: int(),
    isolates: int().check(z.describe("Isolates that checked in during the last minute")),
    checkInsPerSecond: z.number(),
    intervalMs: int().check(z.describe("The check-in interval the object hands out")),
    kvVersion: int().check(z.describe("The version last written to KV")),
    rolloutActive: z.boolean(),
    nextAlarmAt: z.nullable(z.number()),
    kvOps: z.object({ reads: int(), writes: int() }),
  })
  .check(z.meta({ id: "ControlStatus" }));

const ShadowEvidence = z
  .object({
    service: z.string(),
    shadows: z
      .array(z.looseObject({}))
      .check(
        z.describe("Each shadow origin's merged summary: agreement, |Δscore|, latency, errors"),
      ),
    records: z.array(z.looseObject({})).check(z.describe("The newest notable pairs, newest first")),
  })
  .check(z.meta({ id: "ShadowEvidence" }));

const Series = z
  .object({
    service: z.string(),
    bucketMs: int(),
    points: z.array(
      z.object({
        at: z.number().check(z.describe("Bucket start, epoch milliseconds")),
        arm: z.string(),
        requests: int(),
        errors: int(),
        failovers: int(),
        p50Ms: z.nullable(z.number()),
        p95Ms: z.nullable(z.number()),
      }),
    ),
  })
  .check(z.meta({ id: "Series" }));

const Health = z
  .looseObject({
    ok: z.literal(true),
    store: z
      .looseObject({ services: int(), kvReads: int() })
      .check(z.describe("This isolate's routing store")),
    control: z.nullable(z.looseObject({})).check(z.describe("This isolate's check-ins")),
    admin: z
      .object({
        open: z.boolean(),
        error: z.optional(z.enum(["no_admin_token", "admin_token_too_short"])),
        message: z.optional(z.string()),
      })
      .check(
        z.describe(
          "Whether the admin API and the dashboard are open: closed without ADMIN_TOKEN, or with one shorter than 32 bytes",
        ),
      ),
  })
  .check(z.meta({ id: "Health" }));

// Parameters.
const service: Parameter = {
  name: "service",
  in: "path",
  required: true,
  description: "The model service (its routing document's `service`)",
  schema: ServiceName,
};
const dryRun: Parameter = {
  name: "dryRun",
  in: "query",
  description: "1 or true: return the diff and the document without writing",
  schema: z.enum(["1", "true", "0", "false"]),
};
const ifMatch: Parameter = {
  name: "If-Match",
  in: "header",
  description:
    'Refuse the write (412) unless the stored document is this version: 7, "7" or W/"7" (the ETag of a read)',
  schema: z.string(),
};
const author: Parameter = {
  name: "X-Router-Author",
  in: "header",
  description: "Who makes the change: the document's updatedBy and the history's author",
  schema: z.string(),
};
const source: Parameter = {
  name: "X-Router-Source",
  in: "header",
  description: '"cli" records the write as the CLI\'s in the history (else "admin")',
  schema: z.enum(["cli"]),
};
const WRITE_PARAMETERS = [service, dryRun, ifMatch, author, source];

const expectedVersion = z
  .optional(z.number().check(z.int(), z.gte(1)))
  .check(z.describe("Refuse the write unless the stored document is this version (as If-Match)"));

/** The POST body of a named edit: its arguments, under `args`. */
const editBody = (name: EditName, args: z.ZodMiniType) =>
  z
    .strictObject({
      args: z.optional(args),
      expectedVersion,
      forced: z
        .optional(z.boolean())
        .check(z.describe("The caller skipped a safety check (the CLI's flip --force): recorded")),
    })
    .check(z.meta({ id: `EditBody.${name}` }));

/** Arguments as documented: apply's document is the routing document (checked by the edit). */
function documentedArgs(name: EditName): z.ZodMiniType {
  if (name === "apply") return z.strictObject({ document: Document });
  if (name === "patch") {
    return z.strictObject({
      patch: z
        .record(z.string(), z.unknown())
        .check(z.describe("RFC 7386 JSON merge patch: null removes a field, objects merge")),
    });
  }
  return EDITS[name].args;
}

const R = REFUSALS;
const WRITE_ERRORS: AdminRoute["errors"] = {
  400: `invalid_request, invalid_json, body_too_deep (JSON nested more than ${BODY_DEPTH} levels, refused before it is parsed), invalid_if_match, or ${R.invalid_change.code} (the result fails the schema; \`errors\` has the field paths)`,
  404: R.not_found.code,
  409: `${R.stored_document_invalid.code}, ${R.check_failed.code} or ${R.version_conflict.code} (the document moved while this write ran: re-read and retry)`,
  412: `${R.version_mismatch.code}: the stored version is not If-Match / expectedVersion`,
  413: `body_too_large: over ${BODY_BOUNDS.adminDocument.bytes} bytes, chunked or declared`,
  500: `${R.history_not_written.code}: the document was written, its history entry was not`,
  503: "control_plane_unavailable: the service's control object cannot be reached; the write may or may not have landed",
};

const READ_ERRORS: AdminRoute["errors"] = {
  400: "invalid_service_name",
  503: "control_plane_unavailable",
};

const COMMAND_SUMMARY: Record<ManualCommand, string> = {
  pause: "Pause a progressing rollout at its current share",
  resume: "Resume a paused rollout (its step's bake starts over)",
  abort: "Abort: kill the canary (every canary user back to live); the rollout ends",
  promote: "Promote now: flip live to the canary origin; the rollout ends",
};

/** An alias endpoint's body: its edit's arguments, plus expectedVersion. */
function withExpected(args: z.ZodMiniType, id: string): z.ZodMiniType {
  if (!(args instanceof z.ZodMiniObject)) {
    throw new Error(`${id}: the edit's arguments are no object`);
  }
  return z.extend(args, { expectedVersion }).check(z.meta({ id }));
}

const ADMIN = "/_router/admin";
const SERVICE = `${ADMIN}/services/{service}`;

const editRoutes = EDIT_NAMES.map(
  (name): AdminRoute => ({
    method: "post",
    path: `${SERVICE}/edits/${name}`,
    operationId: `edit.${name}`,
    tag: "edits",
    summary: EDITS[name].summary,
    description:
      EDITS[name].kind === "compute"
        ? "May create the document, or replace one that is deleted or fails the schema."
        : "Changes the stored (valid) document; the result must pass the schema.",
    parameters: WRITE_PARAMETERS,
    body: {
      schema: editBody(name, documentedArgs(name)),
      required: false,
      description: "The edit's arguments under `args`; an empty body is {}",
    },
    ok: { description: "Written (or a dry run's result)", schema: WriteResult },
    errors: {
      ...WRITE_ERRORS,
      404: "no_routing_document, or unknown_edit",
      413: `body_too_large: over ${BODY_BOUNDS.adminEdit.bytes} bytes, chunked or declared`,
    },
  }),
);

const commandRoutes = ROLLOUT_COMMANDS.map(
  (command): AdminRoute => ({
    method: "post",
    path: `${SERVICE}/rollout/${command}`,
    operationId: `rollout.${command}`,
    tag: "rollout",
    summary: COMMAND_SUMMARY[command],
    description:
      "Runs inside the service's control object, serialized with its alarm's evaluations; takes precedence over the analyzer.",
    parameters: [service, author],
    ok: { description: "The command's outcome", schema: RolloutOutcome },
    errors: {
      ...READ_ERRORS,
      404: "no_routing_document, no_rollout (none in progress)",
      409: "rollout_state: the command makes no sense in the rollout's state",
    },
  }),
);

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    method: "get",
    path: "/_router/health",
    operationId: "health",
    tag: "health",
    summary: "The router is up: this isolate's routing store and check-ins",
    public: true,
    ok: { description: "Up", schema: Health },
    errors: {},
  },
  {
    method: "get",
    path: `${ADMIN}/openapi.json`,
    operationId: "openapi",
    tag: "health",
    summary: "This document: the admin API as OpenAPI 3.1",
    ok: {
      description: "The OpenAPI document",
      schema: z.looseObject({ openapi: z.string() }),
    },
    errors: {},
  },
  {
    method: "get",
    path: `${ADMIN}/services`,
    operationId: "services.list",
    tag: "services",
    summary: "Every service with a routing document",
    ok: {
      description: "Service names",
      schema: z.object({ services: z.array(z.string()) }).check(z.meta({ id: "ServiceList" })),
    },
    errors: { 503: READ_ERRORS[503] },
  },
  {
    method: "get",
    path: `${ADMIN}/edits`,
    operationId: "edits.list",
    tag: "edits",
    summary: "The named edits and what each does",
    ok: {
      description: "The registry",
      schema: z
        .object({ edits: z.array(z.object({ name: z.enum(EDIT_NAMES), summary: z.string() })) })
        .check(z.meta({ id: "EditList" })),
    },
    errors: {},
  },
  {
    method: "get",
    path: SERVICE,
    operationId: "services.read",
    tag: "services",
    summary: "A service's state, version, summary, last-good copy and document",
    description: "The ETag header is the document's version (for If-Match).",
    parameters: [service],
    ok: { description: "Stored (valid or invalid)", schema: ServiceStatus },
    errors: {
      ...READ_ERRORS,
      404: "no_routing_document (with `state` and `lastGood` when it was deleted)",
    },
  },
  {
    method: "get",
    path: `${SERVICE}/history`,
    operationId: "services.history",
    tag: "services",
    summary: "A service's write history, newest first, with what each write replaced",
    parameters: [
      service,
      {
        name: "documents",
        in: "query",
        description: "0 or false: leave the replaced documents out of the entries",
        schema: z.enum(["1", "true", "0", "false"]),
      },
    ],
    ok: { description: "The history", schema: History },
    errors: READ_ERRORS,
  },
  {
    method: "put",
    path: SERVICE,
    operationId: "services.put",
    tag: "services",
    summary: "Replace (or create) the whole document: the apply edit",
    parameters: WRITE_PARAMETERS,
    body: {
      schema: Document,
      required: true,
      description: `The new document (at most ${LIMITS.documentBytes} bytes); version, updatedAt and updatedBy are stamped`,
    },
    ok: { description: "Written (or a dry run's result)", schema: WriteResult },
    errors: WRITE_ERRORS,
  },
  {
    method: "patch",
    path: SERVICE,
    operationId: "services.patch",
    tag: "services",
    summary: "Change part of the document: the patch edit",
    parameters: WRITE_PARAMETERS,
    body: {
      schema: z.record(z.string(), z.unknown()).check(z.meta({ id: "MergePatch" })),
      required: true,
      description: "An RFC 7386 JSON merge patch: null removes a field, objects merge",
    },
    ok: { description: "Written (or a dry run's result)", schema: WriteResult },
    errors: WRITE_ERRORS,
  },
  {
    method: "post",
    path: `${SERVICE}/flip`,
    operationId: "services.flip",
    tag: "services",
    summary: "Blue-green flip: the flip edit",
    parameters: WRITE_PARAMETERS,
    body: {
      schema: withExpected(EDITS.flip.args, "FlipBody"),
      required: false,
      description: "Without `to`: the one idle origin",
    },
    ok: { description: "Written (or a dry run's result)", schema: WriteResult },
    errors: WRITE_ERRORS,
  },
  {
    method: "post",
    path: `${SERVICE}/canary/kill`,
    operationId: "services.canaryKill",
    tag: "services",
    summary: "Kill switch: every canary user back to live (the canary.kill edit)",
    parameters: WRITE_PARAMETERS,
    body: {
      schema: withExpected(EDITS["canary.kill"].args, "KillBody"),
      required: false,
      description: "Optional",
    },
    ok: { description: "Written (or a dry run's result)", schema: WriteResult },
    errors: WRITE_ERRORS,
  },
  {
    method: "post",
    path: `${SERVICE}/rollback`,
    operationId: "services.rollback",
    tag: "services",
    summary: "Restore the previous document (or toVersion) as a new version: the rollback edit",
    description:
      "Also when the document was deleted: restores the newest good one known (the last-good copy, else the history's).",
    parameters: WRITE_PARAMETERS,
    body: {
      schema: withExpected(EDITS.rollback.args, "RollbackBody"),
      required: false,
      description: "Optional",
    },
    ok: { description: "Written (or a dry run's result)", schema: WriteResult },
    errors: WRITE_ERRORS,
  },
  ...editRoutes,
  {
    method: "get",
    path: `${SERVICE}/rollout`,
    operationId: "rollout.read",
    tag: "rollout",
    summary:
      "The plan, its progress and this version's per-arm metrics, with what the gates say now",
    parameters: [service],
    ok: { description: "The rollout", schema: RolloutView },
    errors: { ...READ_ERRORS, 404: "no_routing_document", 409: "stored_document_invalid" },
  },
  {
    method: "post",
    path: `${SERVICE}/rollout/evaluate`,
    operationId: "rollout.evaluate",
    tag: "rollout",
    summary: "Run the analyzer for this service now (as the control object's alarm does)",
    parameters: [service],
    ok: { description: "The evaluation's outcome", schema: RolloutOutcome },
    errors: { ...READ_ERRORS, 404: "no_routing_document, or no_rollout_plan" },
  },
  ...commandRoutes,
  {
    method: "get",
    path: `${SERVICE}/control`,
    operationId: "control.status",
    tag: "control",
    summary:
      "The control object: its version, isolates checking in, the interval it hands out, KV's version, the next alarm",
    parameters: [service],
    ok: { description: "The object's state", schema: ControlStatus },
    errors: READ_ERRORS,
  },
  {
    method: "get",
    path: `${SERVICE}/shadow`,
    operationId: "control.shadow",
    tag: "control",
    summary: "Each shadow origin's merged summary, and the newest notable pairs",
    parameters: [
      service,
      {
        name: "records",
        in: "query",
        description: "Notable pairs to return (at most 500; anything else gives 20)",
        schema: z._default(z.number().check(z.int(), z.gte(1)), 20),
      },
    ],
    ok: { description: "Shadow evidence", schema: ShadowEvidence },
    errors: READ_ERRORS,
  },
  {
    method: "get",
    path: `${SERVICE}/series`,
    operationId: "control.series",
    tag: "control",
    summary: "Requests, errors, failovers and latency per arm, in 10 s buckets",
    parameters: [
      service,
      {
        name: "minutes",
        in: "query",
        description: "How far back (at most 360; anything else gives 60)",
        schema: z._default(z.number().check(z.int(), z.gte(1)), 60),
      },
    ],
    ok: { description: "The time series", schema: Series },
    errors: READ_ERRORS,
  },
];
