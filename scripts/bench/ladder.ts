/**
 * `npm run bench:ladder`: what each primitive of a routing proxy costs in
 * workerd, measured side by side (scripts/bench/ladder-worker.ts, one
 * Worker per rung, all in one workerd in front of the demo origin, loaded
 * with wrk in rotating rounds like `npm run bench`). The top rung is the
 * floor under the router: what any Worker that answers with a variant
 * header, cleans headers and times out its origin pays, before it decides
 * anything. The router's own logic is what `npm run bench` measures above
 * that floor.
 */

import { fmt, median, parseCommand, positiveInt, progress } from "./cli.ts";
import { cpuMs } from "./cpu.ts";
import { requireWrk, runLoad } from "./load.ts";
import { startOriginProcess } from "./origin.ts";
import { startWorkerSet } from "./worker-set.ts";

const HELP = `Usage: npm run bench:ladder -- [options]

Loads six Workers in one workerd, each adding one primitive of a routing proxy
to the one below (0 pass-through, 1 re-sent from an init, 2 header hygiene,
3 origin timeout, 4 response re-wrapped with a variant header, 5 Hono in
front), and prints workerd CPU µs per request of each, median of the rounds.

Options:
  --duration <s>      seconds per load (default 5)
  --rounds <n>        rounds, the order rotating (default 5)
  --connections <n>   wrk connections (default 32)
  -h, --help          show this help
`;

const RUNGS = [
  "pass-through: fetch(url, request)",
  "+ re-sent from an init",
  "+ header hygiene (copy, deletes, x-forwarded-*)",
  "+ origin timeout (AbortController + timer)",
  "+ response re-wrapped (variant, Server-Timing)",
  "+ Hono in front",
];

const values = parseCommand(HELP, {
  duration: { type: "string", default: "5" },
  rounds: { type: "string", default: "5" },
  connections: { type: "string", default: "32" },
});
const duration = positiveInt(HELP, "duration", values.duration);
const rounds = positiveInt(HELP, "rounds", values.rounds);
const connections = positiveInt(HELP, "connections", values.connections);
await requireWrk();

progress("starting the demo origin and workerd (six ladder Workers, Miniflare)...");
const origin = await startOriginProcess();
const set = await startWorkerSet(
  "scripts/bench/ladder-worker.ts",
  RUNGS.map((_, rung) => ({
    ORIGIN_URL: `${origin.url("fraud-blue")}/predict`,
    RUNG: String(rung),
  })),
);
try {
  const { urls, workerd } = set;
  const path = "/fraud/predict";
  for (const url of urls) await runLoad({ url, path, durationSeconds: 2, connections });
  const cpu: number[][] = RUNGS.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < urls.length; i++) {
      const rung = (i + round) % urls.length;
      progress(`round ${round + 1}/${rounds}: rung ${rung} ${duration}s`);
      const before = workerd === null ? null : cpuMs(workerd);
      const load = await runLoad({
        url: urls[rung] as string,
        path,
        durationSeconds: duration,
        connections,
      });
      const after = workerd === null ? null : cpuMs(workerd);
      if (load.failed > 0) throw new Error(`rung ${rung}: ${load.failed} failed requests`);
      if (before !== null && after !== null) {
        cpu[rung]?.push(((after - before) * 1000) / (load.ok + load.failed));
      }
    }
  }
  const base = median(cpu[0] ?? []);
  const lines = [
    "",
    `workerd CPU µs per request, wrk -t1 -c${connections}, ${duration}s per load, median of ${rounds} rounds:`,
    "",
    "| rung | what it adds | µs/request | vs pass-through | step |",
    "| ---: | --- | ---: | ---: | ---: |",
    ...RUNGS.map((label, rung) => {
      const us = median(cpu[rung] ?? []);
      const step = rung === 0 ? 0 : us - median(cpu[rung - 1] ?? []);
      return `| ${rung} | ${label} | ${fmt(us)} | ${fmt(us / base, 2)} | ${rung === 0 ? "" : `${step >= 0 ? "+" : ""}${fmt(step)}`} |`;
    }),
    "",
    `Reproduce: npm run bench:ladder -- --duration ${duration} --rounds ${rounds}`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  await set.dispose();
  await origin.close();
}
