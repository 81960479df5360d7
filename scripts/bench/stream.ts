/**
 * `npm run bench:stream`: what streaming an LLM answer through the router
 * costs, against going direct, a bare pass-through Worker and a minimal
 * correct proxy, measured side by side in one run.
 *
 * One local SSE origin in a child process (stream-origin-server.ts: an
 * OpenAI `chat.completion.chunk` per chunk, each written on its own with
 * Nagle off, a fixed interval apart, then `data: [DONE]`) and one workerd
 * (Miniflare, stream-workers.ts) serving the router, a second router isolate
 * for the shadowed service, the pass-through and the proxy. Five paths:
 * direct to the origin, pass-through, proxy, router, router with a 100 %
 * shadow (the shadow a second stream from the same origin, read from a copy
 * of production's). Each round streams one answer per path (--concurrency
 * per path), the paths started a fraction of a chunk interval apart so
 * their chunks never arrive at the same moment, the order rotating each
 * round (--sequential: one after another instead).
 *
 * Every chunk carries its send time on the machine's monotonic clock; the
 * client (Node's fetch) timestamps each read of the body, so for every
 * chunk: its delay (arrival minus send), and per stream the time to the
 * first chunk (TTFC, from the request's start). Every stream is checked:
 * HTTP 200, text/event-stream, every chunk once and in order, then [DONE].
 * A chunk that arrived more than half an interval closer to the previous
 * one than the origin sent it counts as bunched (held on the way and
 * released together).
 *
 * Prints two markdown tables (time to first chunk; per-chunk delay and the
 * stream) and the command that reproduces them; --json prints the numbers
 * as JSON instead. Exits 1 when a stream was incomplete or out of order.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "../cli/wrangler.ts";
import { fmt, median, parseCommand, positiveInt, progress } from "./cli.ts";
import { startServerProcess } from "./origin.ts";
import {
  checkStream,
  EventReader,
  monoMs,
  type PathSummary,
  pairedDifferences,
  type StreamCheck,
  type StreamRecord,
  summarizePath,
} from "./stream-events.ts";
import {
  COMPLETIONS_PATH,
  SHADOW_SERVICE,
  STREAM_SERVICE,
  startStreamWorkers,
} from "./stream-workers.ts";

const HELP = `Usage: npm run bench:stream -- [options]

What streaming an LLM answer (server-sent events) through the router costs.
A local OpenAI-style SSE origin streams --chunks chunks, --chunk-delay-ms apart;
each round streams one answer on each of five paths, interleaved: direct to the
origin, a bare pass-through Worker, a minimal correct proxy Worker, the router,
and the router with a 100 % shadow (all Workers in one workerd, Miniflare).
Reports per path: time to first chunk (TTFC) p50/p95/p99 and its ratio to direct
and to the pass-through, per-chunk delay (arrival minus the origin's send time)
p50/p99, the stream's total time, chunks bunched together on the way, and that
every chunk arrived once and in order.

Options:
  --rounds <n>                rounds (default 150)
  --warmup <n>                rounds run first and not counted (default 5)
  --chunks <n>                chunks per answer (default 50)
  --chunk-delay-ms <ms>       the origin's interval between chunks (default 20)
  --first-chunk-delay-ms <ms> the origin's wait before the first chunk, after
                              the headers (default 0: TTFC is the path's own cost)
  --concurrency <n>           streams per path per round (default 1)
  --sequential                the paths one after another in each round (default:
                              started a fraction of a chunk interval apart)
  --without-shadow            leave out the router with a shadow
  --json                      print the results as JSON on stdout
  -h, --help                  show this help

The default run (150 rounds of 50 chunks 20 ms apart) takes about 3 minutes.
Same as: node scripts/bench/stream.ts [options]
`;

const values = parseCommand(HELP, {
  rounds: { type: "string", default: "150" },
  warmup: { type: "string", default: "5" },
  chunks: { type: "string", default: "50" },
  "chunk-delay-ms": { type: "string", default: "20" },
  "first-chunk-delay-ms": { type: "string", default: "0" },
  concurrency: { type: "string", default: "1" },
  sequential: { type: "boolean", default: false },
  "without-shadow": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
});
const rounds = positiveInt(HELP, "rounds", values.rounds);
const warmup = values.warmup === "0" ? 0 : positiveInt(HELP, "warmup", values.warmup);
const chunks = positiveInt(HELP, "chunks", values.chunks);
const chunkDelayMs = positiveInt(HELP, "chunk-delay-ms", values["chunk-delay-ms"]);
const firstChunkDelayMs =
  values["first-chunk-delay-ms"] === "0"
    ? 0
    : positiveInt(HELP, "first-chunk-delay-ms", values["first-chunk-delay-ms"]);
const concurrency = positiveInt(HELP, "concurrency", values.concurrency);

progress("starting the SSE origin and workerd (router x2, pass-through, proxy; Miniflare)...");
const origin = await startServerProcess("./stream-origin-server.ts", "SSE origin");
const originUrl = `${origin.url("llm-blue")}${COMPLETIONS_PATH}`;
const workers = await startStreamWorkers(origin.port, originUrl).catch(async (err) => {
  await origin.close();
  throw err;
});

const PATHS = {
  direct: originUrl,
  "pass-through": `${workers.passthroughUrl}${COMPLETIONS_PATH}`,
  "minimal proxy": `${workers.proxyUrl}${COMPLETIONS_PATH}`,
  router: `${workers.routerUrl}/${STREAM_SERVICE}${COMPLETIONS_PATH}`,
  "router, shadow 100 %": `${workers.routerShadowUrl}/${SHADOW_SERVICE}${COMPLETIONS_PATH}`,
};
type PathName = keyof typeof PATHS;
const NAMES = (Object.keys(PATHS) as PathName[]).filter(
  (name) => !(values["without-shadow"] && name === "router, shadow 100 %"),
);

let user = 0;
/** An OpenAI chat request for a streamed answer; `bench` paces the bench origin. */
const requestBody = () =>
  JSON.stringify({
    model: "bench-sse",
    stream: true,
    max_tokens: chunks,
    user: `user-${user++ % 10_000}`,
    messages: [{ role: "user", content: "Count slowly." }],
    bench: { chunkDelayMs, firstChunkDelayMs },
  });

/** Streams one answer from `url`, timing every read of the body. */
async function streamOnce(url: string): Promise<StreamRecord> {
  const reader = new EventReader();
  const body = requestBody();
  const startMs = monoMs();
  const record = (fields: Partial<StreamRecord>): StreamRecord => ({
    status: 0,
    contentType: "",
    startMs,
    headersMs: Number.NaN,
    endMs: monoMs(),
    events: reader.events,
    reads: reader.reads,
    leftover: reader.leftover,
    error: null,
    ...fields,
  });
  let status = 0;
  let contentType = "";
  let headersMs = Number.NaN;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body,
    });
    headersMs = monoMs();
    status = res.status;
    contentType = res.headers.get("content-type") ?? "";
    if (res.body) {
      for await (const bytes of res.body) reader.feed(bytes, monoMs());
    }
    return record({ status, contentType, headersMs });
  } catch (err) {
    return record({ status, contentType, headersMs, error: String(err) });
  }
}

/** One round: every path `concurrency` times, staggered (or one after another), the order rotated. */
async function runRound(round: number): Promise<Map<PathName, StreamCheck[]>> {
  const jobs = NAMES.flatMap((name) => Array.from({ length: concurrency }, () => name));
  const order = jobs.map((_, i) => jobs[(i + round) % jobs.length] as PathName);
  const slotMs = chunkDelayMs / order.length;
  const records: Promise<[PathName, StreamRecord]>[] = [];
  for (const [i, name] of order.entries()) {
    if (values.sequential) {
      records.push(Promise.resolve([name, await streamOnce(PATHS[name])]));
    } else {
      if (i > 0) await sleep(slotMs);
      records.push(streamOnce(PATHS[name]).then((r) => [name, r]));
    }
  }
  const checks = new Map<PathName, StreamCheck[]>(NAMES.map((name) => [name, []]));
  for (const [name, r] of await Promise.all(records)) {
    checks.get(name)?.push(checkStream(r, chunks, chunkDelayMs));
  }
  return checks;
}

/** The commit measured, and whether src/ had uncommitted changes. */
function measuredCommit(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: ROOT,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
    const commit = git("log", "-1", "--format=%h").trim();
    return git("status", "--porcelain", "--", "src").trim() === ""
      ? commit
      : `${commit} + uncommitted changes in src/`;
  } catch {
    return "unknown";
  }
}

const byPath = new Map<PathName, StreamCheck[][]>(NAMES.map((name) => [name, []]));
const started = performance.now();
const loadBefore = loadavg()[0] ?? Number.NaN;
try {
  for (const [name, url] of Object.entries(PATHS)) {
    if (!NAMES.includes(name as PathName)) continue;
    const check = checkStream(await streamOnce(url), chunks, chunkDelayMs);
    if (check.problem) throw new Error(`${name} (${url}): ${check.problem}`);
  }
  if (warmup > 0) progress(`warming up: ${warmup} rounds`);
  for (let round = 0; round < warmup; round++) await runRound(round);

  const every = Math.max(1, Math.round(rounds / 10));
  for (let round = 0; round < rounds; round++) {
    const checks = await runRound(round);
    for (const [name, list] of checks) byPath.get(name)?.push(list);
    if ((round + 1) % every === 0 || round + 1 === rounds) {
      const router = summarizePath(byPath.get("router")?.flat() ?? []);
      const direct = summarizePath(byPath.get("direct")?.flat() ?? []);
      progress(
        `round ${round + 1}/${rounds} (${fmt((performance.now() - started) / 1000)} s): ` +
          `TTFC p50 direct ${fmt(direct.ttfc.p50, 2)} ms, router ${fmt(router.ttfc.p50, 2)} ms; ` +
          `chunk delay p50 direct ${fmt(direct.delay.p50, 2)} ms, router ${fmt(router.delay.p50, 2)} ms`,
      );
    }
  }

  let shadowViews: Awaited<ReturnType<typeof workers.shadowViews>> | string = "not run";
  if (NAMES.includes("router, shadow 100 %")) {
    // The isolate reports its shadow records to the control object on its check-in (~2 s).
    await sleep(4_000);
    shadowViews = await workers.shadowViews().catch((err: Error) => err.message);
  }

  const all = (name: PathName) => byPath.get(name) ?? [];
  const summaries = new Map<PathName, PathSummary>(
    NAMES.map((name) => [name, summarizePath(all(name).flat())]),
  );
  const medianDelay = (c: StreamCheck) => median(c.delaysMs);
  const versus = (name: PathName, base: PathName) => ({
    ttfcRatio:
      (summaries.get(name)?.ttfc.p50 ?? Number.NaN) / (summaries.get(base)?.ttfc.p50 ?? Number.NaN),
    ttfcAddedMs: median(pairedDifferences(all(name), all(base), (c) => c.ttfcMs)),
    delayRatio:
      (summaries.get(name)?.delay.p50 ?? Number.NaN) /
      (summaries.get(base)?.delay.p50 ?? Number.NaN),
    delayAddedMs: median(pairedDifferences(all(name), all(base), medianDelay)),
  });
  const results = NAMES.map((name) => ({
    path: name,
    ...(summaries.get(name) as PathSummary),
    vsDirect: versus(name, "direct"),
    vsPassThrough: versus(name, "pass-through"),
  }));
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  const command =
    `npm run bench:stream -- --rounds ${rounds} --chunks ${chunks} ` +
    `--chunk-delay-ms ${chunkDelayMs}` +
    (firstChunkDelayMs ? ` --first-chunk-delay-ms ${firstChunkDelayMs}` : "") +
    (concurrency > 1 ? ` --concurrency ${concurrency}` : "") +
    (values.sequential ? " --sequential" : "") +
    (values["without-shadow"] ? " --without-shadow" : "");
  const setup = {
    commit: measuredCommit(),
    node: process.versions.node,
    cpus: availableParallelism(),
    rounds,
    warmup,
    chunks,
    chunkDelayMs,
    firstChunkDelayMs,
    concurrency,
    interleaving: values.sequential ? "sequential" : "staggered",
    seconds: Math.round((performance.now() - started) / 1000),
    /** The machine's 1-minute load average before and after: other work shares the cores. */
    load: [loadBefore, loadavg()[0] ?? Number.NaN].map((x) => Number(x.toFixed(2))),
  };

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ setup, results, shadowViews, command }, null, 2)}\n`);
  } else {
    const ms = (n: number) => fmt(n, 2);
    const vs = (ratio: number, added: number, self: boolean) =>
      self ? "1" : `${fmt(ratio, 2)} × (${added >= 0 ? "+" : ""}${ms(added)} ms)`;
    const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
    const lines = [
      "",
      `Commit ${setup.commit}, Node ${setup.node}, ${setup.cpus} CPUs; ${rounds} rounds ` +
        `(${setup.interleaving}, ${concurrency} stream${concurrency > 1 ? "s" : ""} per path each), ` +
        `${chunks} chunks ${chunkDelayMs} ms apart, first chunk ${firstChunkDelayMs} ms after the headers; ` +
        `${setup.seconds} s; load average ${setup.load.join(" before, ")} after.`,
      "",
      "Time to first chunk (from the request's start), ms; against direct and the pass-through: p50 ratio (median added per round):",
      "",
      "| path | headers p50 | TTFC p50 | TTFC p95 | TTFC p99 | vs direct | vs pass-through |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...results.map((r) =>
        row([
          r.path,
          ms(r.headers.p50),
          ms(r.ttfc.p50),
          ms(r.ttfc.p95),
          ms(r.ttfc.p99),
          vs(r.vsDirect.ttfcRatio, r.vsDirect.ttfcAddedMs, r.path === "direct"),
          vs(r.vsPassThrough.ttfcRatio, r.vsPassThrough.ttfcAddedMs, r.path === "pass-through"),
        ]),
      ),
      "",
      "Per-chunk delay (a chunk's arrival minus the origin's send time, chunks after the first), ms; " +
        "the stream's total time; chunks bunched (arrived > half an interval closer to the previous one than sent):",
      "",
      "| path | delay p50 | delay p99 | vs direct | vs pass-through | stream p50 | bunched | reads/stream | complete streams |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...results.map((r) =>
        row([
          r.path,
          ms(r.delay.p50),
          ms(r.delay.p99),
          vs(r.vsDirect.delayRatio, r.vsDirect.delayAddedMs, r.path === "direct"),
          vs(r.vsPassThrough.delayRatio, r.vsPassThrough.delayAddedMs, r.path === "pass-through"),
          fmt(r.total.p50, 1),
          `${fmt(r.bunched)} of ${fmt(r.chunks)}`,
          fmt(r.readsP50),
          `${fmt(r.streams - r.failed)} of ${fmt(r.streams)}`,
        ]),
      ),
      "",
      ...results.flatMap((r) => r.problems.map((p) => `${r.path}: ${p}`)),
      typeof shadowViews === "string"
        ? `Shadow summary: ${shadowViews}`
        : `Shadow summary of ${SHADOW_SERVICE}: ${shadowViews
            .map(
              (v) =>
                `${v.pairs ?? 0} pairs, ${v.compared ?? 0} compared, agreement ${v.agreementRate ?? "n/a"}, ` +
                `errors ${JSON.stringify(v.errors ?? {})}`,
            )
            .join("; ")}`,
      "",
      `Reproduce: ${command}`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
  }
  if (failed > 0) {
    progress(`FAIL: ${failed} stream(s) incomplete or out of order`);
    process.exitCode = 1;
  }
} finally {
  await workers.dispose();
  await origin.close();
}
