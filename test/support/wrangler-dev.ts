/**
 * Real local routers for Node-side tests: `wrangler dev` on a free port with
 * its own state directory and vars, and the wait for `/_router/health`.
 * Shared by the CLI tests and the end-to-end test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT } from "../../scripts/cli/wrangler.ts";

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Polls `<url>/_router/health` until it answers; throws with the process log on timeout. */
export async function waitForHealth(
  url: string,
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/_router/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`router did not start at ${url}:\n${log()}`);
}

export interface LocalProcess {
  url: string;
  log: () => string;
  /** Stops the whole process group (wrangler and its workerd). */
  stop: () => void;
}

/** Spawns a Node script of the project in its own process group, capturing its output. */
export function spawnNode(args: string[], url: string): LocalProcess & { child: ChildProcess } {
  let output = "";
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  return {
    child,
    url,
    log: () => output,
    stop: () => {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    },
  };
}

/** `wrangler dev` of the router on a free port, with `--persist-to` and `--var`s; resolves when healthy. */
export async function startWranglerDev(options: {
  persistTo: string;
  vars: Record<string, string>;
  timeoutMs?: number;
}): Promise<LocalProcess> {
  const port = await freePort();
  const proc = spawnNode(
    [
      ...[join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "dev", "--port", String(port)],
      ...["--ip", "127.0.0.1", "--persist-to", options.persistTo],
      ...Object.entries(options.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    `http://127.0.0.1:${port}`,
  );
  try {
    await waitForHealth(proc.url, options.timeoutMs ?? 90_000, proc.log);
  } catch (err) {
    proc.stop();
    throw err;
  }
  return proc;
}
