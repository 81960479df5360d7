/**
 * The sign-in page (also the 401 page: a page asked for without a session)
 * and the 403 page (a wrong token, a refused Access identity, a write
 * without its CSRF token or from another origin).
 *
 * Layer: HTTP edge (dashboard views). The form posts the token in the body,
 * never in a URL; `next` is a dashboard path to return to.
 */
import { type Html, html } from "./html.ts";
import { BASE, page } from "./layout.ts";

export interface SignInOptions {
  next: string;
  /** Why the form is shown again. */
  problem?: string;
  /** The router has no ADMIN_TOKEN: nobody can sign in. */
  closed?: boolean;
  /** Cloudflare Access is configured: the token form is not offered. */
  accessOnly?: boolean;
}

export function signInPage(o: SignInOptions): Html {
  const body = o.closed
    ? html`<section class="card narrow">
  <h1>The dashboard is closed</h1>
  <p>This router has no <code>ADMIN_TOKEN</code> secret, so nobody can sign in (the admin API is closed too).</p>
  <p>Set one with <code class="cmd">npx wrangler secret put ADMIN_TOKEN</code>, or for local development in <code>.dev.vars</code>.</p>
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
  <p class="muted small">The token is checked once and never stored in the browser: you get a signed session cookie (HttpOnly, SameSite=Strict, 12 hours).</p>
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
