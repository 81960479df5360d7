/**
 * The shadow section of a service page: per shadow origin, agreement with
 * each production arm (and over time, as the page watches it), the
 * |Δscore| histogram, latency of both arms, error kinds, and the newest
 * disagreements with their input ids.
 *
 * Layer: HTTP edge (dashboard views).
 */
import type { AdminAnswer } from "../admin-calls.ts";
import type { ServiceStatus, ShadowRecord, ShadowWire } from "../wire.ts";
import { ago, count, ms, rate, share, utc } from "./format.ts";
import { type Html, html, join } from "./html.ts";
import { command } from "./layout.ts";

type Summary = ShadowWire["shadows"][number];

export const deltaChartId = (shadow: string) => `delta-${shadow}`;
export const agreementChartId = (shadow: string) => `agreement-${shadow}`;

export function shadowSection(
  answer: AdminAnswer<ShadowWire>,
  status: ServiceStatus | null,
  now: number,
): Html {
  const configured = status?.summary?.shadow ?? null;
  if (!answer.ok) {
    return html`<p class="problem">The shadow comparison could not be read: ${answer.message}</p>`;
  }
  const { shadows, records } = answer.body;
  if (!configured && shadows.length === 0) {
    return html`<div class="empty"><p><strong>No shadow.</strong> A shadow origin gets a copy of requests and its answers are compared with production's, never shown to users.</p>
<p>Mirror traffic with ${command(`router shadow on ${answer.body.service} <origin> --share 100%`)}</p></div>`;
  }
  const head = configured
    ? html`<p>${configured.enabled ? html`<span class="badge good">on</span>` : html`<span class="badge warn">paused</span>`}
  ${share(configured.shareBp)} of ${configured.scope} requests mirrored to <strong>${configured.origin}</strong>; its answers are discarded.</p>`
    : html`<p><span class="badge info">off</span> No shadow in the document now; the summaries below are what was measured before.</p>`;
  const blocks = shadows.length
    ? join(shadows.map((s) => summaryBlock(s, now)))
    : html`<p class="empty">No pairs yet: the shadow compares ${configured?.scope ?? "matching"} requests as they arrive.</p>`;
  return html`${head}${blocks}${disagreements(records, now)}`;
}

function summaryBlock(s: Summary, now: number): Html {
  const arms = Object.entries(s.byProduction);
  const errors = Object.entries(s.errors);
  const skipped = Object.entries(s.skipped);
  return html`<div class="shadow-summary" data-shadow="${s.shadow}">
  <div class="kpis">
    <div class="kpi"><span class="kpi-value">${count(s.pairs)}</span><span class="kpi-label">pairs</span></div>
    <div class="kpi"><span class="kpi-value" data-kpi="agreement">${rate(s.agreementRate)}</span><span class="kpi-label">label agreement</span></div>
    ${s.scored === 0 && s.similarity ? similarityKpis(s) : scoreKpis(s)}
  </div>
  <p class="muted small">Shadow <strong>${s.shadow}</strong> since <span title="${utc(s.firstAt)}">${ago(s.firstAt, now)}</span>, last pair <span title="${utc(s.lastAt)}">${ago(s.lastAt, now)}</span>.</p>
  <div class="grid two">
    <div>
      <h3>Agreement per production arm</h3>
      <div class="scroll"><table class="data"><thead><tr><th>arm</th><th class="num">pairs</th><th class="num">compared</th><th class="num">agreement</th></tr></thead>
      <tbody>${join(
        arms.map(
          ([arm, c]) =>
            html`<tr><td>${arm}</td><td class="num">${count(c.pairs)}</td><td class="num">${count(c.compared)}</td><td class="num">${rate(c.agreementRate)}</td></tr>`,
        ),
      )}</tbody></table></div>
      <div class="chart small" data-chart="${agreementChartId(s.shadow)}"></div>
    </div>
    <div>
      <div class="chart small" data-chart="${deltaChartId(s.shadow)}"></div>
    </div>
  </div>
  <div class="grid two">
    <div>
      <h3>Latency</h3>
      <div class="scroll"><table class="data"><thead><tr><th></th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">answered</th></tr></thead>
      <tbody>
        <tr><td>production</td><td class="num">${ms(s.production.p50)}</td><td class="num">${ms(s.production.p95)}</td><td class="num">${ms(s.production.p99)}</td><td class="num">${count(s.production.n)}</td></tr>
        <tr><td>shadow</td><td class="num">${ms(s.shadowLatency.p50)}</td><td class="num">${ms(s.shadowLatency.p95)}</td><td class="num">${ms(s.shadowLatency.p99)}</td><td class="num">${count(s.shadowLatency.n)}</td></tr>
      </tbody></table></div>
    </div>
    ${answersTable(s)}
    <div>
      <h3>Errors</h3>
      ${
        errors.length === 0 && skipped.length === 0
          ? html`<p class="muted">No errors, nothing skipped.</p>`
          : html`<table class="data"><tbody>${join([
              ...errors.map(
                ([k, n]) => html`<tr><td>${k}</td><td class="num">${count(n)}</td></tr>`,
              ),
              ...skipped.map(
                ([k, n]) => html`<tr><td>skipped: ${k}</td><td class="num">${count(n)}</td></tr>`,
              ),
            ])}</tbody></table>`
      }
    </div>
  </div>
</div>`;
}

function scoreKpis(s: Summary): Html {
  return html`<div class="kpi"><span class="kpi-value">${s.meanAbsDelta === null ? "–" : s.meanAbsDelta.toFixed(4)}</span><span class="kpi-label">mean |&Delta;score|</span></div>
    <div class="kpi"><span class="kpi-value">${s.p95AbsDelta === null ? "–" : s.p95AbsDelta.toFixed(4)}</span><span class="kpi-label">p95 |&Delta;score|</span></div>`;
}

/** Free-text answers: the median similarity bin and the answers cut at the bounds. */
function similarityKpis(s: Summary): Html {
  const bins = s.similarity ?? [];
  const total = bins.reduce((a, b) => a + b, 0);
  let seen = 0;
  let median = -1;
  for (const [i, n] of bins.entries()) {
    seen += n;
    if (median < 0 && seen * 2 >= total && total > 0) median = i;
  }
  const cut = Object.values(s.cut ?? {}).reduce((a, b) => a + b, 0);
  const medianText =
    median < 0
      ? "–"
      : median === 10
        ? "1"
        : `${(median / 10).toFixed(1)}–${((median + 1) / 10).toFixed(1)}`;
  return html`<div class="kpi"><span class="kpi-value" data-kpi="similarity">${medianText}</span><span class="kpi-label">median similarity</span></div>
    <div class="kpi"><span class="kpi-value">${count(cut)}</span><span class="kpi-label">answers cut at the bounds</span></div>`;
}

/** Both arms' streamed answers: time to first token, tokens/s, tokens per answer. */
function answersTable(s: Summary): Html {
  const a = s.answers;
  if (!a) return html``;
  const perSecond = (v: number | null) => (v === null ? "–" : v.toFixed(1));
  const row = (name: string, v: typeof a.production) =>
    html`<tr><td>${name}</td><td class="num">${count(v.answers)}</td><td class="num">${ms(v.firstByteP50Ms)}</td><td class="num">${ms(v.firstByteP95Ms)}</td><td class="num">${perSecond(v.eventsPerSecond)}</td><td class="num">${v.tokensPerAnswer === null ? "–" : v.tokensPerAnswer.toFixed(0)}</td></tr>`;
  return html`<div>
      <h3>Streamed answers</h3>
      <div class="scroll"><table class="data" data-answers><thead><tr><th></th><th class="num">streamed</th><th class="num">first token p50</th><th class="num">p95</th><th class="num">tokens/s</th><th class="num">tokens/answer</th></tr></thead>
      <tbody>${row("production", a.production)}${row("shadow", a.shadow)}</tbody></table></div>
    </div>`;
}

function disagreements(records: readonly ShadowRecord[], now: number): Html {
  if (records.length === 0) {
    return html`<h3>Recent disagreements</h3><p class="muted">None recorded.</p>`;
  }
  const score = (x: number | null) => (x === null ? "–" : x.toFixed(4));
  return html`<h3>Recent disagreements and errors</h3>
<div class="scroll"><table class="data records"><thead><tr><th>when</th><th>input id</th><th>arm</th><th>production</th><th>shadow</th><th class="num">&Delta;score</th><th class="num">latency</th></tr></thead>
<tbody>${join(
    records.map((r) => {
      const at = Date.parse(r.at);
      const prod = r.productionError
        ? `error: ${r.productionError}`
        : `${r.productionLabel ?? "–"} ${score(r.productionScore)}`;
      const shadow = r.shadowError
        ? `error: ${r.shadowError}`
        : `${r.shadowLabel ?? "–"} ${score(r.shadowScore)}`;
      return html`<tr><td title="${utc(at)}">${ago(at, now)}</td><td><code>${r.inputId ?? "–"}</code></td><td>${r.production}</td><td>${prod}</td><td>${shadow}</td><td class="num">${r.delta === null ? "–" : (r.delta >= 0 ? "+" : "") + r.delta.toFixed(4)}</td><td class="num">${ms(r.productionMs)} / ${ms(r.shadowMs)}</td></tr>`;
    }),
  )}</tbody></table></div>`;
}
