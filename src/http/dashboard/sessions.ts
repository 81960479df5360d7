/**
 * The Sessions page: who is signed in to the dashboard (every session that
 * still lasts: who, how, signed in, last seen, expires, which is this one),
 * and "End" for each.
 *   GET  /sessions               the list
 *   POST /sessions/:id/end       end one (a form with the CSRF token); this
 *                                one's: signed out
 *
 * Layer: HTTP edge (dashboard). Behind requireSession and requireCsrf like
 * every page and write; the ids are the sessions' handles (session.ts),
 * never anything a browser could present as a session.
 */
import { Hono } from "hono";
import {
  clearSessionCookie,
  type DashboardDepsFor,
  type DashboardEnv,
  orSessionsDown,
} from "./guard.ts";
import { HANDLE_PATTERN } from "./session.ts";
import { BASE } from "./views/layout.ts";
import { sessionsPage } from "./views/sessions.ts";
import { notFoundPage } from "./views/sign-in.ts";

export function sessionRoutes(depsFor: DashboardDepsFor): Hono<DashboardEnv> {
  const routes = new Hono<DashboardEnv>();

  routes.get("/", (c) =>
    orSessionsDown(c, async () => {
      const sessions = await depsFor(c.env).sessions.list();
      const user = { name: c.get("session").sub, csrf: c.get("csrf") };
      return c.html(sessionsPage(sessions, c.get("sessionId"), Date.now(), user));
    }),
  );

  routes.post("/:id/end", (c) => {
    const id = c.req.param("id");
    const user = { name: c.get("session").sub, csrf: c.get("csrf") };
    if (!HANDLE_PATTERN.test(id)) return c.html(notFoundPage("No such session.", user), 404);
    return orSessionsDown(c, async () => {
      await depsFor(c.env).sessions.end(id, `${user.name}: ended from the Sessions page`);
      if (id !== c.get("sessionId")) return c.redirect(`${BASE}/sessions`, 303);
      clearSessionCookie(c);
      return c.redirect(`${BASE}/sign-in`, 303);
    });
  });

  return routes;
}
