/**
 * Every CLI write: the one write pipeline (src/app/write-service.ts) over a
 * wrangler-backed ServiceStore (scripts/router/store.ts), with the CLI's
 * voice around it: the diff and the checks are printed, --dry-run stops
 * before writing, --confirm asks, and each typed refusal becomes a message
 * and an exit code (1 refused, 3 conflict).
 *
 * Layer: CLI (top floor, beside src/http/).
 */
import { createInterface } from "node:readline/promises";
import {
  type CheckOutcome,
  type ComputeWrite,
  type EditWrite,
  WriteRefused,
  writeService,
} from "../../src/app/write-service.ts";
import { formatDiff } from "../../src/document/edits/diff.ts";
import { storedVersion } from "../../src/document/edits/stored-service.ts";
import { formatFieldErrors } from "../../src/document/validate.ts";
import type { KvTarget } from "../lib/wrangler.ts";
import {
  author,
  CliError,
  EXIT,
  intOption,
  kvTarget,
  note,
  output,
  targetLabel,
  type Values,
} from "./cli.ts";
import { wranglerServiceStore } from "./store.ts";

export type { CheckOutcome };

type Pipeline = "service" | "meta" | "dryRun" | "source" | "expectedVersion" | "onPlan" | "confirm";
export type WriteSpec = { service: string; values: Values } & (
  | Omit<EditWrite, Pipeline>
  | Omit<ComputeWrite, Pipeline>
);

export async function write(spec: WriteSpec): Promise<void> {
  const { service, values } = spec;
  const json = values.json === true;
  const target = kvTarget(values);
  const { values: _values, ...rest } = spec;
  const check = spec.check;
  const pipeline = {
    ...rest,
    service,
    meta: { author: author(values), now: new Date().toISOString() },
    expectedVersion: intOption(values, "expect-version"),
    dryRun: values["dry-run"] === true,
    source: "cli" as const,
    onPlan: (plan, stored) => {
      const deleted =
        stored.raw === null && (stored.history.length > 0 || stored.lastGood !== null);
      const from =
        storedVersion(stored) ??
        (stored.raw !== null ? "(unreadable)" : deleted ? "(deleted)" : "(none)");
      note(json, `${service}: version ${from} -> ${plan.version}: ${plan.change}`);
      note(json, formatDiff(plan.diff));
    },
    ...(check
      ? {
          check: async (stored, next) => {
            const outcome = await check(stored, next);
            note(json, outcome.text);
            return outcome;
          },
        }
      : {}),
    confirm: values.confirm
      ? (plan) => ask(`Write ${service} version ${plan.version} to ${targetLabel(target)}? [y/N] `)
      : undefined,
  } as EditWrite | ComputeWrite;

  let result: Awaited<ReturnType<typeof writeService>>;
  try {
    result = await writeService(wranglerServiceStore(target), pipeline);
  } catch (err) {
    throw err instanceof WriteRefused ? refusal(err, service, target) : err;
  }
  const report = reportOf(result, target);
  output(
    json,
    {
      ok: true,
      dryRun: result.dryRun,
      written: result.written,
      ...report,
      document: result.document,
    },
    result.written
      ? `wrote ${service} version ${result.version} (${targetLabel(target)})`
      : "dry run: nothing written",
  );
}

function reportOf(
  r: {
    service: string;
    change: string;
    fromVersion: number | null;
    version: number;
    diff: unknown;
    check: CheckOutcome | null;
    forced: boolean;
  },
  target: KvTarget,
) {
  return {
    service: r.service,
    target: targetLabel(target),
    change: r.change,
    fromVersion: r.fromVersion,
    version: r.version,
    diff: r.diff,
    ...(r.check ? { check: r.check.report, forced: r.forced } : {}),
  };
}

/** The CLI's words and exit code for each refusal of the write pipeline. */
function refusal(err: WriteRefused, service: string, target: KvTarget): CliError {
  const report = err.report ? reportOf(err.report, target) : {};
  const detail = err.detail as { expectedVersion?: unknown; actualVersion?: unknown };
  switch (err.kind) {
    case "not_found":
      return new CliError(
        EXIT.refused,
        "not_found",
        `no routing document for "${service}" (${targetLabel(target)})`,
      );
    case "stored_document_invalid":
      return new CliError(
        EXIT.refused,
        "stored_document_invalid",
        `the stored document of "${service}" fails the schema; \`rollback\` or \`apply\` a fixed one:\n${formatFieldErrors(err.errors)}`,
        err.errors,
      );
    case "invalid_change":
      return new CliError(
        EXIT.refused,
        "invalid_change",
        `refused (nothing written):\n${formatFieldErrors(err.errors)}`,
        err.errors,
      );
    case "version_mismatch":
    case "version_conflict":
      return new CliError(
        EXIT.conflict,
        "version_conflict",
        `refused: ${service} is at version ${detail.actualVersion ?? "(none)"}, not ${detail.expectedVersion ?? "(none)"} (${err.kind === "version_mismatch" ? "--expect-version" : "re-read before writing"}); someone else wrote it. Nothing written; re-run to apply your change on top of theirs.`,
        [],
        { expectedVersion: detail.expectedVersion, actualVersion: detail.actualVersion },
      );
    case "history_not_written":
      return new CliError(EXIT.refused, "history_not_written", err.message, [], report);
    default:
      return new CliError(EXIT.refused, err.kind, err.message, [], report);
  }
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
