/**
 * Renders a shadow report as text for a terminal.
 *
 * Layer: script support (pure: data in, string out).
 */

import type { StreamView } from "../../../src/core/answers/stream-sums.ts";
import type { ShadowRecord } from "../../../src/core/shadow/record.ts";
import type { LatencyStats, ShadowComparison, ShadowReport } from "./report-model.ts";

const num = (n: number | null, digits: number) => (n === null ? "-" : n.toFixed(digits));
const signed = (n: number | null, digits: number) =>
  n === null ? "-" : `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`;
const pct = (n: number | null) => (n === null ? "-" : `${(n * 100).toFixed(1)} %`);
const counts = (r: Record<string, number>) => {
  const entries = Object.entries(r).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k} ${v}`).join(", ");
};
const latency = (l: LatencyStats) =>
  `p50 ${num(l.p50, 1)}  p95 ${num(l.p95, 1)}  p99 ${num(l.p99, 1)}`;

function bar(count: number, max: number, width = 30): string {
  if (count === 0 || max === 0) return "";
  return "#".repeat(Math.max(1, Math.round((count / max) * width)));
}

function comparison(c: ShadowComparison): string[] {
  const lines = [
    `shadow "${c.shadow}" (document version ${c.version || "-"}; ${c.firstAt ?? "?"} .. ${c.lastAt ?? "?"})`,
    `  pairs        ${c.pairs}   compared ${c.compared}   skipped: ${counts(c.skipped)}`,
    `  agreement    ${pct(c.agreementRate)}  (${c.agreed} / ${c.compared} labels agree)`,
  ];
  if (c.byProduction) {
    const arms = Object.entries(c.byProduction)
      .sort(([, a], [, b]) => b.pairs - a.pairs)
      .map(
        ([arm, a]) =>
          `${arm} ${pct(a.compared ? a.agreed / a.compared : null)} (${a.agreed}/${a.compared})`,
      );
    lines.push(`  by arm       ${arms.join(", ") || "-"}`);
  }
  if (c.scored > 0 || !c.similarity) {
    lines.push(
      `  Δscore       mean ${signed(c.meanDelta, 4)}   mean |Δ| ${num(c.meanAbsDelta, 4)}   ` +
        `p50 |Δ| ${num(c.p50AbsDelta, 4)}   p95 |Δ| ${num(c.p95AbsDelta, 4)}   max |Δ| ${num(c.maxAbsDelta, 4)}   (${c.scored} scored)`,
    );
  }
  lines.push(
    `  latency ms   production ${latency(c.production)}`,
    `               shadow     ${latency(c.shadowLatency)}`,
    ...answerLines(c),
    `  errors       ${counts(c.errors)}`,
  );
  if (Object.keys(c.cut).length > 0)
    lines.push(`  cut          ${counts(c.cut)} (kept apart from agreement)`);
  if (c.similarity) lines.push(...similarityLines(c.similarity));
  if (c.deltaBins.length === 0 || c.scored === 0) return lines;
  lines.push("  |Δscore| distribution:");
  const max = Math.max(0, ...c.deltaBins.map((b) => b.count));
  const width = Math.max(...c.deltaBins.map((b) => b.label.length));
  for (const b of c.deltaBins) {
    const row = `    ${b.label.padEnd(width)}  ${String(b.count).padStart(7)}  ${bar(b.count, max)}`;
    lines.push(row.trimEnd());
  }
  return lines;
}

/** Both arms' streamed answers and token usage, when either had any. */
function answerLines(c: ShadowComparison): string[] {
  if (!c.answers) return [];
  const arm = (name: string, v: StreamView) =>
    `${name.padEnd(10)} first token p50 ${num(v.firstByteP50Ms, 1)}  p95 ${num(v.firstByteP95Ms, 1)}  ` +
    `tokens/s ${num(v.eventsPerSecond, 1)}  tokens/answer ${num(v.tokensPerAnswer, 1)}  ` +
    // Analytics Engine keeps a first byte for every answer, streamed or not, and no event counts.
    `(${v.answers} ${v.eventsPerSecond === null ? "answers" : "streamed"})`;
  return [
    `  answers      ${arm("production", c.answers.production)}`,
    `               ${arm("shadow", c.answers.shadow)}`,
  ];
}

/** The similarity distribution (the comparator's, 0..1) as bars. */
function similarityLines(bins: readonly number[]): string[] {
  const max = Math.max(0, ...bins);
  const label = (i: number) =>
    i === 10 ? "1 (same)" : `${(i / 10).toFixed(1)} - ${((i + 1) / 10).toFixed(1)}`;
  return [
    "  similarity distribution (compared pairs):",
    ...bins.map((n, i) =>
      `    ${label(i).padEnd(9)}  ${String(n).padStart(7)}  ${bar(n, max)}`.trimEnd(),
    ),
  ];
}

function recent(records: ShadowRecord[]): string[] {
  if (records.length === 0) return ["recent disagreements and errors: none"];
  const rows = records.map((r) => [
    r.at.replace("T", " ").replace(/\.\d+Z$/, "Z"),
    r.inputId ?? "-",
    r.production,
    `${r.productionLabel ?? "-"} ${num(r.productionScore, 4)}`,
    r.shadow,
    `${r.shadowLabel ?? "-"} ${num(r.shadowScore, 4)}`,
    signed(r.delta, 4),
    [
      r.productionError && `production:${r.productionError}`,
      r.shadowError && `shadow:${r.shadowError}`,
    ]
      .filter(Boolean)
      .join(" ") || "-",
  ]);
  const header = ["at", "input", "prod", "label score", "shadow", "label score", "Δscore", "error"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return ["recent disagreements and errors (newest first):", line(header), ...rows.map(line)];
}

export function renderReport(report: ShadowReport): string {
  const lines = [`Shadow report for "${report.service}" (${report.source})`, ""];
  if (report.shadows.length === 0) {
    lines.push("no shadow pairs recorded yet", "");
  }
  for (const c of report.shadows) lines.push(...comparison(c), "");
  lines.push(...recent(report.recent));
  if (report.notes.length > 0) lines.push("", ...report.notes.map((n) => `note: ${n}`));
  return `${lines.join("\n")}\n`;
}
