/**
 * `npm run bench:memory`: how much workerd's memory grows for one large
 * anonymous upload (issue 8, item 4), per routing feature that may read the
 * request body.
 *
 * workerd (Miniflare, scripts/bench/workers.ts) serves the router with four
 * services, each in front of the same local sink origin (a child process,
 * scripts/bench/upload-sink.ts) that hashes what it receives without
 * keeping it:
 *   - "mem-jsonbody": identity from a JSON body field (maxBytes 65536);
 *   - "mem-canary": header identity, canary at 100 % and retry.safe, so a
 *     canary request is kept for a failover to live;
 *   - "mem-shadow": mirrors 100 % of POST /predict (maxBodyBytes 65536);
 *   - "mem-plain": none of these, the streaming baseline.
 * Each gets a --mb upload to /predict twice: chunked (no Content-Length)
 * and with a declared Content-Length, one at a time, and "mem-canary" also
 * gets --concurrent chunked uploads at once. Each measurement runs in a
 * fresh, warmed workerd, because workerd keeps the memory a buffered body
 * leaves behind and that would hide the next measurement's growth. For
 * each: workerd's peak RSS over its idle RSS just before (VmRSS sampled
 * every 20 ms and the kernel's VmHWM, scripts/bench/rss.ts), what it still
 * holds shortly after, the status, the arm that served it, and whether the
 * origin got every byte (byte count and sha256).
 *
 * Prints a markdown table and PASS/FAIL per upload against --bound; exits 1
 * on a FAIL only with --strict.
 */

import { createHash, randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import { fmt, parseCommand, positiveInt as positiveIntOption, progress } from "./cli.ts";
import { findDescendant } from "./cpu.ts";
import { rssMb, watchPeak } from "./rss.ts";
import { type Framing, type UploadResult, upload } from "./upload-client.ts";
import { startUploadSink } from "./upload-sink.ts";
import { startWorkers } from "./workers.ts";

const HELP = `Usage: npm run bench:memory -- [options]

Serves the router in workerd (Miniflare) with four services in front of a
local origin that hashes and discards what it receives: identity from a JSON
body, a canary with retry.safe (every user in the canary), a 100 % shadow of
POST /predict, and a plain service. POSTs one large upload to each, chunked
(no Content-Length) and with a Content-Length, then several chunked uploads
at once to the canary service, each in a fresh workerd, and reports workerd's
peak RSS growth over its idle RSS for each. About 35 s.

Options:
  --mb <n>            upload size in MB of 2^20 bytes (default 50)
  --concurrent <n>    simultaneous uploads in the concurrent run (default 4)
  --bound <mb>        PASS when workerd's peak RSS grows by less (default 16)
  --strict            exit 1 when a target fails
  -h, --help          show this help

Linux only (reads /proc/<workerd pid>/status). Targets: every upload answered
200 by the arm its service routes to, its origin got all bytes (same sha256),
and workerd's peak RSS grew by less than --bound MB.
`;

const values = parseCommand(HELP, {
  mb: { type: "string", default: "50" },
  concurrent: { type: "string", default: "4" },
  bound: { type: "string", default: "16" },
  strict: { type: "boolean", default: false },
});

const positiveInt = (name: string, value: string) => positiveIntOption(HELP, name, value);
const mb = positiveInt("mb", values.mb);
const concurrent = positiveInt("concurrent", values.concurrent);
const boundMb = positiveInt("bound", values.bound);
const MB = 1024 * 1024;
const USER = "bench-user-1";
/** Idle time before each measured upload, so the last one's memory is released. */
const SETTLE_MS = 1_500;
/** A small upload of the same framing first, so the body paths are warm. */
const WARM_BYTES = 256 * 1024;

type ScenarioName = "jsonBody identity" | "canary + retry.safe" | "shadow 100 %" | "plain";
interface Scenario {
  name: ScenarioName;
  service: string;
  /** The arm that must answer (the canary scenario routes every user to it). */
  arm: "live" | "canary";
  document: Partial<RoutingDocumentInput>;
}
const scenarios: Scenario[] = [
  {
    name: "jsonBody identity",
    service: "mem-jsonbody",
    arm: "live",
    document: {
      identity: { sources: [{ type: "jsonBody", path: "user_id", maxBytes: 65_536 }] },
    },
  },
  {
    name: "canary + retry.safe",
    service: "mem-canary",
    arm: "canary",
    // With shareBp 10000 every identified user (x-user-id) is in the canary.
    document: {
      canary: { origin: "canary", shareBp: 10_000, salt: "bench-memory", killed: false },
      retry: { safe: true },
    },
  },
  {
    name: "shadow 100 %",
    service: "mem-shadow",
    arm: "live",
    document: {
      shadow: { origin: "shadow", shareBp: 10_000, methods: ["POST"], paths: ["/predict"] },
    },
  },
  { name: "plain", service: "mem-plain", arm: "live", document: {} },
];

/** A JSON object of exactly `bytes` bytes, the id first (as a jsonBody source finds it). */
function payload(bytes: number): Buffer {
  const head = `{"user_id":"${USER}","pad":"`;
  const tail = `"}`;
  const padBytes = bytes - head.length - tail.length;
  const pad = randomBytes(Math.ceil((padBytes * 3) / 4) + 3)
    .toString("base64")
    .slice(0, padBytes);
  return Buffer.from(head + pad + tail, "latin1");
}

progress(`building a ${mb} MB JSON upload...`);
const body = payload(mb * MB);
const bodySha256 = createHash("sha256").update(body).digest("hex");

progress("starting the sink origin...");
const sink = await startUploadSink();
const origin = (model: string) => ({ url: sink.url(model), timeoutMs: 60_000 });
const documents: RoutingDocumentInput[] = scenarios.map((s) => ({
  service: s.service,
  version: 1,
  updatedAt: "2026-12-01T00:00:00.000Z",
  updatedBy: "bench-memory",
  origins: {
    live: origin("memory-live"),
    canary: origin("memory-canary"),
    shadow: origin("memory-shadow"),
  },
  live: "live",
  ...s.document,
}));

const headers = { "content-type": "application/json", "x-user-id": USER };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Measurement {
  label: string;
  framing: string;
  results: UploadResult[];
  arm: Scenario["arm"];
  idleMb: number;
  growthMb: number;
  sampledGrowthMb: number;
  hwmGrowthMb: number | null;
  /** RSS still held SETTLE_MS after the last upload answered, over idle. */
  retainedMb: number;
}

/**
 * `count` uploads at once to `scenario`, in a fresh workerd: memory that one
 * upload leaves behind (workerd keeps freed heap) must not hide the next one.
 */
async function measure(scenario: Scenario, framing: Framing, count: number): Promise<Measurement> {
  const workers = await startWorkers(sink.port, { documents });
  try {
    const pid = findDescendant("workerd");
    if (pid === null) throw new Error("workerd's pid not found (needs Linux /proc)");
    const url = `${workers.routerUrl}/${scenario.service}/predict`;
    // Warm the isolate, the routing memo and the body paths with small requests.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, { method: "POST", headers, body: "{}" });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    }
    await upload(url, body.subarray(0, WARM_BYTES), framing, headers);
    await sleep(SETTLE_MS);
    const idleMb = rssMb(pid) ?? 0;
    const window = watchPeak(pid);
    const results = await Promise.all(
      Array.from({ length: count }, () => upload(url, body, framing, headers)),
    );
    const peak = window.stop();
    await sleep(SETTLE_MS);
    return {
      label: scenario.name,
      framing: count > 1 ? `${count} x ${framing} at once` : framing,
      results,
      arm: scenario.arm,
      idleMb,
      growthMb: peak.peakMb - idleMb,
      sampledGrowthMb: peak.sampledMb - idleMb,
      hwmGrowthMb: peak.hwmMb === null ? null : peak.hwmMb - idleMb,
      retainedMb: (rssMb(pid) ?? 0) - idleMb,
    };
  } finally {
    await workers.dispose();
  }
}

const intact = (r: UploadResult) =>
  r.receipt !== null && r.receipt.bytes === body.length && r.receipt.sha256 === bodySha256;
const served = (m: Measurement) =>
  m.results.every((r) => r.status === 200 && r.variant === m.arm && intact(r));
const describeResult = (r: UploadResult) =>
  r.error
    ? `error ${r.error}`
    : `${r.status} from ${r.variant ?? "?"}, origin got ${fmt((r.receipt?.bytes ?? 0) / MB, 1)} MB` +
      `${intact(r) ? " intact" : r.receipt ? " (sha256 differs)" : " (no receipt)"}, ${fmt(r.ms)} ms`;

try {
  const runs: Measurement[] = [];
  for (const s of scenarios) {
    for (const framing of ["chunked", "content-length"] as const) {
      progress(`${s.name}: one ${mb} MB upload, ${framing}`);
      const m = await measure(s, framing, 1);
      progress(`  ${m.results.map(describeResult).join("; ")}; RSS +${fmt(m.growthMb, 1)} MB`);
      runs.push(m);
    }
  }
  const canary = scenarios.find((s) => s.arm === "canary");
  if (canary && concurrent > 1) {
    progress(`${canary.name}: ${concurrent} x ${mb} MB uploads at once, chunked`);
    const m = await measure(canary, "chunked", concurrent);
    progress(`  ${m.results.map(describeResult).join("; ")}; RSS +${fmt(m.growthMb, 1)} MB`);
    runs.push(m);
  }

  const statusOf = (m: Measurement) =>
    [...new Set(m.results.map((r) => (r.error ? "error" : `${r.status} ${r.variant ?? "?"}`)))]
      .sort()
      .join(", ");
  const originGot = (m: Measurement) => {
    const whole = m.results.filter(intact).length;
    return m.results.length > 1
      ? `${whole}/${m.results.length} intact`
      : whole
        ? "all, intact"
        : `${fmt((m.results[0]?.receipt?.bytes ?? 0) / MB, 1)} MB, NOT intact`;
  };
  const lines = [
    "",
    `Miniflare/workerd, ${availableParallelism()} CPUs, ${mb} MB uploads to POST /<service>/predict, ` +
      "workerd peak RSS (VmRSS every 20 ms and VmHWM) over its idle RSS just before:",
    "",
    "| service | framing | status, arm | origin got | idle RSS MB | peak growth MB | still held after MB |",
    "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ...runs.map(
      (m) =>
        `| ${m.label} | ${m.framing} | ${statusOf(m)} | ${originGot(m)} | ` +
        `${fmt(m.idleMb, 1)} | ${fmt(m.growthMb, 1)} | ${fmt(m.retainedMb, 1)} |`,
    ),
    "",
    `Peak by VmRSS sampling vs VmHWM (MB): ${runs
      .map(
        (m) =>
          `${m.label}/${m.framing} ${fmt(m.sampledGrowthMb, 1)} vs ` +
          `${m.hwmGrowthMb === null ? "n/a" : fmt(m.hwmGrowthMb, 1)}`,
      )
      .join("; ")}.`,
    "",
  ];
  process.stdout.write(lines.join("\n"));

  const checks: [string, boolean, string][] = runs.map((m) => [
    `${m.label}, ${m.framing}: workerd RSS grows < ${boundMb} MB`,
    m.growthMb < boundMb,
    `+${fmt(m.growthMb, 1)} MB`,
  ]);
  const unserved = runs.filter((m) => !served(m));
  checks.push([
    "every upload answered 200 by its arm, the origin got every byte (sha256)",
    unserved.length === 0,
    unserved.length === 0
      ? `${runs.reduce((n, m) => n + m.results.length, 0)} uploads`
      : `failed: ${unserved.map((m) => `${m.label}/${m.framing}`).join(", ")}`,
  ]);
  for (const [target, pass, detail] of checks) {
    process.stdout.write(`${pass ? "PASS" : "FAIL"}  ${target} (${detail})\n`);
  }
  process.exitCode = values.strict && checks.some(([, pass]) => !pass) ? 1 : 0;
} finally {
  await sink.close();
}
