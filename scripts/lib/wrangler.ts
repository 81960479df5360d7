/**
 * Runs the project's own wrangler (node_modules/.bin) for scripts.
 *
 * Layer: script support. KV writes from scripts go through `wrangler kv`, the
 * same path an operator uses by hand, so local and remote behave alike.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER = fileURLToPath(
  new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url),
);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs wrangler with the current Node binary (Node 22 from the node@22 dev dependency under npm). */
export function wrangler(args: string[], options: { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Where a KV command acts: local state (optionally another directory) or the account. */
export interface KvTarget {
  remote?: boolean;
  persistTo?: string;
}

export function kvTargetArgs(target: KvTarget = {}): string[] {
  if (target.remote) return ["--remote"];
  return target.persistTo ? ["--local", "--persist-to", target.persistTo] : ["--local"];
}

/** Reads a key of the ROUTING namespace; null when absent. */
export async function kvGet(key: string, target: KvTarget = {}): Promise<string | null> {
  const args = ["kv", "key", "get", key, "--binding", "ROUTING", "--text", ...kvTargetArgs(target)];
  const r = await wrangler(args);
  if (r.code !== 0) throw new Error(`wrangler kv key get ${key} failed:\n${r.stderr || r.stdout}`);
  // wrangler prints this (exit code 0) for a missing key, and adds a newline to values.
  if (r.stdout.trim() === "Value not found") return null;
  return r.stdout.endsWith("\n") ? r.stdout.slice(0, -1) : r.stdout;
}

/** Writes a file's content to a key of the ROUTING namespace. */
export async function kvPutFile(key: string, path: string, target: KvTarget = {}): Promise<void> {
  const args = [
    "kv",
    "key",
    "put",
    key,
    "--binding",
    "ROUTING",
    "--path",
    path,
    ...kvTargetArgs(target),
  ];
  const r = await wrangler(args);
  if (r.code !== 0) throw new Error(`wrangler kv key put ${key} failed:\n${r.stderr || r.stdout}`);
}
