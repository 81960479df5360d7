/**
 * `router flip <service>`: blue-green flip, smoke-tested first.
 *
 * Layer: script (CLI). Before writing, the service's sample requests
 * (scripts/demo/smoke/<service>.json) go through the router to the origin
 * about to become live, with the authenticated override; any failure
 * refuses the flip. --force skips them and the history records forced.
 */
import { flip, flipTarget } from "../../../src/document/edits/flip.ts";
import type { RoutingDocument } from "../../../src/document/routing-document.ts";
import { parse, positional, usage, type Values, WRITE_HELP, WRITE_OPTIONS } from "../cli.ts";
import type { Command } from "../command.ts";
import {
  defaultSmokeFile,
  formatSmoke,
  loadSmokeCases,
  overrideToken,
  runSmoke,
} from "../smoke.ts";
import { type CheckOutcome, write } from "../write.ts";

const DEFAULT_ROUTER_URL = "http://127.0.0.1:8787";

export const flipCommand: Command = {
  name: "flip",
  summary: "blue-green: make the idle origin live (smoke-tested first)",
  help: `Usage: npm run router -- flip <service> [--to <origin>] [--force] [options]

Makes another origin live in one write. Without --to it flips to the one
idle origin (not live, canary, a challenger or the shadow).

Before writing, the sample requests in scripts/demo/smoke/<service>.json are
sent through the router to that origin with x-router-override and
x-router-override-token (OVERRIDE_TOKEN from the environment or .dev.vars).
Any failure (status, x-model-variant, JSON fields) refuses the flip.
--dry-run still runs them (they only send the sample requests), so a flip
can be rehearsed.

Options:
  --to <origin>         the origin to make live
  --force               skip the smoke tests (recorded as forced in the history)
  --router-url <url>    router to send smoke tests through (default ${DEFAULT_ROUTER_URL};
                        required with --remote)
  --smoke-file <path>   sample requests (default scripts/demo/smoke/<service>.json)
${WRITE_HELP}

Example:
  npm run router -- flip fraud --dry-run
  npm run router -- flip fraud --to green --remote --router-url https://router.example.com`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...WRITE_OPTIONS,
      to: { type: "string" },
      force: { type: "boolean" },
      "router-url": { type: "string" },
      "smoke-file": { type: "string" },
    });
    const service = positional(positionals, 0, "service");
    const to = values.to as string | undefined;
    await write({
      service,
      values,
      edit: (doc, meta) => flip(doc, to === undefined ? {} : { to }, meta),
      check: (stored) => smokeCheck(service, stored.doc as RoutingDocument, to, values),
    });
  },
};

async function smokeCheck(
  service: string,
  doc: RoutingDocument,
  to: string | undefined,
  values: Values,
): Promise<CheckOutcome> {
  const target = flipTarget(doc, to);
  if (!target.ok) throw usage(target.message);
  if (values.force) {
    return {
      ok: true,
      forced: true,
      report: { skipped: true },
      text: "smoke tests SKIPPED (--force)",
    };
  }
  const routerUrl = values["router-url"] as string | undefined;
  if (values.remote && !routerUrl) {
    throw usage(
      "--remote flips smoke-test through the deployed router: give --router-url (or --force)",
    );
  }
  const file = (values["smoke-file"] as string | undefined) ?? defaultSmokeFile(service);
  const fail = (message: string): CheckOutcome => ({
    ok: false,
    report: { error: message },
    text: `smoke tests could not run: ${message} (--force to flip anyway)`,
  });
  let cases: ReturnType<typeof loadSmokeCases>;
  try {
    cases = loadSmokeCases(file);
  } catch (err) {
    return fail((err as Error).message);
  }
  const token = overrideToken();
  if (!token) return fail("no OVERRIDE_TOKEN in the environment or .dev.vars");
  const results = await runSmoke(
    { routerUrl: routerUrl ?? DEFAULT_ROUTER_URL, service, origin: target.origin, token },
    cases,
  );
  const ok = results.every((r) => r.ok);
  return {
    ok,
    report: { origin: target.origin, results },
    text: `smoke tests of ${target.origin} via ${routerUrl ?? DEFAULT_ROUTER_URL}:\n${formatSmoke(results)}`,
  };
}
