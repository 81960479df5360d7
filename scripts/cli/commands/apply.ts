/**
 * `router apply <service> <file>`: replace (or create) a document from a file.
 *
 * Layer: CLI, the registry's `apply` edit (src/document/edits/replace.ts).
 * The file's version and stamps are ignored: it is written as the next
 * version (one above every version seen, src/document/edits/
 * stored-service.ts), with history.
 */

import { readFileSync } from "node:fs";
import { sizeError } from "../../../src/document/validate.ts";
import { CliError, EXIT, parse, positional, usage } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { WRITE_HELP, WRITE_OPTIONS, write } from "../write.ts";

export const applyCommand: Command = {
  name: "apply",
  summary: SUMMARIES.apply,
  help: `Usage: router apply [<service>] <file> [options]

Validates <file> with the shared schema and writes it as the next version,
one above every version the service has had (its own version, updatedAt
and updatedBy are replaced). Creates the service when it has no document
yet, and says so. Without <service>, the file's "service" names it; with
one, the file must be that service's (a copied document says which field
to change).

${WRITE_HELP}

Example:
  router apply fraud scripts/demo/fraud.json --dry-run`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, WRITE_OPTIONS);
    const one = positionals.length === 1;
    const file = positional(positionals, one ? 0 : 1, "file");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw usage(`${file}: ${(err as Error).message}`);
    }
    // Refused before it is parsed, as the worker and the admin API do.
    const tooLarge = sizeError(text);
    if (tooLarge) {
      throw new CliError(EXIT.refused, "invalid_change", `${file} ${tooLarge.message}`, [tooLarge]);
    }
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw usage(`${file}: ${(err as Error).message}`);
    }
    const named =
      input &&
      typeof input === "object" &&
      typeof (input as { service?: unknown }).service === "string"
        ? (input as { service: string }).service
        : null;
    const service = one ? named : positional(positionals, 0, "service");
    if (service === null)
      throw usage(`${file} has no "service": give the service, router apply <service> ${file}`);
    if (named !== null && named !== service) {
      throw new CliError(
        EXIT.refused,
        "service_mismatch",
        `${file} is the document of service "${named}", not "${service}": set its "service" to "${service}" (or write a fresh one: router init ${service} --live <url> --out ${service}.json)`,
        [{ path: "service", message: `is "${named}"; applying to "${service}"` }],
      );
    }
    await write({ service, values, edit: "apply", args: { document: input } });
  },
};
