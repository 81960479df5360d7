/**
 * The rollout section of a service page: the plan's steps as a timeline
 * (done, current with its bake remaining, to come), the state and what the
 * gates say right now, the operator's commands, and every evaluation of
 * the timeline with each gate's evidence in words. Empty states say what
 * to run.
 *
 * Layer: HTTP edge (dashboard views).
 */

import {
  decidesWords,
  outcomeBudgetWords,
  stepBudgetWords,
  trafficWords,
} from "../../../core/rollout/budget-words.ts";
import type { Action } from "../actions.ts";
import type { AdminAnswer } from "../admin-calls.ts";
import { toneOf } from "../chart-data.ts";
import type { RolloutWire } from "../wire.ts";
import { actionBar } from "./action-button.ts";
import { ago, duration, share, utc } from "./format.ts";
import { gateList, gateSummary, outcomeTone } from "./gates.ts";
import { type Html, html, join } from "./html.ts";
import { command } from "./layout.ts";

const STEPS_EXAMPLE = "1%:10m,5%:30m,25%:10m,50%:10m,100%:10m";

const STATE_TONE: Record<string, string> = {
  progressing: "info",
  paused: "warn",
  "rolled-back": "bad",
  aborted: "bad",
  promoted: "good",
  completed: "good",
};

export function rolloutSection(
  answer: AdminAnswer<RolloutWire>,
  actions: readonly Action[],
  version: number | null,
  now: number,
): Html {
  if (!answer.ok) {
    return html`<p class="problem">The rollout could not be read: ${answer.message}</p>`;
  }
  const r = answer.body;
  if (!r.plan) {
    return html`<div class="empty">
  <p><strong>No rollout.</strong> A rollout moves the canary through steps by itself, checking the gates (errors, latency, sample ratio, shadow agreement) at every step.</p>
  ${
    r.canary
      ? html`<p>Start one with ${command(`router rollout plan ${r.service} --steps ${STEPS_EXAMPLE}`)}</p>`
      : html`<p>It needs a canary first: ${command(`router canary set ${r.service} <origin> --share 0%`)}, then ${command(`router rollout plan ${r.service} --steps ${STEPS_EXAMPLE}`)}</p>`
  }
</div>`;
  }
  const status = r.statusCurrent ? r.status : null;
  const plan = r.plan;
  const steps = join(
    plan.steps.map((s, i) => {
      const ended = status && ["rolled-back", "aborted"].includes(status.state);
      const state = !status
        ? "todo"
        : i < status.stepIndex ||
            (i === status.stepIndex && ["promoted", "completed"].includes(status.state))
          ? "done"
          : i === status.stepIndex
            ? ended
              ? "failed"
              : "current"
            : ended
              ? "skipped"
              : "todo";
      let note: Html | string = duration(s.bakeSeconds);
      const budget = r.budget?.steps[i];
      if (status && state === "failed")
        note = status.state === "aborted" ? "aborted here" : "rolled back here";
      if (status && state === "current" && status.state === "progressing") {
        const left = (status.stepStartedAt + s.bakeSeconds * 1000 - now) / 1000;
        note =
          left > 0
            ? `${duration(left)} of ${duration(s.bakeSeconds)} bake left`
            : "bake done; waiting for the gates";
      }
      const decides = budget
        ? html`<span class="step-budget ${budget.feasible ? "" : "warn"}" title="${stepBudgetWords(budget, i)}">${decidesWords(budget)}</span>`
        : "";
      return html`<li class="step ${state}"><span class="step-share">${share(s.shareBp)}</span><span class="step-note">${note}</span>${decides}</li>`;
    }),
  );
  const onSuccess =
    plan.onSuccess === "stay"
      ? "after the last step the canary stays at its share"
      : `after the last step ${r.canary?.origin ?? "the canary"} becomes live`;
  const head = status
    ? html`<p class="rollout-state"><span class="badge ${STATE_TONE[status.state] ?? "info"}" data-rollout-state="${status.state}">${status.state}</span>
  step ${status.stepIndex + 1} of ${plan.steps.length} &middot; started <span title="${utc(status.startedAt)}">${ago(status.startedAt, now)}</span>${status.pausedAtLimit ? " · paused at its bake limit: the evidence stayed inconclusive" : ""}</p>`
    : html`<p class="rollout-state"><span class="badge info">not started</span> The control object starts this plan at its next evaluation (every ${plan.analysisIntervalSeconds ?? 5}s), or now with "Start now".</p>`;
  const preview = r.preview
    ? html`<div class="preview">
  <h3>What the gates say now: <span class="badge ${verdictTone(r.preview.verdict)}">${r.preview.verdict}</span></h3>
  <p>${r.preview.reason}</p>
  ${gateList(r.preview.gates, "preview")}
</div>`
    : "";
  const timeline = status?.timeline ?? [];
  const last = status?.lastEvaluation;
  const showLast = last && !timeline.some((e) => e.at === last.at && e.event === last.event);
  const entries = [...timeline].reverse();
  return html`${head}
<ol class="steps" aria-label="rollout steps">${steps}</ol>
${r.budget ? html`<p class="muted small" data-budget>Evidence budget at ${trafficWords(r.budget)}.</p>${(r.budget.outcomes ?? []).map((o) => html`<p class="muted small" data-outcome-budget>${outcomeBudgetWords(o)}.</p>`)}` : plan ? html`<p class="muted small" data-budget>Evidence budget: not measured yet (a minute of identified traffic on this version).</p>` : ""}
<p class="muted small">Canary ${r.canary?.origin ?? "?"} against live ${r.live}; ${onSuccess}; gates evaluated every ${plan.analysisIntervalSeconds ?? 5}s.</p>
${actionBar(actions, version)}
${preview}
<h3>Evaluations</h3>
${
  showLast && last
    ? html`<div class="evaluation latest"><p><span class="badge ${verdictTone(last.event)}">${last.event}</span> <span title="${utc(last.at)}">${ago(last.at, now)}</span> (latest, not a step change): ${last.reason}</p>${gateSummary(last.gates, `latest-${last.at}`)}</div>`
    : ""
}
${
  entries.length === 0
    ? html`<p class="empty">No evaluation yet.</p>`
    : html`<ol class="timeline">${join(
        entries.map(
          (e) => html`<li class="evaluation" data-event="${e.event}">
  <p><span class="badge ${verdictTone(e.event)}">${e.event}</span>
  <span title="${utc(e.at)}">${ago(e.at, now)}</span> &middot; step ${e.stepIndex + 1} &middot; version ${e.version}</p>
  <p class="reason">${e.reason}</p>
  ${gateSummary(e.gates, `${e.event}-${e.at}`)}
</li>`,
        ),
      )}</ol>`
}`;
}

function verdictTone(verdict: string): string {
  const tone = toneOf(verdict);
  return tone === "info" ? outcomeTone(verdict) : tone;
}
