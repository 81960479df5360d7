/**
 * A rollout event as it is announced: what happened to which service, why,
 * at which version, step and share.
 *
 * Layer: pure core (a shape shared by the analyzer and the notifiers).
 */
export interface RolloutEvent {
  service: string;
  event: string;
  reason: string;
  version: number;
  stepIndex: number;
  shareBp: number | null;
  at: number;
}
