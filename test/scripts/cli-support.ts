/**
 * Helpers for the CLI tests: run the real `router` CLI as a child process
 * (runCli, spawnCli: exit codes, stdin, the process itself) or in this
 * process (runCliInProcess: the same runRouter the process runs, its stdout,
 * stderr and exit code captured, without a Node start per command),
 * against a router in Miniflare (startCliRouter: its admin API, the CLI's
 * default mode, with KV seeded and read through the router's binding), or
 * with --direct against a private local KV directory (wrangler --local
 * --persist-to, seeded through the same wrangler path; a router started
 * on the same directory reads it back).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRouter } from "../../scripts/cli/main.ts";
import { kvPut, kvTargetArgs, ROOT, wrangler } from "../../scripts/cli/wrangler.ts";
import type { HistoryEntry } from "../../src/document/edits/history.ts";
import {
  type MiniflareRouter,
  type MiniflareRouterOptions,
  startMiniflareRouter,
} from "../support/miniflare-router.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  // biome-ignore lint/suspicious/noExplicitAny: --json output is checked field by field
  json: any;
  /** The --json envelope's `data` (ok) or `error` (not ok). */
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field
  data: any;
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field
  error: any;
}

/** Where the CLI looks for a router and its token: never the developer's own settings. */
const ROUTER_ENV = ["ROUTER_URL", "ROUTER_ADMIN_TOKEN", "ADMIN_TOKEN", "OVERRIDE_TOKEN"];

export const ROUTER = join(ROOT, "scripts", "cli", "router.ts");

/** Spawns the CLI; the caller talks to it (used for --confirm). */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !ROUTER_ENV.includes(k)),
  );
  return spawn(process.execPath, [ROUTER, ...args], {
    cwd: ROOT,
    env: { ...inherited, ROUTER_AUTHOR: "test-operator", ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** A finished run's result from its output and exit code. */
function result(code: number, stdout: string, stderr: string, started: number): CliRun {
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field
  let json: any = null;
  try {
    json = JSON.parse(stdout);
  } catch {}
  const ms = performance.now() - started;
  return { code, stdout, stderr, ms, json, data: json?.data, error: json?.error };
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
    child.on("close", (code) => resolve(result(code ?? 1, stdout, stderr, started)));
  });
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawnCli(args, env);
  child.stdin?.end();
  return finished(child);
}

/** Where the in-process runs' output goes: writes made inside a run go to that run. */
const captured = new AsyncLocalStorage<{ stdout: string[]; stderr: string[] }>();
let capturing = false;
/** In-process runs share process.env: one at a time. */
let queue: Promise<unknown> = Promise.resolve();

function captureOutput(): void {
  if (capturing) return;
  capturing = true;
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const run = captured.getStore();
      if (!run) return write(chunk, ...rest);
      run[name].push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof stream.write;
  }
}

/**
 * The CLI in this process: runRouter(args), what `node scripts/cli/router.ts`
 * runs, with the same environment runCli gives the child (ROUTER_AUTHOR set,
 * the developer's router settings removed, `env` on top), its stdout and
 * stderr captured. For the commands' behaviour; what only a process shows
 * (exit status, stdin prompts, startup) stays with runCli and spawnCli.
 */
export function runCliInProcess(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  if (args.includes("--confirm")) throw new Error("--confirm reads stdin: use spawnCli");
  captureOutput();
  const run = async () => {
    const saved = { ...process.env };
    for (const k of ROUTER_ENV) delete process.env[k];
    Object.assign(process.env, { ROUTER_AUTHOR: "test-operator", ...env });
    const out = { stdout: [] as string[], stderr: [] as string[] };
    const started = performance.now();
    try {
      const code = await captured.run(out, () => runRouter(args));
      return result(code, out.stdout.join(""), out.stderr.join(""), started);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  };
  const next = queue.then(run, run);
  queue = next.catch(() => {});
  return next;
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

/** A router in Miniflare for the CLI's default mode, and the CLI pointed at it. */
export interface CliRouter extends MiniflareRouter {
  /** ROUTER_URL and ROUTER_ADMIN_TOKEN for this router (and its OVERRIDE_TOKEN). */
  env: Record<string, string>;
  /** The CLI pointed at this router, in this process (runCliInProcess). */
  cli: (args: string[], env?: Record<string, string>) => Promise<CliRun>;
  /** The same, as a child process (runCli). */
  cliProcess: (args: string[], env?: Record<string, string>) => Promise<CliRun>;
  spawn: (args: string[], env?: Record<string, string>) => ChildProcess;
  /** Puts a key as `wrangler kv key put` would (a string as is, else its JSON). */
  seed: (key: string, value: unknown) => Promise<void>;
  /** The stored document and history of a service. */
  // biome-ignore lint/suspicious/noExplicitAny: documents are checked field by field
  state: (service: string) => Promise<{ raw: string | null; doc: any; history: HistoryEntry[] }>;
}

export async function startCliRouter(
  bindings: Record<string, string> = {},
  options: MiniflareRouterOptions = {},
): Promise<CliRouter> {
  const router = await startMiniflareRouter(
    {
      ADMIN_TOKEN: "cli-admin-token-at-least-32-bytes",
      OVERRIDE_TOKEN: "cli-override-token",
      ...bindings,
    },
    options,
  );
  const env = {
    ROUTER_URL: router.url,
    ROUTER_ADMIN_TOKEN: router.adminToken,
    OVERRIDE_TOKEN: router.overrideToken,
  };
  return {
    ...router,
    env,
    cli: (args, extra = {}) => runCliInProcess(args, { ...env, ...extra }),
    cliProcess: (args, extra = {}) => runCli(args, { ...env, ...extra }),
    spawn: (args, extra = {}) => spawnCli(args, { ...env, ...extra }),
    seed: (key, value) =>
      router.kv.put(key, typeof value === "string" ? value : JSON.stringify(value)),
    state: async (service) => {
      const raw = await router.kv.get(`service:${service}`);
      const history = await router.kv.get(`history:${service}`);
      return {
        raw,
        doc: raw === null ? null : JSON.parse(raw),
        history: history === null ? [] : JSON.parse(history),
      };
    },
  };
}
