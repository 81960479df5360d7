/**
 * Smoke tests of the idle origin before a blue-green flip: a few sample
 * requests, sent THROUGH the router with the authenticated override
 * (x-router-override + x-router-override-token), so they exercise the same
 * path, headers and origin URL live traffic will use after the flip.
 *
 * Layer: script (CLI). Sample files: scripts/demo/smoke/<service>.json, an
 * array of cases:
 *   { "name"?, "method"? (POST), "path" (after the service prefix),
 *     "headers"?, "body"?, "expect"?: { "status"? (200), "jsonFields"?: ["score"] } }
 * A case passes when the status matches, x-model-variant names the origin
 * under test, the body is JSON and every listed field (dot path) is present.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { ROOT } from "./wrangler.ts";

const SmokeCase = z
  .object({
    name: z.string().optional(),
    method: z.string().default("POST"),
    path: z.string().startsWith("/"),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    expect: z
      .object({
        status: z.number().int().default(200),
        jsonFields: z.array(z.string()).default([]),
      })
      .default({ status: 200, jsonFields: [] }),
  })
  .strict();
export type SmokeCase = z.output<typeof SmokeCase>;

export interface SmokeResult {
  name: string;
  ok: boolean;
  status: number | null;
  variant: string | null;
  ms: number;
  problems: string[];
}

/** The smoke file `router init` writes beside a document. */
export const smokeFileBeside = (documentFile: string, service: string) =>
  join(dirname(documentFile), `${service}.smoke.json`);

/**
 * Where `router flip` looks for a service's sample requests when no
 * --smoke-file is given: $ROUTER_SMOKE_DIR/<service>.smoke.json, then
 * ./<service>.smoke.json (what `router init` writes beside a document), then
 * the demo's scripts/demo/smoke/<service>.json. The first that exists; else
 * the first place, for the message.
 */
export function defaultSmokeFile(service: string): string {
  const dir = process.env.ROUTER_SMOKE_DIR;
  const places = [
    ...(dir ? [join(dir, `${service}.smoke.json`)] : []),
    join(process.cwd(), `${service}.smoke.json`),
    join(ROOT, "scripts", "demo", "smoke", `${service}.json`),
  ];
  return places.find((p) => existsSync(p)) ?? (places[0] as string);
}

export function loadSmokeCases(path: string): SmokeCase[] {
  if (!existsSync(path)) throw new Error(`no smoke test file at ${path}`);
  const parsed = z
    .array(SmokeCase)
    .min(1)
    .safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${path}: ${first?.path.join(".")}: ${first?.message}`);
  }
  return parsed.data;
}

/** OVERRIDE_TOKEN from the environment, else from the project's .dev.vars. */
export function overrideToken(): string | null {
  if (process.env.OVERRIDE_TOKEN) return process.env.OVERRIDE_TOKEN;
  const file = join(ROOT, ".dev.vars");
  if (!existsSync(file)) return null;
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => /^\s*OVERRIDE_TOKEN\s*=/.test(l));
  const value = line?.slice(line.indexOf("=") + 1).trim();
  return value ? value.replace(/^(["'])(.*)\1$/, "$2") : null;
}

const hasPath = (value: unknown, path: string) =>
  path.split(".").every((key) => {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
    return true;
  });

export interface SmokeRun {
  routerUrl: string;
  service: string;
  origin: string;
  token: string;
  timeoutMs?: number;
}

export async function runSmokeCase(run: SmokeRun, c: SmokeCase): Promise<SmokeResult> {
  const name = c.name ?? `${c.method} ${c.path}`;
  const started = performance.now();
  const problems: string[] = [];
  let status: number | null = null;
  let variant: string | null = null;
  try {
    const res = await fetch(`${run.routerUrl.replace(/\/$/, "")}/${run.service}${c.path}`, {
      method: c.method,
      headers: {
        ...(c.body !== undefined ? { "content-type": "application/json" } : {}),
        ...c.headers,
        "x-router-override": run.origin,
        "x-router-override-token": run.token,
      },
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
      signal: AbortSignal.timeout(run.timeoutMs ?? 10_000),
    });
    status = res.status;
    variant = res.headers.get("x-model-variant");
    const text = await res.text();
    if (status !== c.expect.status) problems.push(`status ${status}, expected ${c.expect.status}`);
    if (variant !== run.origin)
      problems.push(`served by ${variant ?? "nobody"}, not ${run.origin}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      problems.push(`body is not JSON: ${text.slice(0, 80)}`);
    }
    if (json !== undefined) {
      const missing = c.expect.jsonFields.filter((f) => !hasPath(json, f));
      if (missing.length > 0) problems.push(`JSON lacks ${missing.join(", ")}`);
    }
  } catch (err) {
    problems.push(`request failed: ${(err as Error).message}`);
  }
  const ms = Math.round(performance.now() - started);
  return { name, ok: problems.length === 0, status, variant, ms, problems };
}

export async function runSmoke(run: SmokeRun, cases: SmokeCase[]): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const c of cases) results.push(await runSmokeCase(run, c));
  return results;
}

export const formatSmoke = (results: SmokeResult[]) =>
  results
    .map(
      (r) =>
        `  ${r.ok ? "pass" : "FAIL"}  ${r.name}  (${r.status ?? "-"}, ${r.ms} ms)${r.ok ? "" : `: ${r.problems.join("; ")}`}`,
    )
    .join("\n");
