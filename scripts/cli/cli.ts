/**
 * Shared plumbing of the `router` CLI: option parsing (with "did you mean"),
 * the author, share parsing, output in one JSON envelope (or human text) and
 * exit codes. Where a command acts (a router's admin API, or KV with
 * --direct) is scripts/cli/target.ts.
 *
 * Layer: CLI (top floor, beside src/http/). Exit codes: 0 done; 1 refused
 * or failed (invalid change, failed smoke test, missing document, no
 * router); 2 usage error; 3 the stored document moved while this command
 * ran (lost-update guard; re-run it). Every --json output is one envelope:
 * `{ "ok": true, "data": ... }` or `{ "ok": false, "error": { "code",
 * "message", "errors"?, ... } }`, with times in ISO 8601.
 */
import { hostname, userInfo } from "node:os";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { parseBasisPoints, parsePercent } from "../../src/document/edits/shares.ts";
import type { FieldError } from "../../src/document/field-errors.ts";
import { unknownMessage } from "./suggest.ts";

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

export type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies Options;

export const COMMON_HELP = `General options:
  --json                one JSON envelope on stdout: {"ok":true,"data":...}
                        or {"ok":false,"error":{"code","message","errors"?}}
  -h, --help            this help`;

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
    const e = err as Error & { code?: string };
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(e.message)?.[1];
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
      const names = Object.keys(options).map((o) => `--${o}`);
      throw usage(unknownMessage("option", unknown, names));
    }
    throw usage(e.message);
  }
}

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

/** Prints a result: the JSON envelope when asked, else the human text. */
export function output(json: boolean | undefined, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify({ ok: true, data }, null, 2)}\n` : `${text}\n`);
}

/** The JSON envelope of a failure: its code, message, field errors and details. */
export function errorEnvelope(e: CliError): { ok: false; error: Record<string, unknown> } {
  return {
    ok: false,
    error: {
      ...e.detail,
      code: e.code,
      message: e.message,
      ...(e.errors.length > 0 ? { errors: e.errors } : {}),
    },
  };
}

/** A line of progress for humans; silent under --json (stdout stays one JSON value). */
export function note(json: boolean | undefined, text: string): void {
  if (!json) process.stdout.write(`${text}\n`);
}
