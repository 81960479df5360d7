/**
 * The admin API inside workerd, through the real worker (SELF) and real
 * local KV: authentication, validation with field paths, each operation,
 * the lost-update guard (If-Match), the history it shares with the CLI, the
 * version rule (one above every version seen) and restoring a deleted
 * document.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flip } from "../../src/document/edits/flip.ts";
import { type HistoryEntry, recordWrite } from "../../src/document/edits/history.ts";
import { validateRoutingDocument } from "../../src/document/validate.ts";
import { makeDoc, originUrl, predict, putDoc, variantOf } from "./support.ts";

const TOKEN = "test-admin-token-at-least-32-bytes";
const BASE = "http://router.test/_router/admin";

function admin(
  path: string,
  init: {
    method?: string;
    body?: unknown;
    token?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  // This file's own client address: its wrong-token tests count against no other file's
  // (failed authentications are rate limited per address, and the limiter is shared).
  const headers: Record<string, string> = { "cf-connecting-ip": "192.0.2.10", ...init.headers };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return SELF.fetch(`${BASE}${path}`, {
    method: init.method ?? "GET",
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === "string"
          ? init.body
          : JSON.stringify(init.body),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
const json = async (res: Response): Promise<any> => res.json();

const stored = async (service: string) =>
  JSON.parse((await env.ROUTING.get(`service:${service}`)) ?? "null");
const history = async (service: string): Promise<HistoryEntry[]> =>
  JSON.parse((await env.ROUTING.get(`history:${service}`)) ?? "[]");

/** A document at a known version (makeDoc's counter is shared across tests). */
async function seed(service: string, over: Parameters<typeof makeDoc>[1] = {}) {
  const doc = { ...makeDoc(service, over), version: 10 };
  await putDoc(doc);
  await env.ROUTING.delete(`history:${service}`);
  return doc;
}

describe("authentication", () => {
  it("401 without a token (with WWW-Authenticate), 403 with a wrong one, 200 with ADMIN_TOKEN", async () => {
    await seed("adm-auth");
    const none = await admin("/services/adm-auth", { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await json(none)).error).toBe("admin_unauthenticated");

    const basic = await admin("/services/adm-auth", {
      token: null,
      headers: { authorization: "Basic dGVzdA==" },
    });
    expect(basic.status).toBe(401);
    await basic.arrayBuffer();

    for (const wrong of ["nope", "test-override-token", `${TOKEN}x`]) {
      const res = await admin("/services/adm-auth", { token: wrong });
      expect(res.status).toBe(403);
      expect((await json(res)).error).toBe("admin_forbidden");
    }
    const ok = await admin("/services/adm-auth");
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it("guards writes too: a rejected request writes nothing", async () => {
    await seed("adm-auth-w");
    const res = await admin("/services/adm-auth-w/flip", { method: "POST", token: "wrong" });
    expect(res.status).toBe(403);
    await res.arrayBuffer();
    expect((await stored("adm-auth-w")).live).toBe("blue");
    expect(await env.ROUTING.get("history:adm-auth-w")).toBeNull();
  });
});

describe("reading state", () => {
  it("returns the document, a share summary and the version as ETag", async () => {
    await seed("adm-read", {
      canary: { origin: "canary", shareBp: 1000, salt: "s", killed: false },
      challengerSalt: "cs",
      challengers: [{ origin: "challenger-a", startBp: 0, shareBp: 500 }],
    });
    const res = await admin("/services/adm-read");
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"10"');
    const body = await json(res);
    expect(body).toMatchObject({ service: "adm-read", version: 10, valid: true });
    expect(body.document.live).toBe("blue");
    const shares = Object.fromEntries(
      body.summary.arms.map((a: { origin: string; expectedBp: number }) => [
        a.origin,
        a.expectedBp,
      ]),
    );
    expect(shares).toEqual({ blue: 8550, canary: 1000, "challenger-a": 450 });
  });

  it("lists services, and answers 404 / 400 for unknown or malformed names", async () => {
    await seed("adm-list");
    expect((await json(await admin("/services"))).services).toContain("adm-list");
    const missing = await admin("/services/adm-nobody");
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
    const bad = await admin("/services/Not_A_Name");
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
  });
});

describe("validation", () => {
  it("PUT of an invalid document is 400 with field paths, and nothing is written", async () => {
    const doc = await seed("adm-invalid");
    const res = await admin("/services/adm-invalid", {
      method: "PUT",
      body: {
        ...doc,
        live: "nowhere",
        challengers: [{ origin: "challenger-a", startBp: 9900, shareBp: 500 }],
      },
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toBe("invalid_change");
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["live", "challengerSalt", "challengers.0.shareBp"]),
    );
    expect(await stored("adm-invalid")).toMatchObject({ version: 10, live: "blue" });
    expect(await env.ROUTING.get("history:adm-invalid")).toBeNull();
  });

  it("PATCH that breaks a cross-field rule is 400; a body that is not JSON is 400", async () => {
    await seed("adm-invalid-p");
    const res = await admin("/services/adm-invalid-p", {
      method: "PATCH",
      body: { canary: { origin: "blue", shareBp: 100, salt: "s" } },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toContainEqual({
      path: "canary.origin",
      message: "must differ from the live origin",
    });
    const garbage = await admin("/services/adm-invalid-p", { method: "PATCH", body: "{nope" });
    expect(garbage.status).toBe(400);
    expect((await json(garbage)).error).toBe("invalid_json");
    const unknown = await admin("/services/adm-invalid-p/flip", {
      method: "POST",
      body: { to: "green", because: "yes" },
    });
    expect(unknown.status).toBe(400);
    await unknown.arrayBuffer();
    expect((await stored("adm-invalid-p")).version).toBe(10);
  });
});

describe("operations", () => {
  it("flip: the next requests go to the new live origin; version and history advance", async () => {
    await seed("adm-flip", {
      origins: { blue: { url: originUrl("blue") }, green: { url: originUrl("green") } },
    });
    expect(await variantOf(await predict("adm-flip", { user: "u1" }))).toBe("blue");
    const res = await admin("/services/adm-flip/flip", {
      method: "POST",
      headers: { "x-router-author": "dashboard:alice" },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      written: true,
      fromVersion: 10,
      version: 11,
      change: "flip live blue -> green",
    });
    expect(body.diff).toContainEqual({
      path: "live",
      kind: "changed",
      before: "blue",
      after: "green",
    });
    expect(await variantOf(await predict("adm-flip", { user: "u1" }))).toBe("green");
    expect(await stored("adm-flip")).toMatchObject({ version: 11, updatedBy: "dashboard:alice" });
    const [entry] = await history("adm-flip");
    expect(entry).toMatchObject({ version: 11, source: "admin", updatedBy: "dashboard:alice" });
    expect(entry?.document).toMatchObject({ version: 10, live: "blue" });
  });

  it("flip refuses when the target is ambiguous or already live", async () => {
    await seed("adm-flip-x", { live: "blue" });
    // makeDoc has many idle origins: a flip must name one.
    const ambiguous = await admin("/services/adm-flip-x/flip", { method: "POST" });
    expect(ambiguous.status).toBe(400);
    expect((await json(ambiguous)).errors[0].message).toMatch(
      /several idle origins .*name the one/,
    );
    const res = await admin("/services/adm-flip-x/flip", { method: "POST", body: { to: "blue" } });
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].path).toBe("live");
  });

  it("canary/kill sends every user to live at once", async () => {
    await seed("adm-kill", {
      canary: { origin: "canary", shareBp: 10000, salt: "k", killed: false },
    });
    expect(await variantOf(await predict("adm-kill", { user: "u" }))).toBe("canary");
    const res = await admin("/services/adm-kill/canary/kill", { method: "POST" });
    expect((await json(res)).change).toBe("canary canary killed (was 100%)");
    expect(await variantOf(await predict("adm-kill", { user: "u" }))).toBe("blue");
    const again = await admin("/services/adm-kill/canary/kill", { method: "POST" });
    expect(again.status).toBe(400);
    await again.arrayBuffer();
  });

  it("PATCH merges (null deletes); PUT replaces and creates; both ignore the caller's version", async () => {
    await seed("adm-patch", {
      canary: { origin: "canary", shareBp: 100, salt: "p", killed: false },
    });
    const patched = await json(
      await admin("/services/adm-patch", {
        method: "PATCH",
        body: { canary: { shareBp: 2500 }, description: "ramp", version: 1 },
      }),
    );
    expect(patched).toMatchObject({ version: 11, change: "patch: canary.shareBp, description" });
    expect((await stored("adm-patch")).canary).toMatchObject({ shareBp: 2500, salt: "p" });
    const removed = await json(
      await admin("/services/adm-patch", { method: "PATCH", body: { canary: null } }),
    );
    expect(removed.version).toBe(12);
    expect((await stored("adm-patch")).canary).toBeUndefined();

    await env.ROUTING.delete("service:adm-new");
    const created = await admin("/services/adm-new", {
      method: "PUT",
      body: makeDoc("adm-new", { live: "green" }),
    });
    expect(created.status).toBe(200);
    expect(await json(created)).toMatchObject({ version: 1, change: "create (live green)" });
    expect((await history("adm-new"))[0]).toMatchObject({ version: 1, source: "admin" });
    expect((await history("adm-new"))[0]?.document).toBeUndefined();
  });

  it("rollback restores the previous document as a new version, or version N", async () => {
    await seed("adm-rb");
    await json(await admin("/services/adm-rb/flip", { method: "POST", body: { to: "green" } }));
    await json(await admin("/services/adm-rb/flip", { method: "POST", body: { to: "canary" } }));
    expect(await variantOf(await predict("adm-rb", { user: "u" }))).toBe("canary");

    const back = await json(await admin("/services/adm-rb/rollback", { method: "POST" }));
    expect(back).toMatchObject({ version: 13, change: "rollback to version 11 (live green)" });
    expect(await variantOf(await predict("adm-rb", { user: "u" }))).toBe("green");

    const to10 = await json(
      await admin("/services/adm-rb/rollback", { method: "POST", body: { toVersion: 10 } }),
    );
    expect(to10).toMatchObject({ version: 14, change: "rollback to version 10 (live blue)" });
    expect(await stored("adm-rb")).toMatchObject({ version: 14, live: "blue" });

    const h = await json(await admin("/services/adm-rb/history?documents=0"));
    expect(h.entries.map((e: HistoryEntry) => [e.version, e.change])).toEqual([
      [14, "rollback to version 10 (live blue)"],
      [13, "rollback to version 11 (live green)"],
      [12, "flip live green -> canary"],
      [11, "flip live blue -> green"],
    ]);
    expect(h.entries[0].document).toBeUndefined();
    expect(h.restorable).toEqual([13, 12, 11, 10]);

    const missing = await admin("/services/adm-rb/rollback", {
      method: "POST",
      body: { toVersion: 3 },
    });
    expect(missing.status).toBe(400);
    expect((await json(missing)).errors[0].message).toContain("restorable: 13, 12, 11, 10");
  });

  it("rollback works when the stored document is garbage; other writes refuse it (409)", async () => {
    await seed("adm-garbage");
    await json(
      await admin("/services/adm-garbage/flip", { method: "POST", body: { to: "green" } }),
    );
    await env.ROUTING.put("service:adm-garbage", "{ not json");
    const flipRes = await admin("/services/adm-garbage/flip", { method: "POST" });
    expect(flipRes.status).toBe(409);
    expect((await json(flipRes)).error).toBe("stored_document_invalid");
    const res = await json(
      await admin("/services/adm-garbage/rollback", { method: "POST", body: { toVersion: 10 } }),
    );
    expect(res).toMatchObject({ written: true, version: 12 });
    expect(await stored("adm-garbage")).toMatchObject({ live: "blue", version: 12 });
  });

  it("?dryRun=1 returns the diff and writes nothing", async () => {
    await seed("adm-dry");
    const res = await json(
      await admin("/services/adm-dry/flip?dryRun=1", { method: "POST", body: { to: "green" } }),
    );
    expect(res).toMatchObject({ written: false, dryRun: true, version: 11 });
    expect(await stored("adm-dry")).toMatchObject({ version: 10, live: "blue" });
    expect(await env.ROUTING.get("history:adm-dry")).toBeNull();
  });
});

describe("lost updates", () => {
  it("If-Match / expectedVersion: a write based on a stale version is 412 and writes nothing", async () => {
    await seed("adm-cas");
    const stale = await admin("/services/adm-cas/flip", {
      method: "POST",
      body: { to: "green" },
      headers: { "if-match": '"9"' },
    });
    expect(stale.status).toBe(412);
    expect(await json(stale)).toMatchObject({ expectedVersion: 9, actualVersion: 10 });
    const staleBody = await admin("/services/adm-cas/flip", {
      method: "POST",
      body: { to: "green", expectedVersion: 9 },
    });
    expect(staleBody.status).toBe(412);
    await staleBody.arrayBuffer();
    const stalePut = await admin("/services/adm-cas", {
      method: "PATCH",
      body: { live: "green" },
      headers: { "if-match": "9" },
    });
    expect(stalePut.status).toBe(412);
    await stalePut.arrayBuffer();
    expect((await stored("adm-cas")).version).toBe(10);

    const fresh = await admin("/services/adm-cas/flip", {
      method: "POST",
      body: { to: "green" },
      headers: { "if-match": '"10"' },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("etag")).toBe('"11"');
    await fresh.arrayBuffer();
  });
});

describe("history shared with the CLI", () => {
  it("reads and extends a history in the CLI's format; rollback restores a CLI-recorded version", async () => {
    // What `npm run router -- flip` leaves behind: the shared operation and recordWrite, source cli.
    const v10 = validateRoutingDocument(await seed("adm-shared"));
    if (!v10.ok) throw new Error("seed invalid");
    const flipped = flip(
      v10.doc,
      { to: "green" },
      { author: "ops@laptop", now: new Date().toISOString(), version: 11 },
    );
    if (!flipped.ok) throw new Error("flip refused");
    const cliHistory = recordWrite([], {
      previous: v10.doc,
      next: flipped.doc,
      change: flipped.change,
      source: "cli",
      forced: true,
    });
    await putDoc(flipped.doc);
    await env.ROUTING.put("history:adm-shared", JSON.stringify(cliHistory));

    const h = await json(await admin("/services/adm-shared/history"));
    expect(h.entries[0]).toMatchObject({
      version: 11,
      source: "cli",
      forced: true,
      updatedBy: "ops@laptop",
      change: "flip live blue -> green",
    });
    const back = await json(await admin("/services/adm-shared/rollback", { method: "POST" }));
    expect(back).toMatchObject({ version: 12, change: "rollback to version 10 (live blue)" });
    const after = await history("adm-shared");
    expect(after.map((e) => [e.version, e.source])).toEqual([
      [11, "cli"],
      [12, "admin"],
    ]);
  });
});

describe("versions never go backwards; a deleted document comes back", () => {
  /** v10 stored, v11 and v12 written through the API: a history with documents. */
  async function twelve(service: string) {
    await seed(service);
    await env.ROUTING.delete(`service:${service}:last-good`);
    await json(await admin(`/services/${service}/flip`, { method: "POST", body: { to: "green" } }));
    await json(await admin(`/services/${service}/flip`, { method: "POST", body: { to: "blue" } }));
    expect(await stored(service)).toMatchObject({ version: 12, live: "blue" });
  }

  it("a raw put of version 2 over v12 is adopted as v13 (versions only go up); the next write is v14 on top of it", async () => {
    await twelve("adm-backwards");
    // A document the object never wrote (v11 was live green: putting that back within
    // STALE_READ_MS would read as a stale copy; control-object.test.ts covers both).
    await putDoc({ ...makeDoc("adm-backwards", { live: "canary" }), version: 2 });
    const flipped = await json(
      await admin("/services/adm-backwards/flip", { method: "POST", body: { to: "green" } }),
    );
    expect(flipped).toMatchObject({ written: true, fromVersion: 13, version: 14 });
    const back = await json(await admin("/services/adm-backwards/rollback", { method: "POST" }));
    expect(back).toMatchObject({ version: 15, change: "rollback to version 13 (live canary)" });
    expect(await variantOf(await predict("adm-backwards", { user: "u" }))).toBe("canary");
    const h = await json(await admin("/services/adm-backwards/history?documents=0"));
    expect(h.entries.map((e: HistoryEntry) => e.version)).toEqual([15, 14, 13, 12, 11]);
    expect(h.entries[2]).toMatchObject({ source: "kv" });
  });

  it("POST rollback on a deleted document restores the last-good copy as a new version", async () => {
    await twelve("adm-deleted");
    // The worker's copy of the version it served; then the document key is deleted.
    await env.ROUTING.put(
      "service:adm-deleted:last-good",
      JSON.stringify(await stored("adm-deleted")),
    );
    await env.ROUTING.delete("service:adm-deleted");

    const res = await admin("/services/adm-deleted/rollback", {
      method: "POST",
      headers: { "x-router-author": "oncall" },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      written: true,
      fromVersion: null,
      version: 13,
      change: "restore deleted document: version 12 (live blue), the worker's last-good copy",
    });
    expect(await stored("adm-deleted")).toMatchObject({
      version: 13,
      live: "blue",
      updatedBy: "oncall",
    });
    expect((await history("adm-deleted")).at(-1)).toMatchObject({ version: 13, source: "admin" });
    expect(await variantOf(await predict("adm-deleted", { user: "u" }))).toBe("blue");
  });

  it("the control object keeps its own last-good copy (KV's may be gone too); with nothing at all, 400 that says so", async () => {
    await twelve("adm-deleted-h");
    await env.ROUTING.delete("service:adm-deleted-h");
    await env.ROUTING.delete("service:adm-deleted-h:last-good");
    const back = await json(await admin("/services/adm-deleted-h/rollback", { method: "POST" }));
    expect(back).toMatchObject({
      version: 13,
      change: "restore deleted document: version 12 (live blue), the worker's last-good copy",
    });

    await env.ROUTING.delete("service:adm-never");
    const none = await admin("/services/adm-never/rollback", { method: "POST" });
    expect(none.status).toBe(400);
    expect((await json(none)).errors[0].message).toContain(
      'no routing document for "adm-never" and nothing to restore',
    );
  });
});

describe("named edits: POST /services/:service/edits/:name", () => {
  const edit = (service: string, name: string, body: unknown = {}, init = {}) =>
    admin(`/services/${service}/edits/${name}`, { method: "POST", body, ...init });

  it("runs each kind of registry edit through the write pipeline, with history and the usual response", async () => {
    await seed("adm-edits", {
      origins: {
        blue: { url: originUrl("blue") },
        green: { url: originUrl("green") },
        canary: { url: originUrl("canary") },
      },
    });
    const set = await edit("adm-edits", "canary.set", {
      args: { origin: "canary", shareBp: 500, salt: "s1" },
    });
    expect(set.status).toBe(200);
    const body = await json(set);
    expect(Object.keys(body).sort()).toEqual(
      [
        "ok",
        "written",
        "dryRun",
        "service",
        "change",
        "fromVersion",
        "version",
        "diff",
        "document",
        "forced",
        "fromState",
        "summary",
      ].sort(),
    );
    expect(body).toMatchObject({
      ok: true,
      written: true,
      fromVersion: 10,
      version: 11,
      fromState: "valid",
      change: "canary canary started at 5%",
    });
    expect(set.headers.get("etag")).toBe('"11"');

    const ramp = await json(await edit("adm-edits", "canary.ramp", { args: { toBp: 2500 } }));
    expect(ramp).toMatchObject({ version: 12, change: "canary canary ramped 5% -> 25%" });
    const plan = await json(
      await edit("adm-edits", "rollout.plan", {
        args: { steps: [{ shareBp: 1000, bakeSeconds: 60 }], gates: { minRequests: 5 } },
      }),
    );
    expect(plan.document.rollout).toMatchObject({
      steps: [{ shareBp: 1000, bakeSeconds: 60 }],
      gates: { minRequests: 5 },
      onSuccess: "flip",
    });
    const shadow = await json(
      await edit("adm-edits", "shadow.on", { args: { origin: "green", shareBp: 1000 } }),
    );
    expect(shadow.document.shadow).toMatchObject({ origin: "green", shareBp: 1000, enabled: true });
    const back = await json(await edit("adm-edits", "rollback", { args: { toVersion: 11 } }));
    expect(back).toMatchObject({ version: 15, change: "rollback to version 11 (live blue)" });
    expect((await history("adm-edits")).map((e) => [e.version, e.source])).toEqual([
      [11, "admin"],
      [12, "admin"],
      [13, "admin"],
      [14, "admin"],
      [15, "admin"],
    ]);
  });

  it("the older endpoints are aliases: flip and edits/flip write the same change", async () => {
    await seed("adm-alias-a");
    await seed("adm-alias-b");
    const a = await json(
      await admin("/services/adm-alias-a/flip", { method: "POST", body: { to: "green" } }),
    );
    const b = await json(await edit("adm-alias-b", "flip", { args: { to: "green" } }));
    const strip = (r: Record<string, unknown>) => ({
      ...r,
      service: undefined,
      document: undefined,
      summary: undefined,
    });
    expect(strip(b)).toEqual(strip(a));
  });

  it("an unknown edit is 404 with the list; bad arguments are 400 with field paths under args; nothing written", async () => {
    await seed("adm-edits-bad", {
      canary: { origin: "canary", shareBp: 100, salt: "b", killed: false },
    });
    for (const name of ["deploy", "toString", "__proto__"]) {
      const res = await edit("adm-edits-bad", name);
      expect(res.status, name).toBe(404);
      const body = await json(res);
      expect(body.error).toBe("unknown_edit");
      expect(body.edits).toContain("canary.kill");
    }
    const bad = await edit("adm-edits-bad", "canary.set", {
      args: { shareBp: 20000, colour: "red" },
    });
    expect(bad.status).toBe(400);
    const errors = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(errors).toEqual(expect.arrayContaining(["args.shareBp", "args"]));
    const missing = await edit("adm-edits-bad", "challenger.add", { args: { shareBp: 100 } });
    expect((await json(missing)).errors).toContainEqual(
      expect.objectContaining({ path: "args.origin" }),
    );
    const envelope = await edit("adm-edits-bad", "canary.kill", { to: "green" });
    expect(envelope.status).toBe(400);
    await envelope.arrayBuffer();
    // The operation's own refusal keeps its document path.
    const refused = await edit("adm-edits-bad", "canary.set", {
      args: { origin: "blue", shareBp: 100 },
    });
    expect(refused.status).toBe(400);
    expect((await json(refused)).errors).toContainEqual({
      path: "canary.origin",
      message: "must differ from the live origin",
    });
    expect(await stored("adm-edits-bad")).toMatchObject({ version: 10 });
    expect(await env.ROUTING.get("history:adm-edits-bad")).toBeNull();
    const list = await json(await admin("/edits"));
    expect(list.edits.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(["flip", "apply", "rollback", "rollout.plan"]),
    );
  });

  it("dryRun, If-Match / expectedVersion, author, source cli and forced", async () => {
    await seed("adm-edits-opt", {
      canary: { origin: "canary", shareBp: 100, salt: "o", killed: false },
    });
    const dry = await json(
      await admin("/services/adm-edits-opt/edits/canary.kill?dryRun=1", { method: "POST" }),
    );
    expect(dry).toMatchObject({ written: false, dryRun: true, fromVersion: 10, version: 11 });
    expect(await env.ROUTING.get("history:adm-edits-opt")).toBeNull();

    const stale = await edit("adm-edits-opt", "canary.kill", { expectedVersion: 9 });
    expect(stale.status).toBe(412);
    expect(await json(stale)).toMatchObject({
      error: "version_mismatch",
      expectedVersion: 9,
      actualVersion: 10,
    });
    const staleHeader = await edit(
      "adm-edits-opt",
      "canary.kill",
      {},
      { headers: { "if-match": '"9"' } },
    );
    expect(staleHeader.status).toBe(412);
    await staleHeader.arrayBuffer();

    const res = await edit(
      "adm-edits-opt",
      "flip",
      { args: { to: "green" }, expectedVersion: 10, forced: true },
      {
        headers: { "x-router-author": "ops@laptop", "x-router-source": "cli" },
      },
    );
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ written: true, version: 11, forced: true });
    expect(await stored("adm-edits-opt")).toMatchObject({ live: "green", updatedBy: "ops@laptop" });
    expect((await history("adm-edits-opt"))[0]).toMatchObject({
      version: 11,
      source: "cli",
      forced: true,
      updatedBy: "ops@laptop",
    });
  });

  it("apply creates a document; reads say what is stored, and what the router serves for a deleted one", async () => {
    await env.ROUTING.delete("service:adm-edits-new");
    await env.ROUTING.delete("history:adm-edits-new");
    await env.ROUTING.delete("service:adm-edits-new:last-good");
    const created = await json(
      await edit("adm-edits-new", "apply", { args: { document: makeDoc("adm-edits-new") } }),
    );
    expect(created).toMatchObject({
      written: true,
      fromVersion: null,
      version: 1,
      fromState: "missing",
      change: "create (live blue)",
    });

    const read = await json(await admin("/services/adm-edits-new"));
    expect(read).toMatchObject({
      version: 1,
      state: "valid",
      valid: true,
      // The control object keeps the last document it accepted.
      lastGood: { version: 1, live: "blue" },
      versionRegression: null,
    });
    await env.ROUTING.put(
      "service:adm-edits-new:last-good",
      JSON.stringify(await stored("adm-edits-new")),
    );
    await env.ROUTING.delete("service:adm-edits-new");
    const deleted = await admin("/services/adm-edits-new");
    expect(deleted.status).toBe(404);
    expect(await json(deleted)).toMatchObject({
      error: "no_routing_document",
      state: "deleted",
      lastGood: { version: 1, live: "blue" },
    });
    const h = await json(await admin("/services/adm-edits-new/history?documents=0"));
    expect(h).toMatchObject({
      state: "deleted",
      currentVersion: null,
      nextVersion: 2,
      currentIndex: null,
      lastGood: { version: 1 },
      dropped: 0,
    });

    const restored = await json(await edit("adm-edits-new", "rollback"));
    expect(restored).toMatchObject({ written: true, fromState: "deleted", version: 2 });
    const after = await json(await admin("/services/adm-edits-new/history"));
    expect(after).toMatchObject({
      state: "valid",
      currentVersion: 2,
      live: "blue",
      currentIndex: 0,
      // Version 2 is version 1 restored; the last-good copy is now version 2 itself.
      restorable: [],
    });
  });
});
