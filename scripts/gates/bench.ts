/**
 * `npm run gates:bench`: how often do the rollout gates roll back a canary
 * that is exactly as good as live, when the analyzer looks every 15 s, and
 * how fast do they catch a bad one? Today's fixed-horizon gates
 * (evaluateGates: z-test on error rates, chi-square SRM) against the
 * anytime-valid ones (src/core/rollout/sequential.ts), on the same
 * simulated counts.
 *
 * Layer: build-time script. Pure Node, no workers: each rollout is one step
 * of 30 minutes at a fixed canary share; every 15 s, rpm/4 requests arrive,
 * each goes to the canary with probability share, and each fails with its
 * arm's error rate; the gates see the cumulative counts since the step began
 * (as the analyzer does) and any "fail" is a rollback. Both tests sit behind
 * the plan's minRequests (200 per arm by default).
 */
import { parseArgs } from "node:util";
import { evaluateGates, type RolloutMetrics } from "../../src/core/rollout/gates.ts";
import {
  DEFAULT_MIXING_SD,
  sequentialErrorRate,
  sequentialSrm,
} from "../../src/core/rollout/sequential.ts";
import { RolloutPlan } from "../../src/document/rollout-plan.ts";
import { fmt, positiveInt, progress } from "../bench/cli.ts";
import { binomial, cellSeed, mulberry32 } from "./random.ts";

const HELP = `Usage: npm run gates:bench -- [options]

Simulates many canary rollouts (one 30-minute step, gates evaluated every 15 s)
and prints, as markdown tables:
  - false rollbacks per rollout when the canary equals live (error rate 1%),
    for today's z-test and chi-square SRM gates and for the anytime-valid
    sequential tests, with 95% Wilson intervals;
  - detection of a canary at 2%, 3% and 5% errors (live 1%): share caught,
    median and p95 time to the rollback, canary errors served before it.

Options:
  --rollouts <n>   rollouts per cell (default 500)
  --seed <n>       PRNG seed (default 1); the same seed prints the same tables
  --alpha <x>      anytime false-alarm bound of the sequential error-rate test (default 0.01)
  --mixing-sd <x>  tau of the sequential error-rate test (default ${DEFAULT_MIXING_SD})
  -h, --help       show this help
`;

const { values } = parseArgs({
  options: {
    rollouts: { type: "string", default: "500" },
    seed: { type: "string", default: "1" },
    alpha: { type: "string", default: "0.01" },
    "mixing-sd": { type: "string", default: String(DEFAULT_MIXING_SD) },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const ROLLOUTS = positiveInt(HELP, "rollouts", values.rollouts);
const SEED = positiveInt(HELP, "seed", values.seed);
const SEQ_ALPHA = Number(values.alpha);
if (!(SEQ_ALPHA > 0 && SEQ_ALPHA < 1)) {
  process.stderr.write(`--alpha must be between 0 and 1\n\n${HELP}`);
  process.exit(2);
}
const MIXING_SD = Number(values["mixing-sd"]);
if (!(MIXING_SD > 0)) {
  process.stderr.write(`--mixing-sd must be a positive number\n\n${HELP}`);
  process.exit(2);
}

const LOOK_SECONDS = 15;
const STEP_MINUTES = 30;
const LOOKS = (STEP_MINUTES * 60) / LOOK_SECONDS;
const LIVE_RATE = 0.01;
const RPMS = [100, 1_000, 10_000];
const SHARES = [0.01, 0.05, 0.25];
const BAD_RATES = [0.02, 0.03, 0.05];
// The schema's defaults: what a plan without a gates block gets.
const GATES = RolloutPlan.parse({ steps: [{ shareBp: 500, bakeSeconds: 1800 }] }).gates;
const SEQ_SRM_ALPHA = GATES.srm.maxPValue;

/**
 * z: today's error-rate gate; seq: the sequential test as specified (fail
 * when the anytime interval's lower end is above minDelta); seq0: the same
 * interval with today's semantics (lower end above 0 and observed Δ above
 * minDelta); chi2 / seqSrm: today's and the sequential SRM test.
 */
type Test = "z" | "seq" | "seq0" | "chi2" | "seqSrm";
const TESTS: Test[] = ["z", "seq", "seq0", "chi2", "seqSrm"];
const none = (): Record<Test, number> => ({ z: 0, seq: 0, seq0: 0, chi2: 0, seqSrm: 0 });

interface RolloutOutcome {
  /** Look index (1-based) of the first fail per test, or 0 for none. */
  failAt: Record<Test, number>;
  /** Canary errors served up to and including that look (or by the end). */
  errorsAt: Record<Test, number>;
  judged: boolean;
  /** Look index of the sequential test's first "pass" (not worse by minDelta), or 0. */
  passAt: number;
}

function simulate(rand: () => number, rpm: number, share: number, canaryRate: number) {
  const perLook = rpm / (60 / LOOK_SECONDS);
  const shareBp = Math.round(share * 10_000);
  const canary = { requests: 0, errors: 0 };
  const live = { requests: 0, errors: 0 };
  const out: RolloutOutcome = {
    failAt: none(),
    errorsAt: none(),
    judged: false,
    passAt: 0,
  };
  for (let look = 1; look <= LOOKS; look++) {
    const toCanary = binomial(rand, perLook, share);
    canary.requests += toCanary;
    canary.errors += binomial(rand, toCanary, canaryRate);
    live.requests += perLook - toCanary;
    live.errors += binomial(rand, perLook - toCanary, LIVE_RATE);
    if (canary.requests < GATES.minRequests || live.requests < GATES.minRequests) continue;
    out.judged = true;
    const fails: Record<Test, boolean> = {
      z: false,
      seq: false,
      seq0: false,
      chi2: false,
      seqSrm: false,
    };
    const m: RolloutMetrics = {
      canary: { ...canary, p95Ms: null },
      live: { ...live, p95Ms: null },
      split: { canary: canary.requests, others: live.requests },
      shadow: null,
    };
    for (const g of evaluateGates(GATES, m, shareBp)) {
      if (g.gate === "error-rate" && g.outcome === "fail") fails.z = true;
      if (g.gate === "srm" && g.outcome === "fail") fails.chi2 = true;
    }
    const seq = sequentialErrorRate(canary, live, {
      alpha: SEQ_ALPHA,
      minDelta: GATES.errorRate.minDelta,
      mixingSd: MIXING_SD,
    });
    fails.seq = seq.outcome === "fail";
    if (seq.outcome === "pass" && out.passAt === 0) out.passAt = look;
    fails.seq0 = seq.lo > 0 && seq.effect > GATES.errorRate.minDelta;
    fails.seqSrm =
      sequentialSrm(canary.requests, live.requests, shareBp / 10_000, { alpha: SEQ_SRM_ALPHA })
        .outcome === "fail";
    for (const t of TESTS) {
      if (fails[t] && out.failAt[t] === 0) {
        out.failAt[t] = look;
        out.errorsAt[t] = canary.errors;
      }
    }
  }
  for (const t of TESTS) if (out.failAt[t] === 0) out.errorsAt[t] = canary.errors;
  return out;
}

function runCell(rpm: number, share: number, canaryRate: number): RolloutOutcome[] {
  const rand = mulberry32(cellSeed(SEED, `${rpm}/${share}/${canaryRate}`));
  return Array.from({ length: ROLLOUTS }, () => simulate(rand, rpm, share, canaryRate));
}

/** Wilson score interval for k successes in n trials, 95%. */
function wilson(k: number, n: number): [number, number] {
  const z = 1.959964;
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
function rate(outcomes: RolloutOutcome[], t: Test): string {
  const k = outcomes.filter((o) => o.failAt[t] > 0).length;
  const [lo, hi] = wilson(k, outcomes.length);
  return `${pct(k / outcomes.length)} (${pct(lo)}–${pct(hi)})`;
}

/** q-quantile (nearest rank) of the time to a fail; undetected rollouts count as never. */
function timeQuantile(outcomes: RolloutOutcome[], t: Test, q: number): string {
  const looks = outcomes
    .map((o) => (o.failAt[t] > 0 ? o.failAt[t] : Infinity))
    .sort((a, b) => a - b);
  const v = looks[Math.min(looks.length - 1, Math.ceil(q * looks.length) - 1)] as number;
  if (!Number.isFinite(v)) return `> ${STEP_MINUTES}m`;
  return minutes(v);
}

function minutes(looks: number): string {
  const s = looks * LOOK_SECONDS;
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
}

/** q-quantile (nearest rank) of canary errors served up to the rollback, over caught rollouts. */
function errorsQuantile(outcomes: RolloutOutcome[], t: Test, q: number): string {
  const errors = outcomes
    .filter((o) => o.failAt[t] > 0)
    .map((o) => o.errorsAt[t])
    .sort((a, b) => a - b);
  if (errors.length === 0) return "–";
  return fmt(errors[Math.min(errors.length - 1, Math.ceil(q * errors.length) - 1)] as number);
}

/** Share of rollouts the sequential test passed within the step, and the median time to it. */
function passed(outcomes: RolloutOutcome[]): string {
  const looks = outcomes.map((o) => (o.passAt > 0 ? o.passAt : Infinity)).sort((a, b) => a - b);
  const caught = looks.filter(Number.isFinite).length / looks.length;
  const median = looks[Math.ceil(0.5 * looks.length) - 1] as number;
  return `${pct(caught)}, ${Number.isFinite(median) ? minutes(median) : `> ${STEP_MINUTES}m`}`;
}

const started = Date.now();
const lines: string[] = [];
const print = (s = "") => lines.push(s);

print(
  `## A/A: false rollbacks per rollout (both arms at ${pct(LIVE_RATE)} errors; ${ROLLOUTS} rollouts per row, seed ${SEED})`,
);
print();
print(
  `One ${STEP_MINUTES}-minute step, gates evaluated every ${LOOK_SECONDS} s (${LOOKS} looks) once both arms have ${GATES.minRequests} requests. z-test: fail if one-sided p < ${GATES.errorRate.maxPValue} and Δ > ${GATES.errorRate.minDelta}; sequential: mSPRT interval, alpha ${SEQ_ALPHA}, minDelta ${GATES.errorRate.minDelta}. "lo > 0": the same interval with today's rule (fail when it excludes 0 and the observed Δ > minDelta). SRM: chi-square p < ${GATES.srm.maxPValue} vs Beta-Binomial mixture, alpha ${SEQ_SRM_ALPHA}. Judged: rollouts that reached minRequests. Sequential pass: the interval's upper end fell below minDelta (shown not worse), which a gate that must "pass" to advance would wait for. 95% Wilson intervals.`,
);
print();
print(
  "| rpm | canary share | judged | error rate: z-test (today) | error rate: sequential | sequential, lo > 0 | SRM: chi-square (today) | SRM: sequential | sequential pass: share, median time |",
);
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const rpm of RPMS) {
  for (const share of SHARES) {
    progress(`A/A: ${rpm} rpm, ${pct(share)} canary`);
    const o = runCell(rpm, share, LIVE_RATE);
    const judged = o.filter((r) => r.judged).length / o.length;
    print(
      `| ${fmt(rpm)} | ${pct(share)} | ${pct(judged)} | ${rate(o, "z")} | ${rate(o, "seq")} | ${rate(o, "seq0")} | ${rate(o, "chi2")} | ${rate(o, "seqSrm")} | ${passed(o)} |`,
    );
  }
}

print();
print(
  `## Detection: canary worse than live (${pct(LIVE_RATE)}); time to the rollback and canary errors served before it`,
);
print();
print(
  `Caught: share of rollouts rolled back within ${STEP_MINUTES} min. Times are median / p95 over all rollouts (undetected count as never); errors are canary errors served up to the rollback, median / p95 over the caught rollouts. "Sequential passed it": rollouts where the sequential test said "pass" (not worse by minDelta) at some look although the canary is worse, with the median time to that pass.`,
);
print();
print(
  "| canary errors | rpm | share | z-test caught | time | errors | sequential caught | time | errors | seq. lo > 0 caught | time | errors | sequential passed it |",
);
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const bad of BAD_RATES) {
  for (const rpm of RPMS) {
    for (const share of SHARES) {
      progress(`detection: ${pct(bad)} canary errors, ${rpm} rpm, ${pct(share)} canary`);
      const o = runCell(rpm, share, bad);
      const cells = (["z", "seq", "seq0"] as const).map((t) => {
        const caught = o.filter((r) => r.failAt[t] > 0).length / o.length;
        return `${pct(caught)} | ${timeQuantile(o, t, 0.5)} / ${timeQuantile(o, t, 0.95)} | ${errorsQuantile(o, t, 0.5)} / ${errorsQuantile(o, t, 0.95)}`;
      });
      print(`| ${pct(bad)} | ${fmt(rpm)} | ${pct(share)} | ${cells.join(" | ")} | ${passed(o)} |`);
    }
  }
}
print();
print(
  `(${((Date.now() - started) / 1000).toFixed(1)} s, \`npm run gates:bench -- --rollouts ${ROLLOUTS} --seed ${SEED} --alpha ${SEQ_ALPHA} --mixing-sd ${MIXING_SD}\`)`,
);
process.stdout.write(`${lines.join("\n")}\n`);
