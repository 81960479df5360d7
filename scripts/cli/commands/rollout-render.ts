/**
 * Plain-text views of a rollout for `router rollout status|evaluate|...`:
 * state, step and bake, the last verdict with each gate, the timeline and
 * the per-arm metrics, from the admin API's answers.
 *
 * Layer: script (CLI), pure: every time is relative to the router's `now`.
 */

import type { StreamView } from "../../../src/core/answers/stream-sums.ts";
import {
  outcomeBudgetWords,
  stepBudgetWords,
  trafficWords,
} from "../../../src/core/rollout/budget-words.ts";
import type { GateResult } from "../../../src/core/rollout/gates.ts";
import { describeSteps, formatSeconds } from "../../../src/document/edits/rollout.ts";
import { formatBp } from "../../../src/document/edits/shares.ts";
import type { AnalysisOutcome, ArmView, RolloutView } from "./rollout-admin.ts";

/** 1764158400000 -> "2026-11-26 12:00:00Z". */
export const formatTime = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");

const ago = (now: number, at: number) =>
  now >= at ? `${formatSeconds((now - at) / 1000)} ago` : `in ${formatSeconds((at - now) / 1000)}`;

const table = (rows: string[][], indent = "    ") => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) => `${indent}${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd())
    .join("\n");
};

export const formatGates = (gates: GateResult[], indent = "    ") =>
  table(
    gates.map((g) => [g.outcome, g.gate, g.detail]),
    indent,
  );

/** A labelled line under the metrics table. */
const sub = (label: string, text: string) => `    ${label.padEnd(9)}${text}`;

const rate = (errors: number, requests: number) =>
  requests === 0 ? "-" : `${((errors / requests) * 100).toFixed(2)}%`;

/** An arm's streamed answers in words: first token, throughput, usage, broken ones. */
export function streamWords(origin: string, s: StreamView): string {
  const ms = (x: number | null) => (x === null ? "-" : `${x.toFixed(0)} ms`);
  const perSecond = s.eventsPerSecond === null ? "-" : s.eventsPerSecond.toFixed(1);
  const tokens =
    s.tokensPerAnswer === null ? "" : `, ${s.tokensPerAnswer.toFixed(0)} tokens/answer`;
  return `${origin}: ${s.answers} answers, first token p50 ${ms(s.firstByteP50Ms)} p95 ${ms(s.firstByteP95Ms)}, ${perSecond} tokens/s${tokens}, ${s.broken} broke off`;
}

function armRow(role: string, arm: ArmView | null): string[] {
  if (!arm) return [role, "-", "0", "0", "-", "-"];
  return [
    role,
    arm.origin,
    String(arm.requests),
    String(arm.errors),
    rate(arm.errors, arm.requests),
    arm.p95Ms === null ? "-" : `${arm.p95Ms.toFixed(1)} ms`,
  ];
}

export function formatStatus(v: RolloutView): string {
  const lines: string[] = [];
  const canary = v.canary
    ? `${v.canary.origin} at ${formatBp(v.canary.shareBp)}${v.canary.killed ? " (killed)" : ""}`
    : "no canary";
  lines.push(`${v.service}: live ${v.live}, canary ${canary}, document version ${v.version}`);
  const plan = v.plan;
  lines.push(
    `  plan       ${plan ? `${describeSteps(plan)} (gates need ${plan.gates.minRequests} requests per arm; alpha ${plan.alpha}; an undecided step holds up to ${formatSeconds(plan.maxExtensionSeconds)} past its bake; evaluated every ${formatSeconds(plan.analysisIntervalSeconds)})` : "none"}`,
  );

  if (plan && v.budget) {
    lines.push(`  budget     at ${trafficWords(v.budget)}:`);
    for (const [i, s] of v.budget.steps.entries())
      lines.push(`             ${stepBudgetWords(s, i)}`);
    for (const o of v.budget.outcomes ?? []) lines.push(`             ${outcomeBudgetWords(o)}`);
    if (v.budget.steps.some((s) => !s.feasible))
      lines.push(
        `             a step cannot decide in time: see \`router rollout plan ${v.service} --steps ... --fit\` to size shares and bakes`,
      );
  } else if (plan) {
    lines.push(
      "  budget     not measured yet (needs a minute of identified traffic on this version)",
    );
  }

  const status = v.statusCurrent ? v.status : null;
  if (!plan && !v.status) {
    lines.push(
      `  state      no rollout. Write a plan: router rollout plan ${v.service} --steps 1%:10m,5%:30m,25%:10m,50%:10m,100%:10m`,
    );
  } else if (plan && !status) {
    lines.push(
      `  state      not started: the service's control object starts it at its next evaluation (every analysisIntervalSeconds), or now: router rollout start ${v.service}`,
    );
  }
  if (status) {
    const step = plan?.steps[status.stepIndex];
    const n = plan?.steps.length ?? 0;
    const stepText = step
      ? `step ${status.stepIndex + 1}/${n}: ${formatBp(step.shareBp)} for ${formatSeconds(step.bakeSeconds)}`
      : `step ${status.stepIndex + 1}`;
    lines.push(`  state      ${status.state}, ${stepText}`);
    if (step && status.state === "progressing") {
      const left = status.stepStartedAt + step.bakeSeconds * 1000 - v.now;
      const limit = plan ? formatSeconds(plan.maxExtensionSeconds) : "-";
      lines.push(
        `  bake       ${left > 0 ? `${formatSeconds(left / 1000)} left` : `done ${formatSeconds(-left / 1000)} ago: advances once every gate passes, holds while any is inconclusive (up to ${limit} past the bake, then pauses)`} (step started ${formatTime(status.stepStartedAt)})`,
      );
    } else if (status.state === "paused" && status.pausedAtLimit) {
      lines.push(
        "  bake       paused at the bake limit with gates undecided; a failing gate still rolls it back. Resume (one more bake and extension), promote or abort",
      );
    } else if (status.state === "paused") {
      lines.push("  bake       paused: the bake starts over on resume");
    }
  } else if (v.status) {
    lines.push(
      `  previous   ${v.status.state} rollout (updated ${formatTime(v.status.updatedAt)}); it belongs to another plan`,
    );
  }

  const record = status ?? v.status;
  if (record) {
    const last = record.lastEvaluation ?? record.timeline.at(-1);
    if (last) {
      lines.push(
        `  verdict    ${last.event} at ${formatTime(last.at)} (${ago(v.now, last.at)}): ${last.reason}`,
      );
    }
    const judged = [...record.timeline].reverse().find((e) => (e.gates?.length ?? 0) > 0);
    if (v.preview && v.preview.gates.length > 0) {
      lines.push(`  gates now  (version ${v.version}'s metrics; would be: ${v.preview.verdict})`);
      lines.push(formatGates(v.preview.gates));
    } else if (judged?.gates) {
      lines.push(`  gates      at ${judged.event}, ${formatTime(judged.at)}`);
      lines.push(formatGates(judged.gates));
    }
    if (record.timeline.length > 0) {
      lines.push("  timeline");
      lines.push(
        table(record.timeline.map((e) => [formatTime(e.at), e.event, `v${e.version}`, e.reason])),
      );
    }
  }

  const m = v.metrics;
  const span = m.firstAt && m.lastAt ? `, ${formatTime(m.firstAt)} to ${formatTime(m.lastAt)}` : "";
  lines.push(`  metrics    document version ${m.version}${span}`);
  const named = new Set([m.live?.origin, m.canary?.origin]);
  const others = Object.entries(m.arms)
    .filter(([origin]) => !named.has(origin))
    .map(([origin, arm]) => armRow(origin === v.live ? "live" : "other", { origin, ...arm }));
  const rows = [
    ...(m.live || m.canary ? [armRow("live", m.live), armRow("canary", m.canary)] : []),
    ...others,
  ];
  lines.push(
    rows.length === 0
      ? "    no requests yet"
      : table([["arm", "origin", "requests", "errors", "rate", "p95"], ...rows]),
  );
  for (const [role, arm] of [
    ["live", m.live],
    ["canary", m.canary],
  ] as const) {
    if (arm?.stream)
      lines.push(sub(role === "live" ? "streamed" : "", streamWords(arm.origin, arm.stream)));
  }
  if (record?.baseline && v.canary?.shareBp === 10_000) {
    const b = record.baseline;
    lines.push(
      sub(
        "baseline",
        `live at the end of the previous step: ${b.requests} requests, ${b.errors} errors, p95 ${b.p95Ms === null ? "-" : `${b.p95Ms.toFixed(1)} ms`}`,
      ),
    );
  }
  if (m.split) {
    const total = m.split.canary + m.split.others;
    const share = total === 0 ? "-" : `${((m.split.canary / total) * 100).toFixed(2)}%`;
    lines.push(
      sub(
        "split",
        `canary ${m.split.canary} of ${total} identified users (${share}; expected ${v.canary ? formatBp(v.canary.killed ? 0 : v.canary.shareBp) : "-"})`,
      ),
    );
  }
  if (m.shadow) {
    lines.push(
      sub(
        "shadow",
        `${m.shadow.pairs} pairs, agreement ${(m.shadow.agreementRate * 100).toFixed(1)}%, mean |Δscore| ${m.shadow.meanAbsDelta.toFixed(4)}`,
      ),
    );
  }
  return lines.join("\n");
}

export function formatOutcome(o: AnalysisOutcome): string {
  const where = [
    `version ${o.version}`,
    ...(o.state ? [o.state] : []),
    ...(o.stepIndex !== null ? [`step ${o.stepIndex + 1}`] : []),
  ].join(", ");
  const head = `${o.service}: ${o.event}: ${o.reason} (${where})`;
  return o.gates.length > 0 ? `${head}\n${formatGates(o.gates, "  ")}` : head;
}
