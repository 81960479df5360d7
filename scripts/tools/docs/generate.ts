/**
 * `npm run docs`: writes the generated reference pages under
 * docs/reference/ (routing document, CLI, admin API and its OpenAPI
 * document) from the code. `--check` writes nothing and exits 1 when a
 * committed page is stale (npm test checks the same).
 *
 * Layer: script entry (docs).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../../cli/wrangler.ts";
import { generatedPages } from "./pages.ts";

const HELP = `Usage: npm run docs [-- --check]

Regenerates the reference pages from the code:
  docs/reference/routing-document.md   the zod schema (fields, defaults, bounds, rules, limits)
  docs/reference/cli.md                every command's own --help
  docs/reference/admin-api.md          the admin API's OpenAPI document (route table, zod schemas)
  docs/reference/openapi.json          the same document, as served at GET /_router/admin/openapi.json

Options:
  --check          write nothing; exit 1 when a committed page is out of date
  -h, --help       show this help`;

const { values } = parseArgs({
  options: {
    check: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const read = (path: string) => {
  try {
    return readFileSync(join(ROOT, path), "utf8");
  } catch {
    return null;
  }
};

const stale: string[] = [];
for (const page of await generatedPages()) {
  if (read(page.path) === page.text) continue;
  stale.push(page.path);
  if (!values.check) {
    mkdirSync(dirname(join(ROOT, page.path)), { recursive: true });
    writeFileSync(join(ROOT, page.path), page.text);
  }
}
if (values.check) {
  if (stale.length > 0) {
    console.error(`out of date: ${stale.join(", ")}: run \`npm run docs\``);
    process.exit(1);
  }
  console.log("the reference pages are up to date");
} else {
  console.log(
    stale.length > 0 ? `wrote ${stale.join(", ")}` : "the reference pages are up to date",
  );
}
