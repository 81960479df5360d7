/**
 * Writes to the control object: what the write pipeline reads (the
 * object's texts, with KV's deleted or broken copy reported as KV would
 * say it), and the compare-and-swap it writes through, mirrored to KV
 * once it lands. The admin API's writes arrive as RPC; the rollout
 * analyzer, run inside the object, writes through `objectStore`, the same
 * compare-and-swap.
 *
 * Layer: app (control use case). Whether a write lands is
 * src/core/control/compare-and-swap.ts.
 */
import {
  type CasWrite,
  compareAndSwap,
  reportedDocument,
} from "../../core/control/compare-and-swap.ts";
import { serializeHistory } from "../../document/edits/history.ts";
import { documentText, parseStoredService } from "../../document/edits/stored-service.ts";
import type { CommitResult, ServiceStore } from "../../ports/service-store.ts";
import type { ControlContext } from "./context.ts";
import { mirrorDocument } from "./mirror.ts";

/** The texts the write pipeline reads and builds on. */
export function serviceTexts(ctx: ControlContext) {
  const { history, lastGood, ...row } = ctx.state.service(
    "document",
    "kvSeen",
    "kvState",
    "history",
    "lastGood",
  );
  return { document: reportedDocument(row), history, lastGood };
}

/** The compare-and-swap: applied only on the basis the writer read, with a higher version. */
export async function commit(ctx: ControlContext, w: CasWrite): Promise<CommitResult> {
  const verdict = compareAndSwap(
    ctx.state.service("document", "kvSeen", "kvState", "highest"),
    ctx.serving.get().doc?.version ?? null,
    w,
  );
  if (!verdict.ok) return verdict;
  ctx.state.setService(verdict.row);
  ctx.serving.changed();
  ctx.wake();
  return { ok: true, kvError: await mirrorDocument(ctx, "write") };
}

/** The ServiceStore over this object: its texts, and writes through its compare-and-swap. */
export function objectStore(ctx: ControlContext): ServiceStore {
  return {
    read: async () => parseStoredService(ctx.service, serviceTexts(ctx)),
    write: async (_service, doc, history, basis) => {
      const result = await commit(ctx, {
        basis,
        document: documentText(doc),
        version: doc.version,
        history: serializeHistory(history),
      });
      return result.ok ? { historyError: null } : { historyError: null, conflict: result.conflict };
    },
    list: async () => [ctx.service],
  };
}
