/**
 * Helpers for the CLI tests: run the real `router` CLI as a child process
 * against a private local KV directory (wrangler --local --persist-to), and
 * seed or read keys through the same wrangler path.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kvGetMany, kvPut, kvTargetArgs, ROOT, wrangler } from "../../scripts/lib/wrangler.ts";
import type { HistoryEntry } from "../../src/document/edits/history.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  // biome-ignore lint/suspicious/noExplicitAny: --json output is checked field by field
  json: any;
}

export const ROUTER = join(ROOT, "scripts", "router.ts");

/** Spawns the CLI; the caller talks to it (used for --confirm). */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [ROUTER, ...args], {
    cwd: ROOT,
    env: { ...process.env, ROUTER_AUTHOR: "test-operator", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

export function finished(child: ChildProcess, started = performance.now()): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {}
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started, json });
    });
  });
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawnCli(args, env);
  child.stdin?.end();
  return finished(child);
}

/** A private local KV state directory, removed by the returned cleanup. */
export function tempState(prefix = "router-cli-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const demoDoc = (service: "fraud" | "churn") =>
  JSON.parse(readFileSync(join(ROOT, "scripts", "demo", `${service}.json`), "utf8"));

export async function seed(dir: string, key: string, value: unknown): Promise<void> {
  await kvPut(key, typeof value === "string" ? value : JSON.stringify(value), { persistTo: dir });
}

/** Several keys in one wrangler run (`wrangler kv bulk put`). */
export async function seedMany(dir: string, values: Record<string, unknown>): Promise<void> {
  const path = join(dir, "bulk.json");
  const entries = Object.entries(values).map(([key, value]) => ({
    key,
    value: typeof value === "string" ? value : JSON.stringify(value),
  }));
  writeFileSync(path, JSON.stringify(entries));
  const args = [
    "kv",
    "bulk",
    "put",
    path,
    "--binding",
    "ROUTING",
    ...kvTargetArgs({ persistTo: dir }),
  ];
  const r = await wrangler(args);
  rmSync(path, { force: true });
  if (r.code !== 0) throw new Error(`wrangler kv bulk put failed:\n${r.stderr || r.stdout}`);
}

/** Deletes a key, as an operator's `wrangler kv key delete` would. */
export async function deleteKey(dir: string, key: string): Promise<void> {
  const args = [
    "kv",
    "key",
    "delete",
    key,
    "--binding",
    "ROUTING",
    ...kvTargetArgs({ persistTo: dir }),
  ];
  const r = await wrangler(args);
  if (r.code !== 0)
    throw new Error(`wrangler kv key delete ${key} failed:\n${r.stderr || r.stdout}`);
}

/** The stored document and history of a service (one wrangler run). */
export async function readState(
  dir: string,
  service: string,
  // biome-ignore lint/suspicious/noExplicitAny: documents are checked field by field
): Promise<{ raw: string | null; doc: any; history: HistoryEntry[] }> {
  const values = await kvGetMany([`service:${service}`, `history:${service}`], {
    persistTo: dir,
  });
  const raw = values.get(`service:${service}`) ?? null;
  const history = values.get(`history:${service}`) ?? null;
  return {
    raw,
    doc: raw === null ? null : JSON.parse(raw),
    history: history === null ? [] : JSON.parse(history),
  };
}

/** Waits until `child` has printed `text` on stdout. */
export function waitForOutput(
  child: ChildProcess,
  text: string,
  timeoutMs = 30_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`never printed "${text}":\n${seen}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (d) => {
      seen += d;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
