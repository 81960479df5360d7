/**
 * `npm run bench:mirror-ladder`: the router's shadow mechanics on a bare
 * Worker (scripts/bench/mirror-ladder-worker.ts), one Worker per flag set,
 * all in one workerd in front of the demo origin, each loaded paced (open
 * loop, scripts/bench/paced.ts) in rotating rounds: the user's p50 and p99
 * and workerd CPU per request of each. The router's own numbers are in
 * `npm run bench:shadow`; what it pays beyond the richest rung here is the
 * router's, not the mirror's shape.
 */
import { fmt, median, parseCommand, positiveInt, progress } from "./cli.ts";
import { cpuMs } from "./cpu.ts";
import { startOriginProcess } from "./origin.ts";
import { runPaced } from "./paced.ts";
import { startWorkerSet } from "./worker-set.ts";

const DEFAULT_RUNGS =
  "none,mirror,mirror+tee,mirror+tee+after,mirror+tee+after+deadline,mirror+tee+after+deadline+bytes+parse";

const HELP = `Usage: npm run bench:mirror-ladder -- [options]

Serves one bare Worker per flag set (scripts/bench/mirror-ladder-worker.ts:
mirror, tee, after, deadline, bytes, parse; "none" is the pass-through) in one
workerd, the mirror going to the demo's 200 ms-slower shadow model, and loads
each paced in rotating rounds.

Options:
  --rungs <list>      comma-separated flag sets (default ${DEFAULT_RUNGS})
  --rate <n>          requests/s (default 200)
  --duration <s>      seconds per load (default 6)
  --rounds <n>        rounds (default 3); the median round is reported
  -h, --help          show this help
`;

const values = parseCommand(HELP, {
  rungs: { type: "string", default: DEFAULT_RUNGS },
  rate: { type: "string", default: "200" },
  duration: { type: "string", default: "6" },
  rounds: { type: "string", default: "3" },
});
const rungs = values.rungs.split(",").map((r) => r.trim());
const rate = positiveInt(HELP, "rate", values.rate);
const duration = positiveInt(HELP, "duration", values.duration);
const rounds = positiveInt(HELP, "rounds", values.rounds);

progress("starting the demo origin and workerd (one bare Worker per rung, Miniflare)...");
const origin = await startOriginProcess();
const set = await startWorkerSet(
  "scripts/bench/mirror-ladder-worker.ts",
  rungs.map((flags) => ({
    ORIGIN_URL: `${origin.url("fraud-blue")}/predict`,
    SHADOW_URL: `${origin.url("fraud-shadow-slow")}/predict`,
    FLAGS: flags,
  })),
);
try {
  const { urls, workerd } = set;
  const path = "/fraud/predict";
  for (const url of urls) await runPaced({ url, path, durationSeconds: 2, rate });
  const runs = rungs.map(() => [] as { p50: number; p99: number; cpu: number | null }[]);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < urls.length; i++) {
      const k = (i + round) % urls.length;
      await new Promise((r) => setTimeout(r, 1_000)); // the last mirrors (200 ms) finish
      progress(`round ${round + 1}/${rounds}: ${rungs[k]} paced ${rate} req/s ${duration}s`);
      const before = workerd === null ? null : cpuMs(workerd);
      const load = await runPaced({
        url: urls[k] as string,
        path,
        durationSeconds: duration,
        rate,
      });
      await new Promise((r) => setTimeout(r, 400));
      const after = workerd === null ? null : cpuMs(workerd);
      if (load.failed > 0) throw new Error(`${rungs[k]}: ${load.failed} failed requests`);
      runs[k]?.push({
        p50: load.p50Ms,
        p99: load.p99Ms,
        cpu: before === null || after === null ? null : ((after - before) * 1000) / load.ok,
      });
    }
  }
  const lines = [
    "",
    `Paced ${fmt(rate)} req/s, ${duration}s per load, median of ${rounds} rounds:`,
    "",
    "| flags | p50 ms | p99 ms (rounds) | workerd CPU µs/request |",
    "| --- | ---: | ---: | ---: |",
    ...rungs.map((flags, i) => {
      const r = runs[i] ?? [];
      const cpu = r.flatMap((x) => (x.cpu === null ? [] : [x.cpu]));
      return `| ${flags} | ${fmt(median(r.map((x) => x.p50)), 2)} | ${fmt(median(r.map((x) => x.p99)), 1)} (${r.map((x) => fmt(x.p99, 1)).join(" / ")}) | ${cpu.length ? fmt(median(cpu)) : "-"} |`;
    }),
    "",
    `Reproduce: npm run bench:mirror-ladder -- --rate ${rate} --duration ${duration} --rounds ${rounds}`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  await set.dispose();
  await origin.close();
}
