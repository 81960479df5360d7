/**
 * Shared plumbing of the `router` CLI: option parsing, the KV target, the
 * author, share parsing, output (human or --json) and exit codes.
 *
 * Layer: script (CLI). Exit codes: 0 done; 1 refused or failed (invalid
 * change, failed smoke test, missing document); 2 usage error; 3 the stored
 * document moved while this command ran (lost-update guard; re-run it).
 */
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { parseBasisPoints, parsePercent } from "../../src/document/edits/shares.ts";
import type { FieldError } from "../../src/document/validate.ts";
import { type KvTarget, ROOT } from "../lib/wrangler.ts";

export const EXIT = { ok: 0, refused: 1, usage: 2, conflict: 3 } as const;

/** A failure that ends the command with a message (and field errors, if any). */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  readonly errors: FieldError[];
  readonly detail: Record<string, unknown>;
  constructor(
    exitCode: number,
    code: string,
    message: string,
    errors: FieldError[] = [],
    detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.exitCode = exitCode;
    this.code = code;
    this.errors = errors;
    this.detail = detail;
  }
}

export const usage = (message: string) => new CliError(EXIT.usage, "usage", message);

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options every KV command takes. */
export const KV_OPTIONS = {
  local: { type: "boolean" },
  remote: { type: "boolean" },
  preview: { type: "boolean" },
  "persist-to": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies Options;

export const KV_HELP = `KV options:
  --local               local KV (the default; the state \`npm start\` uses)
  --remote              the Cloudflare account's KV namespace
  --preview             the binding's preview namespace (needs preview_id in wrangler.toml)
  --persist-to <dir>    local state directory (default .wrangler/state)
  --json                machine-readable output
  -h, --help            this help`;

/** Options every write command takes. */
export const WRITE_OPTIONS = {
  ...KV_OPTIONS,
  "dry-run": { type: "boolean" },
  confirm: { type: "boolean" },
  "expect-version": { type: "string" },
  author: { type: "string" },
} satisfies Options;

export const WRITE_HELP = `${KV_HELP}
Write options:
  --dry-run             print the diff and write nothing
  --confirm             ask before writing
  --expect-version <n>  refuse unless the stored document is version n
  --author <name>       recorded as updatedBy (default $ROUTER_AUTHOR or user@host)`;

export type Values = Record<string, string | boolean | undefined>;

export function parse(argv: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    throw usage((err as Error).message);
  }
}

export function kvTarget(values: Values): KvTarget {
  if (values.local && values.remote) throw usage("--local and --remote exclude each other");
  const persistTo = values["persist-to"] as string | undefined;
  if (values.remote && persistTo) throw usage("--persist-to is for local state only");
  if (values.preview && !hasPreviewNamespace()) {
    throw usage(
      "--preview: the ROUTING binding has no preview_id in wrangler.toml, so there is no preview namespace",
    );
  }
  return {
    ...(values.remote ? { remote: true } : {}),
    ...(persistTo ? { persistTo } : {}),
    ...(values.preview ? { preview: true } : {}),
  };
}

function hasPreviewNamespace(): boolean {
  return /^\s*preview_id\s*=/m.test(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
}

export const targetLabel = (t: KvTarget) =>
  `${t.remote ? "remote" : `local${t.persistTo ? ` (${t.persistTo})` : ""}`}${t.preview ? ", preview" : ""}`;

export function author(values: Values): string {
  const given = (values.author as string | undefined) ?? process.env.ROUTER_AUTHOR;
  if (given) return given;
  return `${userInfo().username}@${hostname()}`;
}

/** "5%", "0.5%", "500bp" -> basis points. A bare number is ambiguous and refused. */
export function shareOption(text: string, option: string): number {
  const t = text.trim();
  const parsed = t.endsWith("bp") ? parseBasisPoints(t.slice(0, -2)) : parsePercent(t);
  if (!parsed.ok) {
    throw usage(`${option}: ${parsed.message} (write a percentage like 5% or 0.5%, or 500bp)`);
  }
  return parsed.bp;
}

/** The share from --share <pct> or --bp <n>; undefined when neither is given. */
export function shareFrom(values: Values): number | undefined {
  if (values.share !== undefined && values.bp !== undefined) {
    throw usage("give --share or --bp, not both");
  }
  if (values.share !== undefined) return shareOption(values.share as string, "--share");
  if (values.bp !== undefined) return shareOption(`${values.bp}bp`, "--bp");
  return undefined;
}

export function intOption(values: Values, name: string): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  if (typeof text !== "string" || !/^\d+$/.test(text)) {
    throw usage(`--${name} must be a whole number`);
  }
  return Number(text);
}

export function positional(positionals: string[], i: number, name: string): string {
  const value = positionals[i];
  if (value === undefined) throw usage(`missing <${name}>`);
  return value;
}

/** Prints a result: JSON when asked, else the human text. */
export function output(json: boolean | undefined, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
}

/** A line of progress for humans; silent under --json (stdout stays one JSON value). */
export function note(json: boolean | undefined, text: string): void {
  if (!json) process.stdout.write(`${text}\n`);
}
