import { describe, expect, it } from "vitest";
import chat from "../../scripts/demo/chat.json" with { type: "json" };
import churn from "../../scripts/demo/churn.json" with { type: "json" };
import fraud from "../../scripts/demo/fraud.json" with { type: "json" };
import recs from "../../scripts/demo/recs.json" with { type: "json" };
import search from "../../scripts/demo/search.json" with { type: "json" };
import { routingDocumentJsonSchema } from "../../src/document/json-schema.ts";
import committedSchema from "../../src/document/routing-document.schema.json" with { type: "json" };
import { parseRoutingDocument, validateRoutingDocument } from "../../src/document/validate.ts";

// biome-ignore lint/suspicious/noExplicitAny: the cases below mutate arbitrary document fields
type Doc = Record<string, any>;
const base = () => structuredClone(fraud) as Doc;

describe("valid documents", () => {
  it.each([
    ["fraud", fraud],
    ["churn", churn],
    ["recs", recs],
    ["search", search],
    ["chat", chat],
  ])("the demo document %s validates", (_name, doc) => {
    expect(validateRoutingDocument(doc)).toMatchObject({ ok: true });
  });

  it("applies defaults: header x-user-id identity, no retry, empty challengers, 10 s timeout", () => {
    const r = validateRoutingDocument(churn);
    if (!r.ok) throw new Error("expected ok");
    expect(r.doc.identity.sources).toEqual([{ type: "header", name: "x-user-id" }]);
    expect(r.doc.retry.safe).toBe(false);
    expect(r.doc.challengers).toEqual([]);
    expect(r.doc.origins.blue?.timeoutMs).toBe(10_000);
  });
});

type Mutation = (d: Doc) => void;
const invalid: [string, Mutation, string][] = [
  [
    "live names no origin",
    (d) => {
      d.live = "purple";
    },
    "live",
  ],
  [
    "canary share above 100%",
    (d) => {
      d.canary.shareBp = 10_001;
    },
    "canary.shareBp",
  ],
  [
    "canary share as a fraction",
    (d) => {
      d.canary.shareBp = 0.07;
    },
    "canary.shareBp",
  ],
  [
    "canary origin is live",
    (d) => {
      d.canary.origin = "blue";
    },
    "canary.origin",
  ],
  [
    "canary origin unknown",
    (d) => {
      d.canary.origin = "nope";
    },
    "canary.origin",
  ],
  [
    "canary without salt",
    (d) => {
      delete d.canary.salt;
    },
    "canary.salt",
  ],
  [
    "origin URL not http",
    (d) => {
      d.origins.blue.url = "ftp://x";
    },
    "origins.blue.url",
  ],
  [
    "origin name with capitals",
    (d) => {
      d.origins.Blue = d.origins.blue;
    },
    "origins.Blue",
  ],
  [
    "more outcome metrics than a service keeps",
    (d) => {
      d.outcomes = Object.fromEntries(
        Array.from({ length: 33 }, (_, i) => [`m${i}`, { better: "lower" as const }]),
      );
    },
    "outcomes",
  ],
  [
    "challenger overlaps another",
    (d) => {
      // The demo's challengers hold buckets 0-2999: this one starts inside the first's.
      d.challengers.push({ origin: "green", startBp: 400, shareBp: 100 });
    },
    "challengers.2.startBp",
  ],
  [
    "challenger range past 100%",
    (d) => {
      d.challengers[0].startBp = 9_900;
    },
    "challengers.0.shareBp",
  ],
  [
    "challenger shares over 100%",
    (d) => {
      d.challengers = [
        { origin: "challenger-a", startBp: 0, shareBp: 6_000 },
        { origin: "green", startBp: 6_000, shareBp: 5_000 },
      ];
    },
    "challengers",
  ],
  [
    "challenger is live",
    (d) => {
      d.challengers[0].origin = "blue";
    },
    "challengers.0.origin",
  ],
  [
    "challengers without salt",
    (d) => {
      delete d.challengerSalt;
    },
    "challengerSalt",
  ],
  [
    "version not a positive integer",
    (d) => {
      d.version = 0;
    },
    "version",
  ],
  [
    "updatedAt not a date",
    (d) => {
      d.updatedAt = "yesterday";
    },
    "updatedAt",
  ],
  [
    "unknown top-level field",
    (d) => {
      d.canaryShare = 5;
    },
    "",
  ],
  [
    "unknown identity source",
    (d) => {
      d.identity.sources.push({ type: "ip" });
    },
    "identity.sources.3.type",
  ],
];

describe("invalid documents are refused with the failing field path", () => {
  for (const [name, mutate, path] of invalid) {
    it(`${name} -> ${path || "(document)"}`, () => {
      const doc = base();
      mutate(doc);
      const r = validateRoutingDocument(doc);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.path)).toContain(path);
    });
  }

  it("text that is not JSON is refused as a whole", () => {
    const r = parseRoutingDocument("{not json");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.path).toBe("");
  });
});

const hostile: [string, Mutation, string][] = [
  [
    "an identity header name with a space",
    (d) => {
      d.identity.sources[0].name = "x user id";
    },
    "identity.sources.0.name",
  ],
  [
    "an identity header name with a colon",
    (d) => {
      d.identity.sources[0].name = "x-user-id:";
    },
    "identity.sources.0.name",
  ],
  [
    "a JWT header name with a space",
    (d) => {
      d.identity.sources.push({ type: "jwt", header: "my auth" });
    },
    "identity.sources.3.header",
  ],
  [
    "a cookie source name that is not a token",
    (d) => {
      d.identity.sources[1].name = "u;id";
    },
    "identity.sources.1.name",
  ],
  [
    "an anonymous cookie name with a space",
    (d) => {
      d.identity.anonymousCookie.name = "mr uid";
    },
    "identity.anonymousCookie.name",
  ],
  [
    "an anonymous cookie name with '='",
    (d) => {
      d.identity.anonymousCookie.name = "mr=uid";
    },
    "identity.anonymousCookie.name",
  ],
  [
    "an origin named toString (not the naming rule)",
    (d) => {
      d.origins.toString = { url: "http://127.0.0.1:1/x" };
    },
    "origins.toString",
  ],
  [
    "an origin named hasOwnProperty",
    (d) => {
      d.origins.hasOwnProperty = { url: "http://127.0.0.1:1/x" };
    },
    "origins.hasOwnProperty",
  ],
  [
    "more challengers than the limit",
    (d) => {
      d.challengers = Array.from({ length: 33 }, (_, i) => ({
        origin: `c-${i}`,
        startBp: i,
        shareBp: 1,
      }));
    },
    "challengers",
  ],
  [
    "more identity sources than the limit",
    (d) => {
      d.identity.sources = Array.from({ length: 9 }, () => ({ type: "header", name: "x-id" }));
    },
    "identity.sources",
  ],
];

describe("documents the worker could not serve are refused with their path", () => {
  for (const [name, mutate, path] of hostile) {
    it(`${name} -> ${path}`, () => {
      const doc = base();
      mutate(doc);
      const r = validateRoutingDocument(doc);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.path)).toContain(path);
    });
  }

  it("an origin named __proto__ is refused, not silently dropped", () => {
    const text = JSON.stringify(base()).replace(
      '"origins":{',
      '"origins":{"__proto__":{"url":"http://127.0.0.1:1/x"},',
    );
    const r = parseRoutingDocument(text);
    expect(r).toMatchObject({ ok: false, errors: [{ path: "origins.__proto__" }] });
  });

  it("`constructor` follows the naming rule: accepted, and origins has no prototype", () => {
    const doc = base();
    doc.origins.constructor = { url: "http://127.0.0.1:1/x" };
    doc.live = "constructor";
    const r = validateRoutingDocument(doc);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(Object.getPrototypeOf(r.doc.origins)).toBeNull();
    const other = validateRoutingDocument(base());
    if (!other.ok) throw new Error("expected ok");
    expect(other.doc.origins.constructor).toBeUndefined();
  });

  it("nesting deeper than the limit is refused", () => {
    const doc = base();
    let deep: Record<string, unknown> = {};
    doc.description = deep;
    for (let i = 0; i < 40; i++) deep = deep.x = {} as Record<string, unknown>;
    const r = validateRoutingDocument(doc);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.message).toMatch(/deeper than 16/);
  });
});

describe("size bounds: refused early, validation stays linear", () => {
  it("a document over 64 KiB is refused unparsed, as a whole", () => {
    const text = JSON.stringify({ ...base(), description: "x".repeat(70_000) });
    const r = parseRoutingDocument(text);
    expect(r).toMatchObject({ ok: false, errors: [{ path: "" }] });
    if (!r.ok) expect(r.errors[0]?.message).toMatch(/at most 65536/);
  });

  it("multi-byte text is measured in UTF-8 bytes", () => {
    const text = JSON.stringify({ ...base(), description: "é".repeat(33_000) });
    expect(text.length).toBeLessThan(65_536);
    expect(parseRoutingDocument(text)).toMatchObject({ ok: false, errors: [{ path: "" }] });
  });

  it("a hostile 1.8 MB document with 40,000 challengers is refused in milliseconds", () => {
    const doc = base();
    doc.challengers = Array.from({ length: 40_000 }, (_, i) => ({
      origin: `c-${i}`,
      startBp: i % 10_000,
      shareBp: 1,
    }));
    const text = JSON.stringify(doc);
    expect(text.length).toBeGreaterThan(1_500_000);
    const started = performance.now();
    const r = parseRoutingDocument(text);
    const ms = performance.now() - started;
    expect(r.ok).toBe(false);
    expect(ms).toBeLessThan(50); // refused by its size (it used to take 2.5 s)
  });

  it("overlap checking is n log n: the schema alone on 40,000 challengers stays fast", () => {
    const doc = base();
    doc.challengers = Array.from({ length: 40_000 }, (_, i) => ({
      origin: "challenger-a",
      startBp: i % 10_000,
      shareBp: 1,
    }));
    const started = performance.now();
    const r = validateRoutingDocument(doc);
    expect(r.ok).toBe(false);
    // Generous: the quadratic check took about 2.5 s on this input.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("overlapping ranges are still found wherever they are", () => {
    const doc = base();
    doc.origins["challenger-b"] = { url: "http://127.0.0.1:1/b" };
    doc.challengers = [
      { origin: "challenger-a", startBp: 5000, shareBp: 100 },
      { origin: "challenger-b", startBp: 4000, shareBp: 1050 },
    ];
    const r = validateRoutingDocument(doc);
    expect(r).toMatchObject({
      ok: false,
      errors: [{ path: "challengers.1.startBp", message: "range overlaps challengers.0" }],
    });
  });
});

describe("JSON Schema", () => {
  it("the committed routing-document.schema.json matches the zod schema (run `npm run schema`)", () => {
    expect(committedSchema).toEqual(JSON.parse(JSON.stringify(routingDocumentJsonSchema())));
  });
});
