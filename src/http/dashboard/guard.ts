/**
 * Who may see the dashboard and its data, and which writes are the user's
 * own: the session check in front of every page and data call, and the
 * CSRF check in front of every write.
 *
 * Layer: HTTP edge (dashboard), middleware factories.
 *   - No ADMIN_TOKEN secret: closed (403) for everyone.
 *   - With Cloudflare Access configured (DashboardDeps.access): every
 *     request must carry a valid Access token (access.ts); its identity is
 *     the session's name, and the session cookie is (re)issued for it.
 *   - Else a session cookie from the sign-in page (session.ts). Without one:
 *     a page redirects (303) to the sign-in page, which returns to it; a
 *     data call or a write answers 401 (JSON, or the sign-in form).
 *   - A write (any method but GET/HEAD) must come from this origin (Origin
 *     header equal to the request's own, Sec-Fetch-Site same-origin when
 *     sent) and carry the session's CSRF token (header X-Dashboard-CSRF,
 *     or the form field `csrf`): else 403. SameSite=Strict already keeps the
 *     cookie off cross-site requests; these checks do not rely on it.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { BODY_BOUNDS, formText, readBoundedForm } from "../bounded-body.ts";
import type { AdminDeps } from "../routes/request-params.ts";
import { ACCESS_HEADER, type AccessConfig, verifyAccessToken } from "./access.ts";
import {
  csrfMatches,
  csrfToken,
  newSession,
  openSession,
  SESSION_SECONDS,
  type Session,
  sealSession,
} from "./session.ts";
import { BASE } from "./views/layout.ts";
import { forbiddenPage, signInPage } from "./views/sign-in.ts";

/** What the dashboard works with: the admin API's dependencies, and Access when it is configured. */
export interface DashboardDeps {
  admin: AdminDeps;
  access?: AccessConfig | null;
}

export type DashboardDepsFor = (env: Env) => DashboardDeps;

export interface DashboardVars {
  session: Session;
  csrf: string;
}

export type DashboardEnv = { Bindings: Env; Variables: DashboardVars };
export type DashboardContext = Context<DashboardEnv>;

export const SECURE_COOKIE = "__Secure-router_dashboard";
export const PLAIN_COOKIE = "router_dashboard";

const isHttps = (c: Context) => new URL(c.req.url).protocol === "https:";
export const cookieName = (c: Context) => (isHttps(c) ? SECURE_COOKIE : PLAIN_COOKIE);

export async function setSessionCookie(c: Context, token: string, session: Session): Promise<void> {
  setCookie(c, cookieName(c), await sealSession(token, session), {
    path: BASE,
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
    maxAge: SESSION_SECONDS,
  });
}

export function clearSessionCookie(c: Context): void {
  setCookie(c, cookieName(c), "", {
    path: BASE,
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
    maxAge: 0,
  });
}

export const readSession = (c: Context, token: string) =>
  openSession(token, getCookie(c, cookieName(c)), Date.now());

/** A dashboard path to come back to after signing in (anything else: the overview). */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith(BASE) || next.startsWith(`${BASE}/sign-`)) return BASE;
  return /^[A-Za-z0-9/_\-.?=&%]*$/.test(next) && !next.includes("//") ? next : BASE;
}

const wantsJson = (c: Context) => new URL(c.req.url).pathname.startsWith(`${BASE}/api/`);

export function refuse(c: Context, status: 401 | 403, code: string, message: string): Response {
  if (wantsJson(c)) return c.json({ error: code, message }, status);
  if (status === 401) {
    // A page goes to the sign-in page (and back after); a form post shows it at once.
    const url = new URL(c.req.url);
    const next = safeNext(url.pathname + url.search);
    if (c.req.method === "GET")
      return c.redirect(`${BASE}/sign-in?next=${encodeURIComponent(next)}`, 303);
    return c.html(signInPage({ next, problem: message }), 401);
  }
  return c.html(forbiddenPage("Refused", message), 403);
}

/** Same origin, by the browser's own word (Origin; Sec-Fetch-Site when it sends one). */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin") return false;
  return origin !== undefined && origin === new URL(c.req.url).origin;
}

/** The session (from Access or the cookie) in front of every page and data call. */
export function requireSession(depsFor: DashboardDepsFor): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const deps = depsFor(c.env);
    const token = deps.admin.adminToken;
    if (!token) {
      return wantsJson(c)
        ? c.json(
            { error: "dashboard_closed", message: "the router has no ADMIN_TOKEN secret" },
            403,
          )
        : c.html(signInPage({ next: BASE, closed: true }), 403);
    }
    let session = await readSession(c, token);
    if (deps.access) {
      const outcome = await verifyAccessToken(deps.access, c.req.header(ACCESS_HEADER), Date.now());
      if (!outcome.ok) {
        console.error(
          JSON.stringify({ message: "dashboard: Access token refused", reason: outcome.message }),
        );
        return wantsJson(c)
          ? c.json(
              { error: "access_refused", message: `Cloudflare Access: ${outcome.message}` },
              403,
            )
          : c.html(signInPage({ next: BASE, accessOnly: true, problem: outcome.message }), 403);
      }
      if (session?.via !== "access" || session.sub !== outcome.identity) {
        session = newSession(outcome.identity, "access", Date.now());
        await setSessionCookie(c, token, session);
      }
    }
    if (!session) {
      // A link from another site arrives without the SameSite=Strict cookie:
      // reload once from here, and the browser sends it.
      if (
        c.req.method === "GET" &&
        c.req.header("sec-fetch-site") === "cross-site" &&
        !wantsJson(c)
      ) {
        return c.html(
          '<!doctype html><meta http-equiv="refresh" content="0"><title>model router</title>',
          200,
          { "cache-control": "no-store" },
        );
      }
      return refuse(c, 401, "dashboard_unauthenticated", "Sign in to see the dashboard.");
    }
    c.set("session", session);
    c.set("csrf", await csrfToken(token, session));
    await next();
  };
}

/** Origin and CSRF token in front of every write. */
export function requireCsrf(depsFor: DashboardDepsFor): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    if (!sameOrigin(c)) {
      return refuse(
        c,
        403,
        "cross_origin_refused",
        "This write did not come from the dashboard's own pages (Origin check).",
      );
    }
    const token = depsFor(c.env).admin.adminToken ?? "";
    let presented = c.req.header("x-dashboard-csrf");
    if (presented === undefined && (c.req.header("content-type") ?? "").includes("form")) {
      presented = formText(await readBoundedForm(c, BODY_BOUNDS.dashboardForm), "csrf");
    }
    if (!(await csrfMatches(token, c.get("session"), presented))) {
      return refuse(
        c,
        403,
        "csrf_refused",
        "This write lacks the session's CSRF token; reload the page and try again.",
      );
    }
    await next();
  };
}
