/**
 * The dashboard's client script, served as /_router/dashboard/assets/
 * dashboard.<hash>.js (bundled by esbuild into one ES2020 script at build,
 * src/http/dashboard/assets/client.ts): reads the page's data, keeps the
 * live state fresh, draws the charts the server describes (uPlot), polls the
 * page's data and swaps in the sections that changed, fills the overview's
 * rows as they scroll into view, and runs the actions' confirmations (a dry
 * run shows what will be written before anything is).
 *
 * Layer: HTTP edge (dashboard client, in the browser; its own tsconfig with
 * the DOM's types, never in the Worker's bundle). It never builds HTML from
 * data (server sections are HTML the server escaped; everything else goes in
 * through textContent), sends the session's CSRF token on every write, and
 * on a 401 goes to the sign-in page. test/browser/ runs it in Chromium and
 * fails on any console error.
 */
import type { PageData } from "../page-data.ts";
import { initActions } from "./actions.ts";
import { renderLive } from "./live.ts";
import { initOverview } from "./overview.ts";
import { initService } from "./service.ts";

const dataEl = document.getElementById("page-data");
const PAGE: PageData | null = dataEl ? JSON.parse(dataEl.textContent ?? "null") : null;

setInterval(renderLive, 1000);
initActions(PAGE?.kind === "service" ? PAGE.service : "");
if (PAGE && PAGE.kind === "overview") initOverview(PAGE);
if (PAGE && PAGE.kind === "service") initService(PAGE);
