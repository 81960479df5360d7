/**
 * What the control object takes from KV: the service's texts on its first
 * call ever, and, on every poll (the alarm, each admin read and write), a
 * change made around it (a raw `wrangler kv key put`, the CLI's --direct
 * mode, a delete). A pending KV mirror is retried first. An adopted
 * version gets its history entry from the one write pipeline
 * (src/app/write-service.ts, source "kv"), or keeps KV's history when the
 * CLI's --direct mode wrote it through that same pipeline.
 *
 * Layer: app (control use case). The decisions are
 * src/core/control/adoption.ts and mirror-plan.ts.
 */
import {
  type Adoption,
  adoptedHistory,
  adoptionOf,
  importOf,
} from "../../core/control/adoption.ts";
import { retryFirst } from "../../core/control/mirror-plan.ts";
import { serializeHistory } from "../../document/edits/history.ts";
import {
  documentText,
  highestVersionSeen,
  parseStoredService,
} from "../../document/edits/stored-service.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import { parseRoutingDocument } from "../../document/validate.ts";
import type { ServiceStore } from "../../ports/service-store.ts";
import { writeService } from "../write-service.ts";
import type { ControlContext, Current } from "./context.ts";
import { mirrorDocument } from "./mirror.ts";

/** The import of the first call ever, while it runs (null: done, then or long ago). */
export function importOnce(ctx: ControlContext): Promise<void> | null {
  if (ctx.state.service("imported").imported) return null;
  ctx.importing ??= importFromKv(ctx).finally(() => {
    ctx.importing = null;
  });
  return ctx.importing;
}

/** Imports what KV holds: a valid document, else the last-good copy. */
async function importFromKv(ctx: ControlContext): Promise<void> {
  const texts = await ctx.kv.texts(ctx.service);
  if (ctx.state.service("imported").imported) return;
  const highest = highestVersionSeen(parseStoredService(ctx.service, texts));
  const { row, mirrorLastGood } = importOf(ctx.service, texts, highest, parseRoutingDocument);
  ctx.state.setService(row);
  ctx.serving.changed();
  // The last-good copy follows the valid document KV holds (cold isolates
  // read it when the document is deleted or broken).
  if (mirrorLastGood) await mirrorDocument(ctx, "import");
}

/** Looks at KV's document for a change made around the object. */
export async function adoptFromKv(ctx: ControlContext, now: number): Promise<void> {
  const { service } = ctx;
  if (retryFirst(ctx.state.service("kvVersion"), ctx.serving.get().version)) {
    if ((await mirrorDocument(ctx, "retry")) !== null) return;
  }
  const text = await ctx.kv.document(service);
  const current = ctx.serving.get();
  const row = ctx.state.service("kvSeen", "document", "highest");
  const a = adoptionOf(service, row, text, parseRoutingDocument);
  if (a.kind === "unchanged") return;
  ctx.state.setService(a.row);
  switch (a.kind) {
    case "deleted":
      return ctx.log("routing document deleted in KV; the fleet keeps the last good one", {
        service,
        version: current.version,
      });
    case "invalid":
      return ctx.log("KV holds a document that fails the schema; not adopted", {
        service,
        errors: a.errors,
      });
    case "stale":
      return ctx.log(
        "KV holds a version not above the highest seen; not adopted (bump its version)",
        { service, kv: a.version, highest: a.highest, serving: current.version },
      );
    case "current":
      return;
  }
  await adopt(ctx, a, current);
  ctx.log("adopted a raw KV put", { service, from: current.version, to: a.doc.version, at: now });
  await mirrorDocument(ctx, "adoption");
}

type Adopt = Extract<Adoption<RoutingDocument>, { kind: "adopt" }>;

/** Stores an adopted version with its history: KV's own (--direct), or one more entry. */
async function adopt(ctx: ControlContext, a: Adopt, current: Current): Promise<void> {
  const { service } = ctx;
  const store = (history: string) => {
    ctx.state.setService({ ...a.adopted, history });
    ctx.serving.changed();
  };
  const kv = await ctx.kv.texts(service);
  const fromKv = parseStoredService(service, { document: a.adopted.document, history: kv.history });
  if (adoptedHistory(fromKv.history, a.doc.version) === "kv") {
    return store(serializeHistory(fromKv.history));
  }
  // The write pipeline records the entry over what the fleet routed by
  // (its replaced document) and the object's history; the document keeps
  // the version it was put with, which the adoption rule found above every
  // version seen.
  const stored = parseStoredService(service, {
    document: current.doc ? documentText(current.doc) : null,
    history: ctx.state.service("history").history,
  });
  const adoption: ServiceStore = {
    read: async () => stored,
    write: async (_service, _doc, history) => {
      store(serializeHistory(history));
      return { historyError: null };
    },
    list: async () => [service],
  };
  await writeService(adoption, {
    service,
    meta: { author: a.doc.updatedBy, now: a.doc.updatedAt },
    source: "kv",
    allowMissing: true,
    allowInvalid: true,
    compute: () => ({ ok: true, doc: a.doc, change: "adopted a raw KV put" }),
  });
}
