/**
 * Where the CLI's --direct --preview looks for the ROUTING binding's preview
 * namespace: wrangler.toml read as TOML by wrangler's own config reader, not
 * searched with a pattern. A preview_id of another binding, in a comment or
 * inside a string is no preview namespace of ROUTING.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasPreviewNamespace } from "../../scripts/cli/target.ts";

const dir = mkdtempSync(join(tmpdir(), "cli-target-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A wrangler.toml with `body` after the Worker's name, main and date. */
function config(body: string): string {
  const path = join(dir, `wrangler-${++files}.toml`);
  writeFileSync(
    path,
    `name = "model-router"\nmain = "src/index.ts"\ncompatibility_date = "2026-11-01"\n${body}`,
  );
  return path;
}

describe("hasPreviewNamespace", { timeout: 30_000 }, () => {
  it("is false for the project's own wrangler.toml (no preview_id)", () => {
    expect(hasPreviewNamespace()).toBe(false);
  });

  it("is true when the ROUTING binding has a preview_id", () => {
    const path = config(`
[[kv_namespaces]]
binding = "ROUTING"
id = "00000000000000000000000000000000"
preview_id = "11111111111111111111111111111111"
`);
    expect(hasPreviewNamespace(path)).toBe(true);
  });

  it("is true for an inline table too", () => {
    const path = config(`kv_namespaces = [
  { binding = "ROUTING", id = "00000000000000000000000000000000", preview_id = "1111" },
]
`);
    expect(hasPreviewNamespace(path)).toBe(true);
  });

  it("is false when only another binding has a preview_id", () => {
    const path = config(`
[[kv_namespaces]]
binding = "ROUTING"
id = "00000000000000000000000000000000"

[[kv_namespaces]]
binding = "CACHE"
id = "22222222222222222222222222222222"
preview_id = "33333333333333333333333333333333"
`);
    expect(hasPreviewNamespace(path)).toBe(false);
  });

  it("is false for a preview_id line inside a multi-line string", () => {
    const path = config(`description = """
preview_id = "not a key"
"""

[[kv_namespaces]]
binding = "ROUTING"
id = "00000000000000000000000000000000"
`);
    expect(hasPreviewNamespace(path)).toBe(false);
  });
});
