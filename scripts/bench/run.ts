/**
 * `npm run bench`: the router against a minimal pass-through Worker.
 *
 * Both Workers run in ONE workerd (Miniflare, scripts/bench/workers.ts) in
 * front of the same local model origin (a child process,
 * scripts/bench/origin.ts). Four targets: the router on the realistic
 * document (5% canary, one 5% challenger, header identity, retry.safe), the
 * router on the same document with an active rollout, the same router
 * without RECEIPT_SECRET (the receipts' cost, as a difference per round),
 * and the pass-through.
 * Each is warmed up, then loaded with wrk (load.ts) one after the other
 * (never concurrently) for `--rounds` rounds, the order rotating each round.
 * A round's ratios compare targets measured seconds apart; the report gives
 * every round and the median, which the targets are judged on.
 *
 * Also: the routing decision alone in Node (decision.ts), KV reads per
 * request at steady state (GET /_router/health before and after), and on
 * Linux the CPU µs per request of workerd, the origin and wrk (cpu.ts):
 * workerd's is the Worker's own cost, steadier than req/s on a small
 * machine where the three share the cores.
 *
 * Prints a markdown table and PASS/FAIL per target; exits 1 on a FAIL only
 * with --strict.
 */

import { availableParallelism } from "node:os";
import {
  fmt,
  median,
  parseCommand,
  positiveInt as positiveIntOption,
  progress,
  warmupSeconds,
} from "./cli.ts";
import { cpuMs, findDescendant } from "./cpu.ts";
import { timeDecision } from "./decision.ts";
import { type LoadResult, requireWrk, runLoad } from "./load.ts";
import { startOriginProcess } from "./origin.ts";
import { benchDocuments, ROLLOUT_SERVICE, SERVICE, startWorkers } from "./workers.ts";

const HELP = `Usage: npm run bench -- [options]

Serves the router (esbuild bundle of src/index.ts) and a one-fetch pass-through
Worker in the same workerd (Miniflare), in front of the same local demo origin,
and loads each in turn with wrk (one thread): POST /<service>/predict with
x-user-id cycling through 10,000 users. The router is measured three times: on
the realistic document (5% canary, one 5% challenger, header identity,
retry.safe), on the same document with an active rollout, and without
RECEIPT_SECRET (what signing assignment receipts costs).

Options:
  --duration <s>      seconds per measured load (default 10)
  --connections <n>   connections (default 32)
  --rounds <n>        rounds, each loading every target once (default 3)
  --strict            exit 1 when a target fails
  -h, --help          show this help

Needs wrk (apt-get install wrk).

Targets (median over rounds): router req/s >= 0.9 x pass-through, router workerd
CPU per request <= 1.15 x pass-through's, the same with an active rollout,
decision < 2 us/op, ~0 KV reads per request at steady state, no failures.
`;

const values = parseCommand(HELP, {
  duration: { type: "string", default: "10" },
  connections: { type: "string", default: "32" },
  rounds: { type: "string", default: "3" },
  strict: { type: "boolean", default: false },
});

const positiveInt = (name: string, value: string) => positiveIntOption(HELP, name, value);
const duration = positiveInt("duration", values.duration);
const connections = positiveInt("connections", values.connections);
const rounds = positiveInt("rounds", values.rounds);
const WARMUP_SECONDS = warmupSeconds(duration);
await requireWrk();

type Cpu = { workerd: number; origin: number; load: number };
type Run = LoadResult & { cpu: Cpu | null };

const describe = (r: Run) =>
  `${fmt(r.rps)} req/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms` +
  (r.failed > 0 ? `, ${r.failed} FAILED requests` : "") +
  (r.cpu
    ? `; CPU µs/request: workerd ${fmt(r.cpu.workerd)}, origin ${fmt(r.cpu.origin)}, wrk ${fmt(r.cpu.load)}`
    : "");

const documents = benchDocuments(0);
progress("timing the routing decision in Node (tight loop)...");
const decision = timeDecision(documents[0] as (typeof documents)[number]);
const armShares = Object.entries(decision.arms)
  .map(([role, share]) => `${role} ${fmt((share ?? 0) * 100, 1)}%`)
  .join(", ");
progress(`  ${fmt(decision.nsPerOp)} ns/op (${armShares})`);

progress("starting the demo origin and workerd (router + pass-through, Miniflare)...");
const origin = await startOriginProcess();
const workers = await startWorkers(origin.port, { documents: benchDocuments(origin.port) });
const targets = {
  router: { url: workers.routerUrl, path: `/${SERVICE}/predict` },
  "router, rollout": { url: workers.routerUrl, path: `/${ROLLOUT_SERVICE}/predict` },
  "router, no receipts": { url: workers.noReceiptsUrl, path: `/${SERVICE}/predict` },
  "pass-through": { url: workers.passthroughUrl, path: `/${SERVICE}/predict` },
};
type Target = keyof typeof targets;
const NAMES = Object.keys(targets) as Target[];

// CPU per request of each process, to see where the router's cost goes.
const pids = { workerd: findDescendant("workerd"), origin: origin.pid ?? null };
const cpuSnapshot = () => ({
  workerd: pids.workerd === null ? null : cpuMs(pids.workerd),
  origin: pids.origin === null ? null : cpuMs(pids.origin),
});
async function measure(name: Target, seconds: number): Promise<Run> {
  const before = cpuSnapshot();
  // wrk is a child process: its CPU is what this process's children used meanwhile.
  const childrenBefore = cpuMs(process.pid, "children");
  const result = await runLoad({ ...targets[name], durationSeconds: seconds, connections });
  const after = cpuSnapshot();
  const childrenAfter = cpuMs(process.pid, "children");
  const n = Math.max(1, result.ok + result.failed);
  const us = (a: number | null, b: number | null) =>
    a === null || b === null ? null : ((b - a) * 1000) / n;
  const workerd = us(before.workerd, after.workerd);
  const originUs = us(before.origin, after.origin);
  const load = us(childrenBefore, childrenAfter);
  const cpu =
    workerd === null || originUs === null || load === null
      ? null
      : { workerd, origin: originUs, load };
  return { ...result, cpu };
}

try {
  for (const [name, { url, path }] of Object.entries(targets)) {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "user-1" },
      body: "{}",
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${name} answered ${res.status} to ${path}`);
  }

  for (const name of NAMES) {
    progress(`warming up ${name} ${WARMUP_SECONDS}s`);
    await measure(name, WARMUP_SECONDS);
  }

  const before = await workers.routerStats();
  const runs: Record<Target, Run[]> = {
    router: [],
    "router, rollout": [],
    "router, no receipts": [],
    "pass-through": [],
  };
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no target always follows the same one.
    const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length] as Target);
    for (const name of order) {
      progress(
        `loading ${name} ${duration}s (round ${round + 1}/${rounds}, ${connections} connections)`,
      );
      const run = await measure(name, duration);
      progress(`  ${describe(run)}`);
      runs[name].push(run);
    }
  }
  const after = await workers.routerStats();

  const routerRequests = [
    ...runs.router,
    ...runs["router, rollout"],
    ...runs["router, no receipts"],
  ].reduce((sum, r) => sum + r.ok + r.failed, 0);
  const kvReads = after.kvReads - before.kvReads;
  const kvPerRequest = kvReads / Math.max(1, routerRequests);
  const failed = Object.values(runs)
    .flat()
    .reduce((sum, r) => sum + r.failed, 0);

  const pass = runs["pass-through"];
  /** Per round: the target's value over the pass-through's in the same round. */
  const ratios = (name: Target, value: (r: Run) => number | null) =>
    runs[name].map((r, i) => {
      const a = value(r);
      const b = pass[i] ? value(pass[i]) : null;
      return a === null || b === null ? Number.NaN : a / b;
    });
  const summary = NAMES.map((name) => ({
    name,
    rps: median(runs[name].map((r) => r.rps)),
    p50: median(runs[name].map((r) => r.p50Ms)),
    p99: median(runs[name].map((r) => r.p99Ms)),
    cpu: median(runs[name].map((r) => r.cpu?.workerd ?? Number.NaN)),
    rpsRatio: ratios(name, (r) => r.rps),
    cpuRatio: ratios(name, (r) => r.cpu?.workerd ?? null),
  }));
  const byName = (name: Target) => summary.find((s) => s.name === name) as (typeof summary)[0];
  const list = (xs: number[]) => xs.map((x) => fmt(x, 2)).join(" / ");

  // Receipts: the router's CPU per request minus the same router's without them, round by round.
  const receiptCost = runs.router.map(
    (r, i) =>
      (r.cpu?.workerd ?? Number.NaN) - (runs["router, no receipts"][i]?.cpu?.workerd ?? Number.NaN),
  );
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const lines = [
    "",
    `Miniflare/workerd, ${availableParallelism()} CPUs, wrk -t1 -c${connections}, ` +
      `${duration}s per load, ${rounds} rounds (median; per-round ratios in brackets):`,
    "",
    "|  | req/s | p50 ms | p99 ms | workerd CPU µs/req | req/s ratio | CPU ratio |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...summary.map((s) =>
      row([
        s.name,
        fmt(s.rps),
        fmt(s.p50, 2),
        fmt(s.p99, 2),
        fmt(s.cpu),
        s.name === "pass-through" ? "1" : `${fmt(median(s.rpsRatio), 2)} (${list(s.rpsRatio)})`,
        s.name === "pass-through" ? "1" : `${fmt(median(s.cpuRatio), 2)} (${list(s.cpuRatio)})`,
      ]),
    ),
    "",
    `Assignment receipts (HMAC-SHA256 per identified routed answer): router minus router without RECEIPT_SECRET, per round: ` +
      `${receiptCost.map((x) => `${fmt(x)} µs`).join(" / ")} workerd CPU per request (median ${fmt(median(receiptCost))} µs, ` +
      `${fmt((100 * median(receiptCost)) / byName("pass-through").cpu, 1)} % of the pass-through's).`,
    `Routing decision (header lookup + hash + arm choice, Node ${process.versions.node}): ` +
      `${fmt(decision.nsPerOp)} ns/op.`,
    `KV reads per routed request at steady state: ${kvPerRequest.toExponential(1)} ` +
      `(${kvReads} read${kvReads === 1 ? "" : "s"} in ${fmt(routerRequests)} requests).`,
    "",
  ];
  process.stdout.write(lines.join("\n"));

  const checks: [string, boolean, string][] = [];
  for (const name of ["router", "router, rollout"] as const) {
    const s = byName(name);
    const rps = median(s.rpsRatio);
    const cpu = median(s.cpuRatio);
    checks.push(
      [`${name}: req/s >= 0.9 x pass-through`, rps >= 0.9, `ratio ${fmt(rps, 2)}`],
      [
        `${name}: workerd CPU/request <= 1.15 x pass-through`,
        cpu <= 1.15,
        Number.isNaN(cpu) ? "CPU not measurable here" : `ratio ${fmt(cpu, 2)}`,
      ],
    );
  }
  checks.push(
    ["routing decision < 2 us", decision.nsPerOp < 2000, `${fmt(decision.nsPerOp)} ns/op`],
    [
      "~0 KV reads per request at steady state",
      kvPerRequest < 0.001,
      `${kvPerRequest.toExponential(1)} reads/request`,
    ],
    ["no failed requests", failed === 0, `${failed} failed`],
  );
  for (const [target, ok, detail] of checks) {
    process.stdout.write(`${ok ? "PASS" : "FAIL"}  ${target} (${detail})\n`);
  }
  process.stdout.write(
    `\nReproduce: npm run bench -- --duration ${duration} --connections ${connections} --rounds ${rounds}\n`,
  );
  process.exitCode = values.strict && checks.some(([, ok]) => !ok) ? 1 : 0;
} finally {
  await workers.dispose();
  await origin.close();
}
