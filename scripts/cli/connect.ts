/**
 * The Backend a command's options ask for: the router's admin API by
 * default, KV through wrangler with --direct (scripts/cli/target.ts).
 *
 * Layer: CLI.
 */
import { apiBackend } from "./api.ts";
import type { Backend } from "./backend.ts";
import type { Values } from "./cli.ts";
import { directBackend } from "./direct.ts";
import { type Target, targetOf } from "./target.ts";

export function connect(values: Values): { target: Target; backend: Backend } {
  const target = targetOf(values);
  return { target, backend: target.mode === "api" ? apiBackend(target) : directBackend(target) };
}
