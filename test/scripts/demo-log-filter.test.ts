/**
 * What `npm start` shows of wrangler dev's output (scripts/demo/log-filter.ts):
 * request lines and the router's routine (info) lines hidden unless asked
 * for; warnings, errors and anything else shown, split across chunks or not.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { filterLines, shownLine } from "../../scripts/demo/log-filter.ts";

const REQUEST = "[wrangler:info] POST /fraud/predict 200 OK (12ms)";
const COLOURED = "\x1b[32m[wrangler:info]\x1b[39m GET /_router/health 200 OK (1ms)";
const INFO =
  '{"message":"adopted a raw KV put","service":"fraud","from":3,"put":2,"to":4,"level":"info"}';
const WARN = '{"message":"challenger policy: removed a challenger shown worse","level":"warn"}';
const ERROR = '{"message":"KV mirror failed; retried on the next alarm","service":"fraud"}';

describe("npm start's log filter", () => {
  const quiet = { requests: false, verbose: false };

  it("hides request lines and routine lines by default, shows the rest", () => {
    expect(shownLine(REQUEST, quiet)).toBe(false);
    expect(shownLine(COLOURED, quiet)).toBe(false);
    expect(shownLine(INFO, quiet)).toBe(false);
    expect(shownLine(WARN, quiet)).toBe(true);
    expect(shownLine(ERROR, quiet)).toBe(true);
    expect(shownLine("⎔ Starting local server...", quiet)).toBe(true);
    expect(shownLine("[wrangler:info] Ready on http://127.0.0.1:8787", quiet)).toBe(true);
    expect(shownLine('{"level":"info" broken', quiet)).toBe(true);
  });

  it("--requests shows the request lines; --verbose shows everything", () => {
    expect(shownLine(REQUEST, { requests: true, verbose: false })).toBe(true);
    expect(shownLine(INFO, { requests: true, verbose: false })).toBe(false);
    expect(shownLine(INFO, { requests: false, verbose: true })).toBe(true);
    expect(shownLine(REQUEST, { requests: false, verbose: true })).toBe(true);
  });

  it("filters a stream line by line, whatever its chunks", async () => {
    const from = new PassThrough();
    const to = new PassThrough();
    let out = "";
    to.on("data", (d) => {
      out += d;
    });
    filterLines(from, to, quiet);
    const text = `${REQUEST}\n${WARN}\n${INFO}\nready\n`;
    for (let i = 0; i < text.length; i += 7) from.write(text.slice(i, i + 7));
    from.end();
    await new Promise((r) => setImmediate(r));
    expect(out).toBe(`${WARN}\nready\n`);
  });
});
