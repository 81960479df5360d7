/**
 * `--help` on every command and subcommand of the router CLI: exit 0, a
 * usage line, and no KV access (fast). Titles come from the command list.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "./cli-support.ts";

const commands = [
  ["status"],
  ["flip"],
  ["canary"],
  ["canary", "set"],
  ["canary", "ramp"],
  ["canary", "kill"],
  ["canary", "remove"],
  ["challenger"],
  ["challenger", "add"],
  ["challenger", "set"],
  ["challenger", "remove"],
  ["challenger", "promote"],
  ["shadow"],
  ["shadow", "on"],
  ["shadow", "off"],
  ["shadow", "set"],
  ["shadow", "remove"],
  ["rollback"],
  ["history"],
  ["assign"],
  ["validate"],
  ["apply"],
];

describe("router --help", { timeout: 30_000 }, () => {
  it("lists every command", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const [name] of commands) expect(run.stdout).toContain(`  ${name} `);
  });

  it.each(commands.map((c) => [c.join(" "), c]))("%s --help", async (_title, command) => {
    const run = await runCli([...command, "--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Usage: npm run router -- ${command.join(" ")}`);
  });

  it("an unknown command or option is a usage error (exit 2)", async () => {
    expect((await runCli(["deploy"])).code).toBe(2);
    const bad = await runCli(["flip", "fraud", "--frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("frobnicate");
  });
});
