/**
 * The dashboard's static files: its stylesheet, client script and icon, and
 * uPlot from the `uplot` dependency. Workers Static Assets serve them
 * (wrangler.toml [assets], built into dist/assets/ by
 * scripts/tools/dashboard-vendor.ts) before the Worker runs, so they are not in
 * the Worker's bundle. Each served name carries a hash of its content
 * (asset-files.ts), so a browser may keep a file for a year and still gets
 * a new one with a new deploy.
 *
 * Layer: HTTP edge (dashboard). Public: they hold no data, and the sign-in
 * page needs them.
 */
import { Hono } from "hono";
import { ASSET_FILES, type AssetName } from "./asset-files.ts";

export const ASSET_PREFIX = "/_router/dashboard/assets/";

/** The URL of an asset: its hashed name under the prefix. */
export function assetUrl(name: AssetName): string {
  return `${ASSET_PREFIX}${ASSET_FILES[name]}`;
}

/**
 * What reaches the Worker under the prefix: no such file (a stale hash, or a
 * runtime without the static assets in front, such as the Vitest
 * integration's SELF).
 */
export function assetRoutes(): Hono<{ Bindings: Env }> {
  const routes = new Hono<{ Bindings: Env }>();
  routes.get("/*", (c) => c.text("no such asset", 404, { "cache-control": "no-store" }));
  return routes;
}
