/**
 * Runs the rollout analyzer over every service (the Cron Trigger's job) and
 * builds its context from the Worker's bindings.
 *
 * Layer: app (use case). One service's failure is logged and does not stop
 * the others.
 */

import { webhookNotifier } from "../../adapters/fetch/webhook-notifier.ts";
import { listServiceNames } from "../../adapters/kv/service-store.ts";
import { readShadowView } from "../../adapters/kv/shadow-view-store.ts";
import { type AnalysisOutcome, type AnalyzerContext, analyzeService } from "./analyzer.ts";

export function analyzerContext(
  env: Env,
  now: number,
  waitUntil: (promise: Promise<unknown>) => void,
): AnalyzerContext {
  return {
    kv: env.ROUTING,
    now,
    notify: webhookNotifier(env.ROLLOUT_WEBHOOK_URL),
    waitUntil,
    readShadow: (doc) => readShadowView(env.ROUTING, doc),
  };
}

export async function runAnalyzer(ctx: AnalyzerContext): Promise<AnalysisOutcome[]> {
  const outcomes: AnalysisOutcome[] = [];
  for (const service of await listServiceNames(ctx.kv)) {
    try {
      const outcome = await analyzeService(ctx, service);
      if (outcome) {
        outcomes.push(outcome);
        console.log(JSON.stringify({ message: "rollout evaluated", ...outcome, gates: undefined }));
      }
    } catch (err) {
      console.error(
        JSON.stringify({ message: "rollout analysis failed", service, error: String(err) }),
      );
    }
  }
  return outcomes;
}
