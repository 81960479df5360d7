/**
 * `node scripts/bench/gates/request-level.ts` (was `npm run gates:bench`
 * before issue 21, whose bench, scripts/bench/gates/bench.ts, simulates users):
 * how often do the rollout gates roll back a canary
 * that is exactly as good as live, when the analyzer looks every
 * analysisIntervalSeconds (15 s by default), and how fast do they catch a
 * bad one? The router's anytime-valid gates (src/core/rollout/, through its
 * real state machine) against the fixed-horizon gates they replaced
 * (scripts/bench/gates/fixed-horizon.ts), on the same simulated traffic.
 *
 * Layer: build-time script. Pure Node, no workers (scripts/bench/gates/simulate.ts):
 * per look, rpm x interval / 60 requests, each to the canary with its step's
 * share; errors and latency (lognormal, median 100 ms, sigma 0.5) per arm
 * into the router's own histograms; metrics start over at each step. A
 * rollout ends at a rollback, a promotion, a pause at the bake limit, or the
 * horizon (every step's bake plus maxExtensionSeconds).
 */
import { parseArgs } from "node:util";
import type { PlanRules } from "../../../src/core/rollout/plan.ts";
import { RolloutPlan } from "../../../src/document/rollout-plan.ts";
import { fmt, positiveInt, progress } from "../cli.ts";
import { minutes, quantile, wilson } from "./bounds.ts";
import { FIXED_HORIZON_DEFAULTS } from "./fixed-horizon.ts";
import { cellSeed, mulberry32 } from "./random.ts";
import {
  type GateSet,
  LATENCY_SIGMA,
  LIVE_MEDIAN_MS,
  latencyModels,
  type RolloutRun,
  runRollout,
  type Scenario,
} from "./simulate.ts";

const DEFAULTS = RolloutPlan.parse({ steps: [{ shareBp: 100, bakeSeconds: 60 }] });

const HELP = `Usage: node scripts/bench/gates/request-level.ts [options]

Request-level model (every request's arm drawn independently; npm run
gates:bench simulates users instead). Simulates canary rollouts judged
every analysis interval by the router's anytime-valid gates and by the
fixed-horizon gates they replaced, and prints markdown tables:
  - A/A (canary = live: 1% errors, same latency): false rollbacks per rollout
    of a one-step rollout at 100 / 1,000 / 10,000 requests per minute and
    1 / 5 / 25 % canary shares, with 95% Wilson intervals; the error-rate
    test at its own bound (minDelta 0, so the A/A canary sits on the null);
    and A/A through a whole five-step plan;
  - detection of a canary at 2%, 3% and 5% errors (live 1%) or a p95 20% or
    50% slower: share caught, median and p95 time to the rollback, bad
    requests served before it.

Options:
  --rollouts <n>     A/A rollouts per cell (default 250: 2,250 one-step rollouts)
  --plan-rollouts <n> A/A rollouts of the five-step plan per traffic level (default 200)
  --detect <n>       rollouts per detection cell (default 100)
  --interval <s>     analysisIntervalSeconds (default ${DEFAULTS.analysisIntervalSeconds})
  --alpha <x>        the plan's alpha (default ${DEFAULTS.alpha})
  --bake <minutes>   the one-step rollouts' bake (default 30)
  --seed <n>         PRNG seed (default 1); the same seed prints the same tables
  -h, --help         show this help
`;

const { values } = parseArgs({
  options: {
    rollouts: { type: "string", default: "250" },
    "plan-rollouts": { type: "string", default: "200" },
    detect: { type: "string", default: "100" },
    interval: { type: "string", default: String(DEFAULTS.analysisIntervalSeconds) },
    alpha: { type: "string", default: String(DEFAULTS.alpha) },
    bake: { type: "string", default: "30" },
    seed: { type: "string", default: "1" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const AA = positiveInt(HELP, "rollouts", values.rollouts);
const PLAN_AA = positiveInt(HELP, "plan-rollouts", values["plan-rollouts"]);
const DETECT = positiveInt(HELP, "detect", values.detect);
const INTERVAL = positiveInt(HELP, "interval", values.interval);
const BAKE_MINUTES = positiveInt(HELP, "bake", values.bake);
const SEED = positiveInt(HELP, "seed", values.seed);
const ALPHA = Number(values.alpha);
if (!(ALPHA > 0 && ALPHA <= 0.2)) {
  process.stderr.write(`--alpha must be in (0, 0.2]\n\n${HELP}`);
  process.exit(2);
}

const RPMS = [100, 1_000, 10_000];
const SHARES = [100, 500, 2500];
const LIVE_ERRORS = 0.01;
const AA_SCENARIO: Scenario = {
  label: "A/A",
  liveErrorRate: LIVE_ERRORS,
  canaryErrorRate: LIVE_ERRORS,
  canaryLatencyScale: 1,
};
const BAD: Scenario[] = [
  { label: "errors 1% -> 2%", liveErrorRate: 0.01, canaryErrorRate: 0.02, canaryLatencyScale: 1 },
  { label: "errors 1% -> 3%", liveErrorRate: 0.01, canaryErrorRate: 0.03, canaryLatencyScale: 1 },
  { label: "errors 1% -> 5%", liveErrorRate: 0.01, canaryErrorRate: 0.05, canaryLatencyScale: 1 },
  { label: "p95 +20%", liveErrorRate: 0.01, canaryErrorRate: 0.01, canaryLatencyScale: 1.2 },
  { label: "p95 +50%", liveErrorRate: 0.01, canaryErrorRate: 0.01, canaryLatencyScale: 1.5 },
];
const WHOLE_PLAN = [
  [100, 10],
  [500, 30],
  [2500, 10],
  [5000, 10],
  [10_000, 10],
] as const;

const planOf = (steps: readonly (readonly [number, number])[]): PlanRules =>
  RolloutPlan.parse({
    steps: steps.map(([shareBp, minutes]) => ({ shareBp, bakeSeconds: minutes * 60 })),
    alpha: ALPHA,
    analysisIntervalSeconds: INTERVAL,
  });

const horizonOf = (plan: PlanRules) =>
  plan.steps.reduce((s, step) => s + step.bakeSeconds + plan.maxExtensionSeconds, 0);

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/** Both gate sets over the same rollouts (the same random stream per rollout). */
function runCell(
  label: string,
  n: number,
  rpm: number,
  steps: readonly (readonly [number, number])[],
  scenario: Scenario,
): Record<GateSet, RolloutRun[]> {
  const plan = planOf(steps);
  const models = latencyModels(scenario.canaryLatencyScale);
  const out: Record<GateSet, RolloutRun[]> = { sequential: [], "fixed-horizon": [] };
  for (let i = 0; i < n; i++) {
    for (const gates of ["sequential", "fixed-horizon"] as const) {
      const rand = mulberry32(cellSeed(SEED, `${label}/${rpm}/${i}`));
      out[gates].push(
        runRollout(rand, gates, {
          plan,
          fixed: FIXED_HORIZON_DEFAULTS,
          rpm,
          intervalSeconds: INTERVAL,
          horizonSeconds: horizonOf(plan),
          scenario,
          models,
        }),
      );
    }
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const count = (runs: RolloutRun[], end: RolloutRun["end"]) =>
  runs.filter((r) => r.end === end).length;
const rateCi = (k: number, n: number) => {
  const [lo, hi] = wilson(k, n);
  return `${pct(k / n)} (${pct(lo)}–${pct(hi)})`;
};
const share = (runs: RolloutRun[], end: RolloutRun["end"]) => pct(count(runs, end) / runs.length);

const medianTime = (runs: RolloutRun[], end: RolloutRun["end"]) => {
  const m = quantile(
    runs.filter((r) => r.end === end).map((r) => r.at),
    0.5,
  );
  return m === null ? "–" : minutes(m);
};

const lines: string[] = [];
const print = (s = "") => lines.push(s);
const horizonOne = horizonOf(planOf([[100, BAKE_MINUTES]]));

print(`## A/A: false rollbacks per rollout (canary = live; seed ${SEED})`);
print();
print(
  `One step at the canary share, bake ${BAKE_MINUTES} min; gates every ${INTERVAL} s; both arms ${pct(LIVE_ERRORS)} errors and the same latency (lognormal, median ${LIVE_MEDIAN_MS} ms, sigma ${LATENCY_SIGMA}); ${AA} rollouts per row (${fmt(AA * RPMS.length * SHARES.length)} in all). **Sequential** (the router's gates, plan defaults, alpha ${ALPHA}): a rollout advances once every gate is shown within its bound, holds past the bake while any is undecided, and pauses at the share after ${minutes(DEFAULTS.maxExtensionSeconds)} more (watched: ${minutes(horizonOne)} in all). **Fixed-horizon** (before): z-test p < 0.01 and Δ > 0.5 pp, p95 ratio > 1.5 and +25 ms, chi-square SRM p < 0.001, at every look; it advances at the end of the bake when nothing fails and both arms have 200 requests (held until the same ${minutes(horizonOne)} otherwise). False rollbacks with 95% Wilson intervals.`,
);
print();
print(
  "| rpm | canary share | sequential: false rollbacks | advanced | paused at the limit | median time to advance | fixed-horizon: false rollbacks | advanced | held |",
);
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
let totalSeq = 0;
let totalFixed = 0;
for (const rpm of RPMS) {
  for (const bp of SHARES) {
    progress(`A/A: ${fmt(rpm)} rpm, ${bp / 100}% canary (${elapsed()})`);
    const o = runCell(`aa/${bp}`, AA, rpm, [[bp, BAKE_MINUTES]], AA_SCENARIO);
    const s = o.sequential;
    const f = o["fixed-horizon"];
    totalSeq += count(s, "rollback");
    totalFixed += count(f, "rollback");
    print(
      `| ${fmt(rpm)} | ${bp / 100}% | ${rateCi(count(s, "rollback"), AA)} | ${share(s, "promote")} | ${share(s, "pause")} | ${medianTime(s, "promote")} | ${rateCi(count(f, "rollback"), AA)} | ${share(f, "promote")} | ${share(f, "horizon")} |`,
    );
  }
}
const all = AA * RPMS.length * SHARES.length;
print(`| all | | ${rateCi(totalSeq, all)} | | | | ${rateCi(totalFixed, all)} | | |`);

print();
print("## The error-rate test at its bound: a canary exactly minDelta worse (minDelta 0)");
print();
print(
  `The A/A canary sits far inside the error-rate gate's null (Δ = 0 <= minDelta = 0.5 pp), so the table above shows margin as much as validity. Here minDelta is 0, so Δ = 0 is exactly on the bound: the test's own anytime false-alarm rate. One step at the share, looked at every ${INTERVAL} s for ${minutes(horizonOne)} without ever advancing; the error-rate gate's alpha is ${ALPHA} x 4/8 = ${ALPHA / 2} (latency and SRM keep theirs and can fail too). ${AA} rollouts per row.`,
);
print();
print("| rpm | canary share | rollbacks (95% CI) | error-rate alpha |");
print("|---:|---:|---:|---:|");
for (const rpm of RPMS) {
  for (const bp of SHARES) {
    progress(`at the bound: ${fmt(rpm)} rpm, ${bp / 100}% canary (${elapsed()})`);
    const plan = RolloutPlan.parse({
      steps: [{ shareBp: bp, bakeSeconds: horizonOne }],
      gates: { errorRate: { minDelta: 0 } },
      alpha: ALPHA,
      analysisIntervalSeconds: INTERVAL,
      maxExtensionSeconds: 0,
    });
    const models = latencyModels(1);
    let k = 0;
    for (let i = 0; i < AA; i++) {
      const rand = mulberry32(cellSeed(SEED, `bound/${bp}/${rpm}/${i}`));
      const r = runRollout(rand, "sequential", {
        plan,
        fixed: FIXED_HORIZON_DEFAULTS,
        rpm,
        intervalSeconds: INTERVAL,
        horizonSeconds: horizonOne,
        scenario: AA_SCENARIO,
        models,
      });
      if (r.end === "rollback") k++;
    }
    print(`| ${fmt(rpm)} | ${bp / 100}% | ${rateCi(k, AA)} | ${ALPHA / 2} |`);
  }
}

print();
print(
  `## A/A through a whole plan (${WHOLE_PLAN.map(([bp, m]) => `${bp / 100}% ${m}m`).join(", ")})`,
);
print();
print(
  `The same canary = live traffic through five steps (a 100 % step is judged against live's numbers from the step before); alpha ${ALPHA} covers all of them; ${PLAN_AA} rollouts per row. Paused: where the sequential gates stopped for want of evidence (step: how many).`,
);
print();
print(
  "| rpm | sequential: false rollbacks | promoted | median time to promote | paused (at step) | fixed-horizon: false rollbacks | promoted | median time to promote |",
);
print("|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const rpm of RPMS) {
  progress(`A/A, whole plan: ${fmt(rpm)} rpm (${elapsed()})`);
  const o = runCell("plan", PLAN_AA, rpm, WHOLE_PLAN, AA_SCENARIO);
  const s = o.sequential;
  const f = o["fixed-horizon"];
  const at = new Map<number, number>();
  for (const r of s)
    if (r.end === "pause") at.set(r.stepIndex + 1, (at.get(r.stepIndex + 1) ?? 0) + 1);
  const where = [...at.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([stepNo, n]) => `${stepNo}: ${n}`)
    .join(", ");
  print(
    `| ${fmt(rpm)} | ${rateCi(count(s, "rollback"), PLAN_AA)} | ${share(s, "promote")} | ${medianTime(s, "promote")} | ${share(s, "pause")}${where ? ` (${where})` : ""} | ${rateCi(count(f, "rollback"), PLAN_AA)} | ${share(f, "promote")} | ${medianTime(f, "promote")} |`,
  );
}

print();
print(
  "## Detection: a worse canary, one step; time to the rollback and bad requests served before it",
);
print();
print(
  `Same one-step rollouts (${DETECT} per row). Caught: rolled back within the ${minutes(horizonOne)} watched. Time: from the canary's first request to the rollback verdict, median / p95 over the caught rollouts. Bad requests, median / p95 over the caught rollouts: the canary's errors for an error regression, every canary request for a latency one. Missed: the fixed-horizon gates advanced (promoted) the bad canary at the end of its bake; the sequential gates never did (they pause at the limit instead).`,
);
print();
print(
  "| canary | rpm | share | sequential: caught | time to rollback | bad requests | fixed-horizon: caught | time to rollback | bad requests | fixed-horizon: missed |",
);
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
const spread = (xs: number[], f: (x: number) => string) => {
  const a = quantile(xs, 0.5);
  const b = quantile(xs, 0.95);
  return a === null || b === null ? "–" : `${f(a)} / ${f(b)}`;
};
for (const scenario of BAD) {
  const latency = scenario.canaryLatencyScale !== 1;
  for (const rpm of RPMS) {
    for (const bp of SHARES) {
      progress(`detection: ${scenario.label}, ${fmt(rpm)} rpm, ${bp / 100}% (${elapsed()})`);
      const o = runCell(`${scenario.label}/${bp}`, DETECT, rpm, [[bp, BAKE_MINUTES]], scenario);
      const cells = (["sequential", "fixed-horizon"] as const).map((g) => {
        const caught = o[g].filter((r) => r.end === "rollback");
        const bad = caught.map((r) => (latency ? r.canaryRequests : r.canaryErrors));
        return `${pct(caught.length / DETECT)} | ${spread(
          caught.map((r) => r.at),
          minutes,
        )} | ${spread(bad, (x) => fmt(x))}`;
      });
      print(
        `| ${scenario.label} | ${fmt(rpm)} | ${bp / 100}% | ${cells.join(" | ")} | ${share(o["fixed-horizon"], "promote")} |`,
      );
    }
  }
}
print();
print(
  `(${elapsed()}; \`node scripts/bench/gates/request-level.ts --rollouts ${AA} --plan-rollouts ${PLAN_AA} --detect ${DETECT} --interval ${INTERVAL} --alpha ${ALPHA} --bake ${BAKE_MINUTES} --seed ${SEED}\`)`,
);
process.stdout.write(`${lines.join("\n")}\n`);
