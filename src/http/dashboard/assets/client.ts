/**
 * The dashboard's client script as served (/_router/dashboard/assets/
 * dashboard.<hash>.js): the typed modules in src/http/dashboard/client/
 * (entry main.ts) bundled by esbuild into one ES2020 script, run when
 * scripts/dashboard-vendor.ts builds the static assets (every deploy, dry
 * run and `wrangler dev`, and the local routers in tests).
 *
 * Layer: HTTP edge (dashboard assets), build time: Node only, never
 * imported by the Worker (esbuild is a dev dependency). The output is
 * ASCII (esbuild escapes the rest) and depends only on the sources and
 * esbuild's version, so its content hash is stable across machines.
 */
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const ENTRY = fileURLToPath(new URL("../client/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

function bundle(): string {
  const result = buildSync({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: "iife",
    target: "es2020",
    platform: "browser",
    charset: "ascii",
    legalComments: "none",
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error("esbuild wrote no dashboard client script");
  return file.text;
}

export const DASHBOARD_JS = bundle();
