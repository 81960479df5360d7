/**
 * One closed-loop load against one Worker, with wrk (C, one thread): POST
 * JSON to /<service>/predict with an x-user-id header cycling through a
 * fixed pool of user ids, so the router resolves an identity, hashes it and
 * hits live, canary and challenger arms. The pass-through gets the very same
 * requests.
 *
 * wrk, not a Node load generator: on a 2-core machine the client competes
 * with workerd for the cores, and a client that needs a core of its own
 * squeezes both Workers toward the same number (an earlier autocannon
 * version reported 0.57-0.76 for what wrk measures at 0.7-0.9). The
 * request script is generated per run; its `done` hook prints one JSON line
 * with the counts and wrk's latency percentiles (µs).
 *
 * paced.ts (open loop, Node) reuses USER_IDS, BODY and percentile.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface LoadOptions {
  url: string;
  path: string;
  durationSeconds: number;
  connections: number;
}

export interface LoadResult {
  /** 2xx responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** 2xx responses. */
  ok: number;
  /** Non-2xx responses, socket errors and timeouts. */
  failed: number;
}

export const USER_IDS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
export const BODY = JSON.stringify({ amount: 182.5, merchant: "m-4711", country: "DE", hour: 23 });

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

const run = promisify(execFile);

/** The wrk binary, or exit 2 with how to install it. */
export async function requireWrk(): Promise<void> {
  try {
    await run("wrk", ["--version"]).catch((err: { code?: unknown }) => {
      // wrk --version prints its banner and exits 1.
      if (err.code === "ENOENT") throw err;
    });
  } catch {
    process.stderr.write(
      "this benchmark drives its load with wrk: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)\n",
    );
    process.exit(2);
  }
}

const lua = (path: string) => `
local users = ${USER_IDS.length}
local i = 0
local body = ${JSON.stringify(BODY)}
request = function()
  i = i + 1
  return wrk.format("POST", ${JSON.stringify(path)}, {
    ["content-type"] = "application/json",
    ["x-user-id"] = "user-" .. (i % users),
  }, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"non2xx":%d,"errors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

let scriptDir: string | null = null;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  scriptDir ??= mkdtempSync(join(tmpdir(), "router-bench-"));
  const script = join(scriptDir, "load.lua");
  writeFileSync(script, lua(options.path));
  const { stdout } = await run("wrk", [
    "-t1",
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    "--timeout",
    "10s",
    "-s",
    script,
    options.url,
  ]);
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice("WRK_RESULT ".length)) as {
    requests: number;
    durationUs: number;
    non2xx: number;
    errors: number;
    p50Us: number;
    p99Us: number;
  };
  // wrk counts statuses over 399 as errors; the Workers here answer 200 or fail.
  const ok = r.requests - r.non2xx;
  return {
    rps: ok / (r.durationUs / 1e6),
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    ok,
    failed: r.non2xx + r.errors,
  };
}
