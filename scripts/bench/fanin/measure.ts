/**
 * The one measured input of the fan-in simulation: how long one check-in
 * RPC to a real control object takes from a router-like worker, locally.
 * Miniflare runs the router's own bundle (the ServiceControl namespace,
 * SQLite-backed, test/support/stack/local-fleet.ts) and the control-plane
 * benchmark's load worker (scripts/bench/control-load-worker.ts: one
 * check-in RPC per HTTP request, a two-arm batch, as an isolate sends).
 * Node times `--calls` sequential requests with the RPC and as many
 * without it (`/noop`), interleaved so drift hits both alike; a call's RPC
 * share is its time minus the median of the requests without it (timing
 * inside workerd is useless: its clock moves only at I/O, in whole ms).
 *
 * Layer: benchmark (starts workerd).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { startLocalFleet } from "../../../test/support/stack/local-fleet.ts";
import { bundleWorker } from "../../../test/support/stack/router-worker.ts";
import { ROOT } from "../../cli/wrangler.ts";
import { quantile } from "./model.ts";

export interface MeasuredCheckIn {
  calls: number;
  /** HTTP request + check-in RPC, as timed from Node (ms). */
  withRpc: { p50: number; p99: number };
  /** The same HTTP request without the RPC (ms). */
  withoutRpc: { p50: number; p99: number };
  /** Per call: with-RPC time minus the median without (ms, at least 0.05): the RPC's share. */
  rpcSamples: number[];
  rpc: { p50: number; p99: number; max: number };
}

const SERVICE = "fanin-bench";

export async function measureCheckIn(
  calls: number,
  progress: (line: string) => void,
): Promise<MeasuredCheckIn> {
  const loader = await bundleWorker(
    "scripts/bench/control-load-worker.ts",
    join(ROOT, ".wrangler", "bench", `fanin-load-${process.pid}.js`),
  );
  // The bundle is per process (runs may overlap) and removed with the fleet.
  const fleet = await startLocalFleet({
    routers: 0,
    quiet: true,
    extraWorkers: [
      {
        name: "loader",
        modules: true,
        scriptPath: loader,
        compatibilityDate: "2026-11-01",
        durableObjects: { CONTROL: { className: "ServiceControl", scriptName: "control" } },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  });
  try {
    const updatedAt = new Date().toISOString();
    const doc = {
      service: SERVICE,
      version: 1,
      updatedAt,
      updatedBy: "bench",
      origins: { blue: { url: "http://127.0.0.1:9/blue" }, green: { url: "http://127.0.0.1:9/g" } },
      live: "blue",
    };
    await fleet.kv.put(`service:${SERVICE}`, JSON.stringify(doc));
    const url = await fleet.workerUrl("loader");
    // The isolate holds the object's revision: the answer is "current", as at steady state.
    const revision = `1@${Date.parse(updatedAt)}`;
    const checkIn = `${url}/?service=${SERVICE}&revision=${encodeURIComponent(revision)}`;
    const first = (await (await fetch(checkIn)).json()) as { version: number; document: unknown };
    if (first.version !== 1 || first.document !== null)
      throw new Error(`the object did not answer "current": ${JSON.stringify(first)}`);
    const time = async (target: string) => {
      const t = performance.now();
      const res = await fetch(target);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${target}: ${res.status}`);
      return performance.now() - t;
    };
    progress(`measuring: warm-up (200 check-ins)...`);
    for (let i = 0; i < 200; i++) await time(i % 2 ? checkIn : `${url}/noop`);
    progress(`measuring: ${calls} sequential check-ins and ${calls} requests without the RPC...`);
    const withRpc: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < calls; i++) {
      without.push(await time(`${url}/noop`));
      withRpc.push(await time(checkIn));
    }
    const base = quantile(without, 0.5);
    const rpcSamples = withRpc.map((ms) => Math.max(0.05, ms - base));
    return {
      calls,
      withRpc: { p50: quantile(withRpc, 0.5), p99: quantile(withRpc, 0.99) },
      withoutRpc: { p50: base, p99: quantile(without, 0.99) },
      rpcSamples,
      rpc: {
        p50: quantile(rpcSamples, 0.5),
        p99: quantile(rpcSamples, 0.99),
        max: Math.max(...rpcSamples),
      },
    };
  } finally {
    await fleet.dispose();
    await rm(loader, { force: true });
  }
}
