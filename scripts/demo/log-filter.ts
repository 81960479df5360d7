/**
 * What `npm start` shows of `wrangler dev`'s output: everything but the
 * routine. wrangler prints a line per request (`[wrangler:info] POST
 * /fraud/predict 200 OK (12ms)`), about eight a second under the demo
 * traffic, and the router logs routine events as JSON lines with
 * `"level":"info"` (an adopted raw KV put); both bury the URLs and the
 * real warnings. `--requests` shows the request lines, `--verbose` the
 * info lines too.
 *
 * Layer: build-time script (the demo).
 */

/** wrangler dev's request line: `[wrangler:info] GET /path 200 OK (3ms)`. */
const REQUEST_LINE = /\[wrangler:info\] (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \//;

/** Terminal colour codes (ESC [ ... m), which wrangler puts around its tags. */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

export interface LogFilterOptions {
  requests: boolean;
  verbose: boolean;
}

/** Whether a line of wrangler dev's output is shown. */
export function shownLine(line: string, o: LogFilterOptions): boolean {
  if (REQUEST_LINE.test(line.replace(COLOUR, ""))) return o.requests || o.verbose;
  const json = line.indexOf("{");
  if (json >= 0 && line.includes('"level":"info"')) {
    try {
      const parsed = JSON.parse(line.slice(json)) as { level?: unknown };
      if (parsed.level === "info") return o.verbose;
    } catch {
      // Not one of the router's JSON lines: shown.
    }
  }
  return true;
}

/** Copies `from` to `to` line by line, keeping the shown lines. */
export function filterLines(
  from: NodeJS.ReadableStream,
  to: NodeJS.WritableStream,
  o: LogFilterOptions,
): void {
  let pending = "";
  from.setEncoding?.("utf8");
  from.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (shownLine(line, o)) to.write(`${line}\n`);
  });
  from.on("end", () => {
    if (pending && shownLine(pending, o)) to.write(pending);
  });
}
