/**
 * `--help` on every command and subcommand of the router CLI: exit 0, a
 * usage line, and no router or KV access (fast). Titles come from the
 * command list. The top-level help and the usage errors run the CLI as a
 * process (its exit status); each command's help runs it in-process. Usage errors: an unknown command or option names the
 * closest one (exit 2); every --json failure is the one envelope; a router
 * that does not answer is a clear error (exit 1).
 */
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { closest, levenshtein } from "../../scripts/cli/suggest.ts";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import { runCli, runCliInProcess } from "./cli-support.ts";

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

/** Commands that read or write documents: both modes in their help. */
const documentCommands = commands.filter(
  (c) => !["canary", "challenger", "shadow", "validate"].includes(c.join(" ")),
);

describe("router --help", { timeout: 30_000 }, () => {
  it("lists every command and both modes", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const [name] of commands) expect(run.stdout).toContain(`  ${name} `);
    expect(run.stdout).toContain("$ROUTER_ADMIN_TOKEN");
    expect(run.stdout).toContain("--direct");
    expect(run.stdout).toContain('{"ok":true,"data":...}');
  });

  it.each(commands.map((c) => [c.join(" "), c]))("%s --help", async (_title, command) => {
    const run = await runCliInProcess([...command, "--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Usage: router ${command.join(" ")}`);
    if (documentCommands.includes(command)) {
      expect(run.stdout).toContain("--url <url>");
      expect(run.stdout).toContain("--direct");
    }
  });
});

describe("usage errors (exit 2) say what was meant", { timeout: 30_000 }, () => {
  it("Levenshtein distance and the closest name", () => {
    expect(levenshtein("flp", "flip")).toBe(1);
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(closest("stauts", ["status", "flip", "history"])).toBe("status");
    expect(closest("ROLLBAK", ["rollout", "rollback"])).toBe("rollback");
    expect(closest("x", [])).toBeNull();
  });

  it("an unknown command suggests the closest one", async () => {
    const run = await runCli(["stauts", "fraud"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command stauts; did you mean status?");
    const sub = await runCliInProcess(["canary", "ste", "fraud"]);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("canary: unknown command ste; did you mean set?");
    // Never a command that takes traffic away, and no guess when nothing is near.
    const kill = await runCliInProcess(["canary", "kil", "fraud"]);
    expect(kill.stderr).toContain("canary: unknown command kil (set, ramp, kill, remove)");
  });

  it("an unknown option suggests the closest one", async () => {
    const bad = await runCli(["flip", "fraud", "--dryrun"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option --dryrun; did you mean --dry-run?");
    const other = await runCliInProcess(["flip", "fraud", "--frobnicate"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("frobnicate");
  });

  it("with --json, a failure is the one envelope on stdout", async () => {
    const run = await runCli(["deploy", "--json"]);
    expect(run.code).toBe(2);
    expect(run.json).toEqual({
      ok: false,
      error: {
        code: "usage",
        message: "unknown command deploy (--help lists them)",
      },
    });
    const kvOption = await runCliInProcess(["status", "fraud", "--remote", "--json"]);
    expect(kvOption.code).toBe(2);
    expect(kvOption.error.message).toContain("--remote is a --direct option");
  });
});

describe("no router", { timeout: 30_000 }, () => {
  it("a router that does not answer is a clear error (exit 1), with --direct as the way out", async () => {
    const env = { ROUTER_ADMIN_TOKEN: "t" };
    const run = await runCli(["status", "fraud", "--url", "http://127.0.0.1:9"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "no router at http://127.0.0.1:9: start it with `npm start`, pass --url, or use --direct",
    );
    const write = await runCliInProcess(["canary", "kill", "fraud", "--json"], {
      ...env,
      ROUTER_URL: "http://127.0.0.1:9",
    });
    expect(write.code).toBe(1);
    expect(write.error).toMatchObject({ code: "router_unreachable", url: "http://127.0.0.1:9" });
  });

  it("no admin token for a remote router: say where it comes from (the local .dev.vars is not sent)", async () => {
    const run = await runCliInProcess(["status", "--url", "https://router.example.com"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "no admin token for the router at https://router.example.com: set ROUTER_ADMIN_TOKEN to the router's ADMIN_TOKEN secret, or use --direct",
    );
  });
});

describe("the router bin (node_modules/.bin/router, written by npm install's prepare step)", () => {
  it("runs the CLI on the project's Node 22 from any directory, with no npm in the path", () => {
    const bin = join(ROOT, "node_modules", ".bin", "router");
    const run = spawnSync(bin, ["--help"], { cwd: tmpdir(), encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("Usage: router <command>");
    const bad = spawnSync(bin, ["frobnicate"], { cwd: tmpdir(), encoding: "utf8" });
    expect(bad.status).toBe(2);
  });
});
