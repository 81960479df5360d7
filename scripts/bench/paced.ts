/**
 * An open-loop load at a constant arrival rate: one request every 1/rate
 * seconds, whether or not earlier ones have answered, over a keep-alive
 * connection pool (open loop: a slow answer never delays the next send, so
 * no coordinated omission). Latency runs from the send to the last byte of
 * the response. A closed-loop tool's rate limit (autocannon's) fires each second's quota in a
 * burst, which measures queueing in the burst rather than the server.
 *
 * Same requests as load.ts: POST JSON with x-user-id cycling through a pool.
 */
import { Agent, request } from "node:http";
import { BODY, type LoadResult, percentile, USER_IDS } from "./load.ts";

export interface PacedOptions {
  url: string;
  path: string;
  rate: number;
  durationSeconds: number;
}

export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  const target = new URL(options.path, options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationSeconds);
  const latencies = new Float64Array(total);
  let ok = 0;
  let failed = 0;
  let user = 0;

  const send = () =>
    new Promise<void>((resolve) => {
      let sentAt = 0;
      const req = request(
        target,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(BODY),
            "x-user-id": USER_IDS[user++ % USER_IDS.length] ?? "user-0",
          },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            const ms = performance.now() - sentAt;
            if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) {
              latencies[ok++] = ms;
            } else {
              failed++;
            }
            resolve();
          });
        },
      );
      req.on("error", () => {
        failed++;
        resolve();
      });
      sentAt = performance.now();
      req.end(BODY);
    });

  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; ) {
    const now = performance.now();
    // Send everything that is due (catching up after a late timer), then sleep.
    while (i < total && started + i * interval <= now) {
      inflight.push(send());
      i++;
    }
    const next = started + i * interval - performance.now();
    if (next > 0) await new Promise((r) => setTimeout(r, next));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = latencies.subarray(0, ok).sort();
  return {
    rps: ok / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ok,
    failed,
  };
}
