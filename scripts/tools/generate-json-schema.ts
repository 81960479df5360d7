/**
 * Writes src/document/routing-document.schema.json from the zod schema, so
 * editors can validate routing documents (`"$schema": ".../routing-document.schema.json"`).
 * `--check` exits 1 when the committed file is out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { routingDocumentJsonSchema } from "../../src/document/json-schema.ts";

const PATH = new URL("../../src/document/routing-document.schema.json", import.meta.url);

const { values } = parseArgs({
  options: { check: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log(
    "Usage: npm run schema [-- --check]\n\nRegenerates src/document/routing-document.schema.json from src/document/routing-document.ts.\n  --check   only verify that the committed file is up to date",
  );
  process.exit(0);
}
const text = `${JSON.stringify(routingDocumentJsonSchema(), null, 2)}\n`;
if (values.check) {
  const current = readFileSync(PATH, "utf8");
  if (current !== text) {
    console.error("routing-document.schema.json is out of date: run `npm run schema`");
    process.exit(1);
  }
  console.log("routing-document.schema.json is up to date");
} else {
  writeFileSync(PATH, text);
  console.log("wrote src/document/routing-document.schema.json");
}
