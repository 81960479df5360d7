/**
 * One gate result, in words: its name, its outcome, the analyzer's own
 * sentence (`detail`), and every number of its evidence. Read generically,
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

export function gateRow(g: GateWire): Html {
  const fields = evidenceFields(g);
  return html`<li class="gate">
  <span class="badge ${outcomeTone(g.outcome)}">${g.outcome}</span>
  <span class="gate-name">${g.gate}</span>
  <span class="gate-detail">${g.detail}</span>
  ${
    fields.length > 0
      ? html`<dl class="evidence">${join(
          fields.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`),
        )}</dl>`
      : ""
  }
</li>`;
}

export function gateList(gates: readonly GateWire[] | undefined): Html {
  if (!gates || gates.length === 0) return html``;
  return html`<ul class="gates">${join(gates.map(gateRow))}</ul>`;
}
