/**
 * One autocannon load against one Worker: POST JSON to /<service>/predict
 * with an x-user-id header cycling through a fixed pool of user ids, so the
 * router resolves an identity, hashes it and hits live, canary and
 * challenger arms. The pass-through gets the very same requests.
 *
 * Latency percentiles come from autocannon's per-response durations (float
 * ms), not from its histogram, which rounds to whole milliseconds.
 */
import autocannon, { type RequestParams } from "autocannon";

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

let next = 0;
function withNextUser(req: RequestParams): RequestParams {
  const userId = USER_IDS[next++ % USER_IDS.length] ?? "user-0";
  return { ...req, headers: { ...req.headers, "x-user-id": userId } };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let ok = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: "POST",
        path: options.path,
        headers: { "content-type": "application/json" },
        body: BODY,
        setupRequest: withNextUser,
      },
    ],
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status < 200 || status > 299) return;
    if (ok === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[ok++] = ms;
  });
  const result = await instance;
  const sorted = latencies.subarray(0, ok).sort();
  return {
    rps: ok / result.duration,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}
