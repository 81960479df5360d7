/**
 * Runs the rollout analyzer over every service (the Cron Trigger's job).
 *
 * Layer: app (use case). One service's failure is logged and does not stop
 * the others. The context (ports) is built by the composition root.
 */
import { type AnalysisOutcome, type AnalyzerContext, analyzeService } from "./analyzer.ts";

export async function runAnalyzer(ctx: AnalyzerContext): Promise<AnalysisOutcome[]> {
  const outcomes: AnalysisOutcome[] = [];
  for (const service of await ctx.services.list()) {
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
