/**
 * Where a CLI command acts. By default: the admin API of a running router
 * (`--url`, else `ROUTER_URL`, else http://127.0.0.1:8787, what `npm start`
 * serves), with its admin token from ROUTER_ADMIN_TOKEN, else ADMIN_TOKEN,
 * else (for a router on this machine only) ADMIN_TOKEN in .dev.vars. With
 * `--direct`: Workers KV through wrangler, the break-glass path that needs
 * no router (--local by default, --remote for the account, --preview,
 * --persist-to).
 *
 * Layer: CLI.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  CliError,
  COMMON_HELP,
  COMMON_OPTIONS,
  EXIT,
  type Options,
  usage,
  type Values,
} from "./cli.ts";
import { type KvTarget, ROOT } from "./wrangler.ts";

export const DEFAULT_ROUTER_URL = "http://127.0.0.1:8787";

/** The router's URL and admin token, for the admin API. */
export const ROUTER_OPTIONS = {
  url: { type: "string" },
  "router-url": { type: "string" },
  ...COMMON_OPTIONS,
} satisfies Options;

/** Options of every command that reads or writes documents. */
export const TARGET_OPTIONS = {
  ...ROUTER_OPTIONS,
  direct: { type: "boolean" },
  local: { type: "boolean" },
  remote: { type: "boolean" },
  preview: { type: "boolean" },
  "persist-to": { type: "string" },
} satisfies Options;

const ROUTER_LINES = `  --url <url>           the router's URL (default $ROUTER_URL, else ${DEFAULT_ROUTER_URL},
                        what \`npm start\` serves); --router-url is the same option
  The admin token is $ROUTER_ADMIN_TOKEN, else $ADMIN_TOKEN, else (for a
  router on this machine) ADMIN_TOKEN in .dev.vars.`;

export const ROUTER_HELP = `Router options:
${ROUTER_LINES}
${COMMON_HELP}`;

export const TARGET_HELP = `Router options (the default: the running router's admin API):
${ROUTER_LINES}
Break-glass options (no router: Workers KV through wrangler):
  --direct              read and write KV with \`wrangler kv\`, running the same edits
  --local               local KV (the default with --direct; the state \`npm start\` uses)
  --remote              the Cloudflare account's KV namespace
  --preview             the binding's preview namespace (needs preview_id in wrangler.toml)
  --persist-to <dir>    local state directory (default .wrangler/state)
${COMMON_HELP}`;

export interface ApiTarget {
  mode: "api";
  url: string;
  token: string;
  /** Where the token came from, for the error when the router refuses it. */
  tokenSource: string;
  /** May the errors suggest --direct (false for commands that need the router)? */
  directHint: boolean;
}

export interface DirectTarget {
  mode: "direct";
  kv: KvTarget;
  /** "local", "local (<dir>)", "remote", with ", preview". */
  label: string;
  /** The router flip's smoke tests go through: given, else the local default (null with --remote). */
  routerUrl: string | null;
}

export type Target = ApiTarget | DirectTarget;

/** A variable from a dotenv-style file (`NAME=value`, optionally quoted); null when absent. */
export function devVar(name: string, file = join(ROOT, ".dev.vars")): string | null {
  if (!existsSync(file)) return null;
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => new RegExp(`^\\s*${name}\\s*=`).test(l));
  const value = line?.slice(line.indexOf("=") + 1).trim();
  return value ? value.replace(/^(["'])(.*)\1$/, "$2") : null;
}

/** --url (or its alias --router-url), else $ROUTER_URL; null when none is given. */
export function givenRouterUrl(values: Values): string | null {
  const url = values.url as string | undefined;
  const alias = values["router-url"] as string | undefined;
  if (url !== undefined && alias !== undefined && url !== alias) {
    throw usage("--url and --router-url are the same option: give one");
  }
  const given = url ?? alias ?? (process.env.ROUTER_URL || undefined);
  if (given === undefined) return null;
  const trimmed = given.replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(trimmed)) throw usage(`--url: "${given}" is not an http(s) URL`);
  return trimmed;
}

const isLoopback = (url: string) => {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
};

/** The admin API of the router at --url / $ROUTER_URL / the default. */
export function apiTarget(values: Values, directHint = true): ApiTarget {
  const url = givenRouterUrl(values) ?? DEFAULT_ROUTER_URL;
  const base = { mode: "api" as const, url, directHint };
  for (const name of ["ROUTER_ADMIN_TOKEN", "ADMIN_TOKEN"]) {
    const token = process.env[name];
    if (token) return { ...base, token, tokenSource: `${name} in the environment` };
  }
  // The local demo secret goes to a router on this machine only.
  const local = isLoopback(url);
  const token = local ? devVar("ADMIN_TOKEN") : null;
  if (token) return { ...base, token, tokenSource: "ADMIN_TOKEN in .dev.vars" };
  const hints = [
    "set ROUTER_ADMIN_TOKEN to the router's ADMIN_TOKEN secret",
    ...(local ? ["run `npm start` once to create .dev.vars"] : []),
    ...(directHint ? ["use --direct"] : []),
  ];
  throw new CliError(
    EXIT.refused,
    "no_admin_token",
    `no admin token for the router at ${url}: ${hints.join(", or ")}`,
  );
}

export function directTarget(values: Values): DirectTarget {
  if (values.local && values.remote) throw usage("--local and --remote exclude each other");
  const persistTo = values["persist-to"] as string | undefined;
  if (values.remote && persistTo) throw usage("--persist-to is for local state only");
  if (values.preview && !hasPreviewNamespace()) {
    throw usage(
      "--preview: the ROUTING binding has no preview_id in wrangler.toml, so there is no preview namespace",
    );
  }
  const kv: KvTarget = {
    ...(values.remote ? { remote: true } : {}),
    ...(persistTo ? { persistTo } : {}),
    ...(values.preview ? { preview: true } : {}),
  };
  const label = `${kv.remote ? "remote" : `local${kv.persistTo ? ` (${kv.persistTo})` : ""}`}${kv.preview ? ", preview" : ""}`;
  const routerUrl = givenRouterUrl(values) ?? (kv.remote ? null : DEFAULT_ROUTER_URL);
  return { mode: "direct", kv, label, routerUrl };
}

const DIRECT_ONLY = ["local", "remote", "preview", "persist-to"] as const;

/** The admin API, or KV with --direct; the KV options need --direct. */
export function targetOf(values: Values): Target {
  if (values.direct) return directTarget(values);
  const kvOption = DIRECT_ONLY.find((o) => values[o] !== undefined);
  if (kvOption) {
    throw usage(
      `--${kvOption} is a --direct option (KV through wrangler); against a router, give its --url instead`,
    );
  }
  return apiTarget(values);
}

export const targetLabel = (t: Target) => (t.mode === "api" ? t.url : t.label);

/**
 * Does the ROUTING binding have a preview namespace (`preview_id`)? Read with
 * wrangler's own config reader, the one `wrangler kv --preview` resolves the
 * namespace with, so TOML syntax, comments and other bindings' preview_id
 * cannot fool it. wrangler is loaded only here (about 1 s), on --preview.
 */
export function hasPreviewNamespace(config = join(ROOT, "wrangler.toml")): boolean {
  const require = createRequire(import.meta.url);
  const { unstable_readConfig } = require("wrangler") as typeof import("wrangler");
  // Its Config type comes from a package wrangler bundles (unresolved here): name the part read.
  const { kv_namespaces }: { kv_namespaces: { binding: string; preview_id?: string }[] } =
    unstable_readConfig({ config }, { hideWarnings: true });
  return kv_namespaces.some((ns) => ns.binding === "ROUTING" && Boolean(ns.preview_id));
}
