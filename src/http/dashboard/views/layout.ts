/**
 * The page shell every dashboard page shares: head (styles, uPlot, favicon,
 * the session's CSRF token), the top bar (the Sessions page, who is signed
 * in, sign out), the page, and the client script.
 *
 * Layer: HTTP edge (dashboard views).
 */
import { assetUrl } from "../assets.ts";
import { type Html, html, raw } from "./html.ts";

export const BASE = "/_router/dashboard";

export interface PageOptions {
  title: string;
  /** Signed in as; null on the sign-in and error pages. */
  user: { name: string; csrf: string } | null;
  body: Html;
  /** Page data for the client script (JSON in a script tag). */
  data?: unknown;
  /** Charts on the page: load uPlot. */
  charts?: boolean;
  breadcrumb?: Html;
}

/** JSON safe inside <script>: no "</script>", no "<!--". */
export function scriptJson(value: unknown): Html {
  return raw(
    JSON.stringify(value)
      .replaceAll("<", "\\u003c")
      .replaceAll("\u2028", "\\u2028")
      .replaceAll("\u2029", "\\u2029"),
  );
}

export function page(o: PageOptions): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${o.title} &middot; model router</title>
<link rel="icon" type="image/svg+xml" href="${assetUrl("favicon.svg")}">
<link rel="stylesheet" href="${assetUrl("dashboard.css")}">
${o.charts ? html`<link rel="stylesheet" href="${assetUrl("uplot.css")}">` : ""}
${o.user ? html`<meta name="csrf-token" content="${o.user.csrf}">` : ""}
</head>
<body>
<header class="topbar">
  <a class="brand" href="${BASE}"><img src="${assetUrl("favicon.svg")}" alt="" width="20" height="20"> model router</a>
  ${o.breadcrumb ?? ""}
  <span class="spacer"></span>
  <span class="live-state" id="live-state" hidden></span>
  ${
    o.user
      ? html`<a class="sessions-link" href="${BASE}/sessions">Sessions</a>
  <span class="user" title="writes are recorded under this name">${o.user.name}</span>
  <form method="post" action="${BASE}/sign-out" class="sign-out" data-csrf-form>
    <input type="hidden" name="csrf" value="${o.user.csrf}">
    <button type="submit" class="link">Sign out</button>
  </form>`
      : ""
  }
</header>
<main>
${o.body}
</main>
<div class="toasts" id="toasts" role="status" aria-live="polite"></div>
${o.data !== undefined ? html`<script type="application/json" id="page-data">${scriptJson(o.data)}</script>` : ""}
${o.charts ? html`<script src="${assetUrl("uplot.js")}"></script>` : ""}
${o.user ? html`<script src="${assetUrl("dashboard.js")}"></script>` : ""}
</body>
</html>`;
}

/** A small "how to" line with a command to copy. */
export function command(text: string): Html {
  return html`<code class="cmd">${text}</code>`;
}
