/**
 * The Backend a command's options ask for: the router's admin API by
 * default, KV through wrangler with --direct (scripts/cli/target.ts).
 *
 * Layer: CLI.
 */
import { apiBackend } from "./api.ts";
import type { Backend } from "./backend.ts";
import type { Values } from "./cli.ts";
import { type DirectTarget, type Target, targetOf } from "./target.ts";

export function connect(values: Values): { target: Target; backend: Backend } {
  const target = targetOf(values);
  return { target, backend: target.mode === "api" ? apiBackend(target) : lazyDirect(target) };
}

/**
 * The --direct backend, loaded on its first call: it brings the write
 * pipeline, the schema and wrangler's helpers, which the router's commands
 * never need (scripts/bench/cli-latency.ts measures the difference).
 */
function lazyDirect(target: DirectTarget): Backend {
  let loaded: Promise<Backend> | null = null;
  const backend = () => {
    loaded ??= import("./direct.ts").then((m) => m.directBackend(target));
    return loaded;
  };
  return {
    label: target.label,
    service: async (name) => (await backend()).service(name),
    services: async () => (await backend()).services(),
    history: async (name, withDocuments) => (await backend()).history(name, withDocuments),
    write: async (request, hooks) => (await backend()).write(request, hooks),
  };
}
