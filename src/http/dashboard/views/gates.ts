/**
 * One gate result, in words: its name, its outcome, the analyzer's own
 * sentence (`detail`), and every number of its evidence (collapsed behind
 * the sentence). Read generically,
 * so a new gate or new evidence fields show up as they are.
 *
 * Layer: HTTP edge (dashboard views).
 */
import type { GateWire } from "../wire.ts";
import { evidenceNumber } from "./format.ts";
import { type Html, html, join } from "./html.ts";

const OUTCOME_TONE: Record<string, string> = {
  pass: "good",
  fail: "bad",
  inconclusive: "warn",
};

export const outcomeTone = (outcome: string) => OUTCOME_TONE[outcome] ?? "info";

const SKIP = new Set(["gate", "outcome", "detail", "evidence"]);

/** Every number (and short string) of the gate's evidence, flattened one level. */
export function evidenceFields(g: GateWire): [string, string][] {
  const out: [string, string][] = [];
  const add = (prefix: string, value: unknown) => {
    if (typeof value === "number" && Number.isFinite(value))
      out.push([prefix, evidenceNumber(value)]);
    else if (typeof value === "string" && value.length <= 80) out.push([prefix, value]);
    else if (typeof value === "boolean") out.push([prefix, String(value)]);
  };
  for (const [key, value] of Object.entries(g.evidence ?? {})) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) add(`${key}.${k}`, v);
    } else add(key, value);
  }
  for (const [key, value] of Object.entries(g)) if (!SKIP.has(key)) add(key, value);
  return out;
}

/** `key`: what keeps its evidence open across the page's refreshes (the evaluation it belongs to). */
export function gateRow(g: GateWire, key = ""): Html {
  const fields = evidenceFields(g);
  return html`<li class="gate">
  <span class="badge ${outcomeTone(g.outcome)}">${g.outcome}</span>
  <span class="gate-name">${g.gate}</span>
  <span class="gate-detail">${g.detail}</span>
  ${
    fields.length > 0
      ? html`<details class="evidence-more" data-key="ev-${key}-${g.gate}"><summary>evidence</summary><dl class="evidence">${join(
          fields.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`),
        )}</dl></details>`
      : ""
  }
</li>`;
}

export function gateList(gates: readonly GateWire[] | undefined, key = ""): Html {
  if (!gates || gates.length === 0) return html``;
  return html`<ul class="gates">${join(gates.map((g) => gateRow(g, key)))}</ul>`;
}

/**
 * A past evaluation's gates, collapsed: one line of counts ("7 gates: 5
 * pass, 2 inconclusive; failed: error-rate") that opens to the gate list,
 * so the timeline does not repeat every statistic for every evaluation.
 */
export function gateSummary(gates: readonly GateWire[] | undefined, key: string): Html {
  if (!gates || gates.length === 0) return html``;
  const counts = new Map<string, number>();
  for (const g of gates) counts.set(g.outcome, (counts.get(g.outcome) ?? 0) + 1);
  const failed = gates.filter((g) => g.outcome === "fail").map((g) => g.gate);
  const words = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(", ");
  return html`<details class="gate-summary" data-key="gates-${key}"><summary>${gates.length} gates: ${words}${failed.length ? `; failed: ${failed.join(", ")}` : ""}</summary>${gateList(gates, key)}</details>`;
}
