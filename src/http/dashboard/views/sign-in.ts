/**
 * The sign-in page (also the 401 page: a page asked for without a session;
 * the 429 page: too many wrong tokens from one client; and the closed page:
 * no ADMIN_TOKEN, or one shorter than 32 bytes), the 403 page (a wrong
 * token, a refused Access identity, a write without its CSRF token or from
 * another origin) and the 503 page (the sessions object does not answer).
 *
 * Layer: HTTP edge (dashboard views). The form posts the token in the body,
 * never in a URL; `next` is a dashboard path to return to.
 */
import { type AdminTokenProblem, MIN_ADMIN_TOKEN_BYTES } from "../../../core/admin-token.ts";
import { SESSION_SECONDS } from "../session.ts";
import { type Html, html } from "./html.ts";
import { BASE, command, page } from "./layout.ts";

export interface SignInOptions {
  next: string;
  /** Why the form is shown again. */
  problem?: string;
  /** The router has no ADMIN_TOKEN, or one too short: nobody can sign in. */
  closed?: AdminTokenProblem;
  /** Cloudflare Access is configured: the token form is not offered. */
  accessOnly?: boolean;
}

export function signInPage(o: SignInOptions): Html {
  const body = o.closed
    ? html`<section class="card narrow">
  <h1>The dashboard is closed</h1>
  ${
    o.closed === "admin_token_too_short"
      ? html`<p>This router's <code>ADMIN_TOKEN</code> is shorter than ${MIN_ADMIN_TOKEN_BYTES} bytes, so nobody can sign in (the admin API is closed too): a token that short can be guessed.</p>`
      : html`<p>This router has no <code>ADMIN_TOKEN</code> secret, so nobody can sign in (the admin API is closed too).</p>`
  }
  <p>Make a token of ${MIN_ADMIN_TOKEN_BYTES} random bytes with ${command("openssl rand -base64 32")} and set it with ${command("npx wrangler secret put ADMIN_TOKEN")}, or for local development in <code>.dev.vars</code>.</p>
</section>`
    : o.accessOnly
      ? html`<section class="card narrow">
  <h1>Sign in through Cloudflare Access</h1>
  <p>This dashboard takes its users from Cloudflare Access, and this request did not come through it${o.problem ? html` (${o.problem})` : ""}.</p>
  <p>Open the dashboard at the hostname Access protects.</p>
</section>`
      : html`<section class="card narrow">
  <h1>Sign in</h1>
  <p class="muted">The router's dashboard. Sign in with its admin token (the <code>ADMIN_TOKEN</code> secret; for <code>npm start</code> it is in <code>.dev.vars</code>).</p>
  ${o.problem ? html`<p class="problem" role="alert">${o.problem}</p>` : ""}
  <form method="post" action="${BASE}/sign-in" class="stack" autocomplete="off">
    <input type="hidden" name="next" value="${o.next}">
    <label>Admin token
      <input type="password" name="token" required autofocus spellcheck="false" autocomplete="current-password">
    </label>
    <label>Your name <span class="muted">(optional: the history records your writes under it)</span>
      <input type="text" name="name" maxlength="64" placeholder="e.g. alice" autocomplete="username">
    </label>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p class="muted small">The token is checked once and never stored in the browser: you get a signed session cookie (HttpOnly, SameSite=Strict, ${SESSION_SECONDS / 3600} hours) that signing out ends on the server too.</p>
</section>`;
  return page({ title: "Sign in", user: null, body });
}

export function forbiddenPage(title: string, message: string, next = BASE): Html {
  return page({
    title: "Refused",
    user: null,
    body: html`<section class="card narrow">
  <h1>${title}</h1>
  <p>${message}</p>
  <p><a href="${BASE}/sign-in?next=${encodeURIComponent(next)}">Sign in again</a></p>
</section>`,
  });
}

/** The sessions object does not answer: the dashboard is closed for now. */
export function unavailablePage(title: string, message: string): Html {
  return page({
    title,
    user: null,
    body: html`<section class="card narrow">
  <h1>${title}</h1>
  <p>${message}</p>
  <p><a href="${BASE}">Try again</a></p>
</section>`,
  });
}

export function notFoundPage(message: string, user: { name: string; csrf: string } | null): Html {
  return page({
    title: "Not found",
    user,
    body: html`<section class="card narrow">
  <h1>Not found</h1>
  <p>${message}</p>
  <p><a href="${BASE}">All services</a></p>
</section>`,
  });
}
