/**
 * `router history <service>`: past writes in write order (newest first),
 * which versions can be restored, and what is odd about the current state
 * (a document written around the CLI, a version below one seen before, a
 * deleted document).
 *
 * Layer: CLI, over the admin API's history (or KV with --direct; both give
 * the shape in scripts/cli/backend.ts).
 */

import { intOption, output, parse, positional } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { connect } from "../connect.ts";
import { TARGET_HELP, TARGET_OPTIONS } from "../target.ts";

export const historyCommand: Command = {
  name: "history",
  summary: SUMMARIES.history,
  help: `Usage: router history <service> [--limit <n>] [options]

Lists the writes the CLI, the admin API and the rollout analyzer made, in
write order (newest first, at most 50 kept), and the versions
\`rollback --to\` can restore. --json includes the replaced documents.

Options:
  --limit <n>           show the newest n entries (default 20)
${TARGET_HELP}

Example:
  router history fraud`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...TARGET_OPTIONS, limit: { type: "string" } });
    const service = positional(positionals, 0, "service");
    const limit = intOption(values, "limit") ?? 20;
    const json = values.json === true;
    const { backend } = connect(values);
    const h = await backend.history(service, json);
    const stored = h.state === "valid" || h.state === "invalid" || h.state === "unreadable";
    const head =
      h.state === "deleted" && h.lastGood
        ? `${service}: document deleted; the router serves last-good version ${h.lastGood.version} (\`rollback\` restores it)`
        : `${service}: current version ${h.currentVersion ?? "(none)"}${h.live ? ` (live ${h.live})` : stored ? " (INVALID)" : ""}`;
    const regression = h.versionRegression;
    const lines = [
      head,
      ...(regression
        ? [
            `  WARNING: version ${regression.version} is below the highest version seen (${regression.highest}): a stale copy was put around the CLI; the next write is version ${regression.next}`,
          ]
        : []),
      ...(stored && h.currentIndex === null && h.entries.length > 0
        ? ["  (the current document was written around the CLI: it is not in this history)"]
        : []),
      ...h.entries
        .slice(0, limit)
        .map(
          (e, i) =>
            `  v${String(e.version).padEnd(4)} ${e.updatedAt}  ${e.updatedBy}  [${e.source}]  ${e.change}${e.forced ? "  (FORCED)" : ""}${i === h.currentIndex && i > 0 ? "  <- current" : ""}`,
        ),
      h.entries.length === 0 ? "  (no history yet)" : "",
      `restorable versions: ${h.restorable.join(", ") || "none"}`,
    ].filter((l) => l !== "");
    if (h.dropped > 0) lines.push(`(${h.dropped} unreadable entries skipped)`);
    output(json, { ...h, currentRecorded: h.currentIndex !== null }, lines.join("\n"));
  },
};
