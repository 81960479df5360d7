/**
 * `router status [service]`: the stored document and who gets what share;
 * for a deleted document, what the router serves instead. Exits 1 for a
 * service with nothing stored at all.
 *
 * Layer: CLI. The summary is src/document/edits/summary.ts, as the admin
 * API's GET returns it (scripts/cli/backend.ts has the shape).
 */

import { kvDisagreement } from "../../../src/core/control/kv-words.ts";
import { formatSummary } from "../../../src/document/edits/summary.ts";
import { formatFieldErrors } from "../../../src/document/field-errors.ts";
import type { ControlStatus, ServiceStatus } from "../backend.ts";
import { output, parse, usage } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { connect } from "../connect.ts";
import { TARGET_HELP, TARGET_OPTIONS } from "../target.ts";
import { intervalOf, WATCH_HELP, WATCH_OPTIONS, watch } from "../watch.ts";

export const statusCommand: Command = {
  name: "status",
  summary: SUMMARIES.status,
  help: `Usage: router status [service] [--summary] [--watch [--interval <s>]] [options]

For one service, or every service the router has: a plain summary of
which origin gets which share of users, how many router isolates follow
the service's control object, then the stored document. A deleted
document is reported with the last-good copy the router serves instead.
Exits 1 when the service has no document (and never had one).

Options:
  --summary             only the summaries, not the documents
${WATCH_HELP}
${TARGET_HELP}

Example:
  router status fraud
  router status --direct --remote    # the account's KV, no router needed`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...TARGET_OPTIONS,
      ...WATCH_OPTIONS,
      summary: { type: "boolean" },
    });
    const { backend } = connect(values);
    const service = positionals[0];
    const read = async () => {
      const services = service ? [await backend.service(service)] : await backend.services();
      const controls = await Promise.all(
        services.map((s) => (s.found && backend.control ? backend.control(s.service) : null)),
      );
      return { services, controls };
    };
    const render = ({ services, controls }: Awaited<ReturnType<typeof read>>) =>
      services
        .map((s, i) => describe(s, values.summary === true, controls[i] ?? null))
        .join("\n\n") || "no services in KV (npm start seeds the demo ones)";
    if (values.watch) {
      if (values.json) throw usage("--watch draws text: leave out --json");
      await watch({ read, render }, intervalOf(values));
      return;
    }
    const now = await read();
    output(
      values.json as boolean | undefined,
      // The control objects' state exists only through the router (not with --direct).
      backend.control
        ? { services: now.services, control: now.controls }
        : { services: now.services },
      render(now),
    );
  },
};

/** One line on the service's control object: how many isolates follow it, and KV's copy. */
function controlLine(c: ControlStatus): string {
  const kv = kvDisagreement(c) ?? "KV holds it too";
  const who =
    c.isolates === 0
      ? "no isolate has checked in during the last minute"
      : c.route === "fan-in"
        ? `${c.isolates} isolate${c.isolates === 1 ? "" : "s"} check in through ${c.aggregators} location aggregator${c.aggregators === 1 ? "" : "s"}, each every ${c.intervalMs / 1000} s`
        : `${c.isolates} isolate${c.isolates === 1 ? "" : "s"} check in every ${c.intervalMs / 1000} s`;
  return `  control: version ${c.version}; ${who}; ${kv}${c.rolloutActive ? "; rollout active" : ""}`;
}

function describe(s: ServiceStatus, summaryOnly: boolean, control: ControlStatus | null): string {
  const lastGood = s.lastGood;
  const restore = `restore it: router rollback ${s.service}`;
  if (!s.found) {
    if (lastGood) {
      return `${s.service}: document deleted; the router serves last-good version ${lastGood.version} (live ${lastGood.live}, updated ${lastGood.updatedAt})\n  ${restore}`;
    }
    if (s.deleted) {
      return `${s.service}: document deleted, and there is no last-good copy: the router answers 503 no_routing_document\n  ${restore}`;
    }
    return `${s.service}: no routing document`;
  }
  if (!s.summary) {
    const serving = lastGood
      ? `the router serves last-good version ${lastGood.version} (live ${lastGood.live})`
      : "the worker serves its last good copy, if it has one";
    return `${s.service}: INVALID document (${serving})\n${formatFieldErrors(s.errors)}`;
  }
  const regression = s.versionRegression;
  const warning = regression
    ? `\n  WARNING: version ${regression.version} is below the highest version seen (${regression.highest}): a stale copy was put around the CLI; the next write is version ${regression.next}`
    : "";
  const summary = `${formatSummary(s.summary)}${warning}${control ? `\n${controlLine(control)}` : ""}`;
  return summaryOnly ? summary : `${summary}\n${JSON.stringify(s.document, null, 2)}`;
}
