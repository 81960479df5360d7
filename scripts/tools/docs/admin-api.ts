/**
 * docs/reference/admin-api.md and docs/reference/openapi.json, generated
 * from the OpenAPI document the router serves at
 * GET /_router/admin/openapi.json (src/http/routes/admin.ts, built from
 * the routes' definitions and their zod schemas).
 *
 * Layer: script (docs). The document in, Markdown and JSON out (the JSON
 * through biome's formatter, so the committed file passes `npm run lint`).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { openApiDocument } from "../../../src/http/routes/admin.ts";
import { ROOT } from "../../cli/wrangler.ts";
import { anchor, code, generatedBanner, table } from "./markdown.ts";

export const ADMIN_API_PAGE = "docs/reference/admin-api.md";
export const OPENAPI_FILE = "docs/reference/openapi.json";

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI / JSON Schema node, read field by field
type Node = Record<string, any>;

const METHODS = ["get", "put", "patch", "post"] as const;
/** Components documented on their own page. */
const ELSEWHERE: Record<string, string> = {
  RoutingDocument: "routing-document.md",
  RolloutPlan: "routing-document.md#rollout",
};

/** The document as JSON, formatted the way `npm run lint` (biome) wants it. */
export async function renderOpenApiJson(): Promise<string> {
  const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, "node_modules", ".bin", "biome"), [
      "format",
      `--stdin-file-path=${OPENAPI_FILE}`,
    ]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`biome format failed: ${err}`)),
    );
    child.stdin.end(text);
  });
}

export function renderAdminApi(): string {
  const doc = openApiDocument() as Node;
  const operations = Object.entries(doc.paths as Record<string, Node>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Node })),
  );
  const title = (o: { method: string; path: string }) => `${o.method.toUpperCase()} ${o.path}`;
  const tags = doc.tags as { name: string; description: string }[];

  const components = doc.components.schemas as Record<string, Node>;
  const sections = tags.map((tag) => {
    const ops = operations.filter((o) => o.op.tags?.[0] === tag.name);
    const rendered = ops.map((o, i) => {
      const first = ops.findIndex((p) => sameContract(p.op, o.op));
      const same = first < i ? title(ops[first] as (typeof ops)[number]) : null;
      return renderOperation(title(o), o.op, components, same);
    });
    return `## ${tag.name}\n\n${tag.description}.\n\n${rendered.join("\n\n")}`;
  });
  const shown = referencedSchemas(doc);
  const schemas = Object.entries(components)
    .filter(([name]) => !ELSEWHERE[name] && shown.has(name))
    .map(([name, schema]) => renderSchema(name, schema));

  return `${generatedBanner("the OpenAPI document the router serves (src/http/routes/, the routes' definitions and zod schemas)")}

# Admin API reference

${doc.info.description}

Below, each route's answers leave out 401 (no token), 403 (a wrong token) and 429 (too many wrong tokens from this client), which every route but the health check may give.

The same document as OpenAPI ${doc.openapi}: [openapi.json](openapi.json), and from a running router \`GET /_router/admin/openapi.json\` (with the token). Routing documents: [routing-document.md](routing-document.md).

${table(
  ["Method", "Path", "Summary"],
  operations.map((o) => [
    `[${o.method.toUpperCase()}](#${anchor(title(o))})`,
    code(o.path),
    o.op.summary,
  ]),
)}

${sections.join("\n\n")}

## Schemas

${schemas.join("\n\n")}
`;
}

function renderOperation(
  title: string,
  op: Node,
  components: Record<string, Node>,
  sameAs: string | null,
): string {
  const parts = [`### ${title}`, sentence(op.summary)];
  if (op.description) parts.push(op.description);
  if (op.security?.length === 0) parts.push("No token needed.");
  if (op.requestBody) {
    const body = op.requestBody as Node;
    const schema = body.content["application/json"].schema as Node;
    const name = refName(schema);
    const resolved = name && !ELSEWHERE[name] ? (components[name] ?? {}) : schema;
    const rows = fieldRows(resolved);
    const type = name && !ELSEWHERE[name] ? "JSON object" : typeOf(schema);
    parts.push(
      `Body (${body.required ? "required" : "optional"}): ${type}. ${sentence(body.description)}`,
    );
    if (rows.length > 0) parts.push(fieldTable(rows));
  }
  if (sameAs) {
    parts.push(`Parameters and answers: as [${sameAs}](#${anchor(sameAs)}).`);
    return parts.join("\n\n");
  }
  if (op.parameters?.length) {
    parts.push(
      table(
        ["Parameter", "In", "Type", "Description"],
        (op.parameters as Node[]).map((p) => [
          `${code(p.name)}${p.required ? " (required)" : ""}`,
          p.in,
          typeOf(p.schema),
          describe(p.description, p.schema),
        ]),
      ),
    );
  }
  parts.push(
    table(
      ["Status", "Meaning", "Body"],
      Object.entries(op.responses as Record<string, Node>)
        .filter(([status]) => !["401", "403", "429"].includes(status))
        .map(([status, r]) => [
          status,
          r.description,
          typeOf(r.content?.["application/json"]?.schema ?? {}),
        ]),
    ),
  );
  return parts.join("\n\n");
}

/** Same parameters and answers (the edits share a write's). */
const sameContract = (a: Node, b: Node) =>
  JSON.stringify([a.parameters, a.responses]) === JSON.stringify([b.parameters, b.responses]);

const refName = (s: Node): string | null =>
  typeof s.$ref === "string" ? (s.$ref.split("/").pop() ?? null) : null;

/** Components an answer or another component refers to (request bodies are shown in place). */
function referencedSchemas(doc: Node): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        const name = k === "$ref" && typeof v === "string" ? v.split("/").pop() : undefined;
        if (name) found.add(name);
        else walk(v);
      }
    }
  };
  for (const item of Object.values(doc.paths as Record<string, Node>)) {
    for (const op of Object.values(item)) walk((op as Node).responses);
  }
  for (const schema of Object.values(doc.components.schemas as Record<string, Node>)) {
    walk(schema.properties ?? schema);
  }
  return found;
}

function renderSchema(name: string, schema: Node): string {
  const parts = [`### ${name}`];
  if (schema.description) parts.push(sentence(schema.description));
  const rows = fieldRows(schema);
  if (rows.length > 0) parts.push(fieldTable(rows));
  else parts.push(`${typeOf(schema, false)}.`);
  if (schema.additionalProperties !== false && schema.type === "object" && schema.properties) {
    parts.push("Other fields may be present.");
  }
  return parts.join("\n\n");
}

type Row = [string, string, string, string];

const fieldTable = (rows: Row[]) => table(["Field", "Type", "Required", "Meaning"], rows);

/** An object's fields, inline objects flattened into dotted paths (a few levels deep). */
function fieldRows(schema: Node, prefix = "", depth = 0): Row[] {
  if (!schema.properties) return [];
  const required = new Set<string>(schema.required ?? []);
  return Object.entries(schema.properties as Record<string, Node>).flatMap(([name, field]) => {
    const path = `${prefix}${name}`;
    const row: Row = [
      code(path),
      typeOf(field),
      required.has(name) && field.default === undefined ? "yes" : "",
      describe(field.description, field),
    ];
    const inline =
      depth < 3 && !field.$ref
        ? field.properties
          ? fieldRows(field, `${path}.`, depth + 1)
          : field.type === "array" && field.items?.properties
            ? fieldRows(field.items, `${path}[].`, depth + 1)
            : []
        : [];
    return [row, ...inline];
  });
}

/** A description, then the default. */
function describe(text: string | undefined, s: Node): string {
  const defaultText = s.default !== undefined ? `Default ${code(JSON.stringify(s.default))}.` : "";
  return [text && sentence(text), defaultText].filter(Boolean).join(" ");
}

const sentence = (text: string) => (/[.!?)]$/.test(text) ? text : `${text}.`);

/** A schema's type in words; components are links. */
function typeOf(s: Node, links = true): string {
  if (s.$ref) {
    const name = String(s.$ref).split("/").pop() ?? "";
    const target = ELSEWHERE[name] ?? `#${anchor(name)}`;
    return links ? `[${name}](${target})` : name;
  }
  if (s.const !== undefined) return code(JSON.stringify(s.const));
  if (s.enum) return (s.enum as unknown[]).map((v) => code(JSON.stringify(v))).join(" | ");
  if (s.anyOf) return (s.anyOf as Node[]).map((n) => typeOf(n, links)).join(" or ");
  if (s.oneOf) return (s.oneOf as Node[]).map((n) => typeOf(n, links)).join(" or ");
  if (s.type === "array") return `array of ${typeOf(s.items ?? {}, links)}`;
  if (s.type === "object" && !s.properties && s.additionalProperties) {
    return `map of ${typeOf(s.additionalProperties === true ? {} : s.additionalProperties, links)}`;
  }
  if (typeof s.type === "string") return s.type;
  return "any JSON";
}
