/**
 * `npm run bench`: the router against a minimal pass-through Worker.
 *
 * Both Workers run in ONE workerd (Miniflare, scripts/bench/workers.ts) in
 * front of the same local model origin (a child process,
 * scripts/bench/origin.ts). Each is warmed up, then loaded with autocannon
 * one after the other (never concurrently) for `--rounds` alternating rounds
 * (router first in odd rounds, pass-through first in even ones); the best
 * round of each (highest req/s) is reported, since on a shared machine noise
 * only ever slows a run down. Also times the routing decision alone in Node
 * (scripts/bench/decision.ts) and checks that the router reads no KV per
 * request at steady state (GET /_router/health before and after the loads).
 * On Linux it also reports CPU µs per request of workerd, the origin and
 * autocannon (scripts/bench/cpu.ts), which shows where the router's cost goes.
 *
 * Prints a markdown table and PASS/FAIL per target; exits 1 on a FAIL only
 * with --strict.
 */

import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { fmt, positiveInt as positiveIntOption, progress, warmupSeconds } from "./cli.ts";
import { cpuMs, findDescendant } from "./cpu.ts";
import { timeDecision } from "./decision.ts";
import { type LoadResult, runLoad } from "./load.ts";
import { startOriginProcess } from "./origin.ts";
import { SERVICE, startWorkers } from "./workers.ts";

const HELP = `Usage: npm run bench -- [options]

Serves the router (esbuild bundle of src/index.ts) and a one-fetch pass-through
Worker in the same workerd (Miniflare), in front of the same local demo origin,
and loads each with autocannon in turn: POST /${SERVICE}/predict with varied
x-user-id headers. Also times the routing decision alone in Node.

Options:
  --duration <s>      seconds per measured load (default 10)
  --connections <n>   autocannon connections (default 32)
  --rounds <n>        alternating rounds per Worker; the best is reported (default 2)
  --strict            exit 1 when a target fails
  -h, --help          show this help

Targets: router req/s >= 0.9 x pass-through, decision < 2 us/op,
~0 KV reads per request at steady state.
`;

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "32" },
    rounds: { type: "string", default: "2" },
    strict: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const positiveInt = (name: string, value: string) => positiveIntOption(HELP, name, value);
const duration = positiveInt("duration", values.duration);
const connections = positiveInt("connections", values.connections);
const rounds = positiveInt("rounds", values.rounds);
const WARMUP_SECONDS = warmupSeconds(duration);

const describe = (r: LoadResult) =>
  `${fmt(r.rps)} req/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms` +
  (r.failed > 0 ? `, ${r.failed} FAILED requests` : "");

progress("timing the routing decision in Node (tight loop)...");
const decision = timeDecision(SERVICE);
const armShares = Object.entries(decision.arms)
  .map(([role, share]) => `${role} ${fmt((share ?? 0) * 100, 1)}%`)
  .join(", ");
progress(`  ${fmt(decision.nsPerOp)} ns/op (${armShares})`);

progress("starting the demo origin and workerd (router + pass-through, Miniflare)...");
const origin = await startOriginProcess();
const workers = await startWorkers(origin.port);
const targets = { router: workers.routerUrl, "pass-through": workers.passthroughUrl };
type Target = keyof typeof targets;
const path = `/${SERVICE}/predict`;

// CPU per request of each process, to see where the router's cost goes.
const pids = { workerd: findDescendant("workerd"), origin: origin.pid ?? null };
type Cpu = { workerd: number; origin: number; bench: number };
type Run = LoadResult & { cpu: Cpu | null };
const cpuSnapshot = () => {
  const own = process.cpuUsage();
  return {
    workerd: pids.workerd === null ? null : cpuMs(pids.workerd),
    origin: pids.origin === null ? null : cpuMs(pids.origin),
    bench: (own.user + own.system) / 1000,
  };
};
function cpuPerRequest(
  a: ReturnType<typeof cpuSnapshot>,
  b: ReturnType<typeof cpuSnapshot>,
  requests: number,
): Cpu | null {
  if (a.workerd === null || b.workerd === null || a.origin === null || b.origin === null) {
    return null;
  }
  const us = (ms: number) => (ms * 1000) / Math.max(1, requests);
  return {
    workerd: us(b.workerd - a.workerd),
    origin: us(b.origin - a.origin),
    bench: us(b.bench - a.bench),
  };
}
const describeCpu = (c: Cpu) =>
  `workerd ${fmt(c.workerd)}, origin ${fmt(c.origin)}, autocannon ${fmt(c.bench)}`;

try {
  for (const [name, url] of Object.entries(targets)) {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "user-1" },
      body: "{}",
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${name} answered ${res.status} to ${path}`);
  }

  for (const name of Object.keys(targets) as Target[]) {
    progress(`warming up ${name} ${WARMUP_SECONDS}s`);
    await runLoad({ url: targets[name], path, durationSeconds: WARMUP_SECONDS, connections });
  }

  const before = await workers.routerStats();
  const runs: Record<Target, Run[]> = { router: [], "pass-through": [] };
  for (let round = 1; round <= rounds; round++) {
    const order: Target[] = round % 2 ? ["router", "pass-through"] : ["pass-through", "router"];
    for (const name of order) {
      progress(
        `loading ${name} ${duration}s (round ${round}/${rounds}, ${connections} connections)`,
      );
      const cpuBefore = cpuSnapshot();
      const result = await runLoad({
        url: targets[name],
        path,
        durationSeconds: duration,
        connections,
      });
      const cpu = cpuPerRequest(cpuBefore, cpuSnapshot(), result.ok + result.failed);
      progress(`  ${describe(result)}${cpu ? `; CPU µs/request: ${describeCpu(cpu)}` : ""}`);
      runs[name].push({ ...result, cpu });
    }
  }
  const after = await workers.routerStats();

  const best = (name: Target) => runs[name].reduce((a, b) => (b.rps > a.rps ? b : a));
  const router = best("router");
  const passthrough = best("pass-through");
  const routerRequests = runs.router.reduce((sum, r) => sum + r.ok + r.failed, 0);
  const kvReads = after.kvReads - before.kvReads;
  const kvPerRequest = kvReads / Math.max(1, routerRequests);
  const failed = [...runs.router, ...runs["pass-through"]].reduce((sum, r) => sum + r.failed, 0);

  const ratio = router.rps / passthrough.rps;
  const row = (label: string, cells: string[]) => `| ${label} | ${cells.join(" | ")} |`;
  const lines = [
    "",
    `Miniflare/workerd, ${availableParallelism()} CPUs, autocannon ${connections} connections, ` +
      `${duration}s per load, best of ${rounds} alternating rounds:`,
    "",
    "|  | req/s | p50 ms | p99 ms |",
    "| --- | ---: | ---: | ---: |",
    row("router", [fmt(router.rps), fmt(router.p50Ms, 2), fmt(router.p99Ms, 2)]),
    row("pass-through", [
      fmt(passthrough.rps),
      fmt(passthrough.p50Ms, 2),
      fmt(passthrough.p99Ms, 2),
    ]),
    row("ratio", [
      fmt(ratio, 2),
      fmt(router.p50Ms / passthrough.p50Ms, 2),
      fmt(router.p99Ms / passthrough.p99Ms, 2),
    ]),
    "",
    ...(router.cpu && passthrough.cpu
      ? [
          `CPU per request (µs, same runs): router: ${describeCpu(router.cpu)}; ` +
            `pass-through: ${describeCpu(passthrough.cpu)}.`,
        ]
      : []),
    `Routing decision (header lookup + hash + arm choice, Node ${process.versions.node}): ` +
      `${fmt(decision.nsPerOp)} ns/op.`,
    `KV reads per routed request at steady state: ${kvPerRequest.toExponential(1)} ` +
      `(${kvReads} read${kvReads === 1 ? "" : "s"} in ${fmt(routerRequests)} requests; memo TTL 5 s).`,
    "",
  ];
  process.stdout.write(lines.join("\n"));

  const checks: [string, boolean, string][] = [
    ["router throughput >= 0.9 x pass-through", ratio >= 0.9, `ratio ${fmt(ratio, 2)}`],
    ["routing decision < 2 us", decision.nsPerOp < 2000, `${fmt(decision.nsPerOp)} ns/op`],
    [
      "~0 KV reads per request at steady state",
      kvPerRequest < 0.001,
      `${kvPerRequest.toExponential(1)} reads/request`,
    ],
    ["no failed requests", failed === 0, `${failed} failed`],
  ];
  for (const [target, pass, detail] of checks) {
    process.stdout.write(`${pass ? "PASS" : "FAIL"}  ${target} (${detail})\n`);
  }
  process.exitCode = values.strict && checks.some(([, pass]) => !pass) ? 1 : 0;
} finally {
  await workers.dispose();
  await origin.close();
}
