/**
 * What a CLI command is, and command groups (`canary set|ramp|kill|remove`).
 *
 * Layer: CLI. Every command and group answers `--help`; an unknown
 * subcommand is a usage error that names the closest one.
 */
import { usage } from "./cli.ts";
import { unknownMessage } from "./suggest.ts";

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  run: (argv: string[]) => Promise<void>;
  /** A group answers --help itself (`canary --help` vs `canary set --help`); so does a command that prints its own. */
  group?: true;
  /** It takes traffic away or removes something (kill, remove, abort, promote): never suggested for a typo. */
  destructive?: true;
}

export const wantsHelp = (argv: string[]) => argv.includes("--help") || argv.includes("-h");

/** Runs `command` unless --help was asked for. */
export async function runCommand(command: Command, argv: string[]): Promise<void> {
  if (!command.group && wantsHelp(argv)) {
    process.stdout.write(`${command.help.trimEnd()}\n`);
    return;
  }
  await command.run(argv);
}

export function group(name: string, summary: string, subcommands: Command[]): Command {
  const help = `Usage: router ${name} <${subcommands.map((c) => c.name).join("|")}> [args]

${summary}

Commands:
${subcommands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n")}

\`router ${name} <command> --help\` for each command's options.`;
  return {
    name,
    summary,
    help,
    group: true,
    run: async (argv) => {
      const [sub, ...rest] = argv;
      const command = subcommands.find((c) => c.name === sub);
      if (!command) {
        if (sub === undefined || sub === "--help" || sub === "-h") {
          process.stdout.write(`${help}\n`);
          if (sub === undefined) throw usage(`${name}: missing a command`);
          return;
        }
        const names = subcommands.map((c) => c.name);
        // A typo is never answered with a command that takes traffic away or removes something.
        const safe = subcommands.filter((c) => !c.destructive).map((c) => c.name);
        throw usage(`${name}: ${unknownMessage("command", sub, safe)} (${names.join(", ")})`);
      }
      await runCommand(command, rest);
    },
  };
}
