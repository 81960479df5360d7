/**
 * Starts the memory benchmark's origin (scripts/bench/upload-sink-server.ts)
 * in a child Node process and waits for the port it listens on.
 *
 * Layer: benchmark support.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface UploadSink {
  port: number;
  /** Base URL of one model on the sink, e.g. http://127.0.0.1:PORT/memory-live. */
  url: (model: string) => string;
  close: () => Promise<void>;
}

/** What the sink answers for each request: the body as it arrived. */
export interface Receipt {
  model: string;
  method: string;
  path: string;
  bytes: number;
  sha256: string;
}

const ENTRY = fileURLToPath(new URL("./upload-sink-server.ts", import.meta.url));

export async function startUploadSink(): Promise<UploadSink> {
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
    child.once("exit", (code) => reject(new Error(`upload sink exited early (${code})`)));
  });
  return {
    port,
    url: (model) => `http://127.0.0.1:${port}/${model}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.stdin.end();
      await exited;
    },
  };
}
