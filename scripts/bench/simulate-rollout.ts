/**
 * `npm run simulate`: progressive rollouts end to end, in real time, on this
 * machine: the real router in Miniflare (workerd) with its control object,
 * real local model origins, generated users sending predictions. Nobody
 * calls the analyzer: the service's control object runs it on its own
 * alarm every `analysisIntervalSeconds` (5 s here), on the exact metrics
 * the isolate checks in every second, and pushes each verdict to the
 * isolate at its next check-in; a local webhook receiver gets the
 * notifications.
 *
 * Scenarios:
 *   failing  10% -> 25% -> 50% -> 100%; the candidate's error rate goes from
 *            0% to 30% when step 2 begins: rolled back.
 *   modest   a 5% canary; live and candidate fail 1% of requests, and the
 *            candidate regresses to 3% a few seconds into the step: rolled back.
 *   healthy  the same ramp as failing with a healthy candidate: promoted.
 * For a failing candidate it reports, counted at the client from the
 * x-model-variant header (no failover: every candidate answer is seen):
 * the detection time (its first failure -> the rollback verdict), the
 * requests it served from its first failure until its traffic was back on
 * live, and the time until every request was on live.
 *
 * Layer: script (operator tool).
 */
import { parseArgs } from "node:util";
import { type OriginModel, startDemoOrigins } from "../../test/support/stack/demo-origins.ts";
import { startLocalRouter } from "../../test/support/stack/local-router.ts";
import type { RolloutView } from "../cli/commands/rollout-admin.ts";

const HELP = `Usage: npm run simulate -- [options]

Runs progressive rollouts end to end on this machine (Miniflare + local
origins) in real time: the service's control object evaluates the rollout on
its own alarm every analysis interval. Prints each verdict as it happens and,
per scenario, one JSON line of results.

Options:
  --scenario <list>   comma-separated: failing, modest, healthy (default: all three)
  --clients <n>       parallel clients (default 8)
  --bake <seconds>    bake of each ramp step of failing/healthy (default 10)
  --interval <s>      the plan's analysisIntervalSeconds (default 5, the minimum)
  --max-seconds <s>   give up on a scenario after this long (default 120)
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "all" },
    clients: { type: "string", default: "8" },
    bake: { type: "string", default: "10" },
    interval: { type: "string", default: "5" },
    "max-seconds": { type: "string", default: "120" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

type ScenarioName = "failing" | "modest" | "healthy";
const NAMES: readonly ScenarioName[] = ["failing", "modest", "healthy"];
const clients = Number(values.clients);
const bake = Number(values.bake);
const interval = Number(values.interval);
const maxSeconds = Number(values["max-seconds"]);
const wanted =
  values.scenario === "all" ? [...NAMES] : (values.scenario ?? "").split(",").map((s) => s.trim());
if (
  !(Number.isInteger(clients) && clients >= 1) ||
  !(Number.isInteger(bake) && bake >= 0) ||
  !(Number.isInteger(interval) && interval >= 5 && interval <= 300) ||
  !(maxSeconds > 0) ||
  wanted.length === 0 ||
  wanted.some((s) => !NAMES.includes(s as ScenarioName))
) {
  process.stderr.write(`invalid options\n\n${HELP}`);
  process.exit(2);
}

const SERVICE = "sim";
const ADMIN_TOKEN = "simulate-admin-token-at-least-32-bytes";
const TERMINAL = new Set(["promoted", "completed", "rolled-back", "aborted"]);

interface Scenario {
  name: ScenarioName;
  title: string;
  steps: { shareBp: number; bakeSeconds: number }[];
  liveErrorRate: number;
  candidateErrorRate: number;
  /** The candidate's regression: to `errorRate`, once `when` holds. */
  degrade?: {
    errorRate: number;
    when: (status: RolloutView["status"], sinceStartMs: number) => boolean;
    label: string;
  };
}

const ramp = [1000, 2500, 5000, 10_000].map((shareBp) => ({ shareBp, bakeSeconds: bake }));

const SCENARIOS: Record<ScenarioName, Scenario> = {
  failing: {
    name: "failing",
    title: "candidate error rate 0% -> 30% when step 2 begins",
    steps: ramp,
    liveErrorRate: 0,
    candidateErrorRate: 0,
    degrade: {
      errorRate: 0.3,
      when: (status) => (status?.stepIndex ?? 0) >= 1,
      label: "candidate error rate raised to 30% (step 2 began)",
    },
  },
  modest: {
    name: "modest",
    title: "5% canary; live and candidate at 1% errors, the candidate regresses to 3% 5 s in",
    steps: [
      { shareBp: 500, bakeSeconds: 600 },
      { shareBp: 10_000, bakeSeconds: bake },
    ],
    liveErrorRate: 0.01,
    candidateErrorRate: 0.01,
    degrade: {
      errorRate: 0.03,
      when: (status, sinceStartMs) => status?.state === "progressing" && sinceStartMs >= 5_000,
      label: "candidate error rate raised from 1% to 3%",
    },
  },
  healthy: {
    name: "healthy",
    title: "a healthy candidate ramps to 100% and is promoted",
    steps: ramp,
    liveErrorRate: 0,
    candidateErrorRate: 0,
  },
};

interface Sample {
  sent: number;
  done: number;
  variant: string | null;
  status: number;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(s: Scenario): Promise<Record<string, unknown>> {
  const plan = {
    steps: s.steps,
    gates: { minRequests: 100 },
    onSuccess: "flip",
    analysisIntervalSeconds: interval,
  };
  const steps = s.steps.map((st) => `${st.shareBp / 100}% ${st.bakeSeconds}s`).join(", ");
  console.log(`\n## ${s.name}: ${s.title}`);
  console.log(`   plan ${steps}; analysis every ${interval} s; ${clients} clients\n`);

  const models: Record<string, OriginModel> = {
    "sim-blue": { version: "sim-v1", family: "sim", noise: 0, errorRate: s.liveErrorRate },
    "sim-green": { version: "sim-v2", family: "sim", noise: 0.02, errorRate: s.candidateErrorRate },
    "sim-hook": { version: "hook", family: "sim", noise: 0 },
  };
  const origins = await startDemoOrigins(models);
  const hook = `${origins.url("sim-hook")}/inbox`;
  const doc = {
    service: SERVICE,
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "simulation",
    origins: { blue: { url: origins.url("sim-blue") }, green: { url: origins.url("sim-green") } },
    live: "blue",
    // No retry block: a failed candidate answer is not replayed on live, so
    // the client sees every request the candidate served (x-model-variant).
    canary: { origin: "green", shareBp: 0, salt: `sim-${s.name}` },
    rollout: plan,
  };
  const router = await startLocalRouter({
    bindings: {
      CHECKIN_INTERVAL_MS: "1000",
      CONTROL_ALARM_MS: "1000",
      CONTROL_KV_POLL_MS: "1000",
      CONFIG_MEMO_TTL_MS: "1000",
      ADMIN_TOKEN,
      ROLLOUT_WEBHOOK_URL: hook,
    },
    seed: { [`service:${SERVICE}`]: JSON.stringify(doc) },
    quiet: true,
  });

  const t0 = Date.now();
  const at = (ms: number) =>
    `t+${seconds(ms - t0)
      .toFixed(1)
      .padStart(5)}s`;
  const samples: Sample[] = [];
  let stop = false;
  let seq = 0;
  const client = async () => {
    while (!stop) {
      const n = seq++;
      const user = `user-${(n * 7919) % 20_000}`;
      const sent = Date.now();
      try {
        const res = await fetch(`${router.url}/${SERVICE}/predict`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-user-id": user },
          body: JSON.stringify({ id: user, features: { amount: n % 500 } }),
        });
        await res.arrayBuffer();
        samples.push({
          sent,
          done: Date.now(),
          variant: res.headers.get("x-model-variant"),
          status: res.status,
        });
      } catch {
        samples.push({ sent, done: Date.now(), variant: null, status: 0 });
      }
    }
  };
  const running = Array.from({ length: clients }, client);
  console.log(`${at(Date.now())}  router up; traffic starts (nobody calls evaluate)`);

  let status: RolloutView["status"] = null;
  let printed = 0;
  let onset: number | null = null;
  let startedAt: number | null = null;
  let terminalAt: number | null = null;
  let lastProgress = t0;
  let progressFrom = 0;
  while (Date.now() - t0 < maxSeconds * 1000) {
    await sleep(250);
    const res = await fetch(`${router.url}/_router/admin/services/${SERVICE}/rollout`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const view = (await res.json()) as RolloutView;
    status = view.status ?? status;
    for (const e of status?.timeline.slice(printed) ?? []) {
      console.log(`${at(e.at)}  ${e.event.padEnd(8)}  v${e.version}  ${e.reason}`);
      if (e.event === "start") startedAt = e.at;
    }
    printed = status?.timeline.length ?? printed;
    const now = Date.now();
    if (
      s.degrade &&
      onset === null &&
      startedAt !== null &&
      s.degrade.when(status, now - startedAt)
    ) {
      (models["sim-green"] as OriginModel).errorRate = s.degrade.errorRate;
      onset = Date.now();
      console.log(`${at(onset)}  (sim)     ${s.degrade.label}`);
    }
    if (now - lastProgress >= 5_000) {
      const recent = samples.slice(progressFrom);
      const green = recent.filter((x) => x.variant === "green").length;
      const errors = recent.filter((x) => x.status >= 500 || x.status === 0).length;
      console.log(
        `${at(now)}  (traffic) ${Math.round(recent.length / ((now - lastProgress) / 1000))} req/s, ` +
          `candidate ${((green / Math.max(1, recent.length)) * 100).toFixed(1)}%, ${errors} errors`,
      );
      lastProgress = now;
      progressFrom = samples.length;
    }
    if (status && TERMINAL.has(status.state)) {
      terminalAt ??= now;
      // Keep the traffic on until the isolate has routed by the verdict a while.
      if (now - terminalAt >= 3_000) break;
    }
  }
  stop = true;
  await Promise.all(running);
  const inbox = (await (await fetch(hook)).json()) as { event: string; text: string }[];
  await router.dispose();
  await origins.close();

  const verdict = status?.timeline.at(-1);
  const result: Record<string, unknown> = {
    scenario: s.name,
    outcome: status?.state ?? "not started",
    finished: status ? TERMINAL.has(status.state) : false,
    seconds: seconds(Date.now() - t0),
    requests: samples.length,
    requestsPerSecond: Math.round(samples.length / ((Date.now() - t0) / 1000)),
    userErrors: samples.filter((x) => x.status >= 500 || x.status === 0).length,
    /** Errors the candidate (green) answered, whenever (a request sent just before the onset may fail). */
    candidateErrors: samples.filter((x) => x.variant === "green" && x.status >= 500).length,
    /** Errors live (blue) answered: none expected. */
    liveErrors: samples.filter((x) => x.variant === "blue" && x.status >= 500).length,
    /** Requests the client got no answer for (a socket error on a loaded machine). */
    noAnswer: samples.filter((x) => x.status === 0).length,
    lastVariant: samples.at(-1)?.variant ?? null,
    timeline: status?.timeline.map((e) => `${e.event} v${e.version} @${seconds(e.at - t0)}s`) ?? [],
    webhook: inbox.map((m) => m.event),
  };
  if (onset !== null) {
    const green = samples.filter((x) => x.variant === "green");
    const firstFailure = green.find((x) => x.sent >= onset && x.status >= 500)?.done ?? null;
    const lastGreen = green.at(-1)?.done ?? null;
    const rollback = verdict?.event === "rollback" ? verdict.at : null;
    result.degradedAtSeconds = seconds(onset - t0);
    if (firstFailure !== null) {
      const served = green.filter((x) => x.done >= firstFailure);
      result.firstFailureAtSeconds = seconds(firstFailure - t0);
      result.detectionSeconds = rollback === null ? null : seconds(rollback - firstFailure);
      result.detectionFromRegressionSeconds = rollback === null ? null : seconds(rollback - onset);
      result.candidateRequestsAfterFirstFailure = served.length;
      result.candidateErrorsAfterFirstFailure = served.filter((x) => x.status >= 500).length;
      result.allOnLiveSeconds = lastGreen === null ? null : seconds(lastGreen - firstFailure);
      result.allOnLiveAfterVerdictSeconds =
        rollback === null || lastGreen === null ? null : seconds(lastGreen - rollback);
    }
  }
  console.log(`\n${JSON.stringify(result)}`);
  return result;
}

const results: Record<string, unknown>[] = [];
for (const name of wanted) results.push(await run(SCENARIOS[name as ScenarioName]));

console.log("\n## Summary");
for (const r of results) {
  if (r.detectionSeconds !== undefined) {
    console.log(
      `${r.scenario}: ${r.outcome}; detection ${r.detectionSeconds ?? "-"} s (first failure -> rollback verdict); ` +
        `the candidate served ${r.candidateRequestsAfterFirstFailure} requests ` +
        `(${r.candidateErrorsAfterFirstFailure} errors) from its first failure until every request ` +
        `was on live, ${r.allOnLiveSeconds ?? "-"} s after that failure ` +
        `(${r.allOnLiveAfterVerdictSeconds ?? "-"} s after the verdict); ${r.requestsPerSecond} req/s.`,
    );
  } else {
    console.log(`${r.scenario}: ${r.outcome} after ${r.seconds} s; ${r.requestsPerSecond} req/s.`);
  }
}
if (results.some((r) => !r.finished)) process.exitCode = 1;
