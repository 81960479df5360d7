/**
 * Who may see the dashboard and its data, and which writes are the user's
 * own: the session check in front of every page and data call, and the
 * CSRF check in front of every write.
 *
 * Layer: HTTP edge (dashboard), middleware factories.
 *   - No ADMIN_TOKEN secret: closed (403) for everyone; one shorter than
 *     32 bytes: closed (503), saying so (src/core/admin-token.ts).
 *   - With Cloudflare Access configured (DashboardDeps.access): every
 *     request must carry a valid Access token (access.ts); its identity is
 *     the session's name, and a session is started (record and cookie) for
 *     it when the cookie holds none that lasts.
 *   - Else a session cookie from the sign-in page (session.ts). Without one:
 *     a page redirects (303) to the sign-in page, which returns to it; a
 *     data call or a write answers 401 (JSON, or the sign-in form).
 *   - Either way the cookie's session must still last in the sessions
 *     object (DashboardDeps.sessions: one call per dashboard request): an
 *     ended or unknown session is no session, so a cookie replayed after
 *     signing out opens nothing. When the object cannot be reached the
 *     dashboard answers 503 and opens nothing (fails closed).
 *   - A write (any method but GET/HEAD) must come from this origin (Origin
 *     header equal to the request's own, Sec-Fetch-Site same-origin when
 *     sent) and carry the session's CSRF token (header X-Dashboard-CSRF,
 *     or the form field `csrf`): else 403. SameSite=Strict already keeps the
 *     cookie off cross-site requests; these checks do not rely on it.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { SessionsUnavailableError } from "../../app/errors.ts";
import {
  ADMIN_TOKEN_MESSAGES,
  type AdminTokenProblem,
  adminTokenProblem,
} from "../../core/admin-token.ts";
import type { SessionStore } from "../../ports/session-store.ts";
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
  sessionHandle,
} from "./session.ts";
import { BASE } from "./views/layout.ts";
import { forbiddenPage, signInPage, unavailablePage } from "./views/sign-in.ts";

/**
 * What the dashboard works with: the admin API's dependencies, the
 * sessions' server-side records, and Access when it is configured.
 */
export interface DashboardDeps {
  admin: AdminDeps;
  access?: AccessConfig | null;
  sessions: SessionStore;
}

export type DashboardDepsFor = (env: Env) => DashboardDeps;

export interface DashboardVars {
  session: Session;
  /** The handle of the session's server-side record (session.ts). */
  sessionId: string;
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

/** The ADMIN_TOKEN, or why the dashboard is closed (no token, or one shorter than 32 bytes). */
export function adminTokenOf(
  deps: DashboardDeps,
): { ok: true; token: string } | { ok: false; problem: AdminTokenProblem } {
  const token = deps.admin.adminToken;
  const problem = adminTokenProblem(token);
  return problem || !token
    ? { ok: false, problem: problem ?? "no_admin_token" }
    : { ok: true, token };
}

/** The dashboard is closed: no ADMIN_TOKEN (403), or one shorter than 32 bytes (503). */
export function closedAnswer(c: Context, problem: AdminTokenProblem): Response {
  const status = problem === "admin_token_too_short" ? 503 : 403;
  if (wantsJson(c)) {
    const error = problem === "no_admin_token" ? "dashboard_closed" : problem;
    return c.json({ error, message: ADMIN_TOKEN_MESSAGES[problem] }, status);
  }
  return c.html(signInPage({ next: BASE, closed: problem }), status);
}

/** The sessions object cannot be reached: nothing opens (503). */
export function sessionsDown(c: Context, err: unknown): Response {
  console.error(
    JSON.stringify({ message: "dashboard: sessions object unreachable", error: String(err) }),
  );
  const message =
    "The dashboard's sessions cannot be checked right now (its sessions object does not answer), so the dashboard stays closed rather than trust a cookie alone. Try again in a moment; the admin API and the CLI do not need it.";
  if (wantsJson(c)) return c.json({ error: "sessions_unavailable", message }, 503);
  return c.html(unavailablePage("Sessions unavailable", message), 503);
}

/** Runs `answer`; an unreachable sessions object becomes its 503. */
export async function orSessionsDown(
  c: Context,
  answer: () => Promise<Response>,
): Promise<Response> {
  try {
    return await answer();
  } catch (err) {
    if (err instanceof SessionsUnavailableError) return sessionsDown(c, err);
    throw err;
  }
}

/**
 * The cookie's session with its handle, if it is signed and still lasts in
 * the sessions object; else null. Throws SessionsUnavailableError.
 */
export async function activeSession(
  c: Context,
  deps: DashboardDeps,
  token: string,
): Promise<{ session: Session; id: string } | null> {
  const session = await readSession(c, token);
  if (!session) return null;
  const id = await sessionHandle(session);
  return (await deps.sessions.check(id)) ? { session, id } : null;
}

/** Starts a session: its record in the sessions object, then its cookie; its handle. */
export async function startSession(
  c: Context,
  deps: DashboardDeps,
  token: string,
  session: Session,
): Promise<string> {
  const id = await sessionHandle(session);
  await deps.sessions.create({
    id,
    sub: session.sub,
    via: session.via,
    createdAt: Date.now(),
    expiresAt: session.exp * 1000,
  });
  await setSessionCookie(c, token, session);
  return id;
}

/** The session (from Access or the cookie) in front of every page and data call. */
export function requireSession(depsFor: DashboardDepsFor): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const deps = depsFor(c.env);
    const admin = adminTokenOf(deps);
    if (!admin.ok) return closedAnswer(c, admin.problem);
    const { token } = admin;
    let identity: string | null = null;
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
      identity = outcome.identity;
    }
    let current: { session: Session; id: string } | null;
    try {
      current = await activeSession(c, deps, token);
      if (
        identity !== null &&
        (current?.session.via !== "access" || current.session.sub !== identity)
      ) {
        const session = newSession(identity, "access", Date.now());
        current = { session, id: await startSession(c, deps, token, session) };
      }
    } catch (err) {
      if (err instanceof SessionsUnavailableError) return sessionsDown(c, err);
      throw err;
    }
    if (!current) {
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
      // A signed cookie whose session ended (or expired) is dropped.
      if (getCookie(c, cookieName(c))) clearSessionCookie(c);
      return refuse(c, 401, "dashboard_unauthenticated", "Sign in to see the dashboard.");
    }
    c.set("session", current.session);
    c.set("sessionId", current.id);
    c.set("csrf", await csrfToken(token, current.session));
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
