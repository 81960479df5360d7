/**
 * The dashboard's static files: the uPlot the router serves is the `uplot`
 * dependency's own build (regenerate with `npm run dashboard:vendor`
 * after changing its version), and the client script parses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler.ts";
import { DASHBOARD_JS } from "../../src/http/dashboard/assets/client.ts";
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from "../../src/http/dashboard/assets/uplot.ts";

const uplot = (file: string) => readFileSync(join(ROOT, "node_modules/uplot", file), "utf8");

describe("the dashboard's assets", () => {
  it("serve the installed uplot (stale: run npm run dashboard:vendor)", () => {
    expect(UPLOT_VERSION).toBe((JSON.parse(uplot("package.json")) as { version: string }).version);
    expect(UPLOT_JS === uplot("dist/uPlot.iife.min.js")).toBe(true);
    expect(UPLOT_CSS === uplot("dist/uPlot.min.css")).toBe(true);
  });

  it("have a client script that parses", () => {
    expect(() => new Function(DASHBOARD_JS)).not.toThrow();
  });
});
