/**
 * `router shadow on|off|set|remove`: mirror a share of requests to a shadow origin.
 *
 * Layer: CLI, the registry's shadow.on|off|set|remove edits
 * (src/document/edits/shadow.ts).
 */

import { CliError, EXIT, parse, positional, shareFrom } from "../cli.ts";
import { type Command, group } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { WRITE_HELP, WRITE_OPTIONS, write } from "../write.ts";

const SHARE_OPTIONS = { share: { type: "string" }, bp: { type: "string" } } as const;

const on: Command = {
  name: "on",
  summary: "mirror requests to a shadow origin (or resume a paused shadow)",
  help: `Usage: router shadow on <service> [origin] [--share <pct> | --bp <n>] [options]

Copies a share of requests to [origin]; clients only ever see the routed
arm's response. With no shadow yet, [origin] is required and the share
defaults to 100%; a paused shadow resumes with its settings. Tuning fields
(sampling, methods, paths, ...) are kept; edit them with \`apply\`.

Options:
  --share <pct>         share of requests mirrored
  --bp <n>              the share in basis points
${WRITE_HELP}

Example:
  router shadow on fraud green --share 10%`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...WRITE_OPTIONS, ...SHARE_OPTIONS });
    const service = positional(positionals, 0, "service");
    const shareBp = shareFrom(values);
    const args = {
      ...(positionals[1] !== undefined ? { origin: positionals[1] } : {}),
      ...(shareBp !== undefined ? { shareBp } : {}),
    };
    await write({ service, values, edit: "shadow.on", args });
  },
};

const set: Command = {
  name: "set",
  summary: "change the shadow origin or share",
  help: `Usage: router shadow set <service> [--origin <origin>] [--share <pct> | --bp <n>] [options]

${WRITE_HELP}`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...WRITE_OPTIONS,
      ...SHARE_OPTIONS,
      origin: { type: "string" },
    });
    const service = positional(positionals, 0, "service");
    const shareBp = shareFrom(values);
    const args = {
      ...(values.origin !== undefined ? { origin: values.origin as string } : {}),
      ...(shareBp !== undefined ? { shareBp } : {}),
    };
    await write({ service, values, edit: "shadow.set", args });
  },
};

const off: Command = {
  name: "off",
  destructive: true,
  summary: "pause mirroring (settings kept for shadow on)",
  help: `Usage: router shadow off <service> [options]

Sets shadow.enabled to false: nothing is mirrored, the settings stay.

${WRITE_HELP}`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const service = positional(positionals, 0, "service");
    await write({ service, values, edit: "shadow.off", args: {} });
  },
};

const remove: Command = {
  name: "remove",
  destructive: true,
  summary: "drop the shadow block from the document",
  help: `Usage: router shadow remove <service> [options]

${WRITE_HELP}`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const service = positional(positionals, 0, "service");
    await write({ service, values, edit: "shadow.remove", args: {} });
  },
};

/** The shadow report (scripts/cli/shadow/report.ts), which answers --help itself; `npm run shadow:report` is the same. */
const report: Command = {
  name: "report",
  summary: "how the shadow's answers compare with production's: agreement, Δscore, latency, errors",
  help: "",
  group: true,
  run: async (argv) => {
    const code = await (await import("../shadow/report.ts")).main(argv);
    // The report printed its own failure.
    if (code !== EXIT.ok) throw new CliError(code, "shadow_report", "");
  },
};

export const shadowCommand = group("shadow", SUMMARIES.shadow, [report, on, off, set, remove]);
