/**
 * The one path every CLI write takes:
 *   1. read the stored document and history (one wrangler run);
 *   2. compute the next document with a shared operation (src/document/edits/),
 *      stamped with nextVersion (one above every version seen in the
 *      document, history and last-good copy), and validated with the shared
 *      schema; refuse with field paths;
 *   3. print the diff; run the command's checks (a flip's smoke tests);
 *   4. stop here under --dry-run; ask under --confirm;
 *   5. LOST-UPDATE GUARD: re-read, and refuse (exit 3) if the stored
 *      document changed since step 1;
 *   6. `wrangler kv key put` the document, then the history with the
 *      replaced document appended.
 * KV has no compare-and-swap, so a write that lands between step 5 and 6
 * is still lost; see the README ("Lost updates").
 *
 * Layer: script (CLI).
 */
import { createInterface } from "node:readline/promises";
import { diffDocuments, formatDiff } from "../../src/document/edits/diff.ts";
import { recordWrite } from "../../src/document/edits/history.ts";
import type {
  Authorship,
  OperationMeta,
  OperationResult,
} from "../../src/document/edits/operation.ts";
import {
  diffBase,
  movedSince,
  nextVersion,
  type StoredService,
  storedVersion,
} from "../../src/document/edits/stored-service.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import { formatFieldErrors } from "../../src/document/validate.ts";
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
import { readService, writeService } from "./store.ts";

export interface CheckOutcome {
  ok: boolean;
  /** The check was skipped on purpose (recorded in the history). */
  forced?: boolean;
  report: unknown;
  text: string;
}

export interface WriteSpec {
  service: string;
  values: Values;
  compute: (stored: StoredService, meta: OperationMeta) => OperationResult;
  /** May the stored document be absent (create) or fail the schema (rollback, apply)? */
  allowMissing?: boolean;
  allowInvalid?: boolean;
  check?: (stored: StoredService, next: RoutingDocument) => Promise<CheckOutcome>;
}

export async function write(spec: WriteSpec): Promise<void> {
  const { service, values } = spec;
  const json = values.json === true;
  const target = kvTarget(values);
  const expectVersion = intOption(values, "expect-version");
  const who: Authorship = { author: author(values), now: new Date().toISOString() };

  const stored = await readService(service, target);
  if (stored.raw === null && !spec.allowMissing) {
    throw new CliError(
      EXIT.refused,
      "not_found",
      `no routing document for "${service}" (${targetLabel(target)})`,
    );
  }
  if (stored.raw !== null && !stored.doc && !spec.allowInvalid) {
    throw new CliError(
      EXIT.refused,
      "stored_document_invalid",
      `the stored document of "${service}" fails the schema; \`rollback\` or \`apply\` a fixed one:\n${formatFieldErrors(stored.errors)}`,
      stored.errors,
    );
  }
  const fromVersion = storedVersion(stored);
  if (expectVersion !== undefined && fromVersion !== expectVersion) {
    throw conflict(service, expectVersion, fromVersion, "--expect-version");
  }

  const meta: OperationMeta = { ...who, version: nextVersion(stored) };
  const result = spec.compute(stored, meta);
  if (!result.ok) {
    throw new CliError(
      EXIT.refused,
      "invalid_change",
      `refused (nothing written):\n${formatFieldErrors(result.errors)}`,
      result.errors,
    );
  }
  const next = result.doc;
  const diff = diffDocuments(diffBase(stored), next);
  const deleted = stored.raw === null && (stored.history.length > 0 || stored.lastGood !== null);
  const from =
    fromVersion ?? (stored.raw !== null ? "(unreadable)" : deleted ? "(deleted)" : "(none)");
  note(json, `${service}: version ${from} -> ${next.version}: ${result.change}`);
  note(json, formatDiff(diff));

  const check = spec.check ? await spec.check(stored, next) : null;
  if (check) note(json, check.text);
  const report = {
    service,
    target: targetLabel(target),
    change: result.change,
    fromVersion,
    version: next.version,
    diff,
    ...(check ? { check: check.report, forced: check.forced === true } : {}),
  };
  if (check && !check.ok) {
    throw new CliError(
      EXIT.refused,
      "check_failed",
      "refused: the checks failed; nothing written",
      [],
      report,
    );
  }
  if (values["dry-run"]) {
    output(
      json,
      { ok: true, dryRun: true, written: false, ...report, document: next },
      "dry run: nothing written",
    );
    return;
  }
  if (
    values.confirm &&
    !(await confirm(`Write ${service} version ${next.version} to ${targetLabel(target)}? [y/N] `))
  ) {
    throw new CliError(EXIT.refused, "aborted", "aborted; nothing written");
  }

  const fresh = await readService(service, target);
  const moved = movedSince(stored, fresh);
  if (moved) throw conflict(service, moved.expected, moved.actual, "re-read before writing");
  const history = recordWrite(fresh.history, {
    previous: fresh.json,
    next,
    change: result.change,
    source: "cli",
    forced: check?.forced === true,
  });
  const { historyError } = await writeService(service, next, history, target);
  if (historyError) {
    throw new CliError(
      EXIT.refused,
      "history_not_written",
      `wrote ${service} version ${next.version}, but its history entry was NOT written:\n${historyError}`,
      [],
      report,
    );
  }
  output(
    json,
    { ok: true, dryRun: false, written: true, ...report, document: next },
    `wrote ${service} version ${next.version} (${targetLabel(target)})`,
  );
}

function conflict(service: string, expected: unknown, actual: unknown, when: string): CliError {
  return new CliError(
    EXIT.conflict,
    "version_conflict",
    `refused: ${service} is at version ${actual ?? "(none)"}, not ${expected ?? "(none)"} (${when}); someone else wrote it. Nothing written; re-run to apply your change on top of theirs.`,
    [],
    { expectedVersion: expected, actualVersion: actual },
  );
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
