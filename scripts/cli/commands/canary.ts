/**
 * `router canary set|ramp|kill|remove`: the canary of a service.
 *
 * Layer: CLI, the registry's canary.set|ramp|kill|remove edits
 * (src/document/edits/canary.ts).
 */

import { RAMP_LADDER } from "../../../src/document/edits/canary.ts";
import { formatBp } from "../../../src/document/edits/shares.ts";
import { parse, positional, shareFrom, shareOption, usage } from "../cli.ts";
import { type Command, group } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { WRITE_HELP, WRITE_OPTIONS, write } from "../write.ts";

const set: Command = {
  name: "set",
  summary: "start a canary, or change its origin or share (resumes a killed one)",
  help: `Usage: router canary set <service> [origin] (--share <pct> | --bp <n>) [options]

Sends a share of users (by user id) to the canary origin. The same origin
keeps its salt, so users already in the canary stay in it; a new origin gets
a new salt (a fresh sample of users) unless --salt is given.

Options:
  --share <pct>         share of users, e.g. 5% or 0.5% (whole basis points only)
  --bp <n>              the share in basis points (100 = 1%)
  --origin-url <url>    add [origin] with this URL to the document first
  --salt <salt>         hash salt (changing it reshuffles who is in the canary)
${WRITE_HELP}

Example:
  router canary set fraud canary --share 5%`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...WRITE_OPTIONS,
      share: { type: "string" },
      bp: { type: "string" },
      "origin-url": { type: "string" },
      salt: { type: "string" },
    });
    const service = positional(positionals, 0, "service");
    const shareBp = shareFrom(values);
    if (shareBp === undefined) throw usage("canary set needs --share <pct> or --bp <n>");
    const args = {
      shareBp,
      ...(positionals[1] !== undefined ? { origin: positionals[1] } : {}),
      ...(values["origin-url"] !== undefined ? { url: values["origin-url"] as string } : {}),
      ...(values.salt !== undefined ? { salt: values.salt as string } : {}),
    };
    await write({ service, values, edit: "canary.set", args });
  },
};

const ramp: Command = {
  name: "ramp",
  summary: `move the canary to the next ladder step (${RAMP_LADDER.map(formatBp).join(", ")}) or --to`,
  help: `Usage: router canary ramp <service> [--to <pct>] [options]

Raises the canary to the next step of the ladder ${RAMP_LADDER.map(formatBp).join(" -> ")},
or to --to. Users already in the canary stay in it. A killed canary is not
ramped: resume it with \`canary set\`.

Options:
  --to <share>          target share: 25%, 0.5% or 2500bp
${WRITE_HELP}

Example:
  router canary ramp fraud           # 10% -> 25%
  router canary ramp fraud --to 50%`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...WRITE_OPTIONS, to: { type: "string" } });
    const service = positional(positionals, 0, "service");
    const to = values.to === undefined ? undefined : shareOption(values.to as string, "--to");
    await write({
      service,
      values,
      edit: "canary.ramp",
      args: to === undefined ? {} : { toBp: to },
    });
  },
};

const kill: Command = {
  name: "kill",
  destructive: true,
  summary: "kill switch: send every canary user back to live now",
  help: `Usage: router canary kill <service> [options]

Sets canary.killed: every user goes to live on the next routing read. The
share and salt stay in the document; \`canary set\` resumes.

${WRITE_HELP}

Example:
  router canary kill fraud --url https://router.example.com`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const service = positional(positionals, 0, "service");
    await write({ service, values, edit: "canary.kill", args: {} });
  },
};

const remove: Command = {
  name: "remove",
  destructive: true,
  summary: "remove the canary block (its origin stays in origins)",
  help: `Usage: router canary remove <service> [options]

${WRITE_HELP}`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const service = positional(positionals, 0, "service");
    await write({ service, values, edit: "canary.remove", args: {} });
  },
};

export const canaryCommand = group("canary", SUMMARIES.canary, [set, ramp, kill, remove]);
