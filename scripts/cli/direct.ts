/**
 * --direct, the break-glass mode: the CLI's Backend over Workers KV through
 * `wrangler kv` (scripts/cli/store.ts), with no router at all. A write
 * runs the registry's edit (src/document/edits/registry.ts) through the one
 * write pipeline (src/app/write-service.ts) here, exactly as the admin API
 * runs it in the router; reads build the admin API's answers from what KV
 * holds, with the same shared functions.
 *
 * Layer: CLI. Each read is one wrangler run; a write four (read, re-read,
 * put the document, put the history), about 5 s locally.
 */
import { WriteRefused, writeService } from "../../src/app/write-service.ts";
import { prepareEdit, storedState } from "../../src/document/edits/registry.ts";
import { serviceHistory, serviceStatus } from "../../src/document/edits/service-view.ts";
import { type Backend, notFound, refusal, reportOf, type WritePlan } from "./backend.ts";
import { listServices, readService, wranglerServiceStore } from "./store.ts";
import type { DirectTarget } from "./target.ts";

/** GET /services/:service's answer, from what KV holds (the shared view). */
export const statusOf = serviceStatus;

/** GET /services/:service/history's answer, from what KV holds (the shared view). */
export const historyOf = serviceHistory;

export function directBackend(target: DirectTarget): Backend {
  const { kv, label } = target;
  return {
    label,
    service: async (name) => {
      const status = statusOf(await readService(name, kv));
      if (status.state === "missing")
        throw notFound(
          name,
          label,
          (await listServices(kv)).map((s) => s.service),
        );
      return status;
    },
    services: async () => (await listServices(kv)).map(statusOf),
    history: async (name, withDocuments) => historyOf(await readService(name, kv), withDocuments),
    write: async (request, hooks) => {
      const { service } = request;
      const prepared = prepareEdit(request.edit, request.args);
      if (!prepared.ok) {
        throw prepared.reason === "invalid_args"
          ? refusal("invalid_request", { message: "", errors: prepared.errors }, service, label)
          : new Error(prepared.message);
      }
      const { check, confirm } = hooks;
      let plan: WritePlan | null = null;
      const planned = () => plan as WritePlan;
      try {
        const result = await writeService(wranglerServiceStore(kv), {
          service,
          meta: { author: request.author, now: new Date().toISOString() },
          expectedVersion: request.expectedVersion,
          dryRun: request.dryRun,
          source: "cli",
          ...prepared.steps,
          onPlan: (p, stored) => {
            plan = { ...p, fromState: storedState(stored) };
            hooks.onPlan(plan);
          },
          ...(check ? { check: () => check(planned()) } : {}),
          ...(confirm ? { confirm: () => confirm(planned()) } : {}),
        });
        return { ...result, fromState: planned().fromState };
      } catch (err) {
        if (!(err instanceof WriteRefused)) throw err;
        const report =
          err.report && plan ? reportOf({ ...(plan as WritePlan), ...err.report }, label) : null;
        throw refusal(
          err.kind,
          { message: err.message, errors: err.errors, detail: err.detail, report },
          service,
          label,
        );
      }
    },
  };
}
