/**
 * `router history <service>`: past writes in write order (newest first),
 * which versions can be restored, and what is odd about the current state
 * (a document written around the CLI, a version below one seen before, a
 * deleted document).
 *
 * Layer: script (CLI) over src/document/edits/history.ts and src/document/edits/.
 */
import { currentWriteIndex, restorableVersions } from "../../../src/document/edits/rollback.ts";
import {
  nextVersion,
  storedVersion,
  validLastGood,
  versionRegression,
} from "../../../src/document/edits/stored-service.ts";
import { intOption, KV_HELP, KV_OPTIONS, kvTarget, output, parse, positional } from "../cli.ts";
import type { Command } from "../command.ts";
import { readService } from "../store.ts";

export const historyCommand: Command = {
  name: "history",
  summary: "past versions with time, author and change",
  help: `Usage: npm run router -- history <service> [--limit <n>] [options]

Lists the writes the CLI, the admin API and the rollout analyzer made, in
write order (newest first, at most 50 kept), and the versions
\`rollback --to\` can restore. --json includes the replaced documents.

Options:
  --limit <n>           show the newest n entries (default 20)
${KV_HELP}

Example:
  npm run router -- history fraud`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...KV_OPTIONS, limit: { type: "string" } });
    const service = positional(positionals, 0, "service");
    const limit = intOption(values, "limit") ?? 20;
    const stored = await readService(service, kvTarget(values));
    const entries = [...stored.history].reverse();
    const restorable = restorableVersions(stored);
    const current = storedVersion(stored);
    const writtenBy = currentWriteIndex(stored);
    const newestFirstIndex = writtenBy < 0 ? -1 : stored.history.length - 1 - writtenBy;
    const regression = versionRegression(stored);
    const lastGood = validLastGood(stored);
    const head =
      stored.raw === null && lastGood
        ? `${service}: document deleted; the router serves last-good version ${lastGood.version} (\`rollback\` restores it)`
        : `${service}: current version ${current ?? "(none)"}${stored.doc ? ` (live ${stored.doc.live})` : stored.raw !== null ? " (INVALID)" : ""}`;
    const lines = [
      head,
      ...(regression
        ? [
            `  WARNING: version ${regression.version} is below the highest version seen (${regression.highest}): a stale copy was put around the CLI; the next write is version ${regression.next}`,
          ]
        : []),
      ...(stored.raw !== null && writtenBy < 0 && entries.length > 0
        ? ["  (the current document was written around the CLI: it is not in this history)"]
        : []),
      ...entries
        .slice(0, limit)
        .map(
          (e, i) =>
            `  v${String(e.version).padEnd(4)} ${e.updatedAt}  ${e.updatedBy}  [${e.source}]  ${e.change}${e.forced ? "  (FORCED)" : ""}${i === newestFirstIndex && i > 0 ? "  <- current" : ""}`,
        ),
      entries.length === 0 ? "  (no history yet)" : "",
      `restorable versions: ${restorable.join(", ") || "none"}`,
    ].filter((l) => l !== "");
    if (stored.droppedHistory > 0)
      lines.push(`(${stored.droppedHistory} unreadable entries skipped)`);
    output(
      values.json as boolean | undefined,
      {
        service,
        currentVersion: current,
        nextVersion: nextVersion(stored),
        currentRecorded: writtenBy >= 0,
        versionRegression: regression,
        restorable,
        entries,
        dropped: stored.droppedHistory,
      },
      lines.join("\n"),
    );
  },
};
