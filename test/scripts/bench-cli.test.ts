/**
 * The benchmark commands' option parsing (scripts/bench/cli.ts parseCommand):
 * a bad option is a usage error (exit 2, the message and the usage, no stack
 * trace), --help the usage (exit 0). Run as `npm run bench*` runs them, with
 * nothing started: parsing comes first.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, "scripts", "bench", script), ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });

describe("benchmark options", () => {
  it("an unknown option exits 2 with the message and the usage, not a stack trace", () => {
    const r = run("ladder.ts", "--bogus");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^Unknown option '--bogus'/);
    expect(r.stderr).toContain("Usage: npm run bench:ladder");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("an option without its value exits 2 the same way", () => {
    const r = run("shadow.ts", "--duration");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/'--duration <value>' argument missing/);
    expect(r.stderr).toContain("Usage: npm run bench:shadow");
  });

  it("-h prints the usage on stdout and exits 0", () => {
    const r = run("run.ts", "-h");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run bench -- \[options\]/);
  });
});
