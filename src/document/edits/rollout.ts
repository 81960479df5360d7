/**
 * The document changes a rollout makes: set the canary share for a step,
 * kill the canary on a rollback, and promote the canary to live; and the
 * operator's own: write or remove the `rollout` plan.
 *
 * Layer: document, edits (pure). The analyzer (src/app/rollout/analyzer.ts) and the
 * manual rollout commands use these, so an automatic rollback is the same
 * change as `router canary kill`. Promotion makes the canary
 * origin live and removes both the canary and the finished plan. Writing a
 * plan starts nothing by itself: the analyzer starts the rollout at its next
 * tick, and new steps (or a new canary origin or salt) start a new rollout
 * from the first step, because the progress record belongs to one plan.
 */
import { duration } from "../../core/rollout/gate-words.ts";
import type { DocChange } from "../../core/rollout/state-machine.ts";
import type { RolloutGates, RolloutPlan } from "../rollout-plan.ts";
import type { RoutingDocument, RoutingDocumentInput } from "../routing-document.ts";
import { canaryKill, canarySet } from "./canary.ts";
import { draftOf, finish, type OperationMeta, type OperationResult, refuse } from "./operation.ts";
import { dropShadowOfLive } from "./shadow.ts";
import { formatBp } from "./shares.ts";

/**
 * False when `change` would leave `doc` as it is (nothing to write). Needs
 * no version, so the analyzer can ask before it writes through adminWrite.
 */
export function rolloutChangeNeeded(doc: RoutingDocument, change: DocChange): boolean {
  if (!change) return false;
  const canary = doc.canary;
  if (!canary) return true; // applyRolloutChange refuses it, with the reason
  switch (change.kind) {
    case "set-share":
      return canary.shareBp !== change.shareBp || canary.killed;
    case "kill":
      return !canary.killed;
    case "flip":
      return true;
  }
}

/** Null when the change is no change. */
export function applyRolloutChange(
  doc: RoutingDocument,
  change: DocChange,
  meta: OperationMeta,
): OperationResult | null {
  if (!change || !rolloutChangeNeeded(doc, change)) return null;
  const canary = doc.canary;
  if (!canary) return refuse("canary", "a rollout needs a canary block (origin and salt)");
  switch (change.kind) {
    case "set-share":
      return canarySet(doc, { shareBp: change.shareBp }, meta);
    case "kill":
      return canaryKill(doc, meta);
    case "flip": {
      const draft = draftOf(doc);
      draft.live = canary.origin;
      // The plan is done: its record stays in `rollout:<service>` and the history.
      delete draft.canary;
      delete draft.rollout;
      const note = dropShadowOfLive(draft, canary.origin);
      return finish(
        doc.service,
        draft,
        meta,
        `rollout promoted ${canary.origin} to live (was ${doc.live})${note}`,
      );
    }
  }
}

export interface RolloutPlanChange {
  steps: RolloutPlan["steps"];
  /** Gate settings to change; the others keep the current plan's values (or the defaults). */
  gates?: Partial<RolloutGates>;
  onSuccess?: RolloutPlan["onSuccess"];
  notify?: boolean;
  /** How often the control object evaluates the gates (5..300 s). */
  analysisIntervalSeconds?: number;
  /** False-rollback chance per rollout, split across gates and steps. */
  alpha?: number;
  /** How long past its bake an undecided step holds before the rollout pauses. */
  maxExtensionSeconds?: number;
  /** Missed-regression chance per gate and step. */
  beta?: number;
  /** An undecided step at its limit: pause or advance. */
  onInconclusive?: RolloutPlan["onInconclusive"];
}

/** "1% 10m, 5% 30m -> flip". */
export function describeSteps(plan: Pick<RolloutPlan, "steps" | "onSuccess">): string {
  const steps = plan.steps.map((s) => `${formatBp(s.shareBp)} ${formatSeconds(s.bakeSeconds)}`);
  return `${steps.join(", ")} -> ${plan.onSuccess === "flip" ? "flip" : "stay"}`;
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * "30s", "10m", "2h", "1h30m", "1d" -> seconds. A bare number is refused: a
 * bake of "10" could be seconds or minutes, and a guess is a bake nobody asked for.
 */
export function parseDuration(
  text: string,
): { ok: true; seconds: number } | { ok: false; message: string } {
  const t = text.trim();
  const match = DURATION.exec(t);
  if (!match || t === "") {
    return { ok: false, message: `"${text}" is not a duration like 30s, 10m, 2h or 1h30m` };
  }
  const [d, h, m, s] = match.slice(1).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return { ok: true, seconds: ((d * 24 + h) * 60 + m) * 60 + s };
}

/** 600 -> "10m", 5400 -> "1h30m", 45 -> "45s", 0 -> "0s" (the core's one duration format). */
export const formatSeconds = duration;

/**
 * Writes the `rollout` block: the steps, and any gate, onSuccess, notify,
 * analysis interval, alpha, beta, onInconclusive or extension settings given (the rest are kept
 * from the current plan). The shared schema refuses a plan without a canary
 * block, with field paths.
 */
export function setRolloutPlan(
  doc: RoutingDocument,
  change: RolloutPlanChange,
  meta: OperationMeta,
): OperationResult {
  const was = doc.rollout;
  // The schema's input shape: gates given here may leave the defaults to `finish`.
  const draft: RoutingDocumentInput = draftOf(doc);
  draft.rollout = {
    ...(was ?? {}),
    steps: change.steps,
    gates: { ...(was?.gates ?? {}), ...(change.gates ?? {}) },
    ...(change.onSuccess !== undefined ? { onSuccess: change.onSuccess } : {}),
    ...(change.notify !== undefined ? { notify: change.notify } : {}),
    ...(change.analysisIntervalSeconds !== undefined
      ? { analysisIntervalSeconds: change.analysisIntervalSeconds }
      : {}),
    ...(change.alpha !== undefined ? { alpha: change.alpha } : {}),
    ...(change.maxExtensionSeconds !== undefined
      ? { maxExtensionSeconds: change.maxExtensionSeconds }
      : {}),
    ...(change.beta !== undefined ? { beta: change.beta } : {}),
    ...(change.onInconclusive !== undefined ? { onInconclusive: change.onInconclusive } : {}),
  };
  const result = finish(doc.service, draft, meta, "");
  if (!result.ok) return result;
  const plan = result.doc.rollout as RolloutPlan;
  if (was && JSON.stringify(was) === JSON.stringify(plan)) {
    return refuse("rollout", "the document already has this plan");
  }
  const restarts = was && JSON.stringify(was.steps) !== JSON.stringify(plan.steps);
  const what = !was
    ? "rollout plan set"
    : restarts
      ? "rollout plan replaced (new steps: the rollout starts over)"
      : "rollout plan updated";
  return { ...result, change: `${what}: ${describeSteps(plan)}` };
}

/**
 * Removes the `rollout` block: the analyzer stops acting on the service and
 * the canary stays where it is (use `canary kill` or the manual `abort` to
 * send everyone back to live).
 */
export function removeRolloutPlan(doc: RoutingDocument, meta: OperationMeta): OperationResult {
  if (!doc.rollout) return refuse("rollout", "there is no rollout plan to remove");
  const draft = draftOf(doc);
  delete draft.rollout;
  const canary = doc.canary
    ? `; the canary stays at ${formatBp(doc.canary.shareBp)}${doc.canary.killed ? " (killed)" : ""}`
    : "";
  return finish(
    doc.service,
    draft,
    meta,
    `rollout plan removed (was ${describeSteps(doc.rollout)})${canary}`,
  );
}
