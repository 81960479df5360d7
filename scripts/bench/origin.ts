/**
 * Starts a benchmark origin server (a Node script that prints `{"port": n}`
 * on its first stdout line and exits when its stdin closes) in a child
 * process, so its CPU is measured apart from the load generator's:
 * scripts/bench/origin-server.ts (the demo models) and
 * scripts/bench/upload-sink-server.ts (the memory benchmark's sink).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface OriginProcess {
  port: number;
  pid: number | undefined;
  /** Base URL of one model on it, e.g. http://127.0.0.1:PORT/fraud-blue. */
  url: (model: string) => string;
  close: () => Promise<void>;
}

/** Starts `entry` (a path relative to this folder) and waits for the port it listens on. */
export async function startServerProcess(entry: string, name: string): Promise<OriginProcess> {
  const path = fileURLToPath(new URL(entry, import.meta.url));
  const child = spawn(process.execPath, [path], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${name} exited early (${code})`)));
  });
  return {
    port,
    pid: child.pid,
    url: (model) => `http://127.0.0.1:${port}/${model}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.stdin.end();
      await exited;
    },
  };
}

/** The demo models (scripts/bench/origin-server.ts). */
export const startOriginProcess = () => startServerProcess("./origin-server.ts", "origin process");
