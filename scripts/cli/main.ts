/**
 * The `router` CLI as a function: the command list, the top-level help, and
 * runRouter(argv), which runs one command line and returns its exit code
 * (a failure printed on stderr, or with --json as the one envelope on
 * stdout). scripts/cli/router.ts runs it as a process; the tests also run
 * it in-process.
 *
 * Layer: CLI.
 */
import { CliError, EXIT, errorEnvelope } from "./cli.ts";
import { runCommand } from "./command.ts";
import { COMMANDS } from "./command-list.ts";
import { unknownMessage } from "./suggest.ts";
import { DEFAULT_ROUTER_URL } from "./target.ts";

const HELP = `Usage: router <command> [args] [options]

(router is node_modules/.bin/router, which npm install writes; put
node_modules/.bin on PATH, or run \`npm run router -- <command>\`.)

Rollout operations on the routing documents. Commands talk to a running
router's admin API: --url <url> (else $ROUTER_URL, else ${DEFAULT_ROUTER_URL},
what \`npm start\` serves), admin token $ROUTER_ADMIN_TOKEN (else $ADMIN_TOKEN,
else .dev.vars for a router on this machine). Every write runs the router's
one write pipeline: a dry run first (the diff; a flip's smoke tests), then
the write, refused if the document moved meanwhile, recorded in the
service's history.

Break glass: --direct reads and writes Workers KV with \`wrangler kv\`
(--local by default, --remote for the account), running the same edits
without any router.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`).join("\n")}

\`router <command> --help\` for each command's options.
--json prints one envelope: {"ok":true,"data":...} or
{"ok":false,"error":{"code","message","errors"?}}; times in ISO 8601.
Exit codes: 0 done, 1 refused or failed (also: unknown service, no router),
2 usage error, 3 the document moved meanwhile (re-run).`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const names = COMMANDS.map((c) => c.name);
    throw new CliError(
      EXIT.usage,
      "usage",
      `${unknownMessage("command", name, names)} (--help lists them)`,
    );
  }
  await runCommand(await entry.load(), rest);
  return EXIT.ok;
}

/** Runs one command line; its exit code (failures already printed). */
export async function runRouter(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  try {
    return await main(argv);
  } catch (err) {
    const e =
      err instanceof CliError
        ? err
        : new CliError(EXIT.refused, "failed", (err as Error).message ?? String(err));
    if (json) process.stdout.write(`${JSON.stringify(errorEnvelope(e), null, 2)}\n`);
    else if (e.message) process.stderr.write(`${e.message}\n`);
    return e.exitCode;
  }
}
