/**
 * A service's page: polls its model every few seconds (the window's
 * minutes; the history only when its version moved), swaps in the sections
 * whose HTML changed (keeping open <details> and drawn charts), redraws the
 * charts, and charts label agreement per production arm from the shadow
 * summary's counts as they grow while the page is open.
 *
 * Layer: HTTP edge (dashboard client, in the browser).
 */
import type { ChartSpec, PageData, ServiceModel } from "../page-data.ts";
import { api } from "./api.ts";
import { drawChart, sweepCharts } from "./charts.ts";
import { markFail, markOk, onRefresh } from "./live.ts";

const POLL_MS = 3000;
const AGREEMENT_WINDOW_S = 30;

type Counts = ServiceModel["agreement"][string];
type Drawn = Pick<ServiceModel, "charts" | "agreement" | "now">;

export function initService(page: Extract<PageData, { kind: "service" }>): void {
  const state = {
    minutes: page.minutes,
    historyVersion: page.version,
    /** Per shadow: the counts as each poll saw them (at most 1200). */
    snapshots: {} as Record<string, { t: number; arms: Counts }[]>,
    /** Each arm's color, as the requests chart draws it. */
    colors: {} as Record<string, string>,
    /** The history's writes as markers (sent with the history; kept between its fetches). */
    writes: page.writes ?? [],
  };
  function armColors(model: Drawn): void {
    for (const c of model.charts || []) {
      if (c.id !== "requests") continue;
      for (const s of c.series) state.colors[s.label.split(" (")[0] ?? s.label] = s.color;
    }
  }
  function recordAgreement(model: Drawn): void {
    const t = model.now / 1000;
    for (const [shadow, arms] of Object.entries(model.agreement || {})) {
      const list = state.snapshots[shadow] || [];
      state.snapshots[shadow] = list;
      list.push({ t, arms });
      while (list.length > 1200) list.shift();
    }
  }
  /** Agreement over the last AGREEMENT_WINDOW_S seconds, from the counts' growth. */
  function agreementSpec(shadow: string, model: Drawn): ChartSpec {
    const list = state.snapshots[shadow] || [];
    const arms: Record<string, boolean> = {};
    for (const s of list) for (const a of Object.keys(s.arms)) arms[a] = true;
    const names = Object.keys(arms);
    let x: number[] = [];
    let values: (number | null)[][] = names.map(() => []);
    for (let i = 1; i < list.length; i++) {
      const cur = list[i] as (typeof list)[number];
      let j = i - 1;
      while (j > 0 && cur.t - (list[j] as (typeof list)[number]).t < AGREEMENT_WINDOW_S) j--;
      const base = list[j] as (typeof list)[number];
      x.push(cur.t);
      names.forEach((a, k) => {
        const c = cur.arms[a] || { compared: 0, agreed: 0 };
        const b = base.arms[a] || { compared: 0, agreed: 0 };
        const dc = c.compared - b.compared;
        values[k]?.push(dc > 0 ? ((c.agreed - b.agreed) / dc) * 100 : null);
      });
    }
    if (x.length < 2) {
      // Nothing to draw yet: an empty minute up to now, so the axis reads as time.
      x = [model.now / 1000 - 60, model.now / 1000];
      values = names.map(() => [null, null]);
    }
    return {
      id: `agreement-${shadow}`,
      title: `Label agreement per production arm, last ${AGREEMENT_WINDOW_S} s`,
      unit: "%",
      kind: "time",
      x,
      series: names.map((a, k) => ({
        label: a,
        color: state.colors[a] || "#64748b",
        values: values[k] ?? [],
      })),
      markers: [],
      empty: "Fills in while this page is open (the shadow summary counts since it began).",
      hasData: values.some((v) => v.some((y) => y !== null)),
    };
  }
  function drawAll(model: Drawn): void {
    sweepCharts();
    for (const spec of model.charts || []) {
      const marked =
        spec.kind === "time" ? { ...spec, markers: [...spec.markers, ...state.writes] } : spec;
      drawChart(document.querySelector<HTMLElement>(`[data-chart="${spec.id}"]`), marked, false);
    }
    for (const shadow of Object.keys(state.snapshots)) {
      const el = document.querySelector<HTMLElement>(`[data-chart="agreement-${shadow}"]`);
      if (el) drawChart(el, agreementSpec(shadow, model), false);
    }
  }
  /** Swaps in a section's new HTML, keeping which <details> were open and the drawn charts. */
  function updateSection(name: string, text: string): void {
    const el = document.querySelector<HTMLElement>(`[data-section="${name}"]`);
    if (!el || el.dataset.html === text) return;
    const open = new Set<string | undefined>();
    for (const d of el.querySelectorAll<HTMLElement>("details[open][data-key]")) {
      open.add(d.dataset.key);
    }
    const keep = new Map<string | undefined, HTMLElement>();
    for (const c of el.querySelectorAll<HTMLElement>("[data-chart]")) keep.set(c.dataset.chart, c);
    el.innerHTML = text;
    el.dataset.html = text;
    for (const c of el.querySelectorAll<HTMLElement>("[data-chart]")) {
      const old = keep.get(c.dataset.chart);
      if (old) c.replaceWith(old);
    }
    for (const d of el.querySelectorAll<HTMLDetailsElement>("details[data-key]")) {
      if (open.has(d.dataset.key)) d.open = true;
    }
  }
  armColors(page);
  recordAgreement(page);
  drawAll(page);
  markOk();
  let busy = false;
  async function poll(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const have = state.historyVersion === null ? "" : state.historyVersion;
      const res = await api<ServiceModel>(
        `/services/${encodeURIComponent(page.service)}?minutes=${state.minutes}&history=${have}`,
      );
      if (!res.ok) {
        markFail();
        return;
      }
      markOk();
      const m = res.body;
      for (const name of Object.keys(m.sections)) updateSection(name, m.sections[name] ?? "");
      if (m.sections.history !== undefined) state.historyVersion = m.version;
      if (m.writes) state.writes = m.writes;
      armColors(m);
      recordAgreement(m);
      drawAll(m);
    } catch {
      markFail();
    } finally {
      busy = false;
    }
  }
  const select = document.getElementById("window") as HTMLSelectElement | null;
  if (select) {
    select.addEventListener("change", () => {
      state.minutes = Number(select.value);
      history.replaceState(null, "", `?minutes=${state.minutes}`);
      poll();
    });
  }
  onRefresh(() => {
    state.historyVersion = null;
    poll();
  });
  setInterval(() => {
    if (!document.hidden) poll();
  }, POLL_MS);
}
