/**
 * Every CLI write: a named edit of the registry (src/document/edits/
 * registry.ts) with its JSON arguments, run through the one write pipeline
 * by the router's admin API (or, with --direct, here over wrangler), with
 * the CLI's voice around it: the plan and the diff are printed, the
 * command's check runs (a flip's smoke tests), --dry-run stops there,
 * --confirm asks, and each refusal is a message and an exit code (1
 * refused, 3 conflict).
 *
 * Layer: CLI (top floor, beside src/http/).
 */
import { createInterface } from "node:readline/promises";
import { formatDiff } from "../../src/document/edits/diff.ts";
import type { EditArgs, EditName } from "../../src/document/edits/registry.ts";
import type { CheckOutcome, WritePlan } from "./backend.ts";
import { reportOf } from "./backend.ts";
import { author, intOption, note, type Options, output, type Values } from "./cli.ts";
import { connect } from "./connect.ts";
import { TARGET_HELP, TARGET_OPTIONS, type Target, targetLabel } from "./target.ts";

export type { CheckOutcome };

/** Options every write command takes. */
export const WRITE_OPTIONS = {
  ...TARGET_OPTIONS,
  "dry-run": { type: "boolean" },
  confirm: { type: "boolean" },
  "expect-version": { type: "string" },
  author: { type: "string" },
} satisfies Options;

export const WRITE_HELP = `Write options:
  --dry-run             print the diff and write nothing
  --confirm             ask before writing
  --expect-version <n>  refuse unless the stored document is version n
  --author <name>       recorded as updatedBy (default $ROUTER_AUTHOR or user@host)
${TARGET_HELP}`;

export interface WriteSpec<N extends EditName> {
  service: string;
  values: Values;
  edit: N;
  args: EditArgs<N>;
  /** Runs after the plan, before a dry run stops (a flip's smoke tests). */
  check?: (plan: WritePlan, target: Target) => Promise<CheckOutcome>;
}

/** "version 3", or what was stored instead of a versioned document. */
const fromText = (plan: WritePlan) =>
  plan.fromVersion ??
  (plan.fromState === "deleted"
    ? "(deleted)"
    : plan.fromState === "missing"
      ? "(none)"
      : "(unreadable)");

export async function write<N extends EditName>(spec: WriteSpec<N>): Promise<void> {
  const { service, values, check } = spec;
  const json = values.json === true;
  const { target, backend } = connect(values);
  const label = targetLabel(target);
  const outcome = await backend.write(
    {
      service,
      edit: spec.edit,
      args: spec.args as Record<string, unknown>,
      author: author(values),
      expectedVersion: intOption(values, "expect-version"),
      dryRun: values["dry-run"] === true,
    },
    {
      onPlan: (plan) => {
        note(json, `${service}: version ${fromText(plan)} -> ${plan.version}: ${plan.change}`);
        note(json, formatDiff(plan.diff));
      },
      check: check
        ? async (plan) => {
            const outcome = await check(plan, target);
            note(json, outcome.text);
            return outcome;
          }
        : undefined,
      confirm: values.confirm
        ? (plan) => ask(`Write ${service} version ${plan.version} to ${label}? [y/N] `)
        : undefined,
    },
  );
  output(
    json,
    {
      dryRun: outcome.dryRun,
      written: outcome.written,
      ...reportOf(outcome, label),
      document: outcome.document,
    },
    outcome.written
      ? outcome.fromState === "missing"
        ? `created ${service}: it had no document; wrote version ${outcome.version} (${label})`
        : `wrote ${service} version ${outcome.version} (${label})`
      : "dry run: nothing written",
  );
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
