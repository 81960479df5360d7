/**
 * The dashboard's actions: which ones a service offers right now, the
 * sentence each confirmation shows ("send every canary user back to blue"),
 * and the admin API request each one is. Nothing else can be written from
 * the dashboard: the API refuses any other action name.
 *
 * Layer: HTTP edge (dashboard), pure. Edits go to
 * POST /services/:s/edits/:name (dry run first, then with expectedVersion,
 * so a confirmation shown for version 7 cannot write over version 8);
 * rollout commands to POST /services/:s/rollout/:command.
 */
import type { AdminCall } from "./admin-calls.ts";
import { duration, share } from "./views/format.ts";
import type { RolloutWire, ServiceStatus } from "./wire.ts";

export const ACTION_NAMES = [
  "canary.kill",
  "canary.set",
  "flip",
  "rollback",
  "rollout.pause",
  "rollout.resume",
  "rollout.abort",
  "rollout.promote",
  "rollout.evaluate",
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export const isActionName = (name: string): name is ActionName =>
  (ACTION_NAMES as readonly string[]).includes(name);

/** Edits (through the write pipeline, with a dry run) as opposed to rollout commands. */
export const isEdit = (name: ActionName) => !name.startsWith("rollout.");

export interface Action {
  name: ActionName;
  args: Record<string, unknown>;
  /** The button. */
  label: string;
  /** The confirmation's title and its button. */
  title: string;
  confirm: string;
  /** What happens, in words, with this service's numbers. */
  effect: string;
  /** What the dashboard does not do that the CLI does (shown apart, as a warning). */
  note?: string;
  danger: boolean;
  /** canary.set: the dialog asks for the share (percent). */
  asksShare?: { currentBp: number };
}

export interface ActionContext {
  status: ServiceStatus | null;
  rollout: RolloutWire | null;
  /** Requests each arm served over the last minute. */
  lastMinute: Map<string, number>;
}

const perMinute = (n: number | undefined) =>
  n === undefined
    ? ""
    : ` (${n.toLocaleString("en-US")} request${n === 1 ? "" : "s"} in the last minute)`;

/** The routing actions of the service as it is now (kill, share, flip). */
export function routingActions(ctx: ActionContext): Action[] {
  const doc = ctx.status?.summary;
  const document = ctx.status?.document as
    | { live?: string; canary?: { origin: string; shareBp: number; killed?: boolean } }
    | null
    | undefined;
  if (!doc || !document?.live) return [];
  const live = document.live;
  const out: Action[] = [];
  const canary = document.canary;
  if (canary && !canary.killed) {
    out.push({
      name: "canary.kill",
      args: {},
      label: "Kill canary",
      title: `Kill the canary of ${doc.service}?`,
      confirm: "Kill canary",
      effect: `Send every canary user back to ${live}: ${canary.origin} stops serving its ${share(canary.shareBp)} of users${perMinute(ctx.lastMinute.get(canary.origin))} at once. The canary stays in the document, marked killed; "Set share" resumes it.`,
      danger: true,
    });
  }
  if (canary) {
    out.push({
      name: "canary.set",
      args: {},
      label: canary.killed ? "Resume canary…" : "Set canary share…",
      title: `Set the canary share of ${doc.service}`,
      confirm: "Set share",
      effect: `${canary.origin} serves the share of users you set (by user id; the same users stay in as it grows). It serves ${canary.killed ? `nobody now (killed at ${share(canary.shareBp)})` : `${share(canary.shareBp)} now`}; the rest stay on ${live}.`,
      danger: false,
      asksShare: { currentBp: canary.killed ? 0 : canary.shareBp },
    });
  }
  const liveShare = doc.arms.find((a) => a.role === "live")?.expectedBp ?? 10_000;
  for (const to of doc.idle) {
    out.push({
      name: "flip",
      args: { to },
      label: `Make ${to} live`,
      title: `Flip ${doc.service} to ${to}?`,
      confirm: `Flip to ${to}`,
      effect: `Make ${to} live: the ${share(liveShare)} of users on ${live}${perMinute(ctx.lastMinute.get(live))}, and every request without a user id, go to ${to}; ${live} becomes idle. Roll back restores ${live}.`,
      // The CLI's smoke tests are sample files on the operator's machine
      // (scripts/demo/smoke/), which the Worker cannot read: say so.
      note: `The dashboard runs no smoke tests: ${to} gets live traffic without a sample request sent to it first. The CLI sends the service's sample requests (scripts/demo/smoke/${doc.service}.json) to ${to} through the override and refuses the flip if any fails: router flip ${doc.service} --to ${to}`,
      danger: true,
    });
  }
  return out;
}

/** "Roll back to this version" for a version in the history. */
export function rollbackAction(
  service: string,
  toVersion: number,
  current: number | null,
  next: number,
): Action {
  return {
    name: "rollback",
    args: { toVersion },
    label: "Roll back to this version",
    title: `Roll ${service} back to version ${toVersion}?`,
    confirm: `Restore version ${toVersion}`,
    effect: `Restore the routing of version ${toVersion} as a new version ${next}${current === null ? "" : ` (replacing version ${current})`}. The changes it makes are listed below; the history keeps every version.`,
    danger: true,
  };
}

/** The rollout commands that apply to the rollout's state. */
export function rolloutActions(ctx: ActionContext): Action[] {
  const r = ctx.rollout;
  if (!r?.plan) return [];
  const out: Action[] = [];
  const plan = r.plan;
  const status = r.statusCurrent ? r.status : null;
  const interval = plan.analysisIntervalSeconds ?? 5;
  out.push({
    name: "rollout.evaluate",
    args: {},
    label: status ? "Evaluate now" : "Start now",
    title: status ? "Evaluate the rollout now?" : "Start the rollout now?",
    confirm: status ? "Evaluate" : "Start",
    effect: status
      ? `Run the gates on the metrics now, as the control object does every ${interval}s: a failing gate rolls back at once, a passed bake moves to the next step.`
      : `Start the rollout at step 1 (${share(plan.steps[0]?.shareBp ?? 0)} of users on ${r.canary?.origin ?? "the canary"}) now instead of at the next evaluation (every ${interval}s).`,
    danger: false,
  });
  if (!status || !r.canary) return out;
  const step = plan.steps[status.stepIndex];
  const at = `step ${status.stepIndex + 1} of ${plan.steps.length}${step ? ` (${share(step.shareBp)})` : ""}`;
  if (status.state === "progressing") {
    out.push({
      name: "rollout.pause",
      args: {},
      label: "Pause",
      title: "Pause the rollout?",
      confirm: "Pause",
      effect: `Hold the rollout at ${at}: the canary keeps its share, and the analyzer makes no step, rollback or promotion until you resume.`,
      danger: false,
    });
  }
  if (status.state === "paused") {
    out.push({
      name: "rollout.resume",
      args: {},
      label: "Resume",
      title: "Resume the rollout?",
      confirm: "Resume",
      effect: `Go on from ${at}: its bake starts over${step ? ` (${duration(step.bakeSeconds)})` : ""}, and the gates decide again every ${interval}s.`,
      danger: false,
    });
  }
  if (status.state === "progressing" || status.state === "paused") {
    out.push({
      name: "rollout.promote",
      args: {},
      label: "Promote",
      title: `Promote ${r.canary.origin} now?`,
      confirm: `Promote ${r.canary.origin}`,
      effect: `End the rollout at ${at} and make ${r.canary.origin} live for every user (skipping the remaining steps); ${r.live} becomes idle.`,
      danger: true,
    });
    out.push({
      name: "rollout.abort",
      args: {},
      label: "Abort",
      title: "Abort the rollout?",
      confirm: "Abort and kill canary",
      effect: `End the rollout and kill the canary: every user on ${r.canary.origin} (${share(r.canary.shareBp)}${perMinute(ctx.lastMinute.get(r.canary.origin))}) goes back to ${r.live}.`,
      danger: true,
    });
  }
  return out;
}

/** The admin API request of an action. */
export function adminCallOf(
  service: string,
  name: ActionName,
  args: Record<string, unknown>,
  options: { expectedVersion?: number; dryRun: boolean; author: string },
): AdminCall {
  const s = encodeURIComponent(service);
  if (!isEdit(name)) {
    return {
      method: "POST",
      path: `/services/${s}/rollout/${name.slice("rollout.".length)}`,
      body: {},
      author: options.author,
    };
  }
  return {
    method: "POST",
    path: `/services/${s}/edits/${name}${options.dryRun ? "?dryRun=1" : ""}`,
    body: {
      args,
      ...(options.expectedVersion !== undefined
        ? { expectedVersion: options.expectedVersion }
        : {}),
    },
    author: options.author,
  };
}
