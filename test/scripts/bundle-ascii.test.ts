/**
 * The router's bundle is ASCII. V8 keeps a script's source text in every
 * isolate for as long as it runs, one byte per character only when every
 * character fits in one: a single "→" in the bundle doubled the router's
 * 0.28 MB source to 0.56 MB of live heap per isolate (heap snapshot), and the
 * live heap sets how long each stop-the-world full GC takes
 * (docs/performance.md). esbuild escapes non-ASCII in strings, not in the
 * static parts of tagged templates (the dashboard's html``): write HTML
 * entities there (&middot; &rarr; &Delta; &ndash; &hellip;).
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleWorker } from "../support/stack/router-worker.ts";

describe("the router's bundle", () => {
  it("has no character outside printable ASCII, tab and newlines (as deployed: minified)", async () => {
    const out = await bundleWorker("src/index.ts", join(tmpdir(), `ascii-${process.pid}.js`), {
      minify: true,
    });
    const text = readFileSync(out, "utf8");
    const found = [...text.matchAll(/[^\t\n\r\x20-\x7e]/g)].map(
      (m) => `${JSON.stringify(m[0])} in …${text.slice(Math.max(0, m.index - 40), m.index + 10)}…`,
    );
    expect(found).toEqual([]);
  });
});
