/**
 * Draws the charts the server describes (ChartSpec: uPlot-ready series,
 * markers, units) with uPlot, loaded by its own script tag: a chart whose
 * shape is unchanged only gets the new data; charts whose element left the
 * page are destroyed (sweepCharts). Full charts follow their element's
 * width; sparklines are fixed.
 *
 * Layer: HTTP edge (dashboard client, in the browser).
 */
import type UPlot from "uplot";
import type { ChartSpec, Tone } from "../page-data.ts";
import { clockTick, TIME_INCREMENTS } from "./time-ticks.ts";

/** uPlot's own build defines it (absent on pages without charts). */
declare const uPlot: typeof UPlot;

interface Chart {
  spec: ChartSpec;
  spark: boolean;
  sig: string;
  height: number;
  plot: UPlot;
  empty: HTMLDivElement;
}

const charts = new Map<HTMLElement, Chart>();
const TONE: Record<Tone, string> = {
  good: "#16a34a",
  bad: "#dc2626",
  warn: "#ca8a04",
  info: "#2563eb",
};
const resizer =
  typeof ResizeObserver === "function"
    ? new ResizeObserver((entries) => {
        for (const e of entries) {
          const c = charts.get(e.target as HTMLElement);
          if (c && !c.spark) {
            const w = Math.max(120, Math.floor(e.contentRect.width));
            if (Math.abs(w - c.plot.width) > 2) c.plot.setSize({ width: w, height: c.height });
          }
        }
      })
    : null;

function fmt(unit: string, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "\u2013";
  if (unit === "%") return `${v.toFixed(2)}%`;
  if (unit === "ms") return `${v < 10 ? v.toFixed(1) : String(Math.round(v))} ms`;
  if (unit === "req/s") return `${v < 10 ? v.toFixed(1) : String(Math.round(v))} req/s`;
  return String(Math.round(v));
}

/** The spec's markers (rollout verdicts) as dashed vertical lines. */
function markersPlugin(entry: Chart): UPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.lineWidth = 2;
          ctx.setLineDash([5, 4]);
          const pxRatio = u.bbox.width / Math.max(1, u.width);
          ctx.font = `${Math.round(11 * pxRatio)}px system-ui, sans-serif`;
          let row = 0;
          for (const m of entry.spec.markers || []) {
            const x = Math.round(u.valToPos(m.x, "x", true));
            if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) continue;
            const color = TONE[m.tone] || TONE.info;
            ctx.strokeStyle = color;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            // The annotation: what happened and who did it, in three staggered rows.
            if (entry.spark) continue;
            const text = m.label.length > 40 ? `${m.label.slice(0, 39)}\u2026` : m.label;
            const width = ctx.measureText(text).width;
            const left = x + width + 4 > u.bbox.left + u.bbox.width ? x - width - 4 : x + 4;
            ctx.fillStyle = color;
            ctx.fillText(text, left, u.bbox.top + (12 + 13 * (row++ % 3)) * pxRatio);
          }
          ctx.restore();
        },
      ],
    },
  };
}

function optionsFor(entry: Chart, width: number, height: number): UPlot.Options {
  const spec = entry.spec;
  const spark = entry.spark;
  const series: UPlot.Series[] = [
    {},
    ...spec.series.map((s) => {
      const o: UPlot.Series = {
        label: s.label,
        stroke: s.color,
        width: spark ? 1.25 : 1.75,
        spanGaps: false,
        points: { show: false },
        value: (_u, v) => fmt(spec.unit, v),
      };
      if (s.dash) o.dash = [6, 4];
      if (spec.kind === "bars") {
        o.fill = `${s.color}bb`;
        o.paths = uPlot.paths.bars?.({ size: [0.85, 48] });
      }
      return o;
    }),
  ];
  const yRange: UPlot.Range.Function = (_u, _min, max) => {
    const top = max === null || max === undefined || !Number.isFinite(max) ? 0 : max;
    const floor = spec.unit === "%" ? 1 : spec.unit === "pairs" ? 1 : 0.5;
    const hi = Math.max(floor, top * 1.15);
    // A sparkline's zero line sits just above the bottom edge, so it shows.
    return [spark ? -hi * 0.08 : 0, hi];
  };
  const valueAxis: UPlot.Axis = {
    size: 72,
    values: (_u, splits) => splits.map((v) => fmt(spec.unit, v)),
  };
  const scales: UPlot.Scales = { y: { range: yRange } };
  const opts: UPlot.Options = {
    width,
    height,
    series,
    plugins: [markersPlugin(entry)],
    // Labels only: values on hover filled the legend with dashes, taller than the chart.
    legend: { show: !spark, live: false },
    cursor: spark ? { show: false } : { drag: { x: false, y: false } },
    scales,
    axes: [{}, valueAxis],
  };
  if (spec.kind === "time") {
    opts.axes = [
      {
        space: 70,
        incrs: TIME_INCREMENTS,
        values: (u, splits) => {
          const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
          return splits.map((t) => clockTick(t, span));
        },
      },
      valueAxis,
    ];
    // Fewer than two points: the minute up to now, rather than uPlot's guess of years.
    scales.x = {
      time: true,
      range: (_u, min, max) => {
        const known = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
        if (!known(min) || !known(max) || max - min < 1) {
          const end = known(max) ? max : Date.now() / 1000;
          return [end - 60, end];
        }
        return [min, max];
      },
    };
  }
  if (spec.kind === "bars") {
    scales.x = {
      time: false,
      range: () => [-0.5, Math.max(0.5, spec.x.length - 0.5)],
    };
    opts.axes = [
      {
        incrs: [1, 2, 3, 4, 5, 10, 20],
        space: 64,
        values: (_u, splits) =>
          splits.map((i) => (Number.isInteger(i) ? spec.categories?.[i] || "" : "")),
      },
      valueAxis,
    ];
    valueAxis.values = (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : ""));
    valueAxis.size = 48;
  }
  if (spark) {
    opts.axes = [{ show: false }, { show: false }];
    opts.padding = [2, 2, 2, 2];
  }
  return opts;
}

/** What a chart's shape depends on: a change redraws it, anything else only updates its data. */
function chartSig(spec: ChartSpec): string {
  const series = spec.series.map((s) => s.label + s.color + (s.dash ? "-" : "")).join(",");
  return `${spec.kind}|${spec.unit}|${series}|${(spec.categories || []).join(",")}`;
}

export function drawChart(el: HTMLElement | null, spec: ChartSpec, spark: boolean): void {
  if (!el || typeof uPlot !== "function") return;
  const data: UPlot.AlignedData = [spec.x, ...spec.series.map((s) => s.values)];
  const known = charts.get(el);
  const sig = chartSig(spec);
  // The annotations in words, for tests and for screen readers' users of the page.
  el.dataset.annotations = (spec.markers || []).map((m) => m.label).join("\n");
  if (known && known.sig === sig) {
    known.spec = spec;
    known.plot.setData(data);
    setEmpty(known);
    return;
  }
  if (known) known.plot.destroy();
  el.textContent = "";
  const height = spark ? 32 : el.classList.contains("small") ? 150 : 190;
  if (!spark) {
    const title = document.createElement("div");
    title.className = "chart-title";
    title.textContent = `${spec.title} (${spec.unit})`;
    el.appendChild(title);
  }
  // The markers plugin reads entry.spec as it draws: the entry exists first.
  const entry = { spec, spark, sig, height } as Chart;
  const width = spark ? 120 : Math.max(120, Math.floor(el.clientWidth || 320));
  entry.plot = new uPlot(optionsFor(entry, width, height), data, el);
  const empty = document.createElement("div");
  empty.className = "chart-empty";
  el.appendChild(empty);
  entry.empty = empty;
  charts.set(el, entry);
  el.dataset.points = "0";
  setEmpty(entry);
  if (resizer && !spark) resizer.observe(el);
}

function setEmpty(entry: Chart): void {
  const el = entry.plot.root.parentNode as HTMLElement | null;
  entry.empty.textContent = entry.spec.hasData ? "" : entry.spark ? "" : entry.spec.empty;
  entry.empty.hidden = !!entry.spec.hasData;
  let points = 0;
  for (const s of entry.spec.series) {
    for (const v of s.values) if (v !== null && v !== 0) points++;
  }
  if (el?.dataset) el.dataset.points = String(points);
}

/** Destroys the charts whose element left the page. */
export function sweepCharts(): void {
  charts.forEach((entry, el) => {
    if (!document.body.contains(el)) {
      entry.plot.destroy();
      if (resizer) resizer.unobserve(el);
      charts.delete(el);
    }
  });
}
