/**
 * `npm run bench:control`: the control plane measured on a local fleet
 * (test/support/stack/local-fleet.ts: N router isolates and one control-object
 * namespace in one workerd, real local origins, real local KV), with the
 * vars of wrangler.toml (check-ins every 2 s, KV memo 5 s):
 *   1. propagation with steady traffic: each router serves a request every
 *      100 ms; the admin API flips the service `--writes` times; for each
 *      write, the time from sending it until the last router answers from
 *      the new live origin;
 *   2. propagation after an idle spell: no traffic for `--idle-seconds`,
 *      one write, then traffic again: does each router's first request use
 *      the new document, and how long until all do;
 *   3. KV at steady state: `--steady-seconds` of traffic and no change:
 *      KV reads by the isolates (GET /_router/health), KV reads and writes
 *      by the object (GET .../control), and every ROUTING key compared
 *      before and after (a changed or new key is a write);
 *   4. object load: `--routers` load-generator workers (one check-in RPC
 *      per HTTP request, scripts/bench/control-load-worker.ts) driven with
 *      `--connections` concurrent requests for `--load-seconds`: check-ins
 *      per second and latency, next to the same requests without the RPC.
 * Prints a markdown table with PASS/FAIL for the propagation target
 * (p99 <= check-in interval + 0.5 s); exits 1 on a FAIL only with --strict.
 */
import { join } from "node:path";
import { startDemoOrigins } from "../../test/support/stack/demo-origins.ts";
import { startLocalFleet } from "../../test/support/stack/local-fleet.ts";
import { bundleWorker } from "../../test/support/stack/router-worker.ts";
import { ROOT } from "../cli/wrangler.ts";
import { fmt, parseCommand, positiveInt, progress } from "./cli.ts";

const HELP = `Usage: npm run bench:control -- [options]

Starts N router isolates and one control plane in one workerd (Miniflare) in
front of local demo origins, and measures: how fast an admin-API write
reaches every isolate (steady traffic, and after an idle spell), KV
operations at steady state, and the check-ins per second one control object
takes.

Options:
  --routers <n>         router isolates (default 8)
  --writes <n>          writes measured with steady traffic (default 20)
  --idle-writes <n>     writes measured after an idle spell (default 3)
  --idle-seconds <s>    length of each idle spell (default 15)
  --steady-seconds <s>  traffic without changes for the KV count (default 60)
  --load-seconds <s>    object load duration (default 10)
  --connections <n>     concurrent check-ins in the load phase (default 32)
  --strict              exit 1 when a target fails
  -h, --help            this help
`;

const values = parseCommand(HELP, {
  routers: { type: "string", default: "8" },
  writes: { type: "string", default: "20" },
  "idle-writes": { type: "string", default: "3" },
  "idle-seconds": { type: "string", default: "15" },
  "steady-seconds": { type: "string", default: "60" },
  "load-seconds": { type: "string", default: "10" },
  connections: { type: "string", default: "32" },
  strict: { type: "boolean", default: false },
});
const ROUTERS = positiveInt(HELP, "routers", values.routers);
const WRITES = positiveInt(HELP, "writes", values.writes);
const IDLE_WRITES = positiveInt(HELP, "idle-writes", values["idle-writes"]);
const IDLE_S = positiveInt(HELP, "idle-seconds", values["idle-seconds"]);
const STEADY_S = positiveInt(HELP, "steady-seconds", values["steady-seconds"]);
const LOAD_S = positiveInt(HELP, "load-seconds", values["load-seconds"]);
const CONNECTIONS = positiveInt(HELP, "connections", values.connections);
const CHECKIN_MS = 2_000;
const SERVICE = "fraud";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN);

progress("starting demo origins and the fleet...");
const origins = await startDemoOrigins({
  "fraud-blue": { version: "v1", family: "fraud", noise: 0.05 },
  "fraud-green": { version: "v2", family: "fraud", noise: 0.05 },
});
const loaderScript = await bundleWorker(
  "scripts/bench/control-load-worker.ts",
  join(ROOT, ".wrangler", "bench", "control-load.js"),
);
const loaders = Array.from({ length: ROUTERS }, (_, i) => `loader-${i + 1}`);
const fleet = await startLocalFleet({
  routers: ROUTERS,
  quiet: true,
  bindings: { CHECKIN_INTERVAL_MS: String(CHECKIN_MS) },
  extraWorkers: loaders.map((name) => ({
    name,
    modules: true,
    scriptPath: loaderScript,
    compatibilityDate: "2026-11-01",
    durableObjects: { CONTROL: { className: "ServiceControl", scriptName: "control" } },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  })),
});

const doc = {
  service: SERVICE,
  version: 1,
  updatedAt: new Date().toISOString(),
  updatedBy: "bench",
  origins: {
    blue: { url: origins.url("fraud-blue") },
    green: { url: origins.url("fraud-green") },
  },
  live: "blue",
};
await fleet.kv.put(`service:${SERVICE}`, JSON.stringify(doc));

const headers = {
  authorization: `Bearer ${fleet.adminToken}`,
  "content-type": "application/json",
  "x-router-author": "bench",
};

async function predict(url: string, user: string): Promise<string | null> {
  const res = await fetch(`${url}/${SERVICE}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-user-id": user },
    body: '{"amount":1}',
  });
  await res.arrayBuffer();
  return res.headers.get("x-model-variant");
}

/** The origin each router answered from last, and when it first answered from each. */
const lastSeen: (string | null)[] = fleet.urls.map(() => null);
const firstAt: Map<string, number>[] = fleet.urls.map(() => new Map());
let traffic = true;
let sent = 0;
/** Bumped at each write: firstAt keys are "<variant>@<stamp>". */
let stamp = 0;
const loops = fleet.urls.map(async (url, i) => {
  for (let n = 0; ; n++) {
    if (!traffic) {
      await sleep(20);
      continue;
    }
    const at = Date.now();
    const variant = await predict(url, `u-${i}-${n % 50}`).catch(() => null);
    sent += 1;
    lastSeen[i] = variant;
    if (variant && !firstAt[i]?.has(`${variant}@${stamp}`))
      firstAt[i]?.set(`${variant}@${stamp}`, at);
    await sleep(Math.max(0, 100 - (Date.now() - at)));
  }
});
void loops;

async function flip(to: string): Promise<number> {
  const started = Date.now();
  const res = await fetch(`${fleet.urls[0]}/_router/admin/services/${SERVICE}/flip`, {
    method: "POST",
    headers,
    body: JSON.stringify({ to }),
  });
  if (!res.ok) throw new Error(`flip failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return started;
}

// Warm up: every router has served and checked in.
await sleep(3 * CHECKIN_MS);

progress(`propagation with steady traffic: ${WRITES} writes...`);
const steady: number[] = [];
let live = "blue";
for (let w = 0; w < WRITES; w++) {
  live = live === "blue" ? "green" : "blue";
  stamp += 1;
  const started = await flip(live);
  const deadline = started + 30_000;
  while (Date.now() < deadline && !firstAt.every((m) => m.has(`${live}@${stamp}`))) await sleep(10);
  const last = Math.max(
    ...firstAt.map((m) => m.get(`${live}@${stamp}`) ?? Number.POSITIVE_INFINITY),
  );
  steady.push(last - started);
  progress(`  write ${w + 1}: last isolate after ${fmt(last - started)} ms`);
  await sleep(500 + Math.random() * CHECKIN_MS);
}

progress(`propagation after an idle spell: ${IDLE_WRITES} x ${IDLE_S} s...`);
const idle: { firstRequestNew: number; allMs: number }[] = [];
for (let w = 0; w < IDLE_WRITES; w++) {
  traffic = false;
  await sleep(IDLE_S * 1000);
  live = live === "blue" ? "green" : "blue";
  stamp += 1;
  await flip(live);
  const resumed = Date.now();
  const first = await Promise.all(fleet.urls.map((url, i) => predict(url, `idle-${w}-${i}`)));
  traffic = true;
  const deadline = resumed + 30_000;
  while (Date.now() < deadline && !lastSeen.every((v) => v === live)) await sleep(10);
  idle.push({
    firstRequestNew: first.filter((v) => v === live).length,
    allMs: Date.now() - resumed,
  });
  progress(`  idle write ${w + 1}: ${idle.at(-1)?.firstRequestNew}/${ROUTERS} first requests new`);
}

progress(`KV at steady state: ${STEADY_S} s of traffic, no change...`);
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await fleet.kv.list(cursor ? { cursor } : {});
    for (const k of page.keys) out.set(k.name, (await fleet.kv.get(k.name, "text")) ?? "");
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}
const isolateReads = async () => {
  let n = 0;
  for (const url of fleet.urls) {
    const h = (await (await fetch(`${url}/_router/health`)).json()) as {
      store: { kvReads: number };
    };
    n += h.store.kvReads;
  }
  return n;
};
const objectOps = async () => {
  const res = await fetch(`${fleet.urls[0]}/_router/admin/services/${SERVICE}/control`, {
    headers,
  });
  return ((await res.json()) as { kvOps: { reads: number; writes: number } }).kvOps;
};
await sleep(2 * CHECKIN_MS);
const before = {
  keys: await snapshot(),
  reads: await isolateReads(),
  ops: await objectOps(),
  sent,
};
await sleep(STEADY_S * 1000);
const after = { keys: await snapshot(), reads: await isolateReads(), ops: await objectOps(), sent };
const changedKeys = [...after.keys].filter(([k, v]) => before.keys.get(k) !== v).map(([k]) => k);
const perDay = (n: number) => (n * 86_400) / STEADY_S;
traffic = false;

progress(
  `object load: ${CONNECTIONS} concurrent check-ins for ${LOAD_S} s over ${ROUTERS} isolates...`,
);
const loaderUrls = await Promise.all(loaders.map((name) => fleet.workerUrl(name)));
async function drive(path: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = Date.now() + LOAD_S * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < end) {
        const url = loaderUrls[next++ % loaderUrls.length];
        const t = performance.now();
        const res = await fetch(`${url}${path}`);
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / LOAD_S,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
  };
}
await drive(`/?service=load-warmup`);
const noop = await drive("/noop");
const load = await drive(`/?service=load`);

await fleet.dispose();
await origins.close();

steady.sort((a, b) => a - b);
const p50 = pct(steady, 0.5);
const p99 = pct(steady, 0.99);
const target = CHECKIN_MS + 500;
const pass = p99 <= target;
const rows = [
  `| Measure (${ROUTERS} router isolates, check-ins every ${CHECKIN_MS / 1000} s) | Result |`,
  "|---|---|",
  `| Write -> last isolate using it, steady traffic (${WRITES} writes) | p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(steady.at(-1) ?? 0)} ms: ${pass ? "PASS" : "FAIL"} (target p99 <= ${fmt(target)} ms) |`,
  `| After ${IDLE_S} s idle: first request per isolate uses the write | ${idle.map((r) => `${r.firstRequestNew}/${ROUTERS}`).join(", ")}; all within ${fmt(Math.max(...idle.map((r) => r.allMs)))} ms of traffic resuming |`,
  `| KV reads by isolates, ${STEADY_S} s steady traffic (${fmt(after.sent - before.sent)} requests) | ${fmt(after.reads - before.reads)} (${fmt(perDay(after.reads - before.reads))}/day) |`,
  `| KV keys written or changed in that time | ${changedKeys.length}${changedKeys.length ? ` (${changedKeys.join(", ")})` : ""} (writes/day: ${fmt(perDay(changedKeys.length))}) |`,
  `| KV reads / writes by the control object in that time | ${fmt(after.ops.reads - before.ops.reads)} / ${fmt(after.ops.writes - before.ops.writes)} (${fmt(perDay(after.ops.reads - before.ops.reads))} reads/day: its poll for raw puts) |`,
  "| KV lists at steady state | 0 (no list on the request path or in the object; only the admin API's service listing lists) |",
  `| One object, check-ins/s from ${ROUTERS} isolates (${CONNECTIONS} concurrent) | ${fmt(load.perSecond)}/s, latency p50 ${fmt(load.p50, 1)} ms, p99 ${fmt(load.p99, 1)} ms |`,
  `| Same HTTP requests without the check-in | ${fmt(noop.perSecond)}/s, p50 ${fmt(noop.p50, 1)} ms, p99 ${fmt(noop.p99, 1)} ms |`,
];
process.stdout.write(`${rows.join("\n")}\n\nReproduce: npm run bench:control\n`);
if (values.strict && !pass) process.exit(1);
process.exit(0);
