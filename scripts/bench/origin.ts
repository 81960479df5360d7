/**
 * Starts the benchmark's model origin (scripts/bench/origin-server.ts) in a
 * child Node process and waits for the port it listens on.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface OriginProcess {
  port: number;
  pid: number | undefined;
  /** Base URL of one demo model, e.g. http://127.0.0.1:PORT/fraud-blue. */
  url: (model: string) => string;
  close: () => Promise<void>;
}

const ENTRY = fileURLToPath(new URL("./origin-server.ts", import.meta.url));

export async function startOriginProcess(): Promise<OriginProcess> {
  const child = spawn(process.execPath, [ENTRY], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`origin process exited early (${code})`)));
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
