/**
 * `router rollback <service> [--to N]`: restore a previous document now.
 *
 * Layer: CLI, the registry's `rollback` edit (src/document/edits/
 * rollback.ts). Works even when the stored document is invalid, which is
 * often why one rolls back, and when it was deleted: then it restores the
 * newest good document known (the worker's last-good copy, else the
 * history's), the one command to recover from an accidental delete.
 */

import { intOption, parse, positional } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { WRITE_HELP, WRITE_OPTIONS, write } from "../write.ts";

export const rollbackCommand: Command = {
  name: "rollback",
  summary: SUMMARIES.rollback,
  help: `Usage: router rollback <service> [--to <version>] [options]

Restores the document the latest write replaced, or version N from the
history (\`router history <service>\` lists them; when a version number
appears twice, the newest one). The restored document is written as a NEW
version, one above every version the service has had, and recorded in the
history, so a rollback can itself be rolled back.

When the document was deleted (or written around the CLI), it restores the
newest good document known: the worker's last-good copy, else the newest
valid one in the history. Without a router at all, \`--direct\` does the
same through wrangler (add --remote for the account's KV).

Options:
  --to <version>        the version to restore (default: the previous one)
${WRITE_HELP}

Examples:
  router rollback fraud --url https://router.example.com   # the new model is bad
  router rollback fraud --direct --remote    # no router answers: break glass`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...WRITE_OPTIONS, to: { type: "string" } });
    const service = positional(positionals, 0, "service");
    const toVersion = intOption(values, "to");
    await write({
      service,
      values,
      edit: "rollback",
      args: toVersion === undefined ? {} : { toVersion },
    });
  },
};
