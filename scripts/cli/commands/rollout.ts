/**
 * `router rollout plan|remove|status|start|evaluate|pause|resume|abort|promote`:
 * progressive delivery.
 *
 * Layer: CLI. `plan` and `remove` are the registry's rollout.plan|remove
 * edits (src/document/edits/rollout.ts), written like every other write
 * (diff, --dry-run, history; --direct works). Everything else asks the
 * running router's admin API (scripts/cli/commands/rollout-admin.ts):
 * the analyzer, the rollout's status record and its exact per-arm metrics
 * live in the service's control object (a Durable Object), which only the
 * router reaches; with --direct these commands say so instead.
 */

import type { Traffic } from "../../../src/core/rollout/evidence-budget.ts";
import { parseDuration, type RolloutPlanChange } from "../../../src/document/edits/rollout.ts";
import type { RolloutPlan } from "../../../src/document/rollout-plan.ts";
import { adminCall } from "../api.ts";
import {
  author,
  CliError,
  EXIT,
  intOption,
  note,
  output,
  parse,
  positional,
  shareOption,
  usage,
  type Values,
} from "../cli.ts";
import { type Command, group } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import {
  type ApiTarget,
  apiTarget,
  DEFAULT_ROUTER_URL,
  ROUTER_HELP,
  TARGET_OPTIONS,
} from "../target.ts";
import { intervalOf, WATCH_HELP, WATCH_OPTIONS, watch } from "../watch.ts";
import { WRITE_HELP, WRITE_OPTIONS, write } from "../write.ts";
import { type AnalysisOutcome, type RolloutView, rolloutPath, viewJson } from "./rollout-admin.ts";
import { checkBudget } from "./rollout-budget.ts";
import { formatOutcome, formatStatus } from "./rollout-render.ts";

const EXAMPLE_STEPS = "1%:10m,5%:30m,25%:10m,50%:10m,100%:10m";

/** KV-through-wrangler options: taken by the router-only commands only to refuse them clearly. */
const BREAK_GLASS = ["direct", "local", "remote", "preview", "persist-to"] as const;

/**
 * The router a rollout command asks. There is no --direct mode: KV holds
 * no rollout status and no metrics (no `rollout:` or `metrics:` keys); both
 * live in the service's control object, where the analyzer runs.
 */
function router(values: Values, command: string): ApiTarget {
  const given = BREAK_GLASS.find((name) => values[name] !== undefined);
  if (given) {
    throw new CliError(
      EXIT.usage,
      "router_required",
      `rollout ${command} needs the router, not --${given}: a rollout's status, its per-arm metrics ` +
        "and the analyzer live in the service's control object (a Durable Object), which only " +
        "the router reaches (KV holds no rollout keys). Give the router with --url <url> " +
        `(or $ROUTER_URL; \`npm start\` serves ${DEFAULT_ROUTER_URL}). ` +
        "Only `rollout plan` and `rollout remove` take --direct (they edit the document in KV).",
    );
  }
  return apiTarget(values, false);
}

/** What the router-only subcommands parse: the router options, and the break-glass ones to refuse. */
const ROUTER_ONLY_OPTIONS = TARGET_OPTIONS;

const ROUTER_ONLY_HELP = `No --direct: the rollout's status and metrics live in the service's control
object (a Durable Object), which only the router reaches.

${ROUTER_HELP}`;

/** --<name> <duration> in seconds ("30s", "2h"); undefined when not given. */
function durationOption(values: Values, name: string): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const parsed = parseDuration(String(text));
  if (!parsed.ok) throw usage(`--${name}: ${parsed.message}`);
  return parsed.seconds;
}

/** "1%:10m,5%:30m" -> [{ shareBp: 100, bakeSeconds: 600 }, { shareBp: 500, bakeSeconds: 1800 }]. */
export function parseSteps(text: string): RolloutPlanChange["steps"] {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.some((p) => p === "")) throw usage(`--steps: "${text}" has an empty step`);
  return parts.map((part, i) => {
    const [share, bake, ...rest] = part.split(":");
    if (share === undefined || bake === undefined || rest.length > 0) {
      throw usage(`--steps: step ${i + 1} "${part}" is not <share>:<bake>, e.g. 5%:30m`);
    }
    const duration = parseDuration(bake);
    if (!duration.ok) throw usage(`--steps: step ${i + 1}: ${duration.message}`);
    return { shareBp: shareOption(share, `--steps: step ${i + 1}`), bakeSeconds: duration.seconds };
  });
}

const plan: Command = {
  name: "plan",
  summary: "write the rollout plan (steps, bake times, gates) into the document",
  help: `Usage: router rollout plan <service> --steps <share:bake,...> [options]

Writes the document's \`rollout\` block. The service's control object (a
Durable Object the router runs) evaluates it on its alarm every
\`analysisIntervalSeconds\` of the plan (default 5 s): its first evaluation
starts the rollout at the first step (\`rollout start\` does it now). With
--direct, the object picks the document up from KV at its next poll (about
every 10 s while the service serves traffic, else at the next admin call).
The service needs a canary block (the origin to roll out); start one at 0% with
\`router canary set <service> <origin> --share 0%\`.
New steps (or a new canary origin or salt) start the rollout over from the
first step; gate and --on-success changes apply to the running rollout.

A step advances once every gate passes: each gate is an anytime-valid test
(it may be looked at every interval without more false rollbacks). The rate
gates (errors, 3xx and 4xx shares of identified requests) fail once the
canary is shown worse than live and pass once it is shown not worse by the
bound (with --beta); the latency and shadow gates fail once their interval
lies beyond the bound and pass once it lies within. A split of users that
does not match the share pauses the rollout.
A step still undecided at the end of its bake holds, up to --max-extension
past it, then the rollout pauses at its share (never a rollback for want of
evidence).

Options:
  --steps <list>        comma-separated <share>:<bake>; shares like 5% or 500bp,
                        bakes like 30s, 10m, 2h or 1h30m
  --min-requests <n>    requests each arm needs in a step before any verdict
                        (default: the current plan's, else 200)
  --alpha <x>           the chance of rolling back a canary that is within every
                        bound, per rollout: across every gate, step and look,
                        split between them (0 < x <= 0.2; default: the current
                        plan's, else 0.01)
  --max-extension <d>   how long a step whose gates are undecided at the end of
                        its bake holds before the rollout pauses, e.g. 30m, 2h, 0s
                        (default: the current plan's, else 1h)
  --interval <d>        how often the service's control object evaluates the
                        gates, 5s to 5m (default: the current plan's, else 5s)
  --on-success <what>   after the last step: flip (the canary becomes live,
                        the default) or stay (at the last share)
  --beta <x>            the chance a gate passes a canary worse by its bound,
                        per gate and step (0 < x <= 0.5; default: the current
                        plan's, else 0.05)
  --on-inconclusive <what>
                        a step still undecided at its limit: pause (default) or
                        advance (only with no gate showing harm and the sample
                        the evidence budget sizes; history says what it could
                        have caught)
  --traffic <rpm>       identified requests per minute to size the plan by
                        (default: what the router measured on this version)
  --error-rate <x>      live's error rate to size by, with --traffic (default 0.01)
  --fit                 replace each step that cannot decide within its bake and
                        extension at that traffic by one that can (a longer bake,
                        or a wider share)

Before writing, prints each step's evidence budget: how long it needs to
decide at the service's traffic and the smallest error-rate increase it
catches with 90% probability, and warns for each step that cannot decide.
${WRITE_HELP}

Example:
  router rollout plan fraud --steps ${EXAMPLE_STEPS}
  router rollout plan fraud --steps 5%:1h,50%:1h --min-requests 500 --on-success stay --dry-run
  router rollout plan fraud --steps 5%:30m,100%:10m --alpha 0.05 --max-extension 2h --interval 30s`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...WRITE_OPTIONS,
      steps: { type: "string" },
      "min-requests": { type: "string" },
      "on-success": { type: "string" },
      alpha: { type: "string" },
      "max-extension": { type: "string" },
      interval: { type: "string" },
      beta: { type: "string" },
      "on-inconclusive": { type: "string" },
      traffic: { type: "string" },
      "error-rate": { type: "string" },
      fit: { type: "boolean" },
    });
    const service = positional(positionals, 0, "service");
    if (values.steps === undefined)
      throw usage(`rollout plan needs --steps, e.g. ${EXAMPLE_STEPS}`);
    const steps = parseSteps(values.steps as string);
    const minRequests = intOption(values, "min-requests");
    const onSuccess = values["on-success"] as string | undefined;
    if (onSuccess !== undefined && onSuccess !== "flip" && onSuccess !== "stay") {
      throw usage(`--on-success must be flip or stay, not "${onSuccess}"`);
    }
    const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
    if (alpha !== undefined && !(alpha > 0 && alpha <= 0.2)) {
      throw usage(`--alpha must be a number above 0 and at most 0.2, not "${values.alpha}"`);
    }
    const maxExtension = durationOption(values, "max-extension");
    const interval = durationOption(values, "interval");
    const beta = values.beta === undefined ? undefined : Number(values.beta);
    if (beta !== undefined && !(beta > 0 && beta <= 0.5)) {
      throw usage(`--beta must be a number above 0 and at most 0.5, not "${values.beta}"`);
    }
    const onInconclusive = values["on-inconclusive"] as string | undefined;
    if (
      onInconclusive !== undefined &&
      onInconclusive !== "pause" &&
      onInconclusive !== "advance"
    ) {
      throw usage(`--on-inconclusive must be pause or advance, not "${onInconclusive}"`);
    }
    const change: RolloutPlanChange = {
      steps,
      ...(minRequests !== undefined ? { gates: { minRequests } } : {}),
      ...(onSuccess !== undefined ? { onSuccess } : {}),
      ...(alpha !== undefined ? { alpha } : {}),
      ...(maxExtension !== undefined ? { maxExtensionSeconds: maxExtension } : {}),
      ...(interval !== undefined ? { analysisIntervalSeconds: interval } : {}),
      ...(beta !== undefined ? { beta } : {}),
      ...(onInconclusive !== undefined ? { onInconclusive } : {}),
    };
    const sized = await sizeByBudget(service, values, change);
    await write({ service, values, edit: "rollout.plan", args: sized });
    if (!values["dry-run"]) {
      note(
        values.json as boolean | undefined,
        `the service's control object starts it at its next evaluation (every analysisIntervalSeconds, default 5 s); now: router rollout start ${service}`,
      );
    }
  },
};

/** --traffic, else the router's measurement of this version (null: none, said on stderr). */
async function trafficFor(
  service: string,
  values: Values,
): Promise<{ traffic: Traffic | null; current: RolloutPlan | null }> {
  const rate = values["error-rate"] === undefined ? 0.01 : Number(values["error-rate"]);
  if (!(rate >= 0 && rate < 1))
    throw usage(`--error-rate must be a number from 0 to below 1, not "${values["error-rate"]}"`);
  let view: RolloutView | null = null;
  if (values.direct === undefined) {
    try {
      view = await adminCall<RolloutView>(apiTarget(values, false), "GET", rolloutPath(service));
    } catch {
      view = null;
    }
  }
  const current = view?.plan ?? null;
  if (values.traffic !== undefined) {
    const rpm = Number(values.traffic);
    if (!(rpm > 0))
      throw usage(
        `--traffic must be identified requests per minute above 0, not "${values.traffic}"`,
      );
    return { traffic: { requestsPerMinute: rpm, errorRate: rate }, current };
  }
  return { traffic: view?.budget?.traffic ?? null, current };
}

/** Prints the evidence budget and, with --fit, returns the change with fitted steps. */
async function sizeByBudget(
  service: string,
  values: Values,
  change: RolloutPlanChange,
): Promise<RolloutPlanChange> {
  const { traffic, current } = await trafficFor(service, values);
  const json = values.json as boolean | undefined;
  if (!traffic) {
    if (values.fit)
      throw usage(
        "--fit needs the service's traffic: give --traffic <rpm>, or let the router measure a minute of identified traffic first",
      );
    note(
      json,
      "evidence budget: no traffic measured on this version yet (rollout status shows it once there is, or give --traffic <rpm>)",
    );
    return change;
  }
  const check = checkBudget(change, current, traffic, values.fit === true);
  note(json, check.lines.join("\n"));
  return { ...change, steps: check.steps };
}

const remove: Command = {
  name: "remove",
  destructive: true,
  summary: "remove the rollout plan (the analyzer stops; the canary stays where it is)",
  help: `Usage: router rollout remove <service> [options]

Removes the document's \`rollout\` block: the analyzer leaves the service
alone from then on and the canary keeps its current share. To send
everyone back to live as well, \`rollout abort\` (or \`canary kill\`).

${WRITE_HELP}`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const service = positional(positionals, 0, "service");
    await write({ service, values, edit: "rollout.remove", args: {} });
  },
};

/** A rollout that ended: its exit code (0 promoted or completed, 1 rolled back or aborted). */
function rolloutEnded(v: RolloutView): { code: number; why: string } | null {
  // A promotion with onSuccess "flip" removes the plan: the record is the rollout that ended.
  const state = v.statusCurrent || v.plan === null ? v.status?.state : undefined;
  if (state === "promoted" || state === "completed")
    return { code: EXIT.ok, why: `rollout ${state}` };
  if (state === "rolled-back" || state === "aborted")
    return { code: EXIT.refused, why: `rollout ${state}` };
  return null;
}

const status: Command = {
  name: "status",
  summary: "state, step and bake, last verdict with its gates, timeline, per-arm metrics",
  help: `Usage: router rollout status <service> [--watch [--interval <s>]] [options]

Asks the running router: the plan, the rollout's state, the current step
with its share and bake (and the time left), the last verdict, each gate's
outcome and detail (evaluated now on this document version's metrics while
the rollout progresses), the timeline, and the per-arm metrics, all from
the service's control object (exact counts, as of the isolates' last
check-ins, every CHECKIN_INTERVAL_MS).

With --watch it draws again whenever that changes and exits once the
rollout ends: 0 promoted or completed, 1 rolled back or aborted.

Options:
${WATCH_HELP}
${ROUTER_ONLY_HELP}

Example:
  router rollout status fraud
  router rollout status fraud --watch`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...ROUTER_ONLY_OPTIONS, ...WATCH_OPTIONS });
    const service = positional(positionals, 0, "service");
    const target = router(values, "status");
    const read = () => adminCall<RolloutView>(target, "GET", rolloutPath(service));
    if (values.watch) {
      if (values.json) throw usage("--watch draws text: leave out --json");
      await watch({ read, render: formatStatus, final: rolloutEnded }, intervalOf(values));
      return;
    }
    const view = await read();
    output(values.json === true, viewJson(view), formatStatus(view));
  },
};

const start: Command = {
  name: "start",
  summary: "start the rollout of the document's plan now (instead of at the next evaluation)",
  help: `Usage: router rollout start <service> [options]

A rollout starts when the document has a \`rollout\` block: the service's
control object starts it at its next evaluation (its alarm, every
\`analysisIntervalSeconds\` of the plan, default 5 s). This runs that first
evaluation now. Write the block first with \`rollout plan\`. A plan that has already
run (rolled back, aborted, promoted) does not start again: give it new
steps, or the canary a new salt (\`canary set <service> <origin> --share 0% --salt <new>\`).

${ROUTER_ONLY_HELP}

Example:
  router rollout plan fraud --steps ${EXAMPLE_STEPS}
  router rollout start fraud`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, ROUTER_ONLY_OPTIONS);
    const service = positional(positionals, 0, "service");
    const target = router(values, "start");
    const view = await adminCall<RolloutView>(target, "GET", rolloutPath(service));
    if (!view.plan) {
      throw new CliError(
        EXIT.refused,
        "no_rollout_plan",
        `${service} has no rollout plan; write one first: router rollout plan ${service} --steps ${EXAMPLE_STEPS}`,
      );
    }
    const state = view.statusCurrent ? view.status?.state : undefined;
    if (state) {
      const hint =
        state === "progressing" || state === "paused"
          ? `see: router rollout status ${service}`
          : "a plan runs once: give it new steps (rollout plan) or the canary a new salt to start over";
      throw new CliError(
        EXIT.refused,
        "already_started",
        `${service}: this plan's rollout is already ${state}; ${hint}`,
        [],
        { state },
      );
    }
    const outcome = await adminCall<AnalysisOutcome>(
      target,
      "POST",
      rolloutPath(service, "evaluate"),
    );
    output(values.json === true, outcome, formatOutcome(outcome));
  },
};

const evaluate: Command = {
  name: "evaluate",
  summary: "run the analyzer for the service now, as the control object's alarm does",
  help: `Usage: router rollout evaluate <service> [options]

One analyzer run for this service, now, inside its control object (as its
alarm does every analysisIntervalSeconds): starts a rollout whose plan is
new, else judges the current step's metrics and acts (keeps baking,
advances, holds, rolls back or promotes). Exit 3 when someone else wrote
the document meanwhile (nothing done; run it again).

${ROUTER_ONLY_HELP}

Example:
  router rollout evaluate fraud`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, ROUTER_ONLY_OPTIONS);
    const service = positional(positionals, 0, "service");
    const outcome = await adminCall<AnalysisOutcome>(
      router(values, "evaluate"),
      "POST",
      rolloutPath(service, "evaluate"),
    );
    if (outcome.event === "conflict") {
      throw new CliError(
        EXIT.conflict,
        "version_conflict",
        `${service}: ${outcome.reason}; nothing done, run it again`,
        [],
        { outcome },
      );
    }
    output(values.json === true, outcome, formatOutcome(outcome));
  },
};

const MANUAL = {
  pause: [
    "stop the analyzer's steps and rollbacks; the canary keeps its share",
    "Stops the analyzer from stepping, holding or rolling back: the canary\nkeeps its share until resume, abort or promote.",
  ],
  resume: [
    "continue a paused rollout (the current step's bake starts over)",
    "Continues a paused rollout at the same step; the step's bake starts over\n(time spent paused is not evidence).",
  ],
  abort: [
    "stop the rollout and kill the canary (everyone back to live)",
    "Stops the rollout and kills the canary: every user goes back to live.",
  ],
  promote: [
    "make the canary live now and finish the rollout",
    "Makes the canary origin live now, skipping the remaining steps, and\nremoves the canary and the plan from the document.",
  ],
} as const;

const manual = (name: keyof typeof MANUAL): Command => ({
  name,
  summary: MANUAL[name][0],
  ...(name === "abort" || name === "promote" ? { destructive: true as const } : {}),
  help: `Usage: router rollout ${name} <service> [--author <name>] [options]

${MANUAL[name][1]} Takes effect at once and
takes precedence over the analyzer. Refused (exit 1) when the rollout's
state does not allow it (e.g. pausing a rolled-back rollout).

Options:
  --author <name>       recorded in the timeline and history (default $ROUTER_AUTHOR or user@host)
${ROUTER_ONLY_HELP}

Example:
  router rollout ${name} fraud`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...ROUTER_ONLY_OPTIONS,
      author: { type: "string" },
    });
    const service = positional(positionals, 0, "service");
    const outcome = await adminCall<AnalysisOutcome>(
      router(values, name),
      "POST",
      rolloutPath(service, name),
      author(values),
    );
    output(values.json === true, outcome, formatOutcome(outcome));
  },
});

const subcommands = [
  plan,
  remove,
  status,
  start,
  evaluate,
  manual("pause"),
  manual("resume"),
  manual("abort"),
  manual("promote"),
];

const GUIDE = `Starting a rollout: the document needs a canary block and a rollout plan;
the service's control object (a Durable Object the router runs) evaluates
the plan on its alarm every analysisIntervalSeconds (default 5 s), so the
rollout starts within that, or now with \`rollout start\`:
  router canary set fraud green --share 0%
  router rollout plan fraud --steps ${EXAMPLE_STEPS}
  router rollout start fraud
  router rollout status fraud
Every subcommand talks to the running router's admin API (--url, else
$ROUTER_URL; token $ROUTER_ADMIN_TOKEN); plan and remove also take --direct
(KV through wrangler, no router). The others need the router: the
analyzer, the rollout's status and its metrics live in the control object,
and KV holds no rollout keys.`;

const base = group("rollout", SUMMARIES.rollout, subcommands);

export const rolloutCommand: Command = {
  ...base,
  help: `${base.help}\n\n${GUIDE}`,
  run: async (argv) => {
    const sub = argv[0];
    if (sub === undefined || sub === "--help" || sub === "-h") {
      process.stdout.write(`${base.help}\n\n${GUIDE}\n`);
      if (sub === undefined) throw usage("rollout: missing a command");
      return;
    }
    await base.run(argv);
  },
};
