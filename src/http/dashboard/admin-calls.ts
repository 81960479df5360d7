/**
 * The dashboard's way to the router's state: the admin API's own handlers
 * (src/http/routes/admin.ts), called in-process. Every read and write the
 * dashboard makes is an admin API request, with the same validation,
 * write pipeline, compare-and-swap and history entry as a curl or the CLI;
 * the dashboard adds only who signed in (X-Router-Author) and the bearer
 * token, server-side: the browser never holds it. These calls are not
 * throttled (the dashboard's session already let them in, and their token
 * is the router's own), so no client's failed attempts can block them.
 *
 * Layer: HTTP edge (dashboard). Errors are rendered by the admin API's own
 * renderer (src/http/error-response.ts): a RouterError as its JSON, the
 * control plane being down as 503 control_plane_unavailable.
 */
import { type ExecutionContext, Hono } from "hono";
import type { AuthThrottle } from "../../ports/auth-throttle.ts";
import { errorResponse } from "../error-response.ts";
import { adminRoutes } from "../routes/admin.ts";
import type { AdminDepsFor, AdminEnv } from "../routes/request-params.ts";

export type AdminAnswer<T = unknown> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; error: string; message: string; detail: Record<string, unknown> };

export interface AdminCall {
  method?: "GET" | "POST";
  /** Path under /_router/admin, e.g. "/services/fraud/rollout". */
  path: string;
  body?: unknown;
  author?: string;
}

export type AdminCaller = <T = unknown>(
  c: CallerContext,
  call: AdminCall,
) => Promise<AdminAnswer<T>>;

/** What a call needs of the request: its bindings and, when it has one, its ExecutionContext. */
export interface CallerContext {
  env: Env;
  executionCtx: ExecutionContext;
}

/** In-process calls carry the router's own token: never a guess, never waiting. */
const UNTHROTTLED: AuthThrottle = { waitSeconds: () => 0, fail: async () => 0 };

export function adminCaller(depsFor: AdminDepsFor): AdminCaller {
  const api = new Hono<AdminEnv>();
  api.route(
    "/",
    adminRoutes((env) => ({ ...depsFor(env), authThrottle: UNTHROTTLED })),
  );
  api.onError((err) => errorResponse(err));

  return async <T>(c: CallerContext, call: AdminCall): Promise<AdminAnswer<T>> => {
    const token = depsFor(c.env).adminToken ?? "";
    const headers = new Headers({ authorization: `Bearer ${token}` });
    if (call.author) headers.set("x-router-author", call.author);
    if (call.body !== undefined) headers.set("content-type", "application/json");
    const request = new Request(`http://admin.internal${call.path}`, {
      method: call.method ?? "GET",
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    });
    const res = await api.fetch(request, c.env, executionCtxOf(c));
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.ok) return { ok: true, status: res.status, body: body as T };
    const { error, message, ...detail } = body ?? {};
    return {
      ok: false,
      status: res.status,
      error: typeof error === "string" ? error : "error",
      message: typeof message === "string" ? message : `the admin API answered ${res.status}`,
      detail: detail as Record<string, unknown>,
    };
  };
}

/** The request's ExecutionContext, when it has one (app.request() in a test has none). */
function executionCtxOf(c: CallerContext): ExecutionContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
