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
  type KvLook,
} from "../../core/control/adoption.ts";
import { retryFirst } from "../../core/control/mirror-plan.ts";
import { documentContent } from "../../document/document-text.ts";
import { parseHistory, serializeHistory } from "../../document/edits/history.ts";
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
  const row = ctx.state.service("kvSeen", "kvState", "document", "highest");
  const a = adoptionOf(service, row, text, kvLook(ctx, current, now));
  if (a.kind === "unchanged") return;
  ctx.state.setService(a.row);
  switch (a.kind) {
    case "deleted":
      return ctx.log("routing document deleted in KV; the fleet keeps the last good one", {
        service,
        version: current.version,
        level: "warn",
      });
    case "invalid":
      return ctx.log("KV holds a document that fails the schema; not adopted", {
        service,
        errors: a.errors,
        level: "warn",
      });
    case "behind":
      // A read older than the object's own last write: routine, looked at again next poll.
      return;
    case "current":
      return;
  }
  const put = a.doc.version;
  await adopt(ctx, a, current, now);
  ctx.log("adopted a raw KV put", {
    service,
    from: current.version,
    put,
    to: a.version,
    at: now,
    level: "info",
  });
  await mirrorDocument(ctx, "adoption");
}

/**
 * The adoption rule's view of the object: the current document's content,
 * and when each document of its history (the ones it wrote and replaced)
 * was replaced: the updatedAt of the entry that replaced it.
 */
function kvLook(ctx: ControlContext, current: Current, now: number): KvLook<RoutingDocument> {
  let replaced: Map<string, number> | null = null;
  return {
    parse: parseRoutingDocument,
    content: documentContent,
    currentContent: current.doc ? documentContent(current.doc) : null,
    replacedAt: (content) => {
      replaced ??= replacedDocuments(ctx);
      return replaced.get(content) ?? null;
    },
    now,
  };
}

function replacedDocuments(ctx: ControlContext): Map<string, number> {
  const out = new Map<string, number>();
  const { entries } = parseHistory(ctx.state.service("history").history);
  for (const e of entries) {
    if (!e.document) continue;
    const parsed = parseRoutingDocument(JSON.stringify(e.document));
    const at = Date.parse(e.updatedAt);
    if (!parsed.ok || !Number.isFinite(at)) continue;
    const content = documentContent(parsed.doc);
    out.set(content, Math.max(out.get(content) ?? 0, at));
  }
  return out;
}

type Adopt = Extract<Adoption<RoutingDocument>, { kind: "adopt" }>;

/**
 * Stores an adopted document with its history: KV's own (--direct), or one
 * more entry. A version not above the highest seen is re-stamped (version
 * and updatedAt) one above it; KV keeps the text as it was put.
 */
async function adopt(ctx: ControlContext, a: Adopt, current: Current, now: number): Promise<void> {
  const { service } = ctx;
  const restamped = a.version !== a.doc.version;
  const doc: RoutingDocument = restamped
    ? { ...a.doc, version: a.version, updatedAt: new Date(now).toISOString() }
    : a.doc;
  const text = documentText(doc);
  const store = (history: string) => {
    ctx.state.setService({ ...a.adopted, document: text, lastGood: text, history });
    ctx.serving.changed();
  };
  const kv = await ctx.kv.texts(service);
  const fromKv = parseStoredService(service, { document: text, history: kv.history });
  if (!restamped && adoptedHistory(fromKv.history, a.doc.version) === "kv") {
    return store(serializeHistory(fromKv.history));
  }
  // The write pipeline records the entry over what the fleet routed by
  // (its replaced document) and the object's history.
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
  const change = restamped
    ? `adopted a raw KV put (put as version ${a.doc.version}, stored as ${a.version}: versions only go up)`
    : "adopted a raw KV put";
  await writeService(adoption, {
    service,
    meta: { author: a.doc.updatedBy, now: doc.updatedAt },
    source: "kv",
    allowMissing: true,
    allowInvalid: true,
    compute: () => ({ ok: true, doc, change }),
  });
}
