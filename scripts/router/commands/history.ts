/**
 * `router history <service>`: past writes, newest first, and which versions
 * can be restored.
 *
 * Layer: script (CLI) over src/history/history.ts.
 */
import { restorableVersions } from "../../../src/history/history.ts";
import { intOption, KV_HELP, KV_OPTIONS, kvTarget, output, parse, positional } from "../cli.ts";
import type { Command } from "../command.ts";
import { readService } from "../store.ts";

export const historyCommand: Command = {
  name: "history",
  summary: "past versions with time, author and change",
  help: `Usage: npm run router -- history <service> [--limit <n>] [options]

Lists the writes the CLI and the admin API made (newest first, at most 50
kept), and the versions \`rollback --to\` can restore. --json includes the
replaced documents.

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
    const restorable = restorableVersions(stored.history).map((r) => r.version);
    const current = stored.json?.version ?? null;
    const lines = [
      `${service}: current version ${current ?? "(none)"}${stored.doc ? ` (live ${stored.doc.live})` : stored.raw ? " (INVALID)" : ""}`,
      ...entries
        .slice(0, limit)
        .map(
          (e) =>
            `  v${String(e.version).padEnd(4)} ${e.updatedAt}  ${e.updatedBy}  [${e.source}]  ${e.change}${e.forced ? "  (FORCED)" : ""}`,
        ),
      entries.length === 0 ? "  (no history yet)" : "",
      `restorable versions: ${restorable.join(", ") || "none"}`,
    ].filter((l) => l !== "");
    if (stored.droppedHistory > 0)
      lines.push(`(${stored.droppedHistory} unreadable entries skipped)`);
    output(
      values.json as boolean | undefined,
      { service, currentVersion: current, restorable, entries, dropped: stored.droppedHistory },
      lines.join("\n"),
    );
  },
};
