/**
 * `npm run gates:bench`: how the rollout gates judge the traffic a canary
 * really gets: users assigned sticky by the router's own bucketing, a few
 * heavy users sending most requests, errors and latency clustered by user
 * (issue 21). Every rollout runs through the router's data path (each
 * request through `observeRequest`, each look through `rolloutMetrics` and
 * `evaluateRollout`; scripts/bench/gates/users.ts has the model), so the
 * tables measure whatever gates src/core/rollout/ has when it runs.
 *
 * Layer: build-time script. Pure Node, one core. Beside the user models it
 * runs the request-level model of before (scripts/bench/gates/simulate.ts:
 * each request's arm drawn independently), so the tables show what the
 * unit of assignment changes. Sections (the issue's targets):
 *   a: A/A false rollbacks per rollout, one step and the whole default plan;
 *   b: time to roll back 1 % -> 3 % errors against Wald's information limit;
 *   c: a healthy canary through the whole default plan at 10,000 rpm;
 *   d: a candidate 2 x minDelta worse (1 % -> 2 %): promoted anywhere?
 *   e: the wrong path (404s) and the hostile client: what happens;
 *   f: the champion-challenger leaderboard over a day of continuous looks
 *      (scripts/bench/gates/challengers.ts): A/A false verdicts, detection.
 * Fixed seed: the same options print the same tables.
 */
import type { Traffic } from "../../../src/core/rollout/evidence-budget.ts";
import { measuredTraffic } from "../../../src/core/rollout/measured-traffic.ts";
import { gateAlphas, type PlanRules } from "../../../src/core/rollout/plan.ts";
import { RolloutPlan } from "../../../src/document/rollout-plan.ts";
import { checkBudget } from "../../cli/commands/rollout-budget.ts";
import { fmt, parseCommand, positiveInt, progress } from "../cli.ts";
import { minutes, quantile, waldRequests, wilson } from "./bounds.ts";
import { ALPHA_END, BOARD_ALPHA, BOARD_METRICS, runBoardDay } from "./challengers.ts";
import { FIXED_HORIZON_DEFAULTS } from "./fixed-horizon.ts";
import { cellSeed, mulberry32 } from "./random.ts";
import { latencyModels, runRollout } from "./simulate.ts";
import {
  ACTIVITY_SIGMA,
  DAILY_AMPLITUDE,
  HOSTILE_IDS,
  HOSTILE_REQUESTS_PER_STEP,
  INTRA_USER_CORRELATION,
  iccAnova,
  LIVE_ORIGIN,
  REQUESTS_PER_USER_HOUR,
  runUserRollout,
  simulateStep,
  topShare,
  type UserScenario,
  WRONG_PATH_404_RATE,
} from "./users.ts";

const HELP = `Usage: npm run gates:bench -- [options]

Simulates canary rollouts with users (sticky arms by the router's own
bucketing; lognormal activity, sigma ${ACTIVITY_SIGMA}, ${REQUESTS_PER_USER_HOUR} requests per user per hour;
errors and latency iid or clustered by user, intra-user correlation ${INTRA_USER_CORRELATION})
through the router's own metrics and state machine, a look every
analysisIntervalSeconds, and prints markdown tables on stdout (progress on
stderr), every rate with its 95% Wilson interval:
  a  A/A: false rollbacks per rollout, one step (bake 10 min, up to 1 h
     more) at 300 / 1,000 / 10,000 / 60,000 rpm x 5 % and 25 %, and the
     whole default plan (1% 10m, 5% 30m, 25% 10m, 50% 10m, 100% 10m) at
     1,000 and 10,000 rpm; target <= 1 % each
  b  errors 1% -> 3%: time from the step's start to the rollback, against
     Wald's information limit (10,000 rpm at 5 %: target <= 1.5x; 1,000 rpm
     at 25 %: <= 2x)
  c  a healthy canary through the whole plan at 10,000 rpm: promoted within
     the bakes and extensions (target >= 95 %), median time; and at 1,000
     rpm through the plan \`rollout plan --fit\` makes of it for the traffic
     an hour of the model measures (target >= 95 %)
  d  errors 1% -> 2% (2 x minDelta): promoted in any cell (target 0)
  e  the wrong path (the canary answers 404 to ${WRONG_PATH_404_RATE * 100}% of requests) and a
     hostile client (${HOSTILE_IDS} canary ids, ${HOSTILE_REQUESTS_PER_STEP} ordinary requests a step): outcomes
  f  champion-challenger: the leaderboard looked at every minute for a day
     (daily cycle, errors, latency and conversions clustered by user), a 10 %
     challenger: A/A false verdicts per challenger at 1,000 and 10,000 rpm
     (target <= 1 %); conversions 10% -> 12% and -> 8% at 10,000 rpm: time to
     the verdict beside Wald's information limit
Cells run three models: "requests" (each request's arm drawn
independently, as before), "users iid" and "users clustered" (e: the user
models only). The schema's
default gates and plan settings (alpha 0.01, a look every 5 s,
maxExtensionSeconds 3600). No daily cycle unless --daily.

Rollouts per cell (default; --rollouts overrides them all), chosen to fit
about 10 minutes on one core even if the gates hold every undecided step
to its limit; the pooled rows of a judge the 1 % target:
  a one step: 300 and 1,000 rpm 150, 10,000 rpm 80, 60,000 rpm 20
  a/c whole plan: 1,000 rpm 30, 10,000 rpm 20
  the "requests" model (a, d): 150 a one-step cell, 30 a plan cell
  b: 100; d one step: 60 (1,000 rpm), 30 (10,000 rpm); d whole plan: 20
  e: 60 (1,000 rpm), 30 (10,000 rpm)
  f: A/A days 400 (1,000 rpm), 80 (10,000 rpm); detection 100 a cell

Options:
  --cells <list>     sections to run, comma-separated from a,b,c,d,e,f (default all)
  --rollouts <n>     rollouts per cell, every cell
  --quick            a small run for tests: 300 and 1,000 rpm only, 2 rollouts
                     per cell (--rollouts still applies), the model check
  --daily            the daily cycle (rate x 1 + 0.5 sin(2 pi t / 24 h), a
                     random phase per rollout) in every cell
  --seed <n>         PRNG seed (default 1)
  -h, --help         show this help
`;

const values = parseCommand(HELP, {
  cells: { type: "string", default: "a,b,c,d,e,f" },
  rollouts: { type: "string" },
  quick: { type: "boolean", default: false },
  daily: { type: "boolean", default: false },
  seed: { type: "string", default: "1" },
});
const SEED = positiveInt(HELP, "seed", values.seed);
const OVERRIDE =
  values.rollouts === undefined ? null : positiveInt(HELP, "rollouts", values.rollouts);
const QUICK = values.quick;
const DAILY = values.daily;
const CELLS = new Set(values.cells.split(",").map((s) => s.trim()));
for (const c of CELLS) {
  if (!["a", "b", "c", "d", "e", "f"].includes(c)) {
    process.stderr.write(`--cells: unknown section "${c}" (a, b, c, d, e, f)\n\n${HELP}`);
    process.exit(2);
  }
}

type Model = "requests" | "iid" | "clustered";
const MODELS: readonly Model[] = ["requests", "iid", "clustered"];
const USER_MODELS: readonly Model[] = ["iid", "clustered"];
const modelName = (m: Model) => (m === "requests" ? "requests (iid)" : `users, ${m}`);

const LIVE_ERRORS = 0.01;
const scenario = (label: string, over: Partial<UserScenario> = {}): UserScenario => ({
  label,
  liveErrorRate: LIVE_ERRORS,
  canaryErrorRate: LIVE_ERRORS,
  canaryLatencyScale: 1,
  canary404Rate: 0,
  hostile: false,
  ...over,
});
const AA = scenario("A/A");
const ERR3 = scenario("errors 1% -> 3%", { canaryErrorRate: 0.03 });
const ERR2 = scenario("errors 1% -> 2%", { canaryErrorRate: 0.02 });
const WRONG_PATH = scenario(`wrong path: ${WRONG_PATH_404_RATE * 100}% 404`, {
  canary404Rate: WRONG_PATH_404_RATE,
});
const HOSTILE = scenario(
  `hostile client: ${HOSTILE_IDS} ids, ${HOSTILE_REQUESTS_PER_STEP} requests`,
  {
    hostile: true,
  },
);

const ONE_STEP_MINUTES = 10;
const WHOLE_PLAN = [
  [100, 10],
  [500, 30],
  [2500, 10],
  [5000, 10],
  [10_000, 10],
] as const;
type Steps = readonly (readonly [number, number])[];
type Plan = PlanRules & { analysisIntervalSeconds: number };
const planOf = (steps: Steps): Plan =>
  RolloutPlan.parse({
    steps: steps.map(([shareBp, minutes]) => ({ shareBp, bakeSeconds: minutes * 60 })),
    // --quick only shows that every section runs: undecided steps hold 10 min, not 1 h.
    ...(QUICK ? { maxExtensionSeconds: 600 } : {}),
  });
const horizonOf = (plan: Plan) =>
  plan.steps.reduce((s, step) => s + step.bakeSeconds + plan.maxExtensionSeconds, 0);
const oneStep = (bp: number): Steps => [[bp, ONE_STEP_MINUTES]];
const PLAN = planOf(WHOLE_PLAN);
const ONE = planOf(oneStep(500));
const INTERVAL = ONE.analysisIntervalSeconds;

const ONE_STEP_RPMS = QUICK ? [300, 1_000] : [300, 1_000, 10_000, 60_000];
const PLAN_RPMS = QUICK ? [1_000] : [1_000, 10_000];
const SHARES = [500, 2500];

/**
 * Default rollouts per cell: about 10 minutes on one core if the gates hold
 * every undecided A/A step to its limit where the traffic is thin (a look
 * costs about 0.4 ms, a request about 1.5 us); see the help.
 */
const COUNTS = {
  aOneStep: { 300: 150, 1000: 150, 10000: 80, 60000: 20 } as Record<number, number>,
  aPlan: { 1000: 30, 10000: 20 } as Record<number, number>,
  requestsOneStep: 150,
  requestsPlan: 30,
  b: 100,
  dOneStep: { 1000: 60, 10000: 30 } as Record<number, number>,
  dPlan: 20,
  e: { 1000: 60, 10000: 30 } as Record<number, number>,
};

function rolloutsFor(section: string, model: Model, rpm: number, whole: boolean): number {
  if (OVERRIDE !== null) return OVERRIDE;
  if (QUICK) return 2;
  if (section === "b") return COUNTS.b;
  if (model === "requests") return whole ? COUNTS.requestsPlan : COUNTS.requestsOneStep;
  if (section === "a" || section === "c")
    return (whole ? COUNTS.aPlan[rpm] : COUNTS.aOneStep[rpm]) ?? 20;
  if (section === "d") return whole ? COUNTS.dPlan : (COUNTS.dOneStep[rpm] ?? 30);
  return COUNTS.e[rpm] ?? 30;
}

interface Run {
  end: "rollback" | "promote" | "pause" | "horizon";
  at: number;
  stepIndex: number;
  stepStartedAt: number;
  failed: string[];
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const cellCache = new Map<string, Run[]>();

function runCell(
  section: string,
  model: Model,
  rpm: number,
  steps: Steps,
  sc: UserScenario,
): Run[] {
  const whole = steps.length > 1;
  const n = rolloutsFor(section, model, rpm, whole);
  const key = `${sc.label}/${model}/${rpm}/${steps.map((s) => s.join(":")).join(",")}/${n}`;
  const have = cellCache.get(key);
  if (have) return have;
  const plan = planOf(steps);
  const horizonSeconds = horizonOf(plan);
  const t0 = Date.now();
  const runs: Run[] = [];
  const models = model === "requests" ? latencyModels(sc.canaryLatencyScale) : null;
  for (let i = 0; i < n; i++) {
    const rand = mulberry32(cellSeed(SEED, `${key}/${i}`));
    if (models) {
      runs.push(
        runRollout(rand, "sequential", {
          plan,
          fixed: FIXED_HORIZON_DEFAULTS,
          rpm,
          intervalSeconds: plan.analysisIntervalSeconds,
          horizonSeconds,
          scenario: sc,
          models,
        }),
      );
    } else {
      runs.push(
        runUserRollout(rand, {
          plan,
          rpm,
          clustered: model === "clustered",
          daily: DAILY,
          scenario: sc,
          horizonSeconds,
          salt: `rollout-${i}`,
        }),
      );
    }
  }
  const rollbacks = runs.filter((r) => r.end === "rollback").length;
  progress(
    `${section}: ${sc.label}, ${fmt(rpm)} rpm, ${whole ? "whole plan" : `${(steps[0]?.[0] ?? 0) / 100}%`}, ${modelName(model)}: ${n} rollouts, ${rollbacks} rolled back (${((Date.now() - t0) / 1000).toFixed(1)} s; ${elapsed()} in all)`,
  );
  cellCache.set(key, runs);
  return runs;
}

// ---- formatting ----
const pct = (x: number) => {
  const v = x * 100;
  return `${v === 0 || v >= 10 ? v.toFixed(0) : v < 1 ? v.toFixed(2) : v.toFixed(1)}%`;
};
const rateCi = (k: number, n: number) => {
  const [lo, hi] = wilson(k, n);
  return `${k}/${n} = ${pct(k / n)} (${pct(lo)}–${pct(hi)})`;
};
const upper = (k: number, n: number) => wilson(k, n)[1];
/** Against an at-most target: shown within (upper bound), shown beyond (lower bound), or neither. */
const atMost = (k: number, n: number, target: number) => {
  const [lo, hi] = wilson(k, n);
  return `${pct(hi)} ${hi <= target ? "yes" : lo > target ? "**no**" : "not shown"}`;
};
/** Against an at-least target. */
const atLeast = (k: number, n: number, target: number) => {
  const [lo, hi] = wilson(k, n);
  return `${pct(lo)} ${lo >= target ? "yes" : hi < target ? "**no**" : "not shown"}`;
};
const count = (runs: Run[], end: Run["end"]) => runs.filter((r) => r.end === end).length;

/** "srm 12, error-rate 1": which gates failed, over the rollbacks. */
function byGate(runs: Run[]): string {
  const c = new Map<string, number>();
  for (const r of runs)
    if (r.end === "rollback") for (const g of r.failed) c.set(g, (c.get(g) ?? 0) + 1);
  if (c.size === 0) return "–";
  return [...c.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([g, n]) => `${g} ${n}`)
    .join(", ");
}

/** "1: 12 [error-rate 12], 2: 3 [...]": where the paused rollouts stopped (step numbers) and the gates still undecided (or srm failing) there. */
function pausedAt(runs: Run[]): string {
  const at = new Map<number, { n: number; gates: Map<string, number> }>();
  for (const r of runs) {
    if (r.end !== "pause" && r.end !== "horizon") continue;
    const s = at.get(r.stepIndex + 1) ?? { n: 0, gates: new Map<string, number>() };
    s.n++;
    for (const g of r.failed) s.gates.set(g, (s.gates.get(g) ?? 0) + 1);
    at.set(r.stepIndex + 1, s);
  }
  return [...at.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, { n, gates }]) => {
      const waiting = [...gates.entries()].sort((a, b) => b[1] - a[1]);
      return `${step}: ${n}${waiting.length ? ` [${waiting.map(([g, k]) => `${g} ${k}`).join(", ")}]` : ""}`;
    })
    .join(", ");
}

const medianOf = (runs: Run[], end: Run["end"]) => {
  const m = quantile(
    runs.filter((r) => r.end === end).map((r) => r.at),
    0.5,
  );
  return m === null ? "–" : minutes(m);
};

const lines: string[] = [];
const print = (s = "") => lines.push(s);
const flush = () => {
  process.stdout.write(`${lines.join("\n")}\n`);
  lines.length = 0;
};

print(
  `# gates:bench: rollouts with users (seed ${SEED}${QUICK ? ", --quick" : ""}${DAILY ? ", --daily" : ""})`,
);
print();
print(
  `Users = rpm x 60 / ${REQUESTS_PER_USER_HOUR} (mean ${REQUESTS_PER_USER_HOUR} requests per user per hour), activity lognormal (sigma ${ACTIVITY_SIGMA}) normalised to that mean; requests per ${INTERVAL} s look ~ Poisson, each drawn to a user by activity; arms by \`bucketOf(salt, id) < shareBp\` (a new salt per rollout, so sticky within it). Errors 1 % (status 500): "users, iid" every user 1 %; "users, clustered" each user's rate ~ Beta with mean 1 % and intra-user correlation ${INTRA_USER_CORRELATION}, and a per-user latency multiplier (lognormal, correlation ${INTRA_USER_CORRELATION} on the log scale). Latency lognormal, median 100 ms, sigma 0.5. "requests (iid)": the model before, each request's arm drawn independently. ${DAILY ? "Daily cycle ON (amplitude 0.5, period 24 h, random phase)." : "No daily cycle (constant rate): the target cells are defined without it."} Plans: the schema's defaults (alpha ${ONE.alpha}, a look every ${INTERVAL} s, maxExtensionSeconds ${ONE.maxExtensionSeconds}); one step = bake ${ONE_STEP_MINUTES} min; the whole plan = ${WHOLE_PLAN.map(([bp, m]) => `${bp / 100}% ${m}m`).join(", ")}. Rates: k/n = rate (95 % Wilson interval).`,
);
print();

// ---- model check ----
{
  progress(`model check (${elapsed()})`);
  print("## Model check: the simulated traffic itself");
  print();
  print(
    `One population per row (clustered model), 10 minutes of traffic at a 5 % canary share. Top 1 % / 10 %: their share of all activity. Active: users with at least one request in the 10 minutes. Canary: its share of the active users and of the requests (requests follow a few heavy users, so they stray much further from 5 % than users do). Users in both arms: must be 0 (sticky).`,
  );
  print();
  print(
    "| rpm | users | top 1 % of users | top 10 % | active in 10 min | canary: share of active users | canary: share of requests | users in both arms |",
  );
  print("|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const rpm of ONE_STEP_RPMS) {
    const rand = mulberry32(cellSeed(SEED, `model/${rpm}`));
    const { pop, tally } = simulateStep(rand, {
      rpm,
      clustered: true,
      scenario: AA,
      salt: "model-check",
      shareBp: 500,
      seconds: 600,
      intervalSeconds: INTERVAL,
    });
    let active = 0;
    let canaryUsers = 0;
    let both = 0;
    let canaryReq = 0;
    let allReq = 0;
    for (let i = 0; i < pop.n; i++) {
      const c = tally.canary[i] as number;
      const l = tally.live[i] as number;
      if (c + l > 0) active++;
      if (c > 0) canaryUsers++;
      if (c > 0 && l > 0) both++;
      canaryReq += c;
      allReq += c + l;
    }
    print(
      `| ${fmt(rpm)} | ${fmt(pop.n)} | ${pct(topShare(pop.activity, 0.01))} | ${pct(topShare(pop.activity, 0.1))} | ${fmt(active)} (${pct(active / pop.n)}) | ${rateCi(canaryUsers, active)} | ${pct(canaryReq / allReq)} of ${fmt(allReq)} | ${both} |`,
    );
  }
  const iccRpm = QUICK ? 1_000 : 10_000;
  const rand = mulberry32(cellSeed(SEED, "model/icc"));
  const { tally } = simulateStep(rand, {
    rpm: iccRpm,
    clustered: true,
    scenario: AA,
    salt: "model-icc",
    shareBp: 500,
    seconds: 3600,
    intervalSeconds: INTERVAL,
  });
  const trials = tally.live.map((x, i) => x + (tally.canary[i] as number));
  print();
  print(
    `Intra-user correlation of errors, ANOVA estimate over one hour at ${fmt(iccRpm)} rpm (clustered model): ${iccAnova(trials, tally.errors).toFixed(4)} (the model's ${INTRA_USER_CORRELATION}).`,
  );
  print();
  flush();
}

// ---- a: A/A ----
if (CELLS.has("a")) {
  print(`## a. A/A: false rollbacks per rollout (target <= 1 % each)`);
  print();
  print(
    `One step at the share, bake ${ONE_STEP_MINUTES} min, held up to ${minutes(ONE.maxExtensionSeconds)} more while a gate is undecided, then paused. "Upper": the Wilson 95 % upper bound of the false-rollback rate: "yes" when it is within the 1 % target, "no" when even the lower bound is beyond it, "not shown" when the cell has too few rollouts to tell (0 of 150 gives 2.5 %: the pooled rows decide). Failing gates: over the rollbacks (one rollback may fail several).`,
  );
  print();
  print(
    "| rpm | share | model | false rollbacks | upper <= 1 %? | failing gates | advanced | paused | median time to advance |",
  );
  print("|---:|---:|---|---:|---:|---|---:|---:|---:|");
  const pooled = new Map<Model, [number, number]>();
  for (const rpm of ONE_STEP_RPMS) {
    for (const bp of SHARES) {
      for (const model of MODELS) {
        const runs = runCell("a", model, rpm, oneStep(bp), AA);
        const k = count(runs, "rollback");
        const p = pooled.get(model) ?? [0, 0];
        pooled.set(model, [p[0] + k, p[1] + runs.length]);
        print(
          `| ${fmt(rpm)} | ${bp / 100}% | ${modelName(model)} | ${rateCi(k, runs.length)} | ${atMost(k, runs.length, 0.01)} | ${byGate(runs)} | ${pct(count(runs, "promote") / runs.length)} | ${pct(count(runs, "pause") / runs.length)} | ${medianOf(runs, "promote")} |`,
        );
      }
      flush();
    }
  }
  for (const model of MODELS) {
    const [k, n] = pooled.get(model) ?? [0, 0];
    print(`| all | | ${modelName(model)} | ${rateCi(k, n)} | ${atMost(k, n, 0.01)} | | | | |`);
  }
  print();
  print(
    `### A/A through the whole plan (${WHOLE_PLAN.map(([bp, m]) => `${bp / 100}% ${m}m`).join(", ")})`,
  );
  print();
  print(
    "Paused (at step): where the rollouts stopped for want of evidence, by step number. A 100 % step is judged against live's numbers from the step before.",
  );
  print();
  print(
    "| rpm | model | false rollbacks | upper <= 1 %? | failing gates (at step) | promoted | median time to promote | paused (at step) |",
  );
  print("|---:|---|---:|---:|---|---:|---:|---:|");
  for (const rpm of PLAN_RPMS) {
    for (const model of MODELS) {
      const runs = runCell("a", model, rpm, WHOLE_PLAN, AA);
      const k = count(runs, "rollback");
      const steps = new Map<number, number>();
      for (const r of runs)
        if (r.end === "rollback") steps.set(r.stepIndex + 1, (steps.get(r.stepIndex + 1) ?? 0) + 1);
      const at = [...steps.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}: ${n}`)
        .join(", ");
      print(
        `| ${fmt(rpm)} | ${modelName(model)} | ${rateCi(k, runs.length)} | ${atMost(k, runs.length, 0.01)} | ${byGate(runs)}${at ? ` (${at})` : ""} | ${pct(count(runs, "promote") / runs.length)} | ${medianOf(runs, "promote")} | ${pct(count(runs, "pause") / runs.length)}${pausedAt(runs) ? ` (${pausedAt(runs)})` : ""} |`,
      );
      flush();
    }
  }
  print();
  flush();
}

// ---- b: detection against Wald ----
if (CELLS.has("b")) {
  const alphaGate = gateAlphas(ONE)["error-rate"] as number;
  const waldN = waldRequests(alphaGate, LIVE_ERRORS, 0.03);
  print("## b. Detection: errors 1 % -> 3 %, time from the step's start to the rollback");
  print();
  print(
    `One step, bake ${ONE_STEP_MINUTES} min (watched ${minutes(horizonOf(ONE))}). Wald's information limit: ln(1/alpha) / KL(Bern(3 %) || Bern(1 %)) = ${fmt(waldN)} canary requests, alpha = the error-rate gate's ${alphaGate} (gateAlphas of the one-step plan), and the time the cell's canary traffic takes to send them. Median and p90 over all rollouts, a rollout never rolled back counting as "never" (so a median shows once half were caught). Looks come every ${INTERVAL} s, so the measured times are multiples of ${INTERVAL} s.`,
  );
  print();
  print(
    "| rpm | share | target | model | rolled back | failing gates | median / p90 time | Wald: requests / time | median / Wald |",
  );
  print("|---:|---:|---:|---|---:|---|---:|---:|---:|");
  const cells: [number, number, number][] = QUICK
    ? [[1_000, 2500, 2]]
    : [
        [10_000, 500, 1.5],
        [1_000, 2500, 2],
      ];
  for (const [rpm, bp, target] of cells) {
    const waldT = waldN / ((rpm * bp) / 10_000 / 60);
    for (const model of MODELS) {
      const runs = runCell("b", model, rpm, oneStep(bp), ERR3);
      const times = runs.map((r) => (r.end === "rollback" ? r.at - r.stepStartedAt : Infinity));
      const med = quantile(times, 0.5) ?? Infinity;
      const p90 = quantile(times, 0.9) ?? Infinity;
      const ratio = med / waldT;
      print(
        `| ${fmt(rpm)} | ${bp / 100}% | <= ${target}x | ${modelName(model)} | ${rateCi(count(runs, "rollback"), runs.length)} | ${byGate(runs)} | ${minutes(med)} / ${minutes(p90)} | ${fmt(waldN)} / ${minutes(waldT)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "–"} ${ratio <= target ? "yes" : "**no**"} |`,
      );
      flush();
    }
  }
  print();
  flush();
}

// ---- c: healthy through the whole plan ----
if (CELLS.has("c")) {
  const rpm = QUICK ? 1_000 : 10_000;
  print(
    `## c. A healthy canary through the whole plan at ${fmt(rpm)} rpm (target >= 95 % promoted)`,
  );
  print();
  print(
    `The A/A rollouts of section a's whole-plan rows at ${fmt(rpm)} rpm (the same runs): promoted within the plan's bakes and extensions (at least ${minutes(PLAN.steps.reduce((s, x) => s + x.bakeSeconds, 0))} of bakes; each step may hold ${minutes(PLAN.maxExtensionSeconds)} more). "Lower": the Wilson 95 % lower bound of the promoted share ("yes" when it reaches 95 %, "no" when even the upper bound falls short, else "not shown").`,
  );
  print();
  print(
    "| model | promoted | lower >= 95 %? | median time to promote | rolled back | paused (at step) |",
  );
  print("|---|---:|---:|---:|---:|---:|");
  for (const model of MODELS) {
    const runs = runCell("a", model, rpm, WHOLE_PLAN, AA);
    const k = count(runs, "promote");
    print(
      `| ${modelName(model)} | ${rateCi(k, runs.length)} | ${atLeast(k, runs.length, 0.95)} | ${medianOf(runs, "promote")} | ${count(runs, "rollback")} (${byGate(runs)}) | ${pct(count(runs, "pause") / runs.length)}${pausedAt(runs) ? ` (${pausedAt(runs)})` : ""} |`,
    );
    flush();
  }
  print();
  print(
    "Where the default plan cannot decide (1,000 rpm; and 10,000 rpm when errors cluster by user: section a), the plan the evidence budget fits to the traffic (`rollout plan --fit`: each step's share and bake sized from an hour of the model's live traffic: its rate, error rate and dispersion, measured as the router measures them), A/A:",
  );
  print();
  print(
    "| rpm | model | measured: rpm / errors / dispersion | fitted plan | promoted | lower >= 95 %? | median time to promote | rolled back | paused (at step) |",
  );
  print("|---:|---|---:|---|---:|---:|---:|---:|---:|");
  const fits: [number, Model][] = QUICK
    ? [[1_000, "iid"]]
    : [
        [1_000, "iid"],
        [1_000, "clustered"],
        [10_000, "clustered"],
      ];
  for (const [fitRpm, model] of fits) {
    const { steps, traffic } = fittedPlan(model, fitRpm);
    const runs = runCell("c", model, fitRpm, steps, AA);
    const k = count(runs, "promote");
    const planWords = steps.map(([bp, m]) => `${bp / 100}% ${m}m`).join(", ");
    print(
      `| ${fmt(fitRpm)} | ${modelName(model)} | ${fmt(Math.round(traffic.requestsPerMinute))} / ${pct(traffic.errorRate)} / ${(traffic.dispersion ?? 1).toFixed(2)} | ${planWords} | ${rateCi(k, runs.length)} | ${atLeast(k, runs.length, 0.95)} | ${medianOf(runs, "promote")} | ${count(runs, "rollback")} (${byGate(runs)}) | ${pct(count(runs, "pause") / runs.length)}${pausedAt(runs) ? ` (${pausedAt(runs)})` : ""} |`,
    );
    flush();
  }
  print();
  flush();
}

/**
 * The whole plan fitted to an hour of the model's traffic, all live, as
 * `rollout plan --fit` fits it to a service's measured traffic (its own
 * code); a step no share up to 50 % can decide is kept as it is.
 */
function fittedPlan(model: Model, rpm: number): { steps: Steps; traffic: Traffic } {
  const rand = mulberry32(cellSeed(SEED, `fit/${model}/${rpm}`));
  const { metrics } = simulateStep(rand, {
    rpm,
    clustered: model === "clustered",
    scenario: AA,
    salt: "fit",
    shareBp: 0,
    seconds: 3600,
    intervalSeconds: INTERVAL,
  });
  const traffic = measuredTraffic(metrics, LIVE_ORIGIN);
  if (!traffic) throw new Error("an hour of traffic measured nothing");
  const fitted = checkBudget(
    { steps: WHOLE_PLAN.map(([shareBp, m]) => ({ shareBp, bakeSeconds: m * 60 })) },
    null,
    traffic,
    true,
  );
  const steps = fitted.steps.map((st): readonly [number, number] => [
    st.shareBp,
    Math.round(st.bakeSeconds / 60),
  ]);
  return { steps, traffic };
}

// ---- d: a candidate 2 x minDelta worse ----
if (CELLS.has("d")) {
  print(
    "## d. A candidate 2 x minDelta worse (errors 1 % -> 2 %): promoted? (target 0 in every cell)",
  );
  print();
  print(
    `"Promoted": the step advanced (one step) or the plan finished (whole plan) with the worse candidate. One step: bake ${ONE_STEP_MINUTES} min; whole plan as in a.`,
  );
  print();
  print(
    "| rpm | plan | model | promoted | upper | rolled back | failing gates | median time to rollback | paused |",
  );
  print("|---:|---|---|---:|---:|---:|---|---:|---:|");
  const cells: [number, Steps, string][] = [];
  for (const rpm of QUICK ? [1_000] : [1_000, 10_000])
    for (const bp of SHARES) cells.push([rpm, oneStep(bp), `${bp / 100}%, one step`]);
  for (const rpm of QUICK ? [1_000] : [10_000]) cells.push([rpm, WHOLE_PLAN, "whole plan"]);
  for (const [rpm, steps, label] of cells) {
    for (const model of MODELS) {
      const runs = runCell("d", model, rpm, steps, ERR2);
      const k = count(runs, "promote");
      print(
        `| ${fmt(rpm)} | ${label} | ${modelName(model)} | ${rateCi(k, runs.length)} | ${pct(upper(k, runs.length))} | ${pct(count(runs, "rollback") / runs.length)} | ${byGate(runs)} | ${medianOf(runs, "rollback")} | ${pct(count(runs, "pause") / runs.length)} |`,
      );
      flush();
    }
  }
  print();
  flush();
}

// ---- e: wrong path, hostile client ----
if (CELLS.has("e")) {
  print("## e. The wrong path and the hostile client: outcomes");
  print();
  print(
    `One step at 5 %, bake ${ONE_STEP_MINUTES} min, otherwise A/A. Wrong path: the canary answers 404 to ${WRONG_PATH_404_RATE * 100} % of its requests (not errors: 4xx). Hostile client: ${HOSTILE_IDS} ids that hash into the canary send ${HOSTILE_REQUESTS_PER_STEP} ordinary requests (200, typical latency) spread evenly over the bake, cycling through the ids. User models only (the request-level model has no ids).`,
  );
  print();
  print(
    "| scenario | rpm | model | rolled back | failing gates | advanced | paused | median time to rollback |",
  );
  print("|---|---:|---|---:|---|---:|---:|---:|");
  for (const sc of [WRONG_PATH, HOSTILE]) {
    for (const rpm of QUICK ? [1_000] : [1_000, 10_000]) {
      for (const model of USER_MODELS) {
        const runs = runCell("e", model, rpm, oneStep(500), sc);
        print(
          `| ${sc.label} | ${fmt(rpm)} | ${modelName(model)} | ${rateCi(count(runs, "rollback"), runs.length)} | ${byGate(runs)} | ${pct(count(runs, "promote") / runs.length)} | ${pct(count(runs, "pause") / runs.length)} | ${medianOf(runs, "rollback")} |`,
        );
        flush();
      }
    }
  }
  print();
  flush();
}

// ---- f: the champion-challenger leaderboard ----
if (CELLS.has("f")) {
  print("## f. Champion-challenger: the leaderboard over a day of continuous looks");
  print();
  print(
    `A service with one challenger at 10 % (the router's challenger bucketing, a new salt per day), the champion the other 90 %. The section's users: the model above with a daily cycle (amplitude ${DAILY_AMPLITUDE}), each request with an error (each user's rate ~ Beta, mean 1 %), a latency (a per-user multiplier) and a conversion outcome (each user's probability ~ Beta with the arm's mean), all clustered by user (correlation ${INTRA_USER_CORRELATION}); outcomes sent back at once. The board (src/core/outcomes/leaderboard.ts, the admin API's metric specs: error rate, latency, the conversion) is looked at every minute; alpha ${BOARD_ALPHA} per challenger over its ${BOARD_METRICS.length} metrics and both sides (${ALPHA_END.toPrecision(3)} an end).`,
  );
  print();
  print(
    "| rpm | challenger | A/A days | any verdict in a day (any metric, any look) | target <= 1 % | verdicts |",
  );
  print("|---:|---:|---:|---:|---|---|");
  const days = QUICK ? 120 : 1440;
  const pooled = { days: 0, called: 0 };
  const aaCells: [number, number][] = QUICK
    ? [[1_000, 2]]
    : [
        [1_000, 400],
        [10_000, 80],
      ];
  for (const [rpm, n] of aaCells) {
    const total = OVERRIDE ?? n;
    const rand = mulberry32(cellSeed(SEED, `f A/A ${rpm}`));
    const runs = [];
    for (let i = 0; i < total; i++) {
      progress(`f A/A ${fmt(rpm)} rpm: day ${i + 1}/${total} (${elapsed()})`);
      runs.push(
        runBoardDay(rand, {
          rpm,
          challengerShareBp: 1000,
          championConversion: 0.1,
          challengerConversion: 0.1,
          errorRate: LIVE_ERRORS,
          minutes: days,
          salt: `board-${i}`,
        }),
      );
    }
    const called = runs.filter((r) => r.firstVerdictAt !== null);
    pooled.days += runs.length;
    pooled.called += called.length;
    const which = called.map((r) => r.firstVerdict).join(", ") || "–";
    print(
      `| ${fmt(rpm)} | 10% | ${runs.length} | ${rateCi(called.length, runs.length)} | ${atMost(called.length, runs.length, 0.01)} | ${which} |`,
    );
    flush();
  }
  print(
    `| pooled | | ${pooled.days} | ${rateCi(pooled.called, pooled.days)} | ${atMost(pooled.called, pooled.days, 0.01)} | |`,
  );
  print();
  print(
    `Detection: conversions 10 % on the champion, the challenger's users shifted; time from the start to the board's verdict on the conversion (all days called before the horizon unless said). Wald's information limit: the first look at which an SPRT that knew the difference d and the variance V would stop, d^2 / (2 V) >= ln(1 / ${ALPHA_END.toPrecision(3)}), V the cluster-robust variance the board uses (and, beside it, the variance independent outcomes would have); medians over the runs.`,
  );
  print();
  print(
    "| rpm | challenger | conversions | called | wrong way | median / p90 time | limit: clustered / iid | median / limit |",
  );
  print("|---:|---:|---|---:|---:|---:|---:|---:|");
  const detectCells: [number, number][] = QUICK
    ? [[1_000, 0.12]]
    : [
        [10_000, 0.12],
        [10_000, 0.08],
      ];
  for (const [rpm, to] of detectCells) {
    const total = OVERRIDE ?? (QUICK ? 2 : 100);
    const rand = mulberry32(cellSeed(SEED, `f detect ${rpm} ${to}`));
    const runs = [];
    for (let i = 0; i < total; i++) {
      progress(`f 10% -> ${to * 100}% at ${fmt(rpm)} rpm: run ${i + 1}/${total} (${elapsed()})`);
      runs.push(
        runBoardDay(rand, {
          rpm,
          challengerShareBp: 1000,
          championConversion: 0.1,
          challengerConversion: to,
          errorRate: LIVE_ERRORS,
          minutes: days,
          salt: `detect-${i}`,
          stopWhenCalled: true,
        }),
      );
    }
    const right = to > 0.1 ? "better" : "worse";
    const times = runs.map((r) =>
      r.conversionVerdict === right ? (r.conversionAt as number) : Infinity,
    );
    const med = quantile(times, 0.5) ?? Infinity;
    const p90 = quantile(times, 0.9) ?? Infinity;
    const limit =
      quantile(
        runs.map((r) => r.limitAt ?? Infinity),
        0.5,
      ) ?? Infinity;
    const iid =
      quantile(
        runs.map((r) => r.iidLimitAt ?? Infinity),
        0.5,
      ) ?? Infinity;
    const wrong = runs.filter(
      (r) => r.conversionVerdict !== null && r.conversionVerdict !== right,
    ).length;
    print(
      `| ${fmt(rpm)} | 10% | 10% -> ${to * 100}% | ${rateCi(times.filter(Number.isFinite).length, runs.length)} | ${wrong} | ${minutes(med * 60)} / ${minutes(p90 * 60)} | ${minutes(limit * 60)} / ${minutes(iid * 60)} | ${Number.isFinite(med / limit) ? `${(med / limit).toFixed(2)}x` : "–"} |`,
    );
    flush();
  }
  print();
  flush();
}

const args = [
  `--cells ${[...CELLS].join(",")}`,
  OVERRIDE !== null ? `--rollouts ${OVERRIDE}` : "",
  QUICK ? "--quick" : "",
  DAILY ? "--daily" : "",
  `--seed ${SEED}`,
]
  .filter(Boolean)
  .join(" ");
print(`(${elapsed()}; \`npm run gates:bench -- ${args}\`)`);
flush();
