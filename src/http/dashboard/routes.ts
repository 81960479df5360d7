/**
 * The dashboard, mounted at /_router/dashboard:
 *   GET  /                       every service, one row each
 *   GET  /services/:service      one service: routing, arms over time, rollout, shadow, history
 *   GET  /sign-in, POST /sign-in, POST /sign-out
 *   GET  /sessions, POST /sessions/:id/end   the active sessions; end one (sessions.ts)
 *   GET  /api/overview?services=a,b      rows of the overview (at most 25)
 *   GET  /api/services/:service?minutes=M&history=V   the service page's sections and charts
 *   POST /api/services/:service/actions/:action       an action (actions.ts), {args, expectedVersion, dryRun}
 *   GET  /assets/:name            styles, client script, uPlot, icon
 *
 * Layer: HTTP edge (dashboard). Everything it shows or writes goes through
 * the admin API's handlers (admin-calls.ts); guard.ts decides who may.
 * Pages and data are never cached; every answer forbids framing.
 */
import { Hono } from "hono";
import { secretMatches } from "../../app/route/secret-compare.ts";
import { NAME_PATTERN } from "../../core/routing/names.ts";
import { BODY_BOUNDS, formText, readBoundedForm, readBoundedJson } from "../bounded-body.ts";
import { clientOf } from "../middleware/admin-auth.ts";
import { type ActionName, adminCallOf, isActionName, isEdit } from "./actions.ts";
import { type AdminCaller, adminCaller } from "./admin-calls.ts";
import { assetRoutes } from "./assets.ts";
import {
  activeSession,
  adminTokenOf,
  clearSessionCookie,
  closedAnswer,
  type DashboardContext,
  type DashboardDepsFor,
  type DashboardEnv,
  orSessionsDown,
  refuse,
  requireCsrf,
  requireSession,
  safeNext,
  sameOrigin,
  startSession,
} from "./guard.ts";
import { loadRow, loadService, minutesParam } from "./service-model.ts";
import { newSession } from "./session.ts";
import { sessionRoutes } from "./sessions.ts";
import { BASE } from "./views/layout.ts";
import { overviewPage, rowModel } from "./views/overview.ts";
import { serviceModel, servicePage } from "./views/service.ts";
import { notFoundPage, signInPage } from "./views/sign-in.ts";

export type { DashboardDeps, DashboardDepsFor } from "./guard.ts";

const FIRST_ROWS = 25;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export function dashboardRoutes(depsFor: DashboardDepsFor): Hono<DashboardEnv> {
  const dash = new Hono<DashboardEnv>();
  const call: AdminCaller = adminCaller((env) => depsFor(env).admin);

  dash.use("*", async (c, next) => {
    await next();
    c.header("x-frame-options", "DENY");
    c.header("referrer-policy", "same-origin");
    if (!c.req.path.startsWith(`${BASE}/assets/`)) {
      c.header("cache-control", "no-store");
      c.header("content-security-policy", CSP);
    }
  });

  dash.route("/assets", assetRoutes());

  dash.get("/sign-in", async (c) => {
    const deps = depsFor(c.env);
    const admin = adminTokenOf(deps);
    const next = safeNext(c.req.query("next"));
    if (!admin.ok) return closedAnswer(c, admin.problem);
    if (deps.access) return c.redirect(next, 303);
    return orSessionsDown(c, async () => {
      if (await activeSession(c, deps, admin.token)) return c.redirect(next, 303);
      return c.html(signInPage({ next }));
    });
  });

  dash.post("/sign-in", async (c) => {
    const deps = depsFor(c.env);
    const admin = adminTokenOf(deps);
    if (!admin.ok) return closedAnswer(c, admin.problem);
    const token = admin.token;
    if (deps.access) return c.redirect(BASE, 303);
    // A client over the failed-attempt limit waits before its token is read.
    const client = clientOf(c);
    const wait = deps.admin.authThrottle.waitSeconds(client);
    if (wait > 0) return tooManySignIns(c, BASE, wait);
    if (!sameOrigin(c)) {
      return refuse(
        c,
        403,
        "cross_origin_refused",
        "The sign-in form must be posted from this dashboard.",
      );
    }
    const form = await readBoundedForm(c, BODY_BOUNDS.dashboardForm);
    const next = safeNext(formText(form, "next"));
    const presented = formText(form, "token")?.trim() ?? "";
    if (!presented) return c.html(signInPage({ next, problem: "Enter the admin token." }), 401);
    if (!(await secretMatches(presented, token))) {
      console.error(JSON.stringify({ message: "dashboard: sign-in with a wrong token" }));
      const limited = await deps.admin.authThrottle.fail(client);
      if (limited > 0) return tooManySignIns(c, next, limited);
      return c.html(signInPage({ next, problem: "That is not this router's admin token." }), 403);
    }
    const given = formText(form, "name");
    const name = given === undefined ? null : authorName(given);
    const session = newSession(name ? `${name} (dashboard)` : "dashboard", "token", Date.now());
    return orSessionsDown(c, async () => {
      await startSession(c, deps, token, session);
      return c.redirect(next, 303);
    });
  });

  dash.use("*", requireSession(depsFor));
  dash.use("*", requireCsrf(depsFor));

  // Ends the session in the sessions object, so no copy of the cookie opens anything again.
  dash.post("/sign-out", async (c) => {
    clearSessionCookie(c);
    const session = c.get("session");
    return orSessionsDown(c, async () => {
      await depsFor(c.env).sessions.end(c.get("sessionId"), `${session.sub}: sign-out`);
      return c.redirect(`${BASE}/sign-in`, 303);
    });
  });

  dash.route("/sessions", sessionRoutes(depsFor));

  const user = (c: DashboardContext) => ({ name: c.get("session").sub, csrf: c.get("csrf") });

  dash.get("/", async (c) => {
    const list = await call<{ services: string[] }>(c, { path: "/services" });
    if (!list.ok) return c.text(list.message, list.status as 500);
    const services = [...list.body.services].sort();
    const first = await Promise.all(services.slice(0, FIRST_ROWS).map((s) => loadRow(call, c, s)));
    return c.html(overviewPage(services, first.map(rowModel), user(c)));
  });

  dash.get("/services/:service", async (c) => {
    const service = c.req.param("service");
    if (!NAME_PATTERN.test(service))
      return c.html(notFoundPage("Not a service name.", user(c)), 404);
    const data = await loadService(call, c, service, {
      minutes: minutesParam(c.req.query("minutes")),
    });
    if (!data.status.ok && data.status.status === 404) {
      return c.html(notFoundPage(`No routing document for "${service}".`, user(c)), 404);
    }
    return c.html(servicePage(serviceModel(data), user(c)));
  });

  dash.get("/api/overview", async (c) => {
    const names = (c.req.query("services") ?? "")
      .split(",")
      .filter((n) => NAME_PATTERN.test(n))
      .slice(0, FIRST_ROWS);
    const rows = await Promise.all(names.map((s) => loadRow(call, c, s)));
    return c.json({ rows: rows.map(rowModel) });
  });

  dash.get("/api/services/:service", async (c) => {
    const service = c.req.param("service");
    if (!NAME_PATTERN.test(service)) return c.json({ error: "invalid_service_name" }, 400);
    const have = Number(c.req.query("history"));
    const data = await loadService(call, c, service, {
      minutes: minutesParam(c.req.query("minutes")),
      historyOf: Number.isInteger(have) && have > 0 ? have : null,
    });
    if (!data.status.ok && data.status.status === 404) {
      return c.json(
        { error: "no_routing_document", message: `no routing document for "${service}"` },
        404,
      );
    }
    return c.json(serviceModel(data));
  });

  dash.post("/api/services/:service/actions/:action", async (c) => {
    const service = c.req.param("service");
    const name = c.req.param("action");
    if (!NAME_PATTERN.test(service)) return c.json({ error: "invalid_service_name" }, 400);
    if (!isActionName(name)) {
      return c.json(
        { error: "unknown_action", message: `the dashboard has no action "${name}"` },
        404,
      );
    }
    const body = await actionBody(c);
    if (!body) {
      return c.json(
        { error: "invalid_request", message: "expected {args, expectedVersion?, dryRun?}" },
        400,
      );
    }
    return runAction(c, call, service, name, body);
  });

  dash.all("*", (c) => c.html(notFoundPage("No such dashboard page.", user(c)), 404));

  return dash;
}

interface ActionBody {
  args: Record<string, unknown>;
  expectedVersion?: number;
  dryRun: boolean;
}

/** The action's body (at most BODY_BOUNDS.dashboardAction bytes, else 413), or null if malformed. */
async function actionBody(c: DashboardContext): Promise<ActionBody | null> {
  const b = await readBoundedJson(c, BODY_BOUNDS.dashboardAction, false);
  if (!b || typeof b !== "object" || Array.isArray(b)) return null;
  const { args = {}, expectedVersion: v, dryRun } = b as Record<string, unknown>;
  if (!args || typeof args !== "object" || Array.isArray(args)) return null;
  if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v > 0)) return null;
  return {
    args: args as Record<string, unknown>,
    ...(v !== undefined ? { expectedVersion: v as number } : {}),
    dryRun: dryRun === true,
  };
}

async function runAction(
  c: DashboardContext,
  call: AdminCaller,
  service: string,
  name: ActionName,
  body: ActionBody,
): Promise<Response> {
  const author = c.get("session").sub;
  if (body.dryRun && !isEdit(name)) return c.json({ ok: true, dryRun: true, change: null });
  const answer = await call<Record<string, unknown>>(
    c,
    adminCallOf(service, name, body.args, { ...body, author }),
  );
  if (!answer.ok) {
    const stale =
      answer.status === 412 || answer.error === "version_conflict"
        ? " The document changed since this page showed it: close this and look again."
        : "";
    return c.json(
      {
        ok: false,
        error: answer.error,
        message: `${answer.message}.${stale}`,
        detail: answer.detail,
      },
      answer.status as 400,
    );
  }
  const r = answer.body;
  if (isEdit(name)) {
    return c.json({
      ok: true,
      dryRun: body.dryRun,
      version: r.version,
      change: r.change,
      diff: r.diff,
      message: body.dryRun
        ? null
        : `${String(r.change)}: version ${String(r.version)}, by ${author}`,
    });
  }
  const words = [r.verdict, r.reason ?? r.message].filter((w) => typeof w === "string");
  return c.json({
    ok: true,
    message: `${name.slice("rollout.".length)}: ${words.join(": ") || "done"} (by ${author})`,
  });
}

/** 429: too many wrong tokens from this client; the form again, after Retry-After. */
function tooManySignIns(c: DashboardContext, next: string, seconds: number): Response {
  c.header("retry-after", String(seconds));
  const problem = `Too many failed sign-ins from your address: try again in ${seconds} s.`;
  return c.html(signInPage({ next, problem }), 429);
}

/** A name for the history: letters, digits, space, . _ @ - (at most 64), else none. */
function authorName(text: string): string | null {
  const name = text.trim().replace(/\s+/g, " ");
  return /^[\p{L}\p{N} ._@-]{1,64}$/u.test(name) ? name : null;
}
