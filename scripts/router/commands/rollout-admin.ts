/**
 * The rollout commands' client of the admin API of a running router
 * (`/_router/admin/services/<service>/rollout...`): where the router is,
 * its ADMIN_TOKEN, one request, and errors an operator can act on.
 *
 * Layer: script (CLI). The analyzer runs inside the Worker (it reads the
 * metrics the router's isolates write), so these commands ask the router
 * rather than KV. Token: ADMIN_TOKEN from the environment, else from the
 * project's .dev.vars (what `npm start` gives `wrangler dev`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AnalysisOutcome } from "../../../src/app/rollout/analyzer.ts";
import type { GateResult } from "../../../src/core/rollout/gates.ts";
import type { StoredRolloutStatus } from "../../../src/core/rollout/rollout-status.ts";
import type {
  ArmView,
  RolloutView as CoreRolloutView,
} from "../../../src/core/rollout/rollout-view.ts";
import type { Verdict } from "../../../src/core/rollout/state-machine.ts";
import type { RolloutPlan } from "../../../src/document/rollout-plan.ts";
import { ROOT } from "../../lib/wrangler.ts";
import { CliError, EXIT, usage, type Values } from "../cli.ts";

export const DEFAULT_ROUTER_URL = "http://127.0.0.1:8787";
const TIMEOUT_MS = 15_000;

export const ADMIN_OPTIONS = {
  "router-url": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const ADMIN_HELP = `Router options:
  --router-url <url>    the running router (default ${DEFAULT_ROUTER_URL}, what \`npm start\` serves)
  --json                machine-readable output
  -h, --help            this help
The admin token is ADMIN_TOKEN from the environment, else from .dev.vars.`;

/** GET /_router/admin/services/<service>/rollout: the one rollout view (src/core/rollout/rollout-view.ts). */
export type RolloutView = CoreRolloutView<RolloutPlan>;
export type { AnalysisOutcome, ArmView };

export interface AdminTarget {
  url: string;
  token: string;
  /** Where the token came from, for the error when the router refuses it. */
  tokenSource: string;
}

/** A variable from a dotenv-style file (`NAME=value`, optionally quoted); null when absent. */
export function devVar(name: string, file = join(ROOT, ".dev.vars")): string | null {
  if (!existsSync(file)) return null;
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => new RegExp(`^\\s*${name}\\s*=`).test(l));
  const value = line?.slice(line.indexOf("=") + 1).trim();
  return value ? value.replace(/^(["'])(.*)\1$/, "$2") : null;
}

export function adminTarget(values: Values): AdminTarget {
  const url = ((values["router-url"] as string | undefined) ?? DEFAULT_ROUTER_URL).replace(
    /\/+$/,
    "",
  );
  if (!/^https?:\/\/[^/]/.test(url)) throw usage(`--router-url: "${url}" is not an http(s) URL`);
  if (process.env.ADMIN_TOKEN) {
    return { url, token: process.env.ADMIN_TOKEN, tokenSource: "ADMIN_TOKEN in the environment" };
  }
  const token = devVar("ADMIN_TOKEN");
  if (!token) {
    throw new CliError(
      EXIT.refused,
      "no_admin_token",
      "no admin token: set ADMIN_TOKEN in the environment (the router's ADMIN_TOKEN secret), or run `npm start` once to create .dev.vars",
    );
  }
  return { url, token, tokenSource: "ADMIN_TOKEN in .dev.vars" };
}

/** One admin API call; non-2xx answers become CliErrors with the router's code and message. */
export async function adminCall<T>(
  target: AdminTarget,
  method: "GET" | "POST",
  path: string,
  author?: string,
): Promise<T> {
  const url = `${target.url}/_router/admin${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(author ? { "x-router-author": author } : {}),
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === "TimeoutError"
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new CliError(
      EXIT.refused,
      "router_unreachable",
      `cannot reach the router at ${target.url} (${why}): is \`npm start\` running? (or give --router-url)`,
      [],
      { routerUrl: target.url },
    );
  }
  const text = await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  if (res.status === 401 || res.status === 403) {
    throw new CliError(
      EXIT.refused,
      "admin_token_refused",
      `the router at ${target.url} refused the admin token (${res.status}): ${target.tokenSource} is not the router's ADMIN_TOKEN`,
      [],
      { status: res.status },
    );
  }
  if (body === null) {
    throw new CliError(
      EXIT.refused,
      "not_a_router",
      `${url} answered ${res.status} without JSON: is --router-url the model router?`,
      [],
      { status: res.status },
    );
  }
  if (!res.ok) {
    const code = typeof body.error === "string" ? body.error : "admin_error";
    const message = typeof body.message === "string" ? body.message : `HTTP ${res.status}`;
    const { error: _e, message: _m, ...detail } = body;
    throw new CliError(
      code === "version_conflict" ? EXIT.conflict : EXIT.refused,
      code,
      `refused (${res.status}): ${message}`,
      Array.isArray(body.errors) ? (body.errors as CliError["errors"]) : [],
      { status: res.status, ...detail },
    );
  }
  return body as T;
}

export const rolloutPath = (service: string, action = "") =>
  `/services/${encodeURIComponent(service)}/rollout${action ? `/${action}` : ""}`;
