/**
 * The dashboard's static files, served by Workers Static Assets in front of
 * the Worker: src/http/dashboard/asset-files.ts names exactly what
 * scripts/tools/dashboard-vendor.ts builds (the uplot dependency's own build and
 * the dashboard's sources; stale: run `npm run dashboard:vendor`),
 * wrangler.toml serves them as the local routers do, and a router in
 * Miniflare with them in front serves every file a page links, with its type
 * and a year-long cache, while every other path runs the Worker.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import {
  ASSET_HEADERS,
  dashboardFiles,
  MANIFEST_FILE,
  manifestSource,
  miniflareAssets,
} from "../../scripts/tools/dashboard-vendor.ts";
import { ASSET_FILES, type AssetName } from "../../src/http/dashboard/asset-files.ts";
import { DASHBOARD_JS } from "../../src/http/dashboard/assets/client.ts";
import { ASSET_PREFIX, assetUrl } from "../../src/http/dashboard/assets.ts";
import { bundleWorker, routerWorker } from "../support/stack/router-worker.ts";

const TYPES: Record<AssetName, string> = {
  "dashboard.css": "text/css",
  "dashboard.js": "text/javascript",
  "favicon.svg": "image/svg+xml",
  "uplot.css": "text/css",
  "uplot.js": "text/javascript",
};

describe("the dashboard's static files", () => {
  it("are named by asset-files.ts as built now (stale: run npm run dashboard:vendor)", () => {
    expect(readFileSync(MANIFEST_FILE, "utf8") === manifestSource()).toBe(true);
    const uplot = readFileSync(join(ROOT, "node_modules/uplot/dist/uPlot.iife.min.js"), "utf8");
    expect(dashboardFiles().find((f) => f.name === "uplot.js")?.body === uplot).toBe(true);
  });

  it("have a client script that parses", () => {
    expect(() => new Function(DASHBOARD_JS)).not.toThrow();
  });

  it("are served by wrangler.toml's [assets] as by the local routers", () => {
    const ours = miniflareAssets();
    const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
    const theirs = workerOptions.assets as Partial<typeof ours> | undefined;
    expect(theirs?.directory).toBe(ours.directory);
    expect(theirs?.run_worker_first).toEqual(ours.run_worker_first);
    expect(theirs?.routerConfig).toEqual(ours.routerConfig);
  });
});

describe("a router with the static assets in front", () => {
  let mf: Miniflare;
  let url: string;

  beforeAll(async () => {
    const script = await bundleWorker(
      "src/index.ts",
      join(ROOT, ".wrangler", "assets-test", `router-${process.pid}.js`),
    );
    mf = new Miniflare(
      convertV4MiniflareOptions({
        cf: false,
        log: new NoOpLog(),
        handleStructuredLogs: () => {},
        workers: [{ ...routerWorker(script), assets: miniflareAssets() }],
      }),
    );
    await mf.ready;
    url = (await mf.unsafeGetDirectURL("router")).origin;
  });

  afterAll(async () => {
    await mf?.dispose();
  });

  it("serves every file by its hashed name, with its type and a year-long cache", async () => {
    for (const file of dashboardFiles()) {
      const name = file.name as AssetName;
      const res = await fetch(`${url}${assetUrl(name)}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type"), name).toContain(TYPES[name]);
      for (const [header, value] of Object.entries(ASSET_HEADERS)) {
        expect(res.headers.get(header), `${name} ${header}`).toBe(value);
      }
      expect((await res.text()) === file.body, name).toBe(true);
    }
  });

  it("links those files from the pages the Worker renders", async () => {
    const res = await fetch(`${url}/_router/dashboard/sign-in`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(`href="${assetUrl("dashboard.css")}"`);
    expect(page).toContain(`href="${assetUrl("favicon.svg")}"`);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("answers a name it does not hold with a 404, and runs the Worker everywhere else", async () => {
    const stale = await fetch(`${url}${ASSET_PREFIX}dashboard.0000000000.js`);
    expect(stale.status).toBe(404);
    await stale.arrayBuffer();
    expect(Object.values(ASSET_FILES)).not.toContain("dashboard.0000000000.js");
    const health = await fetch(`${url}/_router/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
  });
});
