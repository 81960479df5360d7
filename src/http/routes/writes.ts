/**
 * The admin API's writes, under /_router/admin/services/:service: a named
 * edit (`POST /edits/:name`, the registry in src/document/edits/registry.ts:
 * flip, canary.*, challenger.*, shadow.*, rollout.plan|remove, patch, apply,
 * rollback), documented once per edit; and the older endpoints (PUT, PATCH,
 * flip, canary/kill, rollback), aliases of edits. Each with what the OpenAPI
 * document says of it.
 *
 * Layer: HTTP edge (admin). Every write is a registry edit run by the one
 * write pipeline (write-request.ts, src/app/write-service.ts), the same
 * entries the CLI runs; `?dryRun=1` returns the diff without writing;
 * `If-Match: <version>` (or `expectedVersion` in a POST body) refuses a
 * write unless the document is still that version. `X-Router-Author`
 * becomes updatedBy; `X-Router-Source: cli` records the write as the CLI's
 * in the history.
 */
import { REFUSALS } from "../../app/write-service.ts";
import { EDIT_NAMES, EDITS, type EditName } from "../../document/edits/registry.ts";
import { LIMITS, RoutingDocument } from "../../document/routing-document.ts";
import * as z from "../../document/zod.ts";
import { BODY_BOUNDS, BODY_DEPTH } from "../bounded-body.ts";
import { int, StoredState, Summary } from "./api-schemas.ts";
import type { AdminDeps } from "./request-params.ts";
import type { Operation, RouteDef } from "./route-def.ts";
import {
  expected,
  expectedVersion,
  ifMatch,
  jsonBody,
  parseBody,
  runEdit,
  WRITE_PARAMETERS,
} from "./write-request.ts";

const Document = RoutingDocument.check(z.meta({ id: "RoutingDocument" }));

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

// The bodies the routes parse (an edit's arguments are checked by the edit).
const FlipBody = z.strictObject({ to: z.optional(z.string()), expectedVersion });
const KillBody = z.strictObject({ expectedVersion });
const RollbackBody = z.strictObject({
  toVersion: z.optional(z.number().check(z.int(), z.gte(1))),
  expectedVersion,
});
const EditBody = z.strictObject({
  args: z.optional(z.unknown()),
  expectedVersion,
  /** The caller skipped a safety check (the CLI's flip --force): recorded in the history. */
  forced: z.optional(z.boolean()),
});

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

/** An alias endpoint's body: its edit's arguments, plus expectedVersion. */
function withExpected(args: z.ZodMiniType, id: string): z.ZodMiniType {
  if (!(args instanceof z.ZodMiniObject)) {
    throw new Error(`${id}: the edit's arguments are no object`);
  }
  return z.extend(args, { expectedVersion }).check(z.meta({ id }));
}

const R = REFUSALS;
const WRITE_ERRORS: Operation["errors"] = {
  400: `invalid_request, invalid_json, body_too_deep (JSON nested more than ${BODY_DEPTH} levels, refused before it is parsed), invalid_if_match, or ${R.invalid_change.code} (the result fails the schema; \`errors\` has the field paths)`,
  404: R.not_found.code,
  409: `${R.stored_document_invalid.code}, ${R.check_failed.code} or ${R.version_conflict.code} (the document moved while this write ran: re-read and retry)`,
  412: `${R.version_mismatch.code}: the stored version is not If-Match / expectedVersion`,
  413: `body_too_large: over ${BODY_BOUNDS.adminDocument.bytes} bytes, chunked or declared`,
  500: `${R.history_not_written.code}: the document was written, its history entry was not`,
  503: "control_plane_unavailable: the service's control object cannot be reached; the write may or may not have landed",
};

/** A write's documentation: its parameters and answers, with these. */
const writeDocs = (
  op: Pick<Operation, "operationId" | "summary"> & Partial<Operation>,
): Operation => ({
  tag: "services",
  parameters: WRITE_PARAMETERS,
  ok: { description: "Written (or a dry run's result)", schema: WriteResult },
  errors: WRITE_ERRORS,
  ...op,
});

export const WRITE_ROUTES: readonly RouteDef<AdminDeps>[] = [
  {
    method: "put",
    path: "/services/:service",
    docs: writeDocs({
      operationId: "services.put",
      summary: "Replace (or create) the whole document: the apply edit",
      body: {
        schema: Document,
        required: true,
        description: `The new document (at most ${LIMITS.documentBytes} bytes); version, updatedAt and updatedBy are stamped`,
      },
    }),
    handler: async (c, deps) =>
      runEdit(c, deps, "apply", { document: await jsonBody(c, true) }, ifMatch(c)),
  },
  {
    method: "patch",
    path: "/services/:service",
    docs: writeDocs({
      operationId: "services.patch",
      summary: "Change part of the document: the patch edit",
      body: {
        schema: z.record(z.string(), z.unknown()).check(z.meta({ id: "MergePatch" })),
        required: true,
        description: "An RFC 7386 JSON merge patch: null removes a field, objects merge",
      },
    }),
    handler: async (c, deps) =>
      runEdit(c, deps, "patch", { patch: await jsonBody(c, true) }, ifMatch(c)),
  },
  {
    method: "post",
    path: "/services/:service/flip",
    docs: writeDocs({
      operationId: "services.flip",
      summary: "Blue-green flip: the flip edit",
      body: {
        schema: withExpected(EDITS.flip.args, "FlipBody"),
        required: false,
        description: "Without `to`: the one idle origin",
      },
    }),
    handler: async (c, deps) => {
      const { expectedVersion, ...args } = parseBody(FlipBody, await jsonBody(c, false));
      return runEdit(c, deps, "flip", args, expected(c, expectedVersion));
    },
  },
  {
    method: "post",
    path: "/services/:service/canary/kill",
    docs: writeDocs({
      operationId: "services.canaryKill",
      summary: "Kill switch: every canary user back to live (the canary.kill edit)",
      body: {
        schema: withExpected(EDITS["canary.kill"].args, "KillBody"),
        required: false,
        description: "Optional",
      },
    }),
    handler: async (c, deps) => {
      const { expectedVersion } = parseBody(KillBody, await jsonBody(c, false));
      return runEdit(c, deps, "canary.kill", {}, expected(c, expectedVersion));
    },
  },
  {
    method: "post",
    path: "/services/:service/rollback",
    docs: writeDocs({
      operationId: "services.rollback",
      summary: "Restore the previous document (or toVersion) as a new version: the rollback edit",
      description:
        "Also when the document was deleted: restores the newest good one known (the last-good copy, else the history's).",
      body: {
        schema: withExpected(EDITS.rollback.args, "RollbackBody"),
        required: false,
        description: "Optional",
      },
    }),
    handler: async (c, deps) => {
      const { expectedVersion, ...args } = parseBody(RollbackBody, await jsonBody(c, false));
      return runEdit(c, deps, "rollback", args, expected(c, expectedVersion));
    },
  },
  {
    method: "post",
    path: "/services/:service/edits/:name",
    docs: EDIT_NAMES.map((name) =>
      writeDocs({
        fixed: { name },
        operationId: `edit.${name}`,
        tag: "edits",
        summary: EDITS[name].summary,
        description:
          EDITS[name].kind === "compute"
            ? "May create the document, or replace one that is deleted or fails the schema."
            : "Changes the stored (valid) document; the result must pass the schema.",
        body: {
          schema: editBody(name, documentedArgs(name)),
          required: false,
          description: "The edit's arguments under `args`; an empty body is {}",
        },
        errors: {
          ...WRITE_ERRORS,
          404: "no_routing_document, or unknown_edit",
          413: `body_too_large: over ${BODY_BOUNDS.adminEdit.bytes} bytes, chunked or declared`,
        },
      }),
    ),
    handler: async (c, deps) => {
      const body = parseBody(EditBody, await jsonBody(c, false, BODY_BOUNDS.adminEdit));
      const name = c.req.param("name") ?? "";
      return runEdit(
        c,
        deps,
        name,
        body.args,
        expected(c, body.expectedVersion),
        body.forced === true,
      );
    },
  },
];
