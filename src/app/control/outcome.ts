/**
 * Results of the control object's use cases as RPC carries them: plain
 * JSON values (prototype-free maps, src/core/dict.ts, are refused by
 * structured clone), and a RouterError as its parts, since a thrown error
 * loses its class across RPC.
 *
 * Layer: app (control use cases).
 */
import type { ControlOutcome } from "../../ports/rollout-control.ts";
import { RouterError } from "../errors.ts";

/** A value RPC can carry (through JSON). */
export function plain<T>(value: T): T {
  return value === null || value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The value of `run`, or the parts of the RouterError it threw (anything else is thrown). */
export async function outcome(run: () => Promise<unknown>): Promise<ControlOutcome> {
  try {
    return { ok: true, value: plain(await run()) };
  } catch (err) {
    if (err instanceof RouterError) {
      return {
        ok: false,
        error: { status: err.status, code: err.code, message: err.message, detail: err.detail },
      };
    }
    throw err;
  }
}
