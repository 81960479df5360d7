/**
 * `npm run simulate`: a whole progressive rollout against local origins,
 * under generated traffic, with the clock sped up.
 *
 * The real router runs in Miniflare (workerd) with real local model origins;
 * generated users send predictions; every simulated minute the Worker's
 * scheduled handler (the rollout analyzer) runs at the simulated time. Two
 * scenarios:
 *   healthy  the candidate ramps 10% -> 25% -> 50% -> 100% and is promoted;
 *   failing  the candidate's error rate rises to 30% when step 2 begins,
 *            and the analyzer rolls it back.
 * Prints the timeline of steps and verdicts, and for the failing candidate
 * the time from its first failure to its traffic being back on live, and
 * the share of requests it served in that window.
 */
import { parseArgs } from "node:util";
import { type OriginModel, startDemoOrigins } from "./lib/demo-origins.ts";
import { startLocalRouter } from "./lib/local-router.ts";

const HELP = `Usage: npm run simulate -- [options]

Runs a progressive rollout end to end on this machine (Miniflare + local origins)
with a sped-up clock, and prints its timeline.

Options:
  --scenario <name>   healthy | failing | both (default both)
  --speedup <n>       simulated seconds per real second (default 60: a minute per second)
  --concurrency <n>   parallel simulated clients (default 8)
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "both" },
    speedup: { type: "string", default: "60" },
    concurrency: { type: "string", default: "8" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const speedup = Number(values.speedup);
const concurrency = Number(values.concurrency);
const scenarios = values.scenario === "both" ? ["healthy", "failing"] : [values.scenario ?? ""];
if (
  !(speedup >= 1) ||
  !(concurrency >= 1) ||
  scenarios.some((s) => s !== "healthy" && s !== "failing")
) {
  process.stderr.write(`invalid options\n\n${HELP}`);
  process.exit(2);
}

const SERVICE = "sim";
const STEP_SECONDS = 600; // 10 simulated minutes per step
const plan = {
  steps: [
    { shareBp: 1000, bakeSeconds: STEP_SECONDS },
    { shareBp: 2500, bakeSeconds: STEP_SECONDS },
    { shareBp: 5000, bakeSeconds: STEP_SECONDS },
    { shareBp: 10000, bakeSeconds: STEP_SECONDS },
  ],
  gates: { minRequests: 100 },
  onSuccess: "flip",
};

interface Sample {
  real: number;
  variant: string | null;
  status: number;
}

const fmtSim = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `T+${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};

async function run(scenario: "healthy" | "failing") {
  console.log(
    `\n## Scenario: ${scenario} candidate (speedup ${speedup}x, ${concurrency} clients)\n`,
  );
  const models: Record<string, OriginModel> = {
    "sim-blue": { version: "sim-v1", family: "sim", noise: 0 },
    "sim-green": { version: "sim-v2", family: "sim", noise: 0.02 },
  };
  const origins = await startDemoOrigins(models);
  const doc = {
    service: SERVICE,
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "simulation",
    origins: { blue: { url: origins.url("sim-blue") }, green: { url: origins.url("sim-green") } },
    live: "blue",
    canary: { origin: "green", shareBp: 0, salt: `sim-${scenario}` },
    retry: { safe: true },
    rollout: plan,
  };
  const router = await startLocalRouter({
    bindings: { CONFIG_MEMO_TTL_MS: "1000", METRICS_FLUSH_MS: "1000" },
    seed: { [`service:${SERVICE}`]: JSON.stringify(doc) },
    quiet: true,
  });

  const realStart = Date.now();
  const simStart = Date.UTC(2026, 10, 26, 9, 0, 0);
  const simNow = () => simStart + (Date.now() - realStart) * speedup;
  const samples: Sample[] = [];
  let stopTraffic = false;
  let userSeq = 0;

  const client = async () => {
    while (!stopTraffic) {
      const user = `user-${(userSeq++ * 7919) % 20_000}`;
      try {
        const res = await fetch(`${router.url}/${SERVICE}/predict`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-user-id": user },
          body: JSON.stringify({ id: user, features: { amount: userSeq % 500 } }),
        });
        await res.arrayBuffer();
        samples.push({
          real: Date.now(),
          variant: res.headers.get("x-model-variant"),
          status: res.status,
        });
      } catch {
        samples.push({ real: Date.now(), variant: null, status: 0 });
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);

  let failAt: { real: number; sim: number } | null = null;
  let printed = 0;
  let state = "progressing";
  const tickMs = 60_000 / speedup;
  const terminal = new Set(["promoted", "rolled-back", "completed", "aborted"]);
  while (!terminal.has(state)) {
    await new Promise((r) => setTimeout(r, tickMs));
    await router.scheduled(simNow());
    const status = (await router.kv.get(`rollout:${SERVICE}`, "json")) as {
      state: string;
      stepIndex: number;
      timeline: { at: number; event: string; reason: string; version: number }[];
    } | null;
    if (!status) continue;
    state = status.state;
    for (const entry of status.timeline.slice(printed)) {
      console.log(
        `${fmtSim(entry.at - simStart)}  ${entry.event.padEnd(8)}  v${entry.version}  ${entry.reason}`,
      );
    }
    printed = status.timeline.length;
    if (scenario === "failing" && !failAt && status.stepIndex >= 1) {
      (models["sim-green"] as OriginModel).errorRate = 0.3;
      failAt = { real: Date.now(), sim: simNow() };
      console.log(`${fmtSim(failAt.sim - simStart)}  (sim)     candidate error rate raised to 30%`);
    }
    if (Date.now() - realStart > 10 * 60_000)
      throw new Error("simulation did not finish in 10 minutes");
  }

  // Let in-flight requests and the memo catch up, then stop.
  await new Promise((r) => setTimeout(r, 2_500));
  stopTraffic = true;
  await Promise.all(clients);
  await router.dispose();
  await origins.close();

  const finalDoc = samples.at(-1);
  const result: Record<string, unknown> = {
    scenario,
    outcome: state,
    requests: samples.length,
    userErrors: samples.filter((s) => s.status >= 500 || s.status === 0).length,
    simulatedMinutes: Math.round(((Date.now() - realStart) * speedup) / 60_000),
    lastVariant: finalDoc?.variant,
  };
  if (failAt) {
    const start = failAt.real;
    const after = samples.filter((s) => s.real >= start);
    const lastBad = after.filter((s) => s.variant === "green").at(-1)?.real ?? start;
    const window = after.filter((s) => s.real <= lastBad);
    const bad = window.filter((s) => s.variant === "green").length;
    const realMs = lastBad - start;
    result.timeToLiveRealSeconds = Math.round(realMs / 100) / 10;
    result.timeToLiveSimulatedMinutes = Math.round(((realMs * speedup) / 60_000) * 10) / 10;
    result.badCandidateRequests = bad;
    result.badCandidateShareOfWindow = window.length
      ? Math.round((bad / window.length) * 1000) / 10
      : 0;
    result.badCandidateShareOfAllRequests = Math.round((bad / samples.length) * 1000) / 10;
  }
  console.log(`\n${JSON.stringify(result)}`);
  return result;
}

const results = [];
for (const s of scenarios) results.push(await run(s as "healthy" | "failing"));
const failing = results.find((r) => r.scenario === "failing");
if (failing) {
  console.log(
    `\nFailing candidate: back on live ${failing.timeToLiveRealSeconds} s real ` +
      `(${failing.timeToLiveSimulatedMinutes} simulated min at ${speedup}x) after it began failing; ` +
      `it served ${failing.badCandidateRequests} requests in that window ` +
      `(${failing.badCandidateShareOfWindow}% of the window, ${failing.badCandidateShareOfAllRequests}% of the run); ` +
      `user-visible errors: ${failing.userErrors} (failover to live).`,
  );
}
