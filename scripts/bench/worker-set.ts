/**
 * One bench Worker served N times in one workerd (Miniflare), each copy
 * with its own vars and its own direct socket: the rungs of
 * `npm run bench:ladder` and `npm run bench:mirror-ladder`, measured side
 * by side under the same conditions. Bundles go to .wrangler/bench/.
 */
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { bundleWorker } from "../../test/support/stack/router-worker.ts";
import { ROOT } from "../cli/wrangler.ts";
import { findDescendant } from "./cpu.ts";

export interface WorkerSet {
  /** Each copy's origin, in the order of the vars given. */
  urls: string[];
  /** workerd's pid (for CPU readings), or null where /proc is not there. */
  workerd: number | null;
  dispose: () => Promise<void>;
}

/** Serves `entry` (a path relative to the repository) once per element of `vars`. */
export async function startWorkerSet(
  entry: string,
  vars: Record<string, string>[],
): Promise<WorkerSet> {
  const name = entry.replace(/^.*\//, "").replace(/\.ts$/, "");
  const script = await bundleWorker(entry, join(ROOT, ".wrangler", "bench", `${name}.js`));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      workers: vars.map((bindings, i) => ({
        name: `copy-${i}`,
        modules: true,
        scriptPath: script,
        compatibilityDate: "2026-11-01",
        bindings,
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      })),
    }),
  );
  try {
    await mf.ready;
    const urls = await Promise.all(
      vars.map(async (_, i) => (await mf.unsafeGetDirectURL(`copy-${i}`)).origin),
    );
    return { urls, workerd: findDescendant("workerd"), dispose: () => mf.dispose() };
  } catch (err) {
    await mf.dispose();
    throw err;
  }
}
