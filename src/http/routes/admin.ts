/**
 * The admin HTTP API, mounted at /_router/admin: read state and history;
 * replace or patch a document; flip, kill the canary, roll back; and the
 * rollout endpoints (src/http/routes/rollout.ts).
 *
 * Layer: HTTP edge (admin). Every route is behind adminAuth (bearer token,
 * 401/403). Writes run the same shared operations and history as the CLI
 * (src/document/edits/, src/document/edits/) through adminWrite; `?dryRun=1` returns
 * the diff without writing; `If-Match: <version>` (or `expectedVersion` in a
 * POST body) refuses a write unless the document is still that version.
 * After a write this isolate's routing memo is cleared; other isolates see
 * the change within their memo TTL plus KV propagation.
 */
import { Hono } from "hono";
import { z } from "zod";
import { listServiceNames, readService } from "../../adapters/kv/service-store.ts";
import { RouterError } from "../../app/errors.ts";
import { RequestBody } from "../../app/route/request-body.ts";
import { type AdminWrite, adminWrite } from "../../app/write-service.ts";
import { canaryKill } from "../../document/edits/canary.ts";
import { flip } from "../../document/edits/flip.ts";
import type { Authorship } from "../../document/edits/operation.ts";
import { patchDocument, replaceDocument } from "../../document/edits/replace.ts";
import { restorableVersions, rollback } from "../../document/edits/rollback.ts";
import { type StoredService, storedVersion } from "../../document/edits/stored-service.ts";
import { summarizeDocument } from "../../document/edits/summary.ts";
import { LIMITS, type RoutingDocument } from "../../document/routing-document.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import {
  type AdminContext,
  type AdminEnv,
  authorOf,
  notFound,
  serviceParam,
} from "./request-params.ts";
import { rolloutRoutes } from "./rollout.ts";

type Env_ = AdminEnv;
type C = AdminContext;

export interface AdminOptions {
  /** Called after every write (the composition root clears the routing memo). */
  afterWrite: (env: Env) => void;
}

const Expected = { expectedVersion: z.number().int().min(1).optional() };
const FlipBody = z.object({ to: z.string().optional(), ...Expected }).strict();
const KillBody = z.object(Expected).strict();
const RollbackBody = z
  .object({ toVersion: z.number().int().min(1).optional(), ...Expected })
  .strict();

export function adminRoutes(options: AdminOptions): Hono<Env_> {
  const admin = new Hono<Env_>();
  admin.use("*", adminAuth());

  admin.get("/services", async (c) => {
    return c.json({ services: await listServiceNames(c.env.ROUTING) });
  });

  admin.get("/services/:service", async (c) => {
    const stored = await readService(c.env.ROUTING, serviceParam(c));
    if (stored.raw === null) throw notFound(stored.service);
    const version = storedVersion(stored);
    if (version !== null) c.header("etag", `"${version}"`);
    return c.json({
      service: stored.service,
      version,
      valid: stored.doc !== null,
      errors: stored.errors,
      summary: stored.doc ? summarizeDocument(stored.doc) : null,
      document: stored.json,
    });
  });

  admin.get("/services/:service/history", async (c) => {
    const stored = await readService(c.env.ROUTING, serviceParam(c));
    const current = storedVersion(stored);
    const withDocuments = !["0", "false"].includes(c.req.query("documents") ?? "");
    const entries = [...stored.history]
      .reverse()
      .map((e) => (withDocuments ? e : { ...e, document: undefined }));
    const restorable = restorableVersions(stored);
    return c.json({ service: stored.service, currentVersion: current, restorable, entries });
  });

  const write = async (c: C, spec: Omit<AdminWrite, "kv" | "service" | "meta" | "dryRun">) => {
    const result = await adminWrite({
      kv: c.env.ROUTING,
      service: serviceParam(c),
      meta: metaOf(c),
      dryRun: ["1", "true"].includes(c.req.query("dryRun") ?? ""),
      ...spec,
    });
    if (result.written) options.afterWrite(c.env);
    c.header("etag", `"${result.version}"`);
    return c.json(result);
  };

  admin.put("/services/:service", async (c) => {
    const input = await jsonBody(c, true);
    return write(c, {
      expectedVersion: ifMatch(c),
      allowMissing: true,
      allowInvalid: true,
      compute: (s, meta) => replaceDocument(s.service, s.doc, input, meta),
    });
  });

  admin.patch("/services/:service", async (c) => {
    const patch = await jsonBody(c, true);
    return write(c, {
      expectedVersion: ifMatch(c),
      compute: (s, meta) => patchDocument(docOf(s), patch, meta),
    });
  });

  admin.post("/services/:service/flip", async (c) => {
    const body = parseBody(FlipBody, await jsonBody(c, false));
    const to = body.to;
    return write(c, {
      expectedVersion: expected(c, body.expectedVersion),
      compute: (s, meta) => flip(docOf(s), to === undefined ? {} : { to }, meta),
    });
  });

  admin.post("/services/:service/canary/kill", async (c) => {
    const body = parseBody(KillBody, await jsonBody(c, false));
    return write(c, {
      expectedVersion: expected(c, body.expectedVersion),
      compute: (s, meta) => canaryKill(docOf(s), meta),
    });
  });

  admin.post("/services/:service/rollback", async (c) => {
    const body = parseBody(RollbackBody, await jsonBody(c, false));
    const args = body.toVersion === undefined ? {} : { toVersion: body.toVersion };
    // Also when the document was deleted: restores the newest good one known
    // (the last-good copy, else the history's) as a new version.
    return write(c, {
      expectedVersion: expected(c, body.expectedVersion),
      allowMissing: true,
      allowInvalid: true,
      compute: (s, meta) => rollback(s, args, meta),
    });
  });

  admin.route("/services/:service/rollout", rolloutRoutes(options));

  return admin;
}

const docOf = (s: StoredService) => s.doc as RoutingDocument;

function metaOf(c: C): Authorship {
  return { author: authorOf(c, "admin-api"), now: new Date().toISOString() };
}

/**
 * The request's JSON body; an empty body is {} unless one is required. At
 * most LIMITS.documentBytes are read (the largest valid document), chunked
 * or not: a larger body is refused unread.
 */
async function jsonBody(c: C, required: boolean): Promise<unknown> {
  const bytes = await new RequestBody(c.req.raw).upTo(LIMITS.documentBytes);
  if (bytes === null) {
    throw new RouterError(
      413,
      "body_too_large",
      `the body is over ${LIMITS.documentBytes} bytes, the most a routing document may have`,
    );
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "" && !required) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RouterError(400, "invalid_json", `the body is not JSON: ${(err as Error).message}`);
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
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
