/**
 * How an admin write reads its request and answers: the JSON body (bounded,
 * chunked or not), the body's schema, If-Match and expectedVersion, the
 * author, ?dryRun and X-Router-Source (each with its OpenAPI parameter);
 * then the registry's edit run by the one write pipeline
 * (src/app/write-service.ts), answered with what was written (or would be)
 * and the version as ETag.
 *
 * Layer: HTTP edge (admin). The routes that use it: src/http/routes/writes.ts.
 */
import { RouterError } from "../../app/errors.ts";
import {
  type CheckOutcome,
  type ComputeWrite,
  type EditWrite,
  writeService,
} from "../../app/write-service.ts";
import type { Authorship } from "../../document/edits/operation.ts";
import {
  EDIT_NAMES,
  prepareEdit,
  type StoredState,
  storedState,
} from "../../document/edits/registry.ts";
import { summarizeDocument } from "../../document/edits/summary.ts";
import * as z from "../../document/zod.ts";
import { BODY_BOUNDS, type BodyBound, readBoundedJson } from "../bounded-body.ts";
import {
  type AdminDeps,
  authorOf,
  authorParameter,
  type AdminContext as C,
  serviceParam,
  serviceParameter,
} from "./request-params.ts";
import type { Parameter } from "./route-def.ts";

// What a write reads besides its body, as the OpenAPI document lists it.
const dryRunParameter: Parameter = {
  name: "dryRun",
  in: "query",
  description: "1 or true: return the diff and the document without writing",
  schema: z.enum(["1", "true", "0", "false"]),
};
const ifMatchParameter: Parameter = {
  name: "If-Match",
  in: "header",
  description:
    'Refuse the write (412) unless the stored document is this version: 7, "7" or W/"7" (the ETag of a read)',
  schema: z.string(),
};
const sourceParameter: Parameter = {
  name: "X-Router-Source",
  in: "header",
  description: '"cli" records the write as the CLI\'s in the history (else "admin")',
  schema: z.enum(["cli"]),
};
export const WRITE_PARAMETERS = [
  serviceParameter,
  dryRunParameter,
  ifMatchParameter,
  authorParameter,
  sourceParameter,
];

export const expectedVersion = z
  .optional(z.number().check(z.int(), z.gte(1)))
  .check(z.describe("Refuse the write unless the stored document is this version (as If-Match)"));

/** A skipped check: the write pipeline records it as forced. */
const SKIPPED: CheckOutcome = { ok: true, forced: true, report: { skipped: true }, text: "" };

type Spec =
  | Omit<EditWrite, "service" | "meta" | "dryRun" | "source">
  | Omit<ComputeWrite, "service" | "meta" | "dryRun" | "source">;

async function write(c: C, deps: AdminDeps, spec: Spec): Promise<Response> {
  let fromState: StoredState = "missing";
  const { check: _check, ...result } = await writeService(deps.services, {
    service: serviceParam(c),
    meta: metaOf(c),
    dryRun: ["1", "true"].includes(c.req.query("dryRun") ?? ""),
    source: c.req.header("x-router-source") === "cli" ? "cli" : "admin",
    onPlan: (_plan, stored) => {
      fromState = storedState(stored);
    },
    routerHosts: [new URL(c.req.url).host, ...deps.serviceHosts],
    ...spec,
  } as EditWrite | ComputeWrite);
  if (result.written) deps.afterWrite(result.service, result.document);
  c.header("etag", `"${result.version}"`);
  return c.json({ ok: true, ...result, fromState, summary: summarizeDocument(result.document) });
}

/** Runs the registry's edit `name` with `args` through the write pipeline. */
export function runEdit(
  c: C,
  deps: AdminDeps,
  name: string,
  args: unknown,
  expectedVersion: number | undefined,
  forced = false,
): Promise<Response> {
  const prepared = prepareEdit(name, args);
  if (!prepared.ok) {
    throw prepared.reason === "unknown_edit"
      ? new RouterError(404, "unknown_edit", prepared.message, { edits: EDIT_NAMES })
      : new RouterError(400, "invalid_request", `the arguments of "${name}" are invalid`, {
          errors: prepared.errors,
        });
  }
  return write(c, deps, {
    expectedVersion,
    ...prepared.steps,
    ...(forced ? { check: async () => SKIPPED } : {}),
  });
}

/** Who writes, and when. */
function metaOf(c: C): Authorship {
  return { author: authorOf(c, "admin-api"), now: new Date().toISOString() };
}

/**
 * The request's JSON body; an empty body is {} unless one is required. At
 * most `bound` bytes are read (BODY_BOUNDS.adminDocument, the largest valid
 * document; an edit's body 1 KiB more), chunked or not: a larger body is
 * refused unread.
 */
export function jsonBody(
  c: C,
  required: boolean,
  bound: BodyBound = BODY_BOUNDS.adminDocument,
): Promise<unknown> {
  return readBoundedJson(c, bound, required);
}

export function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new RouterError(400, "invalid_request", "the request body is invalid", {
    errors: parsed.error.issues.map((i) => ({
      path: i.path.map(String).join("."),
      message: i.message,
    })),
  });
}

/** If-Match: 7, "7" or W/"7" -> 7. */
export function ifMatch(c: C): number | undefined {
  const header = c.req.header("if-match");
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) {
    throw new RouterError(400, "invalid_if_match", 'If-Match must be a document version, e.g. "7"');
  }
  return Number(match[1]);
}

/** The version a write expects: If-Match, else the body's expectedVersion (they must agree). */
export function expected(c: C, fromBody: number | undefined): number | undefined {
  const fromHeader = ifMatch(c);
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new RouterError(400, "invalid_request", "If-Match and expectedVersion disagree");
  }
  return fromHeader ?? fromBody;
}
