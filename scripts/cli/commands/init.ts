/**
 * `router init <service> --live <url> [--canary <url>]`: a routing document
 * for your own model, valid by construction (checked with the shared
 * schema before it is written), and a smoke-test file beside it that
 * `router flip` finds. Nothing is sent anywhere: `router apply` writes it.
 *
 * Layer: CLI; no router, no KV.
 */
import { existsSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { documentText } from "../../../src/document/document-text.ts";
import { formatFieldErrors, validateRoutingDocument } from "../../../src/document/validate.ts";
import { CliError, EXIT, parse, positional, shareFrom, usage } from "../cli.ts";
import type { Command } from "../command.ts";
import { SUMMARIES } from "../command-list.ts";
import { smokeFileBeside } from "../smoke.ts";

const OPTIONS = {
  live: { type: "string" },
  green: { type: "string" },
  canary: { type: "string" },
  share: { type: "string" },
  "predict-path": { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
} as const;

export const initCommand: Command = {
  name: "init",
  summary: SUMMARIES.init,
  help: `Usage: router init <service> --live <url> [--green <url>] [--canary <url> [--share <pct>]] [--out <file>]

Writes a routing document for your own model: origin "blue" (live) at
--live; with --green an idle origin "green" (blue-green: \`router flip\`
makes it live after its smoke test); with --canary an origin "canary"
getting --share of users (default 0%: ramp it with \`router canary set\`).
Users are identified by the x-user-id header. It is checked with the router's schema first. With
--out it goes to that file (refused if it exists, unless --force), and a
smoke-test file beside it (<service>.smoke.json: one POST to
--predict-path, default /predict) that \`router flip\` sends to the idle
origin before it flips; without --out the document is printed.

Then: router validate <file>, router apply <service> <file>.

Options:
  --live <url>          the live model's base URL (requests go to <url><path>)
  --green <url>         a second model, idle until a flip makes it live
  --canary <url>        a model that gets a share of users, the canary
  --share <pct>         the canary's share of users (default 0%)
  --predict-path <p>    the path of a prediction, for the smoke test (default /predict)
  --out <file>          write the document (and the smoke file beside it)
  --force               overwrite existing files
  --json                print {"document", "files"} instead

Example:
  router init mymodel --live http://127.0.0.1:9100/fraud-blue --green http://127.0.0.1:9100/fraud-green --out mymodel.json`,
  run: async (argv) => {
    const { values, positionals } = parse(argv, OPTIONS);
    const service = positional(positionals, 0, "service");
    const live = values.live as string | undefined;
    if (!live) throw usage("--live <url> is required: the live model's base URL");
    const green = values.green as string | undefined;
    const canary = values.canary as string | undefined;
    if (values.share !== undefined && !canary) throw usage("--share needs --canary");
    const shareBp = shareFrom(values) ?? 0;
    const draft = {
      service,
      version: 1,
      updatedAt: new Date().toISOString(),
      updatedBy: "router init",
      origins: {
        blue: { url: live },
        ...(green ? { green: { url: green } } : {}),
        ...(canary ? { canary: { url: canary } } : {}),
      },
      live: "blue",
      ...(canary
        ? { canary: { origin: "canary", shareBp, salt: `${service}-canary-1`, killed: false } }
        : {}),
      identity: { sources: [{ type: "header", name: "x-user-id" }] },
    };
    const verdict = validateRoutingDocument(draft);
    if (!verdict.ok) {
      throw new CliError(
        EXIT.refused,
        "invalid_document",
        `the document would not be valid:\n${formatFieldErrors(verdict.errors)}`,
        verdict.errors,
      );
    }
    const text = `${JSON.stringify(JSON.parse(documentText(verdict.doc)), null, 2)}\n`;
    const out = values.out as string | undefined;
    if (!out) {
      process.stdout.write(values.json ? `${JSON.stringify({ document: verdict.doc })}\n` : text);
      return;
    }
    const predictPath = (values["predict-path"] as string | undefined) ?? "/predict";
    if (!predictPath.startsWith("/")) throw usage("--predict-path starts with /");
    const smoke = smokeFileBeside(out, service);
    for (const file of [out, smoke]) {
      if (existsSync(file) && !values.force)
        throw new CliError(EXIT.refused, "exists", `${file} exists (--force overwrites it)`);
    }
    writeFileSync(out, text);
    const cases = [
      {
        name: `predict (edit ${basename(smoke)} to send what your model expects)`,
        method: "POST",
        path: predictPath,
        headers: { "content-type": "application/json" },
        body: { id: "smoke-1" },
        expect: { status: 200 },
      },
    ];
    writeFileSync(smoke, `${JSON.stringify(cases, null, 2)}\n`);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ document: verdict.doc, files: [out, smoke] })}\n`);
      return;
    }
    process.stdout.write(
      [
        `wrote ${out} (service ${service}: live blue = ${live}${green ? `, idle green = ${green}` : ""}${canary ? `, canary = ${canary} at ${shareBp / 100}%` : ""})`,
        `wrote ${smoke} (the smoke test \`router flip ${service}\` sends to the idle origin first)`,
        `next: router validate ${out} && router apply ${service} ${out}`,
        dirname(out) === "."
          ? ""
          : `(router flip finds it when run from ${dirname(out)}, or with ROUTER_SMOKE_DIR=${dirname(out)})`,
      ]
        .filter(Boolean)
        .join("\n") + "\n",
    );
  },
};
