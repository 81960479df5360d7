/**
 * docs/reference/routing-document.md, generated from the zod schema: its
 * JSON Schema (src/document/json-schema.ts, the same one editors get) gives
 * every field's type, default, bounds and `.describe()` text; the
 * cross-field rules are CROSS_FIELD_RULES and the hard limits LIMITS
 * (src/document/routing-document.ts).
 *
 * Layer: script (docs). Pure: schema in, Markdown out.
 */
import { routingDocumentJsonSchema } from "../../../src/document/json-schema.ts";
import { CROSS_FIELD_RULES, LIMITS } from "../../../src/document/routing-document.ts";
import { anchor, code, generatedBanner, table } from "./markdown.ts";

export const ROUTING_DOCUMENT_PAGE = "docs/reference/routing-document.md";

// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema node, read field by field
type Node = Record<string, any>;

/** What each limit bounds (a new LIMITS entry fails the typecheck until it is described). */
const LIMIT_MEANINGS: Record<keyof typeof LIMITS, string> = {
  documentBytes:
    "UTF-8 bytes of the JSON text as stored in KV (compact, defaults filled in by the tools) and of any text given for a document (file, admin API body, raw put)",
  depth: "Nesting of JSON objects and arrays",
  origins: "Entries in `origins`",
  challengers: "Entries in `challengers`",
  identitySources: "Entries in `identity.sources`",
  shadowPaths: "Entries in `shadow.paths`",
};

interface Section {
  /** "" for the top level; `[]` an array element, `<name>` a map entry. */
  path: string;
  /** The union member, e.g. type "header". */
  variant: string | undefined;
  description: string | undefined;
  node: Node;
}

const titleOf = (s: Pick<Section, "path" | "variant">) =>
  s.path === "" ? "Top level" : `${s.path}${s.variant ? ` (${s.variant})` : ""}`;
const headingOf = (s: Pick<Section, "path" | "variant">) =>
  s.path === "" ? "Top level" : `${code(s.path)}${s.variant ? ` (${s.variant})` : ""}`;
const linkTo = (s: Pick<Section, "path" | "variant">, text = headingOf(s)) =>
  `[${text}](#${anchor(titleOf(s))})`;

export function renderRoutingDocument(): string {
  const root = routingDocumentJsonSchema() as Node;
  const sections: Section[] = [];
  collect({ node: root, path: "", variant: undefined, description: undefined }, sections);
  const body = sections.map((s) => renderSection(s)).join("\n\n");
  return `${generatedBanner("src/document/routing-document.ts and src/document/rollout-plan.ts (the zod schema)")}

# Routing document reference

One JSON document per model service, stored in Workers KV under \`service:<name>\`. The worker, the CLI and the admin API validate it with the same zod schema (src/document/routing-document.ts); editors can use its JSON Schema, src/document/routing-document.schema.json (\`"$schema"\` in the document). Examples: scripts/demo/fraud.json, scripts/demo/churn.json.

Shares are integer **basis points**: 100 bp = 1 %, 10000 bp = 100 %. Every object is strict: an unknown field is an error. "default" means the field may be left out; the router fills it in.

Contents: ${sections.map((s) => linkTo(s)).join(" · ")} · [Cross-field rules](#cross-field-rules) · [Limits](#limits)

## Fields

${body}

## Cross-field rules

Checked after every field is valid; each failure names its path (\`[]\`: any element).

${table(
  ["Path", "Rule"],
  CROSS_FIELD_RULES.map((r) => [code(r.path), r.rule]),
)}

## Limits

Hard bounds, checked before the document is parsed.

${table(
  ["Limit", "Value", "Bounds"],
  (Object.keys(LIMITS) as (keyof typeof LIMITS)[]).map((k) => [
    code(k),
    String(LIMITS[k]),
    LIMIT_MEANINGS[k],
  ]),
)}
`;
}

/** Every object of the schema, depth first: one section each. */
function collect(section: Section, out: Section[]) {
  if (!section.node.properties) return;
  out.push(section);
  for (const [name, child] of Object.entries(section.node.properties as Record<string, Node>)) {
    const path = section.path === "" ? name : `${section.path}.${name}`;
    for (const below of sectionsBelow(child, path) ?? []) collect(below, out);
  }
}

/** The objects below a field that get a section of their own (null: none). */
function sectionsBelow(node: Node, path: string): Section[] | null {
  if (node.properties) return [{ node, path, variant: undefined, description: node.description }];
  if (isMap(node)) {
    return (
      sectionsBelow(node.additionalProperties, `${path}.<name>`)?.map((t) => ({
        ...t,
        description: t.description ?? node.description,
      })) ?? null
    );
  }
  if (node.type === "array" && node.items) {
    const items = node.items as Node;
    if (items.oneOf) {
      return (items.oneOf as Node[]).map((variant) => ({
        node: variant,
        path: `${path}[]`,
        variant: variantLabel(variant),
        description: variant.description,
      }));
    }
    return sectionsBelow(items, `${path}[]`);
  }
  return null;
}

const isMap = (node: Node) =>
  node.type === "object" && !node.properties && typeof node.additionalProperties === "object";

/** `type "header"`: the discriminator of a union member. */
function variantLabel(variant: Node): string {
  for (const [name, p] of Object.entries((variant.properties ?? {}) as Record<string, Node>)) {
    if (p.const !== undefined) return `${name} ${JSON.stringify(p.const)}`;
  }
  return "variant";
}

function renderSection(section: Section): string {
  const required = new Set<string>(section.node.required ?? []);
  const rows = Object.entries(section.node.properties as Record<string, Node>).map(
    ([name, field]) => {
      const path = section.path === "" ? name : `${section.path}.${name}`;
      return [
        code(name),
        typeOf(field, path),
        presence(field, required.has(name)),
        bounds(field),
        meaning(field),
      ];
    },
  );
  const intro = section.description ? `${sentence(section.description)}\n\n` : "";
  return `### ${headingOf(section)}\n\n${intro}${table(
    ["Field", "Type", "Required", "Bounds", "Meaning"],
    rows,
  )}`;
}

const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** The field's type, linked to its own section when it has one. */
function typeOf(node: Node, path: string): string {
  const below = sectionsBelow(node, path);
  const link = (text: string) => (below?.length === 1 && below[0] ? linkTo(below[0], text) : text);
  if (node.const !== undefined) return code(JSON.stringify(node.const));
  if (node.enum) return (node.enum as unknown[]).map((v) => code(JSON.stringify(v))).join(" | ");
  if (node.properties) return link("object");
  if (isMap(node)) {
    const value = node.additionalProperties as Node;
    return `map of name → ${value.properties ? link("object") : typeOf(value, `${path}.<name>`)}`;
  }
  if (node.type === "array") {
    const items = node.items as Node;
    if (items.oneOf) {
      const kinds = (below ?? []).map((v) =>
        linkTo(v, code(String(v.variant).split(" ")[1] ?? "")),
      );
      return `array of ${kinds.join(" or ")}`;
    }
    return `array of ${items.properties ? link("objects") : typeOf(items, `${path}[]`)}`;
  }
  if (node.anyOf) return (node.anyOf as Node[]).map((n) => typeOf(n, path)).join(" or ");
  if (typeof node.type === "string") return node.type;
  return "any";
}

function presence(node: Node, required: boolean): string {
  if (node.default !== undefined) return `default ${code(JSON.stringify(node.default))}`;
  return required ? "**required**" : "optional";
}

function bounds(node: Node): string {
  const parts: string[] = [];
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) {
    parts.push(`≤ ${node.maximum}`);
  }
  if (node.exclusiveMaximum !== undefined) parts.push(`< ${node.exclusiveMaximum}`);
  if (node.minLength !== undefined || node.maxLength !== undefined) {
    parts.push(`length ${range(node.minLength, node.maxLength)}`);
  }
  if (node.minItems !== undefined || node.maxItems !== undefined) {
    parts.push(`${range(node.minItems, node.maxItems)} items`);
  }
  if (node.format) parts.push(`format ${node.format}`);
  else if (node.pattern) parts.push(`pattern ${code(node.pattern)}`);
  if (isMap(node) && node.propertyNames?.pattern) {
    parts.push(`names: pattern ${code(node.propertyNames.pattern)}`);
  }
  if (node.type === "array" && !node.items?.oneOf && !node.items?.properties) {
    const inner = bounds(node.items ?? {});
    if (inner) parts.push(`each: ${inner}`);
  }
  return parts.join(", ");
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return min === max ? `${min}` : `${min}-${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

function meaning(node: Node): string {
  const own = node.description as string | undefined;
  const names = isMap(node) ? (node.propertyNames?.description as string | undefined) : undefined;
  const items = node.type === "array" ? (node.items?.description as string | undefined) : undefined;
  return [own, names && `names: ${names}`, items && !own ? items : undefined]
    .filter(Boolean)
    .join("; ");
}
