/**
 * `router validate <file...>`: check routing documents against the schema.
 *
 * Layer: CLI over src/document/validate.ts; no router, no KV.
 */

import { readFileSync } from "node:fs";
import {
  type FieldError,
  formatFieldErrors,
  parseRoutingDocument,
} from "../../../src/document/validate.ts";
import { CliError, COMMON_OPTIONS, EXIT, output, parse, usage } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";

export const validateCommand: Command = {
  name: "validate",
  summary: SUMMARIES.validate,
  help: `Usage: router validate <file...> [--json]

Checks each file with the same schema the worker and the admin API use,
including the cross-field rules (live origin exists, ranges never overlap),
and lists every error of each file as "path: message", as the admin API
does. Exits 1 when any file is invalid.

Example:
  router validate scripts/demo/fraud.json`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, COMMON_OPTIONS);
    if (positionals.length === 0) throw usage("missing <file>");
    const results: { file: string; ok: boolean; errors: FieldError[] }[] = positionals.map(
      (file) => {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (err) {
          return { file, ok: false, errors: [{ path: "", message: (err as Error).message }] };
        }
        const parsed = parseRoutingDocument(text);
        return { file, ok: parsed.ok, errors: parsed.ok ? [] : parsed.errors };
      },
    );
    const text = results
      .map((r) =>
        r.ok ? `${r.file}: valid` : `${r.file}: INVALID\n${formatFieldErrors(r.errors)}`,
      )
      .join("\n");
    const allOk = results.every((r) => r.ok);
    if (!allOk) {
      throw new CliError(
        EXIT.refused,
        "invalid_document",
        text,
        results.flatMap((r) => r.errors),
        { results },
      );
    }
    output(values.json as boolean | undefined, { results }, text);
  },
};
