/**
 * The CLI's client of a running router's admin API (/_router/admin): one
 * request with errors an operator can act on (no router, a refused token,
 * not a router), and the Backend over it: reads are GETs, and a write is
 * the registry edit's endpoint twice, a dry run (the plan and the diff,
 * then the smoke tests and --confirm here) and the write itself with
 * `expectedVersion` set to the version the dry run saw, so a write landing
 * in between is refused (exit 3).
 *
 * Layer: CLI. The write pipeline runs in the router; writes are recorded
 * with source "cli" (X-Router-Source) and the author (X-Router-Author).
 */
import type { FieldError } from "../../src/document/field-errors.ts";
import {
  type Backend,
  type ControlStatus,
  type HistoryView,
  notFound,
  refusal,
  refusalKindOf,
  reportOf,
  type ServiceStatus,
  type WriteOutcome,
  type WritePlan,
} from "./backend.ts";
import { CliError, EXIT } from "./cli.ts";
import type { ApiTarget } from "./target.ts";

const TIMEOUT_MS = 15_000;

/**
 * A Cloudflare Access service token, when the admin API sits behind Access:
 * CF_ACCESS_CLIENT_ID and CF_ACCESS_CLIENT_SECRET from the environment, sent
 * as Access expects them (both, or neither).
 */
export function accessHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const id = env.CF_ACCESS_CLIENT_ID;
  const secret = env.CF_ACCESS_CLIENT_SECRET;
  return id && secret ? { "cf-access-client-id": id, "cf-access-client-secret": secret } : {};
}

/** The answer is Cloudflare Access's login page (or its redirect), not the router's. */
function accessLogin(res: Response, text: string): boolean {
  const where = new URL(res.url || "http://x/");
  return (
    where.hostname.endsWith(".cloudflareaccess.com") ||
    where.pathname.startsWith("/cdn-cgi/access/") ||
    text.includes("cloudflareaccess.com") ||
    /cdn-cgi\/access\/login/.test(text)
  );
}

export interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface AdminRequest {
  body?: unknown;
  author?: string | undefined;
  query?: Record<string, string>;
}

/** One admin API request; a JSON answer of any status, else a CliError. */
export async function adminRequest(
  target: ApiTarget,
  method: "GET" | "POST",
  path: string,
  request: AdminRequest = {},
): Promise<AdminAnswer> {
  const query = new URLSearchParams(request.query ?? {}).toString();
  const url = `${target.url}/_router/admin${path}${query ? `?${query}` : ""}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...accessHeaders(),
        authorization: `Bearer ${target.token}`,
        "x-router-source": "cli",
        ...(request.author ? { "x-router-author": request.author } : {}),
        ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === "TimeoutError"
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new CliError(
      EXIT.refused,
      "router_unreachable",
      `no router at ${target.url}: start it with \`npm start\`, pass --url${target.directHint ? ", or use --direct" : ""} (${why})`,
      [],
      { url: target.url },
    );
  }
  const text = await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {}
  if (res.status === 401 || res.status === 403) {
    throw new CliError(
      EXIT.refused,
      "admin_token_refused",
      `the router at ${target.url} refused the admin token (${res.status}): ${target.tokenSource} is not the router's ADMIN_TOKEN`,
      [],
      { status: res.status },
    );
  }
  if (body === null && accessLogin(res, text)) {
    const sent = Object.keys(accessHeaders()).length > 0;
    throw new CliError(
      EXIT.refused,
      "access_login",
      `${url} answered with Cloudflare Access's login page, not the router: ${sent ? "Access refused the service token in CF_ACCESS_CLIENT_ID / CF_ACCESS_CLIENT_SECRET (is it allowed by a Service Auth policy of the application?)" : "set CF_ACCESS_CLIENT_ID and CF_ACCESS_CLIENT_SECRET to an Access service token allowed by the application (docs/deploying.md, step 4)"}`,
      [],
      { status: res.status },
    );
  }
  if (body === null) {
    throw new CliError(
      EXIT.refused,
      "not_a_router",
      `${url} answered ${res.status} without JSON: is --url the model router?`,
      [],
      { status: res.status },
    );
  }
  return { status: res.status, body };
}

const errorsOf = (body: Record<string, unknown>): FieldError[] =>
  Array.isArray(body.errors) ? (body.errors as FieldError[]) : [];

/** The router's refusal as a CliError: its code and message, exit 3 for a conflict. */
export function adminError({ status, body }: AdminAnswer): CliError {
  const code = typeof body.error === "string" ? body.error : "admin_error";
  const message = typeof body.message === "string" ? body.message : `HTTP ${status}`;
  const { error: _e, message: _m, errors: _errors, ...detail } = body;
  return new CliError(
    code === "version_conflict" ? EXIT.conflict : EXIT.refused,
    code,
    `refused (${status}): ${message}`,
    errorsOf(body),
    { status, ...detail },
  );
}

/** One admin API call; a non-2xx answer becomes a CliError with the router's code and message. */
export async function adminCall<T>(
  target: ApiTarget,
  method: "GET" | "POST",
  path: string,
  author?: string,
): Promise<T> {
  const answer = await adminRequest(target, method, path, { author });
  if (answer.status >= 300) throw adminError(answer);
  return answer.body as T;
}

export const servicePath = (service: string, rest = "") =>
  `/services/${encodeURIComponent(service)}${rest}`;

export function apiBackend(target: ApiTarget): Backend {
  const label = target.url;

  /** The services the router knows (for a "did you mean"); none when it cannot say. */
  const knownServices = async (): Promise<string[]> => {
    const answer = await adminRequest(target, "GET", "/services").catch(() => null);
    const names = answer && answer.status < 300 ? answer.body.services : null;
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
  };

  const service = async (name: string): Promise<ServiceStatus> => {
    const answer = await adminRequest(target, "GET", servicePath(name));
    const b = answer.body;
    if (answer.status === 404 && b.error === "no_routing_document") {
      if (b.state !== "deleted") throw notFound(name, label, await knownServices());
      return {
        service: name,
        state: "deleted",
        found: false,
        deleted: true,
        valid: false,
        version: null,
        errors: [],
        summary: null,
        lastGood: (b.lastGood as ServiceStatus["lastGood"]) ?? null,
        versionRegression: null,
        document: null,
      };
    }
    if (answer.status >= 300) throw adminError(answer);
    const s = b as unknown as ServiceStatus;
    return {
      service: s.service,
      state: s.state,
      found: true,
      deleted: false,
      valid: s.valid,
      version: s.version,
      errors: s.errors,
      summary: s.summary,
      lastGood: s.lastGood,
      versionRegression: s.versionRegression,
      document: s.document,
    };
  };

  const write = async (
    body: Record<string, unknown>,
    r: { service: string; edit: string; author: string; dryRun: boolean },
    concurrent: boolean,
    report: WritePlan | null,
  ): Promise<WritePlan & { forced: boolean }> => {
    const answer = await adminRequest(target, "POST", servicePath(r.service, `/edits/${r.edit}`), {
      body,
      author: r.author,
      ...(r.dryRun ? { query: { dryRun: "1" } } : {}),
    });
    if (answer.status < 300) return answer.body as unknown as WritePlan & { forced: boolean };
    const kind = typeof answer.body.error === "string" ? refusalKindOf(answer.body.error) : null;
    if (!kind) throw adminError(answer);
    const message =
      typeof answer.body.message === "string" ? answer.body.message : `HTTP ${answer.status}`;
    throw refusal(
      kind,
      {
        message,
        errors: errorsOf(answer.body),
        detail: answer.body,
        report: report ? reportOf(report, label) : null,
      },
      r.service,
      label,
      concurrent,
    );
  };

  return {
    label,
    service,
    services: async () => {
      const names = await adminCall<{ services: string[] }>(target, "GET", "/services");
      return Promise.all(names.services.map(service));
    },
    control: async (name) => {
      const answer = await adminRequest(target, "GET", servicePath(name, "/control"));
      return answer.status < 300 ? (answer.body as unknown as ControlStatus) : null;
    },
    history: async (name, withDocuments) => {
      const answer = await adminRequest(target, "GET", servicePath(name, "/history"), {
        ...(withDocuments ? {} : { query: { documents: "0" } }),
      });
      if (answer.status >= 300) throw adminError(answer);
      return answer.body as unknown as HistoryView;
    },
    write: async (request, hooks): Promise<WriteOutcome> => {
      const { args, expectedVersion } = request;
      const plan = await write(
        { args, ...(expectedVersion !== undefined ? { expectedVersion } : {}) },
        { ...request, dryRun: true },
        false,
        null,
      );
      hooks.onPlan(plan);
      const check = hooks.check ? await hooks.check(plan) : null;
      const forced = check?.forced === true;
      const planned = { ...plan, check, forced };
      if (check && !check.ok) {
        throw refusal(
          "check_failed",
          {
            message: "refused: the checks failed; nothing written",
            report: reportOf(planned, label),
          },
          request.service,
          label,
        );
      }
      if (request.dryRun) return { ...planned, written: false, dryRun: true };
      if (hooks.confirm && !(await hooks.confirm(plan))) {
        throw refusal(
          "aborted",
          { message: "aborted; nothing written", report: reportOf(planned, label) },
          request.service,
          label,
        );
      }
      // The version the dry run read: a write landing meanwhile is refused.
      const seen = plan.fromVersion ?? expectedVersion;
      const done = await write(
        {
          args,
          ...(seen !== undefined ? { expectedVersion: seen } : {}),
          ...(forced ? { forced } : {}),
        },
        { ...request, dryRun: false },
        true,
        plan,
      );
      return { ...done, check, forced, written: true, dryRun: false };
    },
  };
}
