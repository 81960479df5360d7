/**
 * `router status [service]`: the stored document and who gets what share;
 * for a deleted document, what the router serves instead.
 *
 * Layer: script (CLI) over src/document/edits/summary.ts (the admin API's GET
 * returns the same summary).
 */
import { validLastGood, versionRegression } from "../../../src/document/edits/stored-service.ts";
import { formatSummary, summarizeDocument } from "../../../src/document/edits/summary.ts";
import { formatFieldErrors } from "../../../src/document/validate.ts";
import { KV_HELP, KV_OPTIONS, kvTarget, output, parse } from "../cli.ts";
import type { Command } from "../command.ts";
import { listServices, readService, type StoredService } from "../store.ts";

export const statusCommand: Command = {
  name: "status",
  summary: "the live document and who gets what share, per service",
  help: `Usage: npm run router -- status [service] [--summary] [options]

For one service, or every service in KV: a plain summary of which origin
gets which share of users, then the stored document. A deleted document
is reported with the last-good copy the router serves instead.

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
    const report = services.map((s) => {
      const lastGood = validLastGood(s);
      return {
        service: s.service,
        found: s.raw !== null,
        deleted: s.raw === null && (lastGood !== null || s.history.length > 0),
        valid: s.doc !== null,
        errors: s.errors,
        summary: s.doc ? summarizeDocument(s.doc) : null,
        lastGood: lastGood ? { version: lastGood.version, live: lastGood.live } : null,
        versionRegression: versionRegression(s),
        document: s.json,
      };
    });
    const text = services.map((s) => describe(s, values.summary === true)).join("\n\n");
    output(
      values.json as boolean | undefined,
      { services: report },
      text || "no services in KV (npm start seeds the demo ones)",
    );
  },
};

function describe(s: StoredService, summaryOnly: boolean): string {
  const lastGood = validLastGood(s);
  const restore = `restore it: npm run router -- rollback ${s.service}`;
  if (s.raw === null) {
    if (lastGood) {
      return `${s.service}: document deleted; the router serves last-good version ${lastGood.version} (live ${lastGood.live}, updated ${lastGood.updatedAt})\n  ${restore}`;
    }
    if (s.history.length > 0) {
      return `${s.service}: document deleted, and there is no last-good copy: the router answers 503 no_routing_document\n  ${restore}`;
    }
    return `${s.service}: no routing document`;
  }
  if (!s.doc) {
    const serving = lastGood
      ? `the router serves last-good version ${lastGood.version} (live ${lastGood.live})`
      : "the worker serves its last good copy, if it has one";
    return `${s.service}: INVALID document (${serving})\n${formatFieldErrors(s.errors)}`;
  }
  const regression = versionRegression(s);
  const warning = regression
    ? `\n  WARNING: version ${regression.version} is below the highest version seen (${regression.highest}): a stale copy was put around the CLI; the next write is version ${regression.next}`
    : "";
  const summary = `${formatSummary(summarizeDocument(s.doc))}${warning}`;
  return summaryOnly ? summary : `${summary}\n${JSON.stringify(s.json, null, 2)}`;
}
