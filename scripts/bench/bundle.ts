/**
 * `npm run bench:bundle`: the Worker's bundle and a fresh isolate's cold
 * start, the router against the one-fetch pass-through Worker
 * (scripts/bench/passthrough-worker.ts).
 *
 * Both are built by the real deploy pipeline, `wrangler deploy --dry-run`
 * (wrangler.toml's minify, keep_names, static assets; the pass-through with
 * a config of its own), into .wrangler/bench-bundle/. Reported:
 *   - the upload wrangler prints, raw and gzip, and what the router's is made of
 *     (its esbuild metafile, by package or source folder);
 *   - `wrangler check startup` (the ecosystem's tool): V8's CPU profile of
 *     the startup phase, active ms, median of --profiles runs;
 *   - fresh isolates, timed from Node: --isolates workers of each bundle in
 *     one workerd (Miniflare). A wrapper module imports the bundle on the
 *     isolate's first request, as `wrangler check startup` does, so that
 *     request minus a later one is the module's startup (compile and
 *     top-level evaluation); then the first real request (POST
 *     /fraud/predict: the router reads its routing document from KV) and
 *     warm ones. The routers share one control object worker and the local
 *     demo origin (scripts/bench/origin.ts).
 *
 * Prints a markdown table and PASS/FAIL for "bundle < 300 KiB"; exits 1 on a
 * FAIL only with --strict.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join, relative } from "node:path";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { documentKey } from "../../src/document/kv-keys.ts";
import { routerWorker } from "../../test/support/stack/router-worker.ts";
import { ROOT, wrangler } from "../cli/wrangler.ts";
import { fmt, median, parseCommand, positiveInt as positiveIntOption, progress } from "./cli.ts";
import { startOriginProcess } from "./origin.ts";
import { benchDocuments, SERVICE } from "./workers.ts";

const HELP = `Usage: npm run bench:bundle -- [options]

Builds the router and the one-fetch pass-through Worker with the deploy
pipeline (wrangler deploy --dry-run) and reports each bundle's upload size,
raw and gzip, what the router's is made of, and a fresh isolate's cold start:
wrangler check startup's CPU profile of the startup phase, and fresh isolates
in one workerd (Miniflare) timed from Node: the module's startup (a wrapper
imports the bundle on the isolate's first request), the first real request
(POST /${SERVICE}/predict) and warm ones.

Options:
  --isolates <n>   fresh isolates of each Worker (default 10)
  --profiles <n>   wrangler check startup runs per Worker (default 3)
  --no-profile     skip wrangler check startup
  --strict         exit 1 when a target fails
  -h, --help       show this help

Target: the router's bundle < 300 KiB (raw, minified, as uploaded).
`;

const values = parseCommand(HELP, {
  isolates: { type: "string", default: "10" },
  profiles: { type: "string", default: "3" },
  "no-profile": { type: "boolean", default: false },
  strict: { type: "boolean", default: false },
});
const positiveInt = (name: string, value: string) => positiveIntOption(HELP, name, value);
const isolates = positiveInt("isolates", values.isolates);
const profiles = values["no-profile"] ? 0 : positiveInt("profiles", values.profiles);

const TARGET_KIB = 300;
const OUT = join(ROOT, ".wrangler", "bench-bundle");
const COMPAT_DATE = "2026-11-01";

type Name = "router" | "pass-through";
const NAMES: Name[] = ["router", "pass-through"];

/** A wrangler config for the pass-through (no bindings: ORIGIN_URL is set at run time). */
function passthroughConfig(): string {
  const dir = join(OUT, "passthrough-config");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "wrangler.toml");
  writeFileSync(
    path,
    [
      'name = "bench-passthrough"',
      `main = ${JSON.stringify(join(ROOT, "scripts/bench/passthrough-worker.ts"))}`,
      `compatibility_date = "${COMPAT_DATE}"`,
      "minify = true",
      "",
    ].join("\n"),
  );
  return path;
}

const CONFIG: Record<Name, string[]> = {
  router: [],
  "pass-through": ["--config", passthroughConfig()],
};

async function run(args: string[]): Promise<string> {
  const r = await wrangler(args);
  if (r.code !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

interface Bundle {
  dir: string;
  /** The bundle's main module, a file in dir. */
  main: string;
  rawKiB: number;
  gzipKiB: number;
}

/** `wrangler deploy --dry-run` into OUT/<name>; the sizes are wrangler's own line. */
async function build(name: Name): Promise<Bundle> {
  const dir = join(OUT, name === "router" ? "router" : "passthrough");
  const out = await run([
    "deploy",
    "--dry-run",
    "--outdir",
    dir,
    "--metafile",
    join(dir, "meta.json"),
    ...CONFIG[name],
  ]);
  const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(out);
  if (!m) throw new Error(`no "Total Upload" line from wrangler deploy --dry-run:\n${out}`);
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Metafile;
  const output = Object.keys(meta.outputs).find((k) => meta.outputs[k]?.entryPoint);
  if (!output) throw new Error(`no entry point in ${join(dir, "meta.json")}`);
  return { dir, main: basename(output), rawKiB: Number(m[1]), gzipKiB: Number(m[2]) };
}

interface Metafile {
  outputs: Record<
    string,
    { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }
  >;
}

/** The router's bundle by package (node_modules) or source folder, largest first. */
function composition(dir: string): [string, number][] {
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Metafile;
  const output = Object.values(meta.outputs).find((o) => o.entryPoint);
  if (!output) return [];
  const groups = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const key = pkg ?? relative(ROOT, join(ROOT, path)).split("/").slice(0, 2).join("/");
    groups.set(key, (groups.get(key) ?? 0) + bytesInOutput);
  }
  return [...groups].sort((a, b) => b[1] - a[1]);
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Active (non-idle) ms of a startup profile, as `wrangler check startup` sums it. */
function activeMs(profile: CpuProfile): number {
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  let active = 0;
  (profile.timeDeltas ?? []).forEach((delta, i) => {
    if (names.get(profile.samples?.[i] ?? -1) !== "(idle)") active += delta;
  });
  return active / 1000;
}

async function startupProfiles(name: Name): Promise<number[]> {
  const dir = join(OUT, name === "router" ? "router" : "passthrough");
  const bundle = join(dir, "worker.bundle");
  await run(["deploy", "--dry-run", "--outfile", bundle, ...CONFIG[name]]);
  const ms: number[] = [];
  for (let i = 0; i < profiles; i++) {
    const outfile = join(dir, `startup-${i + 1}.cpuprofile`);
    await run(["check", "startup", "--worker", bundle, "--outfile", outfile, ...CONFIG[name]]);
    ms.push(activeMs(JSON.parse(readFileSync(outfile, "utf8")) as CpuProfile));
    progress(
      `  ${name}: wrangler check startup ${i + 1}/${profiles}: ${fmt(ms.at(-1) ?? 0, 1)} ms`,
    );
  }
  return ms;
}

/** The isolate's entry: imports the bundle on the first request, as wrangler check startup does. */
const wrapper = (main: string) => `let loaded;
export default {
  async fetch(request, env, ctx) {
    const mod = await (loaded ??= import(${JSON.stringify(`./${main}`)}));
    if (new URL(request.url).pathname === "/__startup") return new Response("started");
    return mod.default.fetch(request, env, ctx);
  },
};
`;

interface IsolateTimes {
  startup: number;
  first: number;
  warm: number;
}

async function timed(url: string, init?: RequestInit): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return ms;
}

async function freshIsolates(bundles: Record<Name, Bundle>): Promise<Record<Name, IsolateTimes[]>> {
  for (const b of Object.values(bundles)) writeFileSync(join(b.dir, "wrapper.js"), wrapper(b.main));
  const origin = await startOriginProcess();
  const docs = benchDocuments(origin.port);
  const doc = docs.find((d) => d.service === SERVICE) ?? docs[0];
  const modules = (b: Bundle) => ({
    modulesRoot: b.dir,
    modules: [
      { type: "ESModule" as const, path: join(b.dir, "wrapper.js") },
      { type: "ESModule" as const, path: join(b.dir, b.main) },
    ],
  });
  const socket = [{ host: "127.0.0.1", port: 0 }];
  const routerBase = routerWorker(join(bundles.router.dir, bundles.router.main));
  const { scriptPath: _, modules: __, ...routerOptions } = routerBase;
  const workers = [
    // The control objects live in one worker that loads the router normally.
    { ...routerBase, name: "control", unsafeDirectSockets: socket },
    ...Array.from({ length: isolates }, (_, i) => [
      {
        ...routerOptions,
        ...modules(bundles.router),
        name: `router-${i}`,
        durableObjects: { CONTROL: { className: "ServiceControl", scriptName: "control" } },
        unsafeDirectSockets: socket,
      },
      {
        name: `pass-through-${i}`,
        ...modules(bundles["pass-through"]),
        compatibilityDate: COMPAT_DATE,
        bindings: { ORIGIN_URL: origin.url("fraud-blue/predict") },
        unsafeDirectSockets: socket,
      },
    ]).flat(),
  ];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      log: new NoOpLog(),
      handleStructuredLogs: () => {},
      workers,
    }),
  );
  const times: Record<Name, IsolateTimes[]> = { router: [], "pass-through": [] };
  try {
    await mf.ready;
    const kv = await mf.getKVNamespace("ROUTING", "control");
    if (doc) await kv.put(documentKey(doc.service), JSON.stringify(doc));
    const predict = (user: string): RequestInit => ({
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": user },
      body: "{}",
    });
    for (let i = 0; i < isolates; i++) {
      // Alternate which Worker goes first, so neither always follows the other.
      const order = i % 2 === 0 ? NAMES : [...NAMES].reverse();
      for (const name of order) {
        const url = (await mf.unsafeGetDirectURL(`${name}-${i}`)).origin;
        const cold = await timed(`${url}/__startup`);
        const startedMs: number[] = [];
        for (let k = 0; k < 3; k++) startedMs.push(await timed(`${url}/__startup`));
        const first = await timed(`${url}/${SERVICE}/predict`, predict(`user-${i}-0`));
        const warmMs: number[] = [];
        for (let k = 1; k <= 5; k++) {
          warmMs.push(await timed(`${url}/${SERVICE}/predict`, predict(`user-${i}-${k}`)));
        }
        times[name].push({ startup: cold - median(startedMs), first, warm: median(warmMs) });
      }
      progress(
        `  isolate ${i + 1}/${isolates}: ` +
          NAMES.map((n) => {
            const t = times[n].at(-1);
            return `${n} startup ${fmt(t?.startup ?? 0, 1)} ms, first request ${fmt(t?.first ?? 0, 1)} ms`;
          }).join("; "),
      );
    }
  } finally {
    await mf.dispose();
    await origin.close();
  }
  return times;
}

progress("building the router and the pass-through with wrangler deploy --dry-run...");
const bundles = { router: await build("router"), "pass-through": await build("pass-through") };
for (const name of NAMES) {
  const b = bundles[name];
  progress(`  ${name}: ${fmt(b.rawKiB, 2)} KiB, gzip ${fmt(b.gzipKiB, 2)} KiB`);
}

const startup: Record<Name, number[]> = { router: [], "pass-through": [] };
if (profiles > 0) {
  progress(`profiling the startup phase with wrangler check startup (${profiles} runs each)...`);
  for (const name of NAMES) startup[name] = await startupProfiles(name);
}

progress(`timing ${isolates} fresh isolates of each Worker in one workerd (Miniflare)...`);
const isolateTimes = await freshIsolates(bundles);

const med = (name: Name, key: keyof IsolateTimes) => median(isolateTimes[name].map((t) => t[key]));
const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
const ms = (n: number) => (Number.isNaN(n) ? "-" : fmt(n, 1));
const line = (label: string, value: (name: Name) => number, digits: (n: number) => string) => {
  const r = value("router");
  const p = value("pass-through");
  return row([label, digits(r), digits(p), digits(r - p)]);
};
const kib = (n: number) => fmt(n, 1);
const parts = composition(bundles.router.dir)
  .slice(0, 8)
  .map(([key, bytes]) => `${key} ${fmt(bytes / 1024, 1)}`)
  .join(", ");

const lines = [
  "",
  `Bundles from wrangler deploy --dry-run; cold starts on this machine (${availableParallelism()} CPUs, ` +
    `Node ${process.versions.node}, Miniflare/workerd), medians:`,
  "",
  "|  | router | pass-through | router − pass-through |",
  "| --- | ---: | ---: | ---: |",
  line("bundle, KiB (raw, as uploaded)", (n) => bundles[n].rawKiB, kib),
  line("bundle, KiB gzip", (n) => bundles[n].gzipKiB, kib),
  ...(profiles > 0
    ? [
        line(
          `startup CPU, ms (wrangler check startup, ${profiles} runs)`,
          (n) => median(startup[n]),
          ms,
        ),
      ]
    : []),
  line(`fresh isolate: module startup, ms (${isolates} isolates)`, (n) => med(n, "startup"), ms),
  line(`fresh isolate: first POST /${SERVICE}/predict, ms`, (n) => med(n, "first"), ms),
  line("warm POST, ms", (n) => med(n, "warm"), ms),
  "",
  `The router's bundle by package or folder (KiB in the bundle): ${parts}.`,
  "",
];
process.stdout.write(lines.join("\n"));

const raw = bundles.router.rawKiB;
const checks: [string, boolean, string][] = [
  [`bundle < ${TARGET_KIB} KiB`, raw < TARGET_KIB, `${fmt(raw, 2)} KiB raw, as uploaded`],
];
for (const [target, ok, detail] of checks) {
  process.stdout.write(`${ok ? "PASS" : "FAIL"}  ${target} (${detail})\n`);
}
process.stdout.write(
  `\nReproduce: npm run bench:bundle -- --isolates ${isolates} --profiles ${profiles}\n`,
);
process.exitCode = values.strict && checks.some(([, ok]) => !ok) ? 1 : 0;
