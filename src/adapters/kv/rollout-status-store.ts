/**
 * The stored progress of each rollout, `rollout:<service>` in KV.
 *
 * Layer: adapter (the only module that reads or writes `rollout:` keys); the
 * record's shape is src/core/rollout/rollout-status.ts.
 */
import type { StoredRolloutStatus } from "../../core/rollout/rollout-status.ts";
import { rolloutStatusKey } from "../../document/kv-keys.ts";

export async function readRolloutStatus(
  kv: KVNamespace,
  service: string,
): Promise<StoredRolloutStatus | null> {
  return kv.get<StoredRolloutStatus>(rolloutStatusKey(service), "json");
}

export async function writeRolloutStatus(
  kv: KVNamespace,
  service: string,
  status: StoredRolloutStatus,
): Promise<void> {
  await kv.put(rolloutStatusKey(service), JSON.stringify(status));
}
