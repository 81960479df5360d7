/**
 * `npm run bench:profile`: where the router's CPU goes, from V8's sampling
 * profiler inside workerd (the DevTools protocol over Miniflare's inspector
 * proxy), while wrk loads it as `npm run bench` does.
 *
 * Prints self time per request by function (and by source module, from the
 * bundle's `// src/...` markers) and writes the whole profile to
 * .wrangler/bench/router.cpuprofile (open it in Chrome DevTools'
 * Performance panel, or https://www.speedscope.app). Sampling adds its own
 * cost: compare shares within a profile, and take absolute numbers from
 * `npm run bench`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../cli/wrangler.ts";
import { fmt, parseCommand, positiveInt, progress } from "./cli.ts";
import { requireWrk, runLoad } from "./load.ts";
import { startOriginProcess } from "./origin.ts";
import { benchDocuments, ROLLOUT_SERVICE, SERVICE, startWorkers } from "./workers.ts";

const HELP = `Usage: npm run bench:profile -- [options]

Profiles the router's isolate (V8 sampling profiler, through Miniflare's
inspector) under wrk load on the benchmark's realistic document, and prints
self time per request by function and by module.

Options:
  --duration <s>      seconds of profiled load (default 10)
  --connections <n>   connections (default 32)
  --top <n>           functions to list (default 40)
  --rollout           route the service with an active rollout
  -h, --help          show this help
`;

const values = parseCommand(HELP, {
  duration: { type: "string", default: "10" },
  connections: { type: "string", default: "32" },
  top: { type: "string", default: "40" },
  rollout: { type: "boolean", default: false },
});
const duration = positiveInt(HELP, "duration", values.duration);
const connections = positiveInt(HELP, "connections", values.connections);
const top = positiveInt(HELP, "top", values.top);
await requireWrk();

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A minimal DevTools protocol client: send a method, await its result. */
async function devtools(url: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let id = 0;
  const waiting = new Map<number, (r: unknown) => void>();
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: unknown };
    if (msg.id === undefined) return;
    const done = waiting.get(msg.id);
    waiting.delete(msg.id);
    done?.(msg.error ? Promise.reject(new Error(JSON.stringify(msg.error))) : msg.result);
  });
  return {
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        id += 1;
        waiting.set(id, resolve as (r: unknown) => void);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The bundle's source module of each line (esbuild writes `// src/...` before each module). */
function moduleOfLine(bundle: string): (line: number) => string {
  const starts: [number, string][] = [];
  bundle.split("\n").forEach((text, i) => {
    const m = /^\/\/ ((?:src|node_modules|scripts)\/\S+)$/.exec(text);
    if (m?.[1]) starts.push([i, m[1].replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, "$1")]);
  });
  return (line) => {
    let name = "(runtime)";
    for (const [start, module] of starts) {
      if (start > line) break;
      name = module;
    }
    return name;
  };
}

progress("starting the demo origin and workerd with the router's inspector open...");
const origin = await startOriginProcess();
const workers = await startWorkers(origin.port, {
  documents: benchDocuments(origin.port),
  inspect: true,
});
const path = `/${values.rollout ? ROLLOUT_SERVICE : SERVICE}/predict`;
try {
  const wsUrl = await workers.inspectorUrl();
  if (!wsUrl) throw new Error("the router's inspector is not listed by Miniflare");
  progress(`warming up 3s`);
  await runLoad({ url: workers.routerUrl, path, durationSeconds: 3, connections });
  const inspector = await devtools(wsUrl);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
  await inspector.send("Profiler.start");
  progress(`profiling ${duration}s of load (${connections} connections)`);
  const load = await runLoad({
    url: workers.routerUrl,
    path,
    durationSeconds: duration,
    connections,
  });
  const { profile } = await inspector.send<{ profile: Profile }>("Profiler.stop");
  inspector.close();
  const out = join(ROOT, ".wrangler", "bench", "router.cpuprofile");
  writeFileSync(out, JSON.stringify(profile));

  const requests = load.ok + load.failed;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((node, i) => {
    selfUs.set(node, (selfUs.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const moduleOf = moduleOfLine(
    readFileSync(join(ROOT, ".wrangler", "bench", "router.js"), "utf8"),
  );
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busy += us;
    const module = url.endsWith("router.js")
      ? moduleOf(lineNumber)
      : url
        ? url
        : functionName.startsWith("(")
          ? functionName
          : "(native)";
    const name = `${functionName || "(anonymous)"}  ${module}${url.endsWith("router.js") ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
  }
  const perRequest = (us: number) => us / Math.max(1, requests);
  const lines = [
    "",
    `${fmt(requests)} requests (${fmt(load.rps)} req/s) in ${fmt(total / 1e6, 1)} s profiled; ` +
      `isolate busy ${fmt(perRequest(busy), 1)} µs/request (sampling included).`,
    "",
    "| self µs/request | share | module |",
    "| ---: | ---: | --- |",
    ...[...byModule]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([m, us]) => `| ${fmt(perRequest(us), 1)} | ${fmt((100 * us) / busy, 1)}% | ${m} |`),
    "",
    "| self µs/request | share | function |",
    "| ---: | ---: | --- |",
    ...[...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([f, us]) => `| ${fmt(perRequest(us), 1)} | ${fmt((100 * us) / busy, 1)}% | ${f} |`),
    "",
    `Profile: ${out}`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  await workers.dispose();
  await origin.close();
}
