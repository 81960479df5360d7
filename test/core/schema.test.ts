import { describe, expect, it } from "vitest";
import churn from "../../scripts/demo/churn.json" with { type: "json" };
import fraud from "../../scripts/demo/fraud.json" with { type: "json" };
import { routingDocumentJsonSchema } from "../../src/schema/json-schema.ts";
import committedSchema from "../../src/schema/routing-document.schema.json" with { type: "json" };
import { parseRoutingDocument, validateRoutingDocument } from "../../src/schema/validate.ts";

// biome-ignore lint/suspicious/noExplicitAny: the cases below mutate arbitrary document fields
type Doc = Record<string, any>;
const base = () => structuredClone(fraud) as Doc;

describe("valid documents", () => {
  it.each([
    ["fraud", fraud],
    ["churn", churn],
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
    "challenger overlaps another",
    (d) => {
      d.challengers.push({ origin: "green", startBp: 400, shareBp: 100 });
    },
    "challengers.1.startBp",
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

describe("JSON Schema", () => {
  it("the committed routing-document.schema.json matches the zod schema (run `npm run schema`)", () => {
    expect(committedSchema).toEqual(JSON.parse(JSON.stringify(routingDocumentJsonSchema())));
  });
});
