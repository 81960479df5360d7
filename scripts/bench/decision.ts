/**
 * Times the routing decision alone, in Node, with a tight loop: read the
 * user id from a request's headers (x-user-id), hash it (bucketOf inside
 * decide) and choose the arm with decide() from src/core/routing/decide.ts, against
 * the benchmark's document (5% canary, one 5% challenger).
 *
 * Reports the median ns/op of several timed rounds after a warm-up, plus
 * the share of each arm as a sanity check that every branch is exercised.
 */
import { type ArmRole, decide } from "../../src/core/routing/decide.ts";
import type { RoutingDocumentInput } from "../../src/document/routing-document.ts";
import { parseRoutingDocument } from "../../src/document/validate.ts";

export interface DecisionTiming {
  nsPerOp: number;
  /** Share of decisions per arm role, 0..1. */
  arms: Partial<Record<ArmRole, number>>;
}

const POOL = 4096; // power of two: index with a mask
const OPS_PER_ROUND = 1_000_000;
const ROUNDS = 7;

export function timeDecision(input: RoutingDocumentInput): DecisionTiming {
  const parsed = parseRoutingDocument(JSON.stringify(input));
  if (!parsed.ok) throw new Error(`the ${input.service} document is not a valid routing document`);
  const doc = parsed.doc;
  const requests = Array.from(
    { length: POOL },
    (_, i) => new Headers({ "content-type": "application/json", "x-user-id": `user-${i}` }),
  );

  const counts: Partial<Record<ArmRole, number>> = {};
  let sink = 0;
  const loop = (ops: number, count: boolean) => {
    for (let i = 0; i < ops; i++) {
      const headers = requests[i & (POOL - 1)] as Headers;
      const decision = decide(doc, { userId: headers.get("x-user-id"), override: null });
      sink += decision.bucket ?? 0;
      if (count) counts[decision.role] = (counts[decision.role] ?? 0) + 1;
    }
  };

  loop(POOL, true);
  loop(OPS_PER_ROUND, false); // warm-up: let the JIT settle
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    loop(OPS_PER_ROUND, false);
    samples.push(Number(process.hrtime.bigint() - start) / OPS_PER_ROUND);
  }
  if (sink < 0) console.log(sink); // keep the loop's result alive
  samples.sort((a, b) => a - b);
  const arms = Object.fromEntries(
    Object.entries(counts).map(([role, n]) => [role, n / POOL]),
  ) as Partial<Record<ArmRole, number>>;
  return { nsPerOp: samples[Math.floor(ROUNDS / 2)] ?? Number.NaN, arms };
}
