#!/usr/bin/env -S node --experimental-strip-types
/**
 * `router <command>`: rollout operations on the routing
 * documents, through a running router's admin API (the default), or with
 * --direct through wrangler and Workers KV (break glass: no router needed).
 *
 * Layer: CLI entry. Each command lives in scripts/cli/commands/; every
 * write is a named edit of src/document/edits/registry.ts run by the one
 * write pipeline (scripts/cli/write.ts). Errors print on stderr, or
 * with --json as `{ "ok": false, "error": { code, message, errors? } }`.
 */
import { runRouter } from "./main.ts";

process.exitCode = await runRouter(process.argv.slice(2));
