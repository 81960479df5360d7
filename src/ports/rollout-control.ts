/**
 * The RolloutControl port: the rollout analyzer and an operator's commands,
 * run by the service's control object, where a thrown RouterError cannot
 * cross back (ControlOutcome carries its value or the error's parts).
 * Implemented by src/adapters/durable-object/control-client.ts.
 *
 * Layer: ports (types only).
 */
import type { ManualCommand } from "../core/rollout/state-machine.ts";

/** A use case run elsewhere (inside the service's control object): its value, or the error's parts. */
export type ControlOutcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      error: { status: number; code: string; message: string; detail: Record<string, unknown> };
    };

export interface RolloutControl {
  evaluate(service: string): Promise<ControlOutcome>;
  command(service: string, command: ManualCommand, author: string): Promise<ControlOutcome>;
}
