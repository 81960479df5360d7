/**
 * `router flip <service>`: blue-green flip, smoke-tested first.
 *
 * Layer: CLI, the registry's `flip` edit. Between the plan and the write,
 * the service's sample requests (scripts/cli/smoke.ts defaultSmokeFile) go
 * through the router to the origin about to become live, with the
 * authenticated override; any failure refuses the flip. --force skips them
 * and the history records forced.
 */

import { parse, positional, usage, type Values } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import {
  defaultSmokeFile,
  formatSmoke,
  loadSmokeCases,
  overrideToken,
  runSmoke,
} from "../smoke.ts";
import { DEFAULT_ROUTER_URL, directTarget, type Target } from "../target.ts";
import { type CheckOutcome, WRITE_HELP, WRITE_OPTIONS, write } from "../write.ts";

export const flipCommand: Command = {
  name: "flip",
  summary: SUMMARIES.flip,
  help: `Usage: router flip <service> [--to <origin>] [--force] [options]

Makes another origin live in one write. Without --to it flips to the one
idle origin (not live, canary, a challenger or the shadow).

Before writing, the service's sample requests are sent through the router (--url) to that origin with x-router-override and
x-router-override-token (OVERRIDE_TOKEN from the environment or .dev.vars).
Any failure (status, x-model-variant, JSON fields) refuses the flip.
--dry-run still runs them (they only send the sample requests), so a flip
can be rehearsed. With --direct they go to --url too (default
${DEFAULT_ROUTER_URL}; required with --remote).

Options:
  --to <origin>         the origin to make live
  --force               skip the smoke tests (recorded as forced in the history)
  --smoke-file <path>   sample requests (default: $ROUTER_SMOKE_DIR/<service>.smoke.json,
                        else ./<service>.smoke.json (router init writes it beside the
                        document), else the demo's scripts/demo/smoke/<service>.json)
${WRITE_HELP}

Example:
  router flip fraud --dry-run
  router flip fraud --to green --url https://router.example.com`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, {
      ...WRITE_OPTIONS,
      to: { type: "string" },
      force: { type: "boolean" },
      "smoke-file": { type: "string" },
    });
    const service = positional(positionals, 0, "service");
    if (values.direct && !values.force && directTarget(values).routerUrl === null) {
      throw usage(
        "--direct --remote flips smoke-test through the deployed router: give its --url (or --force)",
      );
    }
    const to = values.to as string | undefined;
    await write({
      service,
      values,
      edit: "flip",
      args: to === undefined ? {} : { to },
      check: (plan, target) => smokeCheck(service, plan.document.live, target, values),
    });
  },
};

async function smokeCheck(
  service: string,
  origin: string,
  target: Target,
  values: Values,
): Promise<CheckOutcome> {
  if (values.force) {
    return {
      ok: true,
      forced: true,
      report: { skipped: true },
      text: "smoke tests SKIPPED (--force)",
    };
  }
  const routerUrl = (target.mode === "api" ? target.url : target.routerUrl) ?? DEFAULT_ROUTER_URL;
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
  const results = await runSmoke({ routerUrl, service, origin, token }, cases);
  const ok = results.every((r) => r.ok);
  return {
    ok,
    report: { origin, results },
    text: `smoke tests of ${origin} via ${routerUrl}:\n${formatSmoke(results)}`,
  };
}
