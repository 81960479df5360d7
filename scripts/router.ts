/**
 * `npm run router -- <command>`: rollout operations on the routing
 * documents in Workers KV (local by default, --remote for the account).
 *
 * Layer: script (CLI entry). Each command lives in scripts/router/commands/;
 * every document change goes through the shared operations in
 * src/document/edits/ and the write path in scripts/router/write.ts.
 */
import { CliError, EXIT } from "./router/cli.ts";
import { type Command, runCommand } from "./router/command.ts";
import { applyCommand } from "./router/commands/apply.ts";
import { assignCommand } from "./router/commands/assign.ts";
import { canaryCommand } from "./router/commands/canary.ts";
import { challengerCommand } from "./router/commands/challenger.ts";
import { flipCommand } from "./router/commands/flip.ts";
import { historyCommand } from "./router/commands/history.ts";
import { rollbackCommand } from "./router/commands/rollback.ts";
import { rolloutCommand } from "./router/commands/rollout.ts";
import { shadowCommand } from "./router/commands/shadow.ts";
import { statusCommand } from "./router/commands/status.ts";
import { validateCommand } from "./router/commands/validate.ts";

const commands: Command[] = [
  statusCommand,
  flipCommand,
  canaryCommand,
  challengerCommand,
  shadowCommand,
  rolloutCommand,
  rollbackCommand,
  historyCommand,
  assignCommand,
  validateCommand,
  applyCommand,
];

const HELP = `Usage: npm run router -- <command> [args] [options]

Rollout operations on the routing documents in Workers KV. Every write reads
the current document, validates the change with the shared schema, prints a
diff, refuses if the document moved meanwhile, writes with
\`wrangler kv key put\` (--local by default, --remote for the account) and
records the replaced document in the service's history.

Commands:
${commands.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`).join("\n")}

\`npm run router -- <command> --help\` for each command's options.
Exit codes: 0 done, 1 refused or failed, 2 usage error, 3 the document moved
meanwhile (re-run).`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command)
    throw new CliError(EXIT.usage, "usage", `unknown command "${name}" (--help lists them)`);
  await runCommand(command, rest);
  return EXIT.ok;
}

const argv = process.argv.slice(2);
const json = argv.includes("--json");
try {
  process.exitCode = await main(argv);
} catch (err) {
  const e =
    err instanceof CliError
      ? err
      : new CliError(EXIT.refused, "failed", (err as Error).message ?? String(err));
  if (json) {
    const body = { ok: false, error: e.code, message: e.message, errors: e.errors, ...e.detail };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stderr.write(`${e.message}\n`);
  }
  process.exitCode = e.exitCode;
}
