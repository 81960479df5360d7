/**
 * `router status [service]`: the stored document and who gets what share.
 *
 * Layer: script (CLI) over src/operations/summary.ts (the admin API's GET
 * returns the same summary).
 */
import { formatSummary, summarizeDocument } from "../../../src/operations/summary.ts";
import { formatFieldErrors } from "../../../src/schema/validate.ts";
import { KV_HELP, KV_OPTIONS, kvTarget, output, parse } from "../cli.ts";
import type { Command } from "../command.ts";
import { listServices, readService, type StoredService } from "../store.ts";

export const statusCommand: Command = {
  name: "status",
  summary: "the live document and who gets what share, per service",
  help: `Usage: npm run router -- status [service] [--summary] [options]

For one service, or every service in KV: a plain summary of which origin
gets which share of users, then the stored document.

Options:
  --summary             only the summaries, not the documents
${KV_HELP}

Example:
  npm run router -- status fraud`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, { ...KV_OPTIONS, summary: { type: "boolean" } });
    const target = kvTarget(values);
    const service = positionals[0];
    const services = service ? [await readService(service, target)] : await listServices(target);
    const report = services.map((s) => ({
      service: s.service,
      found: s.raw !== null,
      valid: s.doc !== null,
      errors: s.errors,
      summary: s.doc ? summarizeDocument(s.doc) : null,
      document: s.json,
    }));
    const text = services.map((s) => describe(s, values.summary === true)).join("\n\n");
    output(
      values.json as boolean | undefined,
      { services: report },
      text || "no services in KV (npm start seeds the demo ones)",
    );
  },
};

function describe(s: StoredService, summaryOnly: boolean): string {
  if (s.raw === null) return `${s.service}: no routing document`;
  if (!s.doc) {
    return `${s.service}: INVALID document (the worker serves its last good copy)\n${formatFieldErrors(s.errors)}`;
  }
  const summary = formatSummary(summarizeDocument(s.doc));
  return summaryOnly ? summary : `${summary}\n${JSON.stringify(s.json, null, 2)}`;
}
