/**
 * `router validate` through the real CLI (no router, no KV): every error of
 * every file, and the 64 KiB bound exactly as the worker and the admin API
 * apply it (test/worker/admin-limits.test.ts, document-limits.test.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sizedDocumentText } from "../support/sized-document.ts";
import { demoDoc, runCli, tempState } from "./cli-support.ts";

const files = tempState("router-validate-");
afterAll(() => files.cleanup());

function file(name: string, text: string): string {
  const path = join(files.dir, name);
  writeFileSync(path, text);
  return path;
}

describe("router validate", () => {
  it("names every error of a file, as the admin API does, also when a required field is missing", async () => {
    const { updatedAt: _, ...doc } = demoDoc("fraud");
    const bad = file(
      "several.json",
      JSON.stringify({
        ...doc,
        live: "purple",
        challengerSalt: "s",
        challengers: [
          { origin: "green", startBp: 0, shareBp: 600 },
          { origin: "canary", startBp: 500, shareBp: 600 },
        ],
      }),
    );
    const run = await runCli(["validate", bad, "--json"]);
    expect(run.code).toBe(1);
    const paths = run.error.results[0].errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["updatedAt", "live", "challengers.1.startBp"]));
    const text = await runCli(["validate", bad]);
    expect(text.stderr).toContain("updatedAt: Invalid input");
    expect(text.stderr).toContain('live: names no origin in "origins": purple');
    expect(text.stderr).toContain("challengers.1.startBp:");
  });

  it("a compact document of exactly 65,536 bytes is valid; 65,537 is refused with the worker's message", async () => {
    const exact = file("exact.json", sizedDocumentText(demoDoc("fraud"), 65_536));
    const over = file("over.json", sizedDocumentText(demoDoc("fraud"), 65_537));
    const ok = await runCli(["validate", exact]);
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await runCli(["validate", over]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "(document): is over 65536 bytes; a routing document may have at most 65536 bytes of JSON text (UTF-8, as stored in KV)",
    );
  });
});
