/**
 * The admin HTTP API, mounted at /_router/admin: read state and history;
 * run a named edit (`POST /services/:service/edits/:name`, the registry in
 * src/document/edits/registry.ts: flip, canary.*, challenger.*, shadow.*,
 * rollout.plan|remove, patch, apply, rollback); the older write endpoints
 * (PUT, PATCH, flip, canary/kill, rollback) are aliases of edits; and the
 * rollout endpoints (src/http/routes/rollout.ts); GET /openapi.json describes
 * every route (src/http/routes/openapi-table.ts, checked against the app).
 *
 * Layer: HTTP edge (admin). Every route is behind adminAuth (bearer token,
 * 401/403). Every write is a registry edit run by the one write pipeline
 * (src/app/write-service.ts), the same entries the CLI runs; `?dryRun=1`
 * returns the diff without writing; `If-Match: <version>` (or
 * `expectedVersion` in a POST body) refuses a write unless the document is
 * still that version. `X-Router-Author` becomes updatedBy; `X-Router-Source:
 * cli` records the write as the CLI's in the history. Writes go through the
 * service's control object (a compare-and-swap); this isolate routes by the
 * new document at once, every other isolate at its next check-in (about
 * CHECKIN_INTERVAL_MS). The control object's state, shadow evidence and
 * time series: src/http/routes/control.ts.
 */

import { Hono } from "hono";
import { RouterError } from "../../app/errors.ts";
import { RequestBody } from "../../app/route/request-body.ts";
import {
  type CheckOutcome,
  type ComputeWrite,
  type EditWrite,
  writeService,
} from "../../app/write-service.ts";
import { decodeUtf8 } from "../../core/utf8.ts";
import type { Authorship } from "../../document/edits/operation.ts";
import {
  EDIT_NAMES,
  EDITS,
  prepareEdit,
  type StoredState,
  storedState,
} from "../../document/edits/registry.ts";
import { serviceHistory, serviceStatus } from "../../document/edits/service-view.ts";
import { summarizeDocument } from "../../document/edits/summary.ts";
import { LIMITS } from "../../document/routing-document.ts";
import { DOCUMENT_LIMIT_RULE } from "../../document/validate.ts";
import * as z from "../../document/zod.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import { controlRoutes } from "./control.ts";
import { openapiRoutes } from "./openapi.ts";
import {
  type AdminContext,
  type AdminDepsFor,
  type AdminEnv,
  authorOf,
  notFound,
  serviceParam,
} from "./request-params.ts";
import { rolloutRoutes } from "./rollout.ts";

type Env_ = AdminEnv;
type C = AdminContext;

export type { AdminDeps, AdminDepsFor } from "./request-params.ts";

const Version = z.number().check(z.int(), z.gte(1));
const Expected = { expectedVersion: z.optional(Version) };
const FlipBody = z.strictObject({ to: z.optional(z.string()), ...Expected });
const KillBody = z.strictObject(Expected);
const RollbackBody = z.strictObject({ toVersion: z.optional(Version), ...Expected });
const EditBody = z.strictObject({
  args: z.optional(z.unknown()),
  ...Expected,
  /** The caller skipped a safety check (the CLI's flip --force): recorded in the history. */
  forced: z.optional(z.boolean()),
});
/** An edit's body may hold a whole document (apply) plus its small envelope. */
const EDIT_BODY_BYTES = LIMITS.documentBytes + 1024;

/** A skipped check: the write pipeline records it as forced. */
const SKIPPED: CheckOutcome = { ok: true, forced: true, report: { skipped: true }, text: "" };

export function adminRoutes(depsFor: AdminDepsFor): Hono<Env_> {
  const admin = new Hono<Env_>();
  const deps = (c: C) => depsFor(c.env);
  admin.use(
    "*",
    adminAuth((c) => deps(c).adminToken),
  );

  admin.route("/openapi.json", openapiRoutes());

  admin.get("/services", async (c) => {
    return c.json({ services: await deps(c).services.list() });
  });

  admin.get("/edits", (c) =>
    c.json({ edits: EDIT_NAMES.map((name) => ({ name, summary: EDITS[name].summary })) }),
  );

  admin.get("/services/:service", async (c) => {
    const status = serviceStatus(await deps(c).services.read(serviceParam(c)));
    if (!status.found) {
      // A deleted document: say what the router serves meanwhile.
      if (status.state !== "deleted") throw notFound(status.service);
      const { message, detail } = notFound(status.service);
      throw new RouterError(404, "no_routing_document", message, {
        ...detail,
        state: status.state,
        lastGood: status.lastGood,
      });
    }
    if (status.version !== null) c.header("etag", `"${status.version}"`);
    return c.json(status);
  });

  admin.get("/services/:service/history", async (c) => {
    const stored = await deps(c).services.read(serviceParam(c));
    const withDocuments = !["0", "false"].includes(c.req.query("documents") ?? "");
    return c.json(serviceHistory(stored, withDocuments));
  });

  type Spec =
    | Omit<EditWrite, "service" | "meta" | "dryRun" | "source">
    | Omit<ComputeWrite, "service" | "meta" | "dryRun" | "source">;
  const write = async (c: C, spec: Spec) => {
    const d = deps(c);
    let fromState: StoredState = "missing";
    const { check: _check, ...result } = await writeService(d.services, {
      service: serviceParam(c),
      meta: metaOf(c),
      dryRun: ["1", "true"].includes(c.req.query("dryRun") ?? ""),
      source: c.req.header("x-router-source") === "cli" ? "cli" : "admin",
      onPlan: (_plan, stored) => {
        fromState = storedState(stored);
      },
      ...spec,
    } as EditWrite | ComputeWrite);
    if (result.written) d.afterWrite(result.service, result.document);
    c.header("etag", `"${result.version}"`);
    return c.json({ ok: true, ...result, fromState, summary: summarizeDocument(result.document) });
  };

  /** Runs the registry's edit `name` with `args` through the write pipeline. */
  const runEdit = (
    c: C,
    name: string,
    args: unknown,
    expectedVersion: number | undefined,
    forced = false,
  ) => {
    const prepared = prepareEdit(name, args);
    if (!prepared.ok) {
      throw prepared.reason === "unknown_edit"
        ? new RouterError(404, "unknown_edit", prepared.message, { edits: EDIT_NAMES })
        : new RouterError(400, "invalid_request", `the arguments of "${name}" are invalid`, {
            errors: prepared.errors,
          });
    }
    return write(c, {
      expectedVersion,
      ...prepared.steps,
      ...(forced ? { check: async () => SKIPPED } : {}),
    });
  };

  admin.post("/services/:service/edits/:name", async (c) => {
    const body = parseBody(EditBody, await jsonBody(c, false, EDIT_BODY_BYTES));
    const name = c.req.param("name");
    return runEdit(c, name, body.args, expected(c, body.expectedVersion), body.forced === true);
  });

  // The older endpoints, as aliases of registry edits.
  admin.put("/services/:service", async (c) =>
    runEdit(c, "apply", { document: await jsonBody(c, true) }, ifMatch(c)),
  );

  admin.patch("/services/:service", async (c) =>
    runEdit(c, "patch", { patch: await jsonBody(c, true) }, ifMatch(c)),
  );

  admin.post("/services/:service/flip", async (c) => {
    const { expectedVersion, ...args } = parseBody(FlipBody, await jsonBody(c, false));
    return runEdit(c, "flip", args, expected(c, expectedVersion));
  });

  admin.post("/services/:service/canary/kill", async (c) => {
    const { expectedVersion } = parseBody(KillBody, await jsonBody(c, false));
    return runEdit(c, "canary.kill", {}, expected(c, expectedVersion));
  });

  // Also when the document was deleted: restores the newest good one known
  // (the last-good copy, else the history's) as a new version.
  admin.post("/services/:service/rollback", async (c) => {
    const { expectedVersion, ...args } = parseBody(RollbackBody, await jsonBody(c, false));
    return runEdit(c, "rollback", args, expected(c, expectedVersion));
  });

  admin.route("/services/:service/rollout", rolloutRoutes(depsFor));
  admin.route("/services/:service", controlRoutes(depsFor));

  return admin;
}

/** The last-good copy the router serves when the document is deleted or invalid. */
function metaOf(c: C): Authorship {
  return { author: authorOf(c, "admin-api"), now: new Date().toISOString() };
}

/**
 * The request's JSON body; an empty body is {} unless one is required. At
 * most `limit` bytes are read (LIMITS.documentBytes, the largest valid
 * document; an edit's body 1 KiB more), chunked or not: a larger body is
 * refused unread.
 */
async function jsonBody(
  c: C,
  required: boolean,
  limit: number = LIMITS.documentBytes,
): Promise<unknown> {
  const bytes = await new RequestBody(c.req.raw).upTo(limit);
  if (bytes === null) {
    throw new RouterError(
      413,
      "body_too_large",
      `the body is over ${limit} bytes; ${DOCUMENT_LIMIT_RULE}${limit > LIMITS.documentBytes ? ` (an edit's body, with its arguments: at most ${limit})` : ""}`,
    );
  }
  const text = decodeUtf8(bytes);
  if (text.trim() === "" && !required) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RouterError(400, "invalid_json", `the body is not JSON: ${(err as Error).message}`);
  }
}

function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown): T {
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
function ifMatch(c: C): number | undefined {
  const header = c.req.header("if-match");
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) {
    throw new RouterError(400, "invalid_if_match", 'If-Match must be a document version, e.g. "7"');
  }
  return Number(match[1]);
}

function expected(c: C, fromBody: number | undefined): number | undefined {
  const fromHeader = ifMatch(c);
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new RouterError(400, "invalid_request", "If-Match and expectedVersion disagree");
  }
  return fromHeader ?? fromBody;
}
