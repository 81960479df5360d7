/**
 * The progress record of each rollout: read and written by the analyzer
 * (RolloutStore), read by the admin API (RolloutReader). Implemented by the
 * control objects (src/adapters/durable-object/control-client.ts).
 *
 * Layer: ports (types only).
 */
import type { StoredRolloutStatus } from "../core/rollout/rollout-status.ts";

export interface RolloutStore {
  read(service: string): Promise<StoredRolloutStatus | null>;
  write(service: string, status: StoredRolloutStatus): Promise<void>;
}

/** Reads the progress record of a rollout (the admin API's view). */
export interface RolloutReader {
  read(service: string): Promise<StoredRolloutStatus | null>;
}
