/**
 * Runs the project's own wrangler (node_modules/.bin) for scripts.
 *
 * Layer: CLI (the transport of --direct); the demo, the tools, the
 * benchmarks and the tests run wrangler through it too. KV writes from
 * scripts go through `wrangler kv`, the same path an operator uses by hand,
 * so local and remote behave alike.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * Where a KV command acts: local state (optionally another directory) or the
 * account; `preview` picks the binding's preview namespace (needs a
 * preview_id in wrangler.toml).
 */
export interface KvTarget {
  remote?: boolean;
  persistTo?: string;
  preview?: boolean;
}

export function kvTargetArgs(target: KvTarget = {}): string[] {
  const preview = target.preview ? ["--preview"] : [];
  if (target.remote) return ["--remote", ...preview];
  const local = target.persistTo ? ["--local", "--persist-to", target.persistTo] : ["--local"];
  return [...local, ...preview];
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

/** Writes a string to a key of the ROUTING namespace (`wrangler kv key put --path`). */
export async function kvPut(key: string, value: string, target: KvTarget = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "router-kv-"));
  try {
    const path = join(dir, "value.json");
    writeFileSync(path, value);
    await kvPutFile(key, path, target);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads several keys in one wrangler run (`wrangler kv bulk get`); null for absent keys. */
export async function kvGetMany(
  keys: readonly string[],
  target: KvTarget = {},
): Promise<Map<string, string | null>> {
  const dir = mkdtempSync(join(tmpdir(), "router-kv-"));
  try {
    const path = join(dir, "keys.json");
    writeFileSync(path, JSON.stringify(keys));
    const args = ["kv", "bulk", "get", path, "--binding", "ROUTING", ...kvTargetArgs(target)];
    const r = await wrangler(args);
    if (r.code !== 0) throw new Error(`wrangler kv bulk get failed:\n${r.stderr || r.stdout}`);
    const json = JSON.parse(jsonPart(r.stdout)) as Record<string, { value: string | null }>;
    return new Map(keys.map((k) => [k, json[k]?.value ?? null]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes several keys in one wrangler run (`wrangler kv bulk put`). */
export async function kvPutMany(
  entries: readonly { key: string; value: string }[],
  target: KvTarget = {},
): Promise<void> {
  if (entries.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), "router-kv-"));
  try {
    const path = join(dir, "entries.json");
    writeFileSync(path, JSON.stringify(entries));
    const args = ["kv", "bulk", "put", path, "--binding", "ROUTING", ...kvTargetArgs(target)];
    const r = await wrangler(args);
    if (r.code !== 0) throw new Error(`wrangler kv bulk put failed:\n${r.stderr || r.stdout}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Key names of the ROUTING namespace that start with `prefix`. */
export async function kvList(prefix: string, target: KvTarget = {}): Promise<string[]> {
  const args = ["kv", "key", "list", "--prefix", prefix, "--binding", "ROUTING"];
  const r = await wrangler([...args, ...kvTargetArgs(target)]);
  if (r.code !== 0) throw new Error(`wrangler kv key list failed:\n${r.stderr || r.stdout}`);
  return (JSON.parse(jsonPart(r.stdout)) as { name: string }[]).map((k) => k.name);
}

/** The JSON document in wrangler's stdout (banners and warnings may surround it). */
function jsonPart(stdout: string): string {
  const start = stdout.search(/[[{]/);
  const end = Math.max(stdout.lastIndexOf("}"), stdout.lastIndexOf("]"));
  if (start < 0 || end < start) throw new Error(`wrangler printed no JSON:\n${stdout}`);
  return stdout.slice(start, end + 1);
}
