/**
 * The order Vitest starts test files in, when it has no record of their
 * durations (a clean clone, CI): the files known to take longest first,
 * as Vitest itself does once it has run them. Without a record Vitest
 * starts the largest files first, and the longest ones here are small
 * (they wait on real time, alarms and child processes): a clean `npm
 * test` then ended on a tail of one long file. The table is what a quiet
 * `time npm test` measured (2 cores, 4 workers); a file not in it keeps
 * Vitest's order after the ones that are.
 *
 * Layer: test support (the Vitest config's sequencer).
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Milliseconds per file, measured 2026-12-07 (`time npm test`, 114 files). */
const KNOWN_MS: Readonly<Record<string, number>> = {
  "test/scripts/simulate-rollout.test.ts": 74_000,
  "test/scripts/cli-direct.test.ts": 73_000,
  "test/e2e/local-stack.test.ts": 66_000,
  "test/scripts/cli-rollout.test.ts": 48_000,
  "test/worker/rollout-analyzer.test.ts": 36_000,
  "test/scripts/shadow-report.test.ts": 36_000,
  "test/browser/dashboard.test.ts": 34_000,
  "test/scripts/gates-bench.test.ts": 26_000,
  "test/worker/routing.test.ts": 22_000,
  "test/worker/rollout-hostile-users.test.ts": 21_000,
  "test/browser/sessions.test.ts": 20_000,
  "test/worker/rollout-outcomes.test.ts": 20_000,
  "test/worker/challenger-board.test.ts": 18_000,
  "test/worker/document-property.test.ts": 18_000,
  "test/scripts/fanin-fleet.test.ts": 15_000,
  "test/scripts/docs.test.ts": 15_000,
  "test/worker/llm-streaming.test.ts": 14_000,
};

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const known = (f: TestSpecification) => KNOWN_MS[relative(root, f.moduleId)] ?? 0;
    const recorded = (f: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(root, f.moduleId)}`) !==
      undefined;
    // Within each project (Vitest keeps projects together), only where nothing is recorded.
    const out: TestSpecification[] = [];
    let group: TestSpecification[] = [];
    const flush = () => {
      const ordered = group.some(recorded)
        ? group
        : group
            .map((f, i) => ({ f, i }))
            .sort((a, b) => known(b.f) - known(a.f) || a.i - b.i)
            .map(({ f }) => f);
      out.push(...ordered);
      group = [];
    };
    for (const f of sorted) {
      if (group.length > 0 && group[0]?.project.name !== f.project.name) flush();
      group.push(f);
    }
    flush();
    return out;
  }
}
