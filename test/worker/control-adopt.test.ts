/**
 * The history a control object gives a raw KV put it adopts
 * (src/app/control/adopt.ts, through the write pipeline): one "kv" entry
 * whose replaced document is the one the fleet routed by, or, when the
 * CLI's --direct mode wrote its own entry for that version, KV's history
 * as it is. On real workerd SQLite and real local KV.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ControlServiceStore } from "../../src/adapters/durable-object/control-client.ts";
import { serializeHistory } from "../../src/document/edits/history.ts";
import { documentText } from "../../src/document/edits/stored-service.ts";
import type { RoutingDocument } from "../../src/document/routing-document.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { makeDoc, putDoc } from "./support.ts";

function valid(service: string, over = {}): RoutingDocument {
  const parsed = validateRoutingDocument(makeDoc(service, over));
  if (!parsed.ok) throw new Error("test document invalid");
  return parsed.doc;
}

const store = () => new ControlServiceStore(env.CONTROL, env.ROUTING);

describe("adopting a raw KV put", () => {
  it("records one kv entry: the new version's stamps, the document it replaced", async () => {
    const service = "adopt-entry";
    const doc = makeDoc(service);
    await putDoc(doc); // as a user would put it: defaults left out
    const before = await store().read(service);
    const put = valid(service, { version: doc.version + 3, live: "green", updatedBy: "ops" });
    await env.ROUTING.put(`service:${service}`, documentText(put));
    const after = await store().read(service);
    expect(after.doc).toMatchObject({ version: doc.version + 3, live: "green" });
    expect(after.history).toHaveLength(before.history.length + 1);
    const served = validateRoutingDocument(doc);
    expect(after.history.at(-1)).toEqual({
      version: put.version,
      updatedAt: put.updatedAt,
      updatedBy: "ops",
      change: "adopted a raw KV put",
      source: "kv",
      // What the fleet routed by, as the object parsed it (defaults filled in).
      document: JSON.parse(JSON.stringify(served.ok ? served.doc : null)),
    });
  });

  it("after a KV delete, the entry still names the document the fleet kept", async () => {
    const service = "adopt-deleted";
    const doc = valid(service);
    await putDoc(doc);
    await store().read(service);
    await env.ROUTING.delete(`service:${service}`);
    expect((await store().read(service)).raw).toBeNull();
    await env.ROUTING.put(
      `service:${service}`,
      documentText({ ...doc, version: doc.version + 1, live: "green" }),
    );
    const after = await store().read(service);
    expect(after.history.at(-1)).toMatchObject({
      version: doc.version + 1,
      source: "kv",
      document: { version: doc.version, live: doc.live },
    });
  });

  it("keeps KV's history when the CLI's --direct mode wrote the version's entry", async () => {
    const service = "adopt-direct";
    const doc = valid(service);
    await putDoc(doc);
    await store().read(service);
    const next = { ...doc, version: doc.version + 1, live: "green" };
    const entry = {
      version: next.version,
      updatedAt: next.updatedAt,
      updatedBy: "cli-user",
      change: "flip live blue -> green",
      source: "cli" as const,
      document: JSON.parse(documentText(doc)),
    };
    // --direct writes the document, then its history, with wrangler.
    await env.ROUTING.put(`service:${service}`, documentText(next));
    await env.ROUTING.put(`history:${service}`, serializeHistory([entry]));
    const after = await store().read(service);
    expect(after.doc).toMatchObject({ version: next.version, live: "green" });
    expect(after.history).toEqual([entry]);
  });
});
