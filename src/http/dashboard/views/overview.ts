/**
 * The overview: one row per service (live origin, canary share and state,
 * challengers, shadow, rollout step and verdict, requests/s and error rate
 * per arm as sparklines, last change). With hundreds of services the page
 * lists every name at once and fills (and keeps polling) only the rows in
 * view, a batch at a time; a filter box narrows the list.
 *
 * Layer: HTTP edge (dashboard views).
 */
import { alignSeries, armsOf, sparklines } from "../chart-data.ts";
import type { PageData, RowModel } from "../page-data.ts";
import { ROW_MINUTES, type RowData } from "../service-model.ts";
import { ago, perSecond, rate, share, utc } from "./format.ts";
import { type Html, html, join, raw } from "./html.ts";
import { BASE, command, page } from "./layout.ts";
import { lastMinute } from "./service.ts";

export type { RowModel };

const serviceUrl = (service: string) => `${BASE}/services/${encodeURIComponent(service)}`;

export function rowModel(d: RowData): RowModel {
  if (!d.status.ok) {
    return {
      service: d.service,
      version: null,
      cells: String(html`<td colspan="8" class="problem">${d.status.message}</td>`),
      sparks: [],
    };
  }
  const s = d.status.body;
  const sum = s.summary;
  if (!sum) {
    return {
      service: d.service,
      version: s.version,
      cells: String(
        html`<td colspan="8" class="problem">document ${s.state}${s.lastGood ? `; serving last good version ${s.lastGood.version} (live ${s.lastGood.live})` : ""}</td>`,
      ),
      sparks: [],
    };
  }
  const series = d.series.ok ? d.series.body : null;
  const arms = armsOf(sum.arms, series);
  const aligned = series ? alignSeries(series, arms, ROW_MINUTES, d.now) : null;
  const recent = lastMinute(series, d.now);
  let requests = 0;
  let errors = 0;
  for (const m of recent.values()) {
    requests += m.requests;
    errors += m.errors;
  }
  const doc = s.document as { live?: string; canary?: { killed?: boolean; shareBp: number } };
  const canaryArm = sum.arms.find((a) => a.role === "canary");
  const canary = canaryArm
    ? doc.canary?.killed
      ? html`<span class="badge bad">killed</span> <span class="muted">${canaryArm.origin}</span>`
      : html`<strong>${share(canaryArm.expectedBp)}</strong> <span class="muted">${canaryArm.origin}</span>`
    : html`<span class="muted">none</span>`;
  const challengers = sum.arms.filter((a) => a.role === "challenger");
  const shadow = sum.shadow
    ? sum.shadow.enabled
      ? html`<span class="badge good">on</span> <span class="muted">${sum.shadow.origin}</span>`
      : html`<span class="badge warn">paused</span>`
    : html`<span class="muted">off</span>`;
  const at = Date.parse(sum.updatedAt);
  const cells = html`<td data-col="live"><strong>${doc.live ?? "–"}</strong></td>
<td data-col="canary">${canary}</td>
<td data-col="challengers">${
    challengers.length
      ? join(
          challengers.map(
            (c) => html`<span class="muted">${c.origin}</span> ${share(c.expectedBp)}`,
          ),
          "<br>",
        )
      : html`<span class="muted">none</span>`
  }</td>
<td data-col="shadow">${shadow}</td>
<td data-col="rollout">${rolloutCell(d)}</td>
<td data-col="requests" class="spark-cell"><div class="spark" data-spark="requests"></div><span class="spark-value">${perSecond(requests / 60)}</span></td>
<td data-col="errors" class="spark-cell"><div class="spark" data-spark="errors"></div><span class="spark-value">${requests ? rate(errors / requests) : "–"}</span></td>
<td data-col="change"><span title="${utc(at)}">${ago(at, d.now)}</span><br><span class="muted">${sum.updatedBy} &middot; v${sum.version}</span></td>`;
  return {
    service: d.service,
    version: s.version,
    cells: String(cells),
    sparks: aligned ? sparklines(aligned, arms) : [],
  };
}

function rolloutCell(d: RowData): Html {
  if (!d.rollout.ok) return html`<span class="muted">&ndash;</span>`;
  const r = d.rollout.body;
  if (!r.plan) return html`<span class="muted">none</span>`;
  const status = r.statusCurrent ? r.status : null;
  if (!status) return html`<span class="badge info">not started</span>`;
  const step = r.plan.steps[status.stepIndex];
  const last = status.lastEvaluation ?? status.timeline.at(-1);
  return html`<span class="badge ${status.state === "progressing" ? "info" : ["promoted", "completed"].includes(status.state) ? "good" : status.state === "paused" ? "warn" : "bad"}">${status.state}</span>
step ${status.stepIndex + 1}/${r.plan.steps.length}${step ? ` (${share(step.shareBp)})` : ""}${last ? html`<br><span class="muted">${last.event}</span>` : ""}`;
}

export function overviewPage(
  services: readonly string[],
  first: readonly RowModel[],
  user: { name: string; csrf: string },
): Html {
  const filled = new Map(first.map((r) => [r.service, r]));
  const body =
    services.length === 0
      ? html`<section class="card empty">
  <h1>No services yet</h1>
  <p>The router routes a service once it has a routing document. Write one with ${command("router apply <file.json>")}, or start the demo with ${command("npm start")}.</p>
</section>`
      : html`<div class="page-head">
  <h1>Services <span class="muted">(${services.length})</span></h1>
  <input type="search" id="filter" placeholder="Filter services" aria-label="Filter services">
</div>
<section class="card flush">
<div class="scroll">
<table class="data overview">
<thead><tr><th>service</th><th>live</th><th>canary</th><th>challengers</th><th>shadow</th><th>rollout</th><th>requests (15 min)</th><th>errors</th><th>last change</th></tr></thead>
<tbody>${join(
          services.map((name) => {
            const row = filled.get(name);
            return html`<tr data-service="${name}"${row ? html` data-filled="1"` : ""}>
<th scope="row"><a href="${serviceUrl(name)}">${name}</a></th>
${row ? raw(row.cells) : html`<td colspan="8" class="muted loading">loading&hellip;</td>`}
</tr>`;
          }),
        )}</tbody>
</table>
</div>
</section>
<p class="muted small">Requests and errors: every arm of the service over the last ${ROW_MINUTES} minutes; the numbers are the last minute.</p>`;
  return page({
    title: "Services",
    user,
    body,
    data: {
      kind: "overview",
      rows: first.map((r) => ({ service: r.service, sparks: r.sparks })),
    } satisfies PageData,
    charts: services.length > 0,
  });
}
