/**
 * `router assign <service> <user-id...>`: which arm each user gets, computed
 * by the very decide() the worker runs (src/core/routing/decide.ts).
 *
 * Layer: CLI. The stored document comes from the router (or KV with --direct).
 */

import { readFileSync } from "node:fs";
import { decide } from "../../../src/core/routing/decide.ts";
import type { RoutingDocument } from "../../../src/document/routing-document.ts";
import {
  formatFieldErrors,
  parseRoutingDocument,
  validateRoutingDocument,
} from "../../../src/document/validate.ts";
import { CliError, EXIT, output, parse, positional, usage, type Values } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { connect } from "../connect.ts";
import { TARGET_HELP, TARGET_OPTIONS } from "../target.ts";

export const assignCommand: Command = {
  name: "assign",
  summary: SUMMARIES.assign,
  help: `Usage: router assign <service> <user-id...> [--file <doc.json>] [options]

Prints the origin, role and bucket for each user id under the stored
document (or --file), exactly as the worker decides for a request that
carries that id.

Options:
  --file <path>         decide with this document instead of the stored one
${TARGET_HELP}

Example:
  router assign fraud alice bob`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...TARGET_OPTIONS, file: { type: "string" } });
    const service = positional(positionals, 0, "service");
    const users = positionals.slice(1);
    if (users.length === 0) throw usage("missing <user-id>");
    const doc = await documentFor(service, values.file as string | undefined, values);
    const decisions = users.map((userId) => ({ userId, ...decide(doc, { userId }) }));
    output(
      values.json as boolean | undefined,
      { service, version: doc.version, decisions },
      decisions
        .map((d) => `${d.userId} -> ${d.origin} (${d.role}, bucket ${d.bucket ?? "-"})`)
        .join("\n"),
    );
  },
};

async function documentFor(
  service: string,
  file: string | undefined,
  values: Values,
): Promise<RoutingDocument> {
  if (file !== undefined) {
    const parsed = parseRoutingDocument(readFileSync(file, "utf8"));
    if (!parsed.ok)
      throw new CliError(
        EXIT.refused,
        "invalid_document",
        `${file} is invalid:\n${formatFieldErrors(parsed.errors)}`,
        parsed.errors,
      );
    return parsed.doc;
  }
  const stored = await connect(values).backend.service(service);
  if (!stored.found)
    throw new CliError(EXIT.refused, "not_found", `no routing document for "${service}"`);
  const parsed = validateRoutingDocument(stored.document);
  if (!parsed.ok)
    throw new CliError(
      EXIT.refused,
      "stored_document_invalid",
      `the stored document is invalid:\n${formatFieldErrors(parsed.errors)}`,
      parsed.errors,
    );
  return parsed.doc;
}
