/**
 * The Sessions page: every dashboard session that still lasts, the most
 * recently seen first, with an "End" form each (a plain form post with the
 * session's CSRF token, like sign-out).
 *
 * Layer: HTTP edge (dashboard views).
 */
import type { SessionRecord } from "../../../core/session-record.ts";
import { SESSION_SECONDS } from "../session.ts";
import { ago, utc } from "./format.ts";
import { type Html, html, join } from "./html.ts";
import { BASE, page } from "./layout.ts";

const when = (atMs: number, nowMs: number) =>
  html`<time datetime="${new Date(atMs).toISOString()}" title="${utc(atMs)}">${ago(atMs, nowMs)}</time>`;

function row(s: SessionRecord, current: boolean, nowMs: number, csrf: string): Html {
  return html`<tr data-session="${s.id}" data-current="${current ? "true" : "false"}">
  <th scope="row">${s.sub}${current ? html` <span class="badge info">this one</span>` : ""}</th>
  <td>${s.via === "access" ? "Cloudflare Access" : "admin token"}</td>
  <td>${when(s.createdAt, nowMs)}</td>
  <td>${when(s.lastSeenAt, nowMs)}</td>
  <td>${when(s.expiresAt, nowMs)}</td>
  <td><form method="post" action="${BASE}/sessions/${s.id}/end">
    <input type="hidden" name="csrf" value="${csrf}">
    <button type="submit" class="action danger">${current ? "End (sign out)" : "End"}</button>
  </form></td>
</tr>`;
}

export function sessionsPage(
  sessions: readonly SessionRecord[],
  currentId: string,
  nowMs: number,
  user: { name: string; csrf: string },
): Html {
  const rows = sessions.map((s) => row(s, s.id === currentId, nowMs, user.csrf));
  return page({
    title: "Sessions",
    user,
    body: html`<section class="card">
  <h1>Sessions</h1>
  <p class="muted">Everyone signed in to this dashboard. A session lasts ${SESSION_SECONDS / 3600} hours from signing in; signing out or "End" ends it at once, on the server, so no copy of its cookie opens anything again. "Last seen" is updated at most once a minute.</p>
  <table class="data sessions">
    <thead><tr><th scope="col">Who</th><th scope="col">Signed in with</th><th scope="col">Signed in</th><th scope="col">Last seen</th><th scope="col">Expires</th><th scope="col"></th></tr></thead>
    <tbody>
${join(rows, "\n")}
    </tbody>
  </table>
</section>`,
  });
}
