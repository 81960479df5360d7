/**
 * A service's page: its routing now (who gets what, measured over the last
 * minute, with the routing actions), the arms side by side over time, the
 * rollout, the shadow comparison, the history, and the control object.
 * `serviceModel` is both the first render and every poll's answer: the
 * sections as HTML, the charts as data.
 *
 * Layer: HTTP edge (dashboard views).
 */
import { kvDisagreement } from "../../../core/control/kv-words.ts";
import { type ActionContext, rolloutActions, routingActions } from "../actions.ts";
import {
  alignSeries,
  armCharts,
  armsOf,
  type ChartSpec,
  FIRST_TOKEN_CHART,
  writeMarkers,
} from "../chart-data.ts";
import { deltaHistogram } from "../delta-histogram.ts";
import type { PageData, ServiceModel } from "../page-data.ts";
import type { ServiceData } from "../service-model.ts";
import { WINDOWS } from "../service-model.ts";
import { similarityHistogram } from "../similarity-histogram.ts";
import { numberAt, type SeriesWire } from "../wire.ts";
import { actionBar } from "./action-button.ts";
import { challengersSection } from "./challengers.ts";
import { ago, count, ms, perSecond, rate, share, utc } from "./format.ts";
import { historySection } from "./history.ts";
import { type Html, html, join, raw } from "./html.ts";
import { BASE, command, page } from "./layout.ts";
import { rolloutSection } from "./rollout.ts";
import { deltaChartId, shadowSection } from "./shadow.ts";

export type { ServiceModel };

/** Per arm over the last minute (the six newest 10 s buckets): requests, errors, worst p95. */
export function lastMinute(
  series: SeriesWire | null,
  now: number,
): Map<string, { requests: number; errors: number; p95: number | null }> {
  const out = new Map<string, { requests: number; errors: number; p95: number | null }>();
  const step = series?.bucketMs || 10_000;
  const from = Math.floor(now / step) * step - 5 * step;
  for (const p of series?.points ?? []) {
    if (p.at < from) continue;
    const m = out.get(p.arm) ?? { requests: 0, errors: 0, p95: null };
    m.requests += p.requests;
    m.errors += p.errors;
    if (p.p95Ms !== null) m.p95 = Math.max(m.p95 ?? 0, p.p95Ms);
    out.set(p.arm, m);
  }
  return out;
}

export function serviceModel(d: ServiceData): ServiceModel {
  const status = d.status.ok ? d.status.body : null;
  const rollout = d.rollout.ok ? d.rollout.body : null;
  const series = d.series.ok ? d.series.body : null;
  const docArms = status?.summary?.arms ?? [];
  const arms = armsOf(docArms, series);
  const aligned = series ? alignSeries(series, arms, d.minutes, d.now) : null;
  const recent = lastMinute(series, d.now);
  const ctx: ActionContext = {
    status,
    rollout,
    lastMinute: new Map([...recent].map(([arm, v]) => [arm, v.requests])),
  };
  const version = status?.version ?? null;
  const charts: ChartSpec[] = aligned ? armCharts(aligned, arms, rollout) : [];
  const agreement: ServiceModel["agreement"] = {};
  if (d.shadow.ok) {
    const maxMean = numberAt(rollout?.plan?.gates, "shadow.maxMeanAbsDelta");
    for (const s of d.shadow.body.shadows) {
      // Free text has no score: its similarity distribution stands in the |Δscore| chart's place.
      const bySimilarity = s.scored === 0 && (s.similarity ?? []).some((n) => n > 0);
      charts.push(
        bySimilarity
          ? similarityHistogram(deltaChartId(s.shadow), s.similarity ?? [])
          : deltaHistogram(deltaChartId(s.shadow), s.absDelta, maxMean, s.meanAbsDelta),
      );
      agreement[s.shadow] = Object.fromEntries(
        Object.entries(s.byProduction).map(([arm, c]) => [
          arm,
          { compared: c.compared, agreed: c.agreed },
        ]),
      );
    }
  }

  const sections: Record<string, string> = {
    summary: String(summarySection(d)),
    routing: String(routingSection(d, recent, ctx)),
    rollout: String(rolloutSection(d.rollout, rolloutActions(ctx), version, d.now)),
    shadow: String(shadowSection(d.shadow, status, d.now)),
    challengers: String(challengersSection(d.challengers)),
  };
  if (d.history)
    sections.history = String(historySection(d.history, status?.document ?? null, d.now));
  return {
    service: d.service,
    version,
    now: d.now,
    minutes: d.minutes,
    sections,
    charts,
    agreement,
    ...(d.history?.ok ? { writes: writeMarkers(d.history.body.entries) } : {}),
  };
}

function summarySection(d: ServiceData): Html {
  if (!d.status.ok) {
    return html`<p class="problem">${d.status.message}</p>`;
  }
  const s = d.status.body;
  const sum = s.summary;
  const control = d.control.ok ? d.control.body : null;
  if (!sum) {
    return html`<p class="problem">The stored document is ${s.state}${s.lastGood ? html`; the router serves the last good version ${s.lastGood.version} (live ${s.lastGood.live}) meanwhile` : ""}.</p>
${s.errors.length ? html`<ul class="small">${join(s.errors.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`))}</ul>` : ""}`;
  }
  const at = Date.parse(sum.updatedAt);
  return html`<div class="kpis">
  <div class="kpi"><span class="kpi-value" data-kpi="version">v${sum.version}</span><span class="kpi-label">version</span></div>
  <div class="kpi"><span class="kpi-value">${s.document && typeof s.document.live === "string" ? s.document.live : "–"}</span><span class="kpi-label">live</span></div>
  <div class="kpi"><span class="kpi-value">${sum.updatedBy}</span><span class="kpi-label">last change <span title="${utc(at)}">${ago(at, d.now)}</span></span></div>
  <div class="kpi"><span class="kpi-value">${control ? count(control.isolates) : "–"}</span><span class="kpi-label">isolates checking in${control ? (control.route === "fan-in" ? ` (through ${control.aggregators} location aggregators, every ${control.intervalMs} ms)` : ` (every ${control.intervalMs} ms)`) : ""}</span></div>
</div>
${control && kvDisagreement(control) ? html`<p class="problem small" data-kv>${kvDisagreement(control)}.</p>` : ""}
${!d.control.ok ? html`<p class="problem small">Control object: ${d.control.message}</p>` : ""}`;
}

function routingSection(
  d: ServiceData,
  recent: ReturnType<typeof lastMinute>,
  ctx: ActionContext,
): Html {
  const status = d.status.ok ? d.status.body : null;
  const sum = status?.summary;
  if (!sum) return html`<p class="muted">No valid document: nothing routes by it.</p>`;
  const canary = (status?.document as { canary?: { killed?: boolean } } | null)?.canary;
  const rows = sum.arms.map((a) => {
    const m = recent.get(a.origin);
    const killed = a.role === "canary" && canary?.killed;
    return html`<tr data-arm="${a.origin}" data-role="${a.role}">
  <td><span class="role ${a.role}">${a.role}</span></td>
  <td><strong>${a.origin}</strong>${killed ? html` <span class="badge bad">killed</span>` : ""}</td>
  <td class="num" data-share="${a.expectedBp}">${share(a.expectedBp)}</td>
  <td class="num">${m ? perSecond(m.requests / 60) : "–"}</td>
  <td class="num">${m && m.requests > 0 ? rate(m.errors / m.requests) : "–"}</td>
  <td class="num">${ms(m?.p95)}</td>
  <td class="detail">${a.detail}</td>
</tr>`;
  });
  const shadow = sum.shadow;
  const idle = sum.idle;
  return html`<div class="scroll"><table class="data arms">
<thead><tr><th>role</th><th>origin</th><th class="num">share of users</th><th class="num">last min</th><th class="num">errors</th><th class="num">p95</th><th>how</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>
<p class="muted small">${shadow ? html`Shadow: ${shadow.origin} gets ${share(shadow.shareBp)} of ${shadow.scope} requests${shadow.enabled ? "" : " (paused)"}. ` : ""}Idle origins: ${idle.length ? idle.join(", ") : "none"}.
${sum.arms.some((a) => a.role === "canary") ? "" : html` No canary: start one with ${command(`router canary set ${sum.service} <origin> --share 5%`)}`}</p>
${actionBar(routingActions(ctx), status?.version ?? null)}`;
}

export function servicePage(model: ServiceModel, user: { name: string; csrf: string }): Html {
  const s = model.sections;
  const body = html`<div class="page-head">
  <h1>${model.service}</h1>
  <label class="window">window
    <select id="window">${join(
      WINDOWS.map(
        (m) =>
          html`<option value="${m}"${m === model.minutes ? html` selected` : ""}>${m < 60 ? `${m} min` : `${m / 60} h`}</option>`,
      ),
    )}</select>
  </label>
</div>
<section class="card" data-section="summary">${raw(s.summary)}</section>
<section class="card">
  <h2>Routing now</h2>
  <div data-section="routing">${raw(s.routing)}</div>
</section>
<section class="card">
  <h2>Arms over time</h2>
  <p class="muted small">10 s buckets from the service's control object. Dashed red: a gate's boundary; vertical lines: the rollout's verdicts.</p>
  <div class="charts">
    <div class="chart" data-chart="requests"></div>
    <div class="chart" data-chart="errors"></div>
    <div class="chart" data-chart="latency"></div>
    ${model.charts.some((c) => c.id === FIRST_TOKEN_CHART) ? html`<div class="chart" data-chart="${FIRST_TOKEN_CHART}"></div>` : ""}
  </div>
</section>
<section class="card">
  <h2>Rollout</h2>
  <div data-section="rollout">${raw(s.rollout)}</div>
</section>
<section class="card">
  <h2>Challengers against the champion</h2>
  <div data-section="challengers">${raw(s.challengers ?? "")}</div>
</section>
<section class="card">
  <h2>Shadow comparison</h2>
  <div data-section="shadow">${raw(s.shadow)}</div>
</section>
<section class="card">
  <h2>History</h2>
  <div data-section="history">${raw(s.history ?? "")}</div>
</section>`;
  return page({
    title: model.service,
    user,
    body,
    data: { kind: "service", ...model, sections: undefined } satisfies PageData,
    charts: true,
    breadcrumb: html`<nav class="crumbs"><a href="${BASE}">services</a> / <span>${model.service}</span></nav>`,
  });
}
