/**
 * The dashboard's static files, served by the router itself (no CDN):
 * its stylesheet, client script and icon, and uPlot from the `uplot`
 * dependency. Each URL carries a hash of its content, so a browser may keep
 * a file for a year and still gets a new one with a new deploy.
 *
 * Layer: HTTP edge (dashboard). Public: they hold no data, and the sign-in
 * page needs them.
 */
import { Hono } from "hono";
import { murmur3String } from "../../core/routing/murmur3.ts";
import { DASHBOARD_JS } from "./assets/client.ts";
import { FAVICON_SVG } from "./assets/favicon.ts";
import { DASHBOARD_CSS } from "./assets/styles.ts";
import { UPLOT_CSS, UPLOT_JS } from "./assets/uplot.ts";

interface Asset {
  type: string;
  body: string;
}

const ASSETS: Record<string, Asset> = {
  "dashboard.css": { type: "text/css; charset=utf-8", body: DASHBOARD_CSS },
  "dashboard.js": { type: "text/javascript; charset=utf-8", body: DASHBOARD_JS },
  "favicon.svg": { type: "image/svg+xml", body: FAVICON_SVG },
  "uplot.js": { type: "text/javascript; charset=utf-8", body: UPLOT_JS },
  "uplot.css": { type: "text/css; charset=utf-8", body: UPLOT_CSS },
};

const hashes = new Map(
  Object.entries(ASSETS).map(([name, a]) => [name, murmur3String(a.body).toString(36)]),
);

export const ASSET_PREFIX = "/_router/dashboard/assets/";

/** The URL of an asset, with its content hash. */
export function assetUrl(name: keyof typeof ASSETS & string): string {
  return `${ASSET_PREFIX}${name}?v=${hashes.get(name) ?? "0"}`;
}

export function assetRoutes(): Hono<{ Bindings: Env }> {
  const routes = new Hono<{ Bindings: Env }>();
  routes.get("/:name", (c) => {
    const name = c.req.param("name");
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) return c.text("no such asset", 404);
    const versioned = c.req.query("v") === hashes.get(name);
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": versioned ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
    });
  });
  return routes;
}
