/**
 * `npm run bench:shadow`: what mirroring every request to a slow shadow
 * costs the user.
 *
 * One workerd (Miniflare, scripts/bench/workers.ts) serves the router with
 * two services seeded from scripts/demo/fraud.json that differ only in the
 * shadow share: "shadow-0" (0 %) and "shadow-100" (100 %), each loaded on
 * its own router isolate (its own heap and GC, as the pass-throughs have). Their shadow is
 * the demo's fraud-shadow-slow model, 200 ms slower than production, on the
 * same local origin process (scripts/bench/origin.ts). In rounds, each
 * service is loaded at each --rates value, paced at a constant rate, open
 * loop (scripts/bench/paced.ts), below saturation: the user-facing p50 and
 * p99, which the shadow must not change (targets: p50 within +0.2 ms, p99
 * within 1.1 x of shadow 0 %, at every rate). Paced runs report the median
 * p50 and p99 over the rounds, and workerd's CPU per request, whose
 * difference is what a mirrored request costs the isolate. With
 * --saturate, each round also loads both as fast as wrk's connections allow
 * (throughput at saturation, where the shadow's work competes for the CPU).
 * Beside them, in the same rounds, the platform's floor: the one-fetch
 * pass-through Worker without and with a bare mirror (passthrough-worker.ts
 * with MIRROR_URL): what one more subrequest per request costs in workerd
 * before the router does anything.
 * Afterwards the control object's shadow summary proves that the shadow
 * really ran (pairs recorded, its latency ~200 ms above production's).
 *
 * Prints a markdown table and PASS/FAIL; exits 1 on a FAIL only with --strict.
 */

import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import { ROOT } from "../cli/wrangler.ts";
import {
  fmt,
  median,
  parseCommand,
  positiveInt as positiveIntOption,
  progress,
  warmupSeconds,
} from "./cli.ts";
import { cpuMs, findDescendant } from "./cpu.ts";
import { enableGcTrace, type GcWindow } from "./gc-trace.ts";
import { type LoadResult, requireWrk, runLoad } from "./load.ts";
import { startOriginProcess } from "./origin.ts";
import { runPaced } from "./paced.ts";
import { demoDocument, startWorkers } from "./workers.ts";

const HELP = `Usage: npm run bench:shadow -- [options]

Serves the router in one workerd (Miniflare) with two copies of the demo fraud
service: shadow at 0 % and at 100 %, each on its own router isolate, the shadow
200 ms slower than production (demo model fraud-shadow-slow). Loads each in turn, paced (open loop) at each
rate, and compares the user-facing latency and workerd's CPU per request. Beside
them, the platform's floor: a bare pass-through Worker without and with a mirror
(a copy of each request sent to the same slow model in waitUntil, nothing else).

Options:
  --duration <s>      seconds per measured load (default 10)
  --rates <list>      requests/s of the paced loads, comma-separated (default 200,1000)
  --rounds <n>        rounds (default 3); paced loads report the median round
  --saturate          also load both at full speed with wrk (best round)
  --connections <n>   wrk connections for --saturate (default 32)
  --strict            exit 1 when a target fails
  -h, --help          show this help

Targets, at every rate, shadow 100 % vs 0 %: p50 within +0.2 ms, p99 within 1.1 x.

On Linux each load also reports V8's GC trace of the isolate under load (workerd
runs with --trace-gc through a wrapper in .wrangler/bench): what each request left
for the old generation (promoted KB/request, which decides how often a full
mark-compact stops the isolate), the longest pause, and the mark-compacts seen.
`;

const values = parseCommand(HELP, {
  duration: { type: "string", default: "10" },
  rates: { type: "string", default: "200,1000" },
  saturate: { type: "boolean", default: false },
  connections: { type: "string", default: "32" },
  rounds: { type: "string", default: "3" },
  strict: { type: "boolean", default: false },
});

const positiveInt = (name: string, value: string) => positiveIntOption(HELP, name, value);
const duration = positiveInt("duration", values.duration);
const rates = values.rates.split(",").map((r) => positiveInt("rates", r.trim()));
const connections = positiveInt("connections", values.connections);
await requireWrk();
const rounds = positiveInt("rounds", values.rounds);
const WARMUP_SECONDS = warmupSeconds(duration);
const SHADOW_MODEL = "fraud-shadow-slow";
const services = { "0%": "shadow-0", "100%": "shadow-100" } as const;
type Share = keyof typeof services;

const gcWords = (r: { gc: GcWindow | null; ok: number; failed: number }) =>
  r.gc
    ? `; GC: ${r.gc.promotedMb === null ? "-" : fmt((r.gc.promotedMb * 1024) / Math.max(1, r.ok + r.failed), 2)} KB/request promoted, ` +
      `${r.gc.scavenges} scavenges (max ${fmt(r.gc.scavengeMaxMs, 1)} ms), ${r.gc.markCompacts} mark-compacts` +
      (r.gc.markCompacts ? ` (max ${fmt(r.gc.markCompactMaxMs, 1)} ms)` : "")
    : "";
const describe = (r: LoadResult) =>
  `${fmt(r.rps)} req/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms` +
  (r.failed > 0 ? `, ${r.failed} FAILED requests` : "");

/** The demo fraud document as `service`, mirroring `shareBp` to the slow shadow. */
function shadowDocument(originPort: number, service: string, shareBp: number) {
  const doc: RoutingDocumentInput = { ...demoDocument(originPort), service };
  const shadowOrigin = doc.origins.shadow;
  if (!shadowOrigin) throw new Error('scripts/demo/fraud.json has no "shadow" origin');
  shadowOrigin.url = `http://127.0.0.1:${originPort}/${SHADOW_MODEL}`;
  doc.shadow = { origin: "shadow", shareBp, timeoutMs: 2000 };
  return doc;
}

// V8's GC trace of workerd: the pauses behind the p99, per load (Linux).
const gcTrace = enableGcTrace(join(ROOT, ".wrangler", "bench"));
progress("starting the demo origin and workerd (router, Miniflare)...");
const origin = await startOriginProcess();
const workers = await startWorkers(origin.port, {
  documents: [
    shadowDocument(origin.port, services["0%"], 0),
    shadowDocument(origin.port, services["100%"], 10_000),
  ],
});
/**
 * Each share on its own router isolate (same document store and control
 * objects): side by side, neither pays for the other's garbage collection.
 */
const urlOf = (share: Share) => (share === "100%" ? workers.router2Url : workers.routerUrl);
const pathOf = (share: Share) => `/${services[share]}/predict`;
/** The platform's floor beside the router: a bare pass-through, without and with a mirror. */
const floors = {
  "pass-through": workers.passthroughUrl,
  "pass-through + mirror": workers.mirrorPassthroughUrl,
} as const;
type Floor = keyof typeof floors;
const loadBefore = loadavg()[0] ?? 0;

// CPU per request of workerd and of the origin process (Linux /proc; else null).
const pids = { workerd: findDescendant("workerd"), origin: origin.pid ?? null };
const cpuNow = () => ({
  workerd: pids.workerd === null ? null : cpuMs(pids.workerd),
  origin: pids.origin === null ? null : cpuMs(pids.origin),
});
type Cpu = { workerd: number; origin: number };
async function measured(
  load: () => Promise<LoadResult>,
): Promise<LoadResult & { cpu: Cpu | null; gc: GcWindow | null }> {
  const before = cpuNow();
  const gcFrom = gcTrace?.mark() ?? 0;
  const result = await load();
  // The shadows of the last requests answer up to 200 ms later; count them too.
  await new Promise((r) => setTimeout(r, 500));
  const after = cpuNow();
  const gc = gcTrace ? gcTrace.between(gcFrom, gcTrace.mark()) : null;
  const requests = Math.max(1, result.ok + result.failed);
  const per = (a: number | null, b: number | null) =>
    a === null || b === null ? null : ((b - a) * 1000) / requests;
  const workerd = per(before.workerd, after.workerd);
  const originCpu = per(before.origin, after.origin);
  return {
    ...result,
    cpu: workerd === null || originCpu === null ? null : { workerd, origin: originCpu },
    gc,
  };
}

try {
  for (const share of Object.keys(services) as Share[]) {
    const res = await fetch(`${urlOf(share)}${pathOf(share)}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "user-1" },
      body: "{}",
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${pathOf(share)} answered ${res.status}`);
  }
  const warm: Record<Share, LoadResult[]> = { "0%": [], "100%": [] };
  for (const share of Object.keys(services) as Share[]) {
    progress(`warming up shadow ${share} ${WARMUP_SECONDS}s`);
    warm[share].push(
      await runLoad({
        url: urlOf(share),
        path: pathOf(share),
        durationSeconds: WARMUP_SECONDS,
        connections,
      }),
    );
  }

  type Paced = LoadResult & { cpu: Cpu | null; gc: GcWindow | null };
  const paced = new Map<string, Paced[]>(); // `${rate}|${share}`
  const max: Record<Share, LoadResult[]> = { "0%": [], "100%": [] };
  for (let round = 1; round <= rounds; round++) {
    const order: Share[] = round % 2 ? ["0%", "100%"] : ["100%", "0%"];
    for (const rate of rates) {
      for (const share of order) {
        // Let the previous load's shadows (200 ms each) finish before measuring.
        await new Promise((r) => setTimeout(r, 1_500));
        progress(`shadow ${share}: paced ${rate} req/s ${duration}s (round ${round}/${rounds})`);
        const p = await measured(() =>
          runPaced({ url: urlOf(share), path: pathOf(share), durationSeconds: duration, rate }),
        );
        progress(
          `  ${describe(p)}${p.cpu ? `; workerd ${fmt(p.cpu.workerd)} µs/request` : ""}${gcWords(p)}`,
        );
        const key = `${rate}|${share}`;
        paced.set(key, [...(paced.get(key) ?? []), p]);
      }
      for (const floor of Object.keys(floors) as Floor[]) {
        await new Promise((r) => setTimeout(r, 1_500));
        progress(`${floor}: paced ${rate} req/s ${duration}s (round ${round}/${rounds})`);
        const p = await measured(() =>
          runPaced({ url: floors[floor], path: "/fraud/predict", durationSeconds: duration, rate }),
        );
        progress(
          `  ${describe(p)}${p.cpu ? `; workerd ${fmt(p.cpu.workerd)} µs/request` : ""}${gcWords(p)}`,
        );
        const key = `${rate}|${floor}`;
        paced.set(key, [...(paced.get(key) ?? []), p]);
      }
    }
    if (!values.saturate) continue;
    for (const share of order) {
      await new Promise((r) => setTimeout(r, 1_500));
      progress(`shadow ${share}: full speed ${duration}s, ${connections} connections`);
      const m = await runLoad({
        url: urlOf(share),
        path: pathOf(share),
        durationSeconds: duration,
        connections,
      });
      progress(`  ${describe(m)}`);
      max[share].push(m);
    }
  }
  // Let the last shadows finish and the isolate flush its summary.
  await new Promise((r) => setTimeout(r, 3_000));

  // Paced: the median p50 and p99 over the rounds. A p99 rests on a handful
  // of requests, so one lucky or unlucky round (a GC pause, another process
  // on the machine) must not decide it. Throughput is the offered rate.
  const summary = (rate: number, share: Share | Floor) => {
    const runs = paced.get(`${rate}|${share}`) ?? [];
    const cpus = runs.flatMap((r) => (r.cpu ? [r.cpu.workerd] : []));
    const gcs = runs.flatMap((r) => (r.gc ? [{ ...r.gc, requests: r.ok + r.failed }] : []));
    const promoted = gcs.flatMap((g) =>
      g.promotedMb === null ? [] : [(g.promotedMb * 1024) / Math.max(1, g.requests)],
    );
    return {
      gc: gcs.length
        ? {
            promotedKb: promoted.length ? median(promoted) : null,
            maxPauseMs: Math.max(...gcs.map((g) => Math.max(g.scavengeMaxMs, g.markCompactMaxMs))),
            markCompacts: gcs.reduce((n, g) => n + g.markCompacts, 0),
            markCompactMaxMs: Math.max(...gcs.map((g) => g.markCompactMaxMs)),
          }
        : null,
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50Ms)),
      p99: median(runs.map((r) => r.p99Ms)),
      p99s: runs.map((r) => r.p99Ms),
      cpu: cpus.length ? median(cpus) : null,
      failed: runs.reduce((sum, r) => sum + r.failed, 0),
    };
  };
  const bestMax = (s: Share) =>
    max[s].length ? max[s].reduce((a, b) => (b.rps > a.rps ? b : a)) : null;
  const sent = [
    ...[...paced.entries()].filter(([key]) => key.endsWith("|100%")).flatMap(([, runs]) => runs),
    ...max["100%"],
    ...warm["100%"],
  ].reduce((sum, r: LoadResult) => sum + r.ok + r.failed, 1);

  // The isolate's last deltas reach the control object at its next check-in.
  await new Promise((r) => setTimeout(r, 3_000));
  const shadowView = (await workers.shadowViews(services["100%"]))[0] ?? null;
  const zeroShards = await workers.shadowViews(services["0%"]);

  const lines = [
    "",
    `Miniflare/workerd, ${availableParallelism()} CPUs, shadow origin 200 ms slower than production, ` +
      `paced open loop, ${duration}s per load, median of ${rounds} rounds:`,
    "",
    "| rate | shadow | p50 ms | p99 ms (rounds) | workerd CPU µs/request | promoted KB/request | longest GC pause ms | mark-compacts |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const checks: [string, boolean, string][] = [];
  for (const rate of rates) {
    const off = summary(rate, "0%");
    const on = summary(rate, "100%");
    const bare = summary(rate, "pass-through");
    const bareMirror = summary(rate, "pass-through + mirror");
    const gcCells = (r: typeof off) =>
      r.gc
        ? `${r.gc.promotedKb === null ? "-" : fmt(r.gc.promotedKb, 2)} | ${fmt(r.gc.maxPauseMs, 1)} | ${r.gc.markCompacts}${r.gc.markCompacts ? ` (up to ${fmt(r.gc.markCompactMaxMs)} ms)` : ""}`
        : "- | - | -";
    const row = (label: string, r: typeof off) =>
      `| ${fmt(rate)}/s | ${label} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} (${r.p99s.map((x) => fmt(x, 1)).join(" / ")}) | ${r.cpu === null ? "-" : fmt(r.cpu)} | ${gcCells(r)} |`;
    const diffRow = (label: string, a: typeof off, b: typeof off) => {
      const cpu = a.cpu !== null && b.cpu !== null ? b.cpu - a.cpu : null;
      const kb =
        a.gc?.promotedKb != null && b.gc?.promotedKb != null
          ? b.gc.promotedKb - a.gc.promotedKb
          : null;
      return `| ${fmt(rate)}/s | ${label} | ${b.p50 - a.p50 >= 0 ? "+" : ""}${fmt(b.p50 - a.p50, 2)} | x ${fmt(b.p99 / a.p99, 2)} | ${cpu === null ? "-" : `${cpu >= 0 ? "+" : ""}${fmt(cpu)}`} | ${kb === null ? "-" : `${kb >= 0 ? "+" : ""}${fmt(kb, 2)}`} | | |`;
    };
    lines.push(
      row("0 %", off),
      row("100 %", on),
      diffRow("difference", off, on),
      row("pass-through", bare),
      row("pass-through + mirror", bareMirror),
    );
    lines.push(diffRow("floor: a bare mirror's difference", bare, bareMirror));
    checks.push(
      [
        `${fmt(rate)} req/s: p50 with shadow 100 % within +0.2 ms of 0 %`,
        on.p50 - off.p50 <= 0.2,
        `${fmt(off.p50, 2)} -> ${fmt(on.p50, 2)} ms`,
      ],
      [
        `${fmt(rate)} req/s: p99 with shadow 100 % within 1.1 x of 0 %`,
        on.p99 <= 1.1 * off.p99,
        `${fmt(off.p99, 2)} -> ${fmt(on.p99, 2)} ms, x ${fmt(on.p99 / off.p99, 2)}`,
      ],
      [
        `${fmt(rate)} req/s: no failed requests`,
        on.failed + off.failed === 0,
        `${on.failed + off.failed} failed`,
      ],
    );
  }
  const m0 = bestMax("0%");
  const m100 = bestMax("100%");
  if (m0 && m100) {
    lines.push(
      "",
      `Full speed (wrk, ${connections} connections, best round): shadow 0 % ${fmt(m0.rps)} req/s ` +
        `(p50 ${fmt(m0.p50Ms, 2)} ms), shadow 100 % ${fmt(m100.rps)} req/s (p50 ${fmt(m100.p50Ms, 2)} ms), ` +
        `ratio ${fmt(m100.rps / m0.rps, 2)}.`,
    );
  }
  lines.push(
    "",
    shadowView
      ? `Shadow pairs recorded for shadow 100 %: ${fmt(shadowView.pairs)} of ${fmt(sent)} ` +
          `requests (agreement ${fmt((shadowView.agreementRate ?? 0) * 100, 1)} %); ` +
          `arm latency p50: production ${fmt(shadowView.production.p50 ?? 0, 1)} ms, ` +
          `shadow ${fmt(shadowView.shadowLatency.p50 ?? 0, 1)} ms; errors ${JSON.stringify(shadowView.errors)}.`
      : "No shadow summary found for shadow 100 % (did mirroring run?).",
    `Shadow summaries for shadow 0 %: ${zeroShards.length} (nothing mirrored).`,
    `Load average (1 min) of the machine: ${fmt(loadBefore, 2)} at start, ${fmt(loadavg()[0] ?? 0, 2)} at end.`,
    "",
  );
  process.stdout.write(lines.join("\n"));
  checks.push([
    "the shadow ran (pairs recorded at 100 %, none at 0 %)",
    (shadowView?.pairs ?? 0) > 0 && zeroShards.length === 0,
    `${shadowView?.pairs ?? 0} pairs`,
  ]);
  for (const [target, pass, detail] of checks) {
    process.stdout.write(`${pass ? "PASS" : "FAIL"}  ${target} (${detail})\n`);
  }
  process.stdout.write(
    `\nReproduce: npm run bench:shadow -- --duration ${duration} --rates ${rates.join(",")} --rounds ${rounds}${values.saturate ? " --saturate" : ""}\n`,
  );
  process.exitCode = values.strict && checks.some(([, ok]) => !ok) ? 1 : 0;
} finally {
  await workers.dispose();
  await origin.close();
}
