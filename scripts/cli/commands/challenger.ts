/**
 * `router challenger add|set|remove|promote`: champion-challenger arms.
 *
 * Layer: CLI, the registry's challenger.add|set|remove|promote edits
 * (src/document/edits/challenger.ts).
 */

import { intOption, note, parse, positional, shareFrom, usage } from "../cli.ts";
import { type Command, group } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { WRITE_HELP, WRITE_OPTIONS, write } from "../write.ts";
import { challengerStatus, evidenceFor } from "./challenger-status.ts";

const SHARE_OPTIONS = {
  share: { type: "string" },
  bp: { type: "string" },
  "start-bp": { type: "string" },
} as const;

const add: Command = {
  name: "add",
  summary: "add a challenger with a fixed share (first free bucket range by default)",
  help: `Usage: router challenger add <service> <origin> (--share <pct> | --bp <n>) [options]

Gives <origin> a fixed range of the challenger hash. Without --start-bp it
takes the first free range that fits, so other challengers keep their users.

Options:
  --share <pct>         share, e.g. 5% (of users not in the canary)
  --bp <n>              the share in basis points
  --start-bp <n>        first bucket of the range (0..9999)
  --origin-url <url>    add <origin> with this URL to the document first
${WRITE_HELP}

Example:
  router challenger add fraud green --share 5%`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...WRITE_OPTIONS,
      ...SHARE_OPTIONS,
      "origin-url": { type: "string" },
    });
    const service = positional(positionals, 0, "service");
    const origin = positional(positionals, 1, "origin");
    const shareBp = shareFrom(values);
    if (shareBp === undefined) throw usage("challenger add needs --share <pct> or --bp <n>");
    const startBp = intOption(values, "start-bp");
    const args = {
      origin,
      shareBp,
      ...(startBp !== undefined ? { startBp } : {}),
      ...(values["origin-url"] !== undefined ? { url: values["origin-url"] as string } : {}),
    };
    await write({ service, values, edit: "challenger.add", args });
  },
};

const set: Command = {
  name: "set",
  summary: "change a challenger's share or start",
  help: `Usage: router challenger set <service> <origin> [--share <pct> | --bp <n>] [--start-bp <n>] [options]

Keeps the range's start unless --start-bp is given (moving it reshuffles
which users the challenger gets).

${WRITE_HELP}

Example:
  router challenger set fraud challenger-a --share 10%`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...WRITE_OPTIONS, ...SHARE_OPTIONS });
    const service = positional(positionals, 0, "service");
    const origin = positional(positionals, 1, "origin");
    const shareBp = shareFrom(values);
    const startBp = intOption(values, "start-bp");
    const args = {
      origin,
      ...(shareBp !== undefined ? { shareBp } : {}),
      ...(startBp !== undefined ? { startBp } : {}),
    };
    await write({ service, values, edit: "challenger.set", args });
  },
};

const remove: Command = {
  name: "remove",
  destructive: true,
  summary: "remove a challenger (its users go back to the champion)",
  help: `Usage: router challenger remove <service> <origin> [options]

${WRITE_HELP}`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const service = positional(positionals, 0, "service");
    const origin = positional(positionals, 1, "origin");
    await write({ service, values, edit: "challenger.remove", args: { origin } });
  },
};

const promote: Command = {
  name: "promote",
  destructive: true,
  summary: "the challenger becomes the champion (live); the old live stays as an origin",
  help: `Usage: router challenger promote <service> <origin> [options]

Makes <origin> live and removes it from the challengers. The previous live
origin stays in "origins" (idle), so \`flip\` or \`rollback\` can return to it.
First it prints the leaderboard's evidence on <origin> (\`challenger status\`),
with a warning when <origin> is not shown better than the champion.

${WRITE_HELP}

Example:
  router challenger promote fraud challenger-a`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const service = positional(positionals, 0, "service");
    const origin = positional(positionals, 1, "origin");
    // The evidence first (router mode): what the leaderboard says of this challenger.
    const evidence = await evidenceFor(values, service, origin);
    if (evidence) {
      note(values.json === true, `${evidence.text}\n`);
      if (evidence.warning) note(values.json === true, `warning: ${evidence.warning}\n`);
    }
    await write({ service, values, edit: "challenger.promote", args: { origin } });
  },
};

export const challengerCommand = group("challenger", SUMMARIES.challenger, [
  challengerStatus,
  add,
  set,
  remove,
  promote,
]);
