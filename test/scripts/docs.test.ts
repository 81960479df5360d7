/**
 * The reference pages under docs/reference/ are generated from the code
 * (`npm run docs`, scripts/tools/docs/): each is rendered here in memory and must
 * equal the committed file, so a schema field, a command's --help or an
 * admin route that changes without `npm run docs` fails here. Also: the
 * index docs/README.md lists every page under docs/ and links nothing that
 * does not exist; links inside the generated pages resolve (files and
 * #anchors); every path checkCrossFields reports has its rule in
 * CROSS_FIELD_RULES, which the routing-document page lists.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/cli/wrangler.ts";
import { anchor } from "../../scripts/tools/docs/markdown.ts";
import { generatedPages, type Page } from "../../scripts/tools/docs/pages.ts";
import { CROSS_FIELD_RULES } from "../../src/document/routing-document.ts";

let pages: Page[] = [];
beforeAll(async () => {
  pages = await generatedPages();
}, 120_000);

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** Every file under docs/, relative to the repository root. */
function docsFiles(dir = join(ROOT, "docs")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? docsFiles(join(dir, e.name)) : [relative(ROOT, join(dir, e.name))],
  );
}

/** Relative link targets of a Markdown text (not in code; no http(s), no mailto). */
const linksOf = (text: string) =>
  [
    ...text
      .replace(/```[\s\S]*?```/g, "")
      .replace(/`[^`\n]*`|<code>.*?<\/code>/g, "")
      .matchAll(/\]\(([^)\s]+)\)/g),
  ]
    .map((m) => m[1] as string)
    .filter((href) => !/^[a-z]+:/.test(href));

/** The anchors of a Markdown page's headings (GitHub's rule, as the generators use it). */
const anchorsOf = (text: string) =>
  new Set(
    text
      .split("\n")
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchor(line.replace(/^#+ /, "").replaceAll("`", ""))),
  );

describe("generated reference pages", () => {
  it("are all committed and current (else: run `npm run docs`)", () => {
    expect(pages.map((p) => p.path).sort()).toEqual([
      "docs/reference/admin-api.md",
      "docs/reference/cli.md",
      "docs/reference/openapi.json",
      "docs/reference/routing-document.md",
    ]);
    for (const page of pages) {
      expect(
        existsSync(join(ROOT, page.path)),
        `${page.path} is missing: run \`npm run docs\``,
      ).toBe(true);
      expect(read(page.path), `${page.path} is stale: run \`npm run docs\``).toBe(page.text);
    }
  });

  it("link only to files and headings that exist", () => {
    for (const page of pages.filter((p) => p.path.endsWith(".md"))) {
      for (const href of linksOf(page.text)) {
        const [file, hash] = href.split("#") as [string, string | undefined];
        const target = file === "" ? page.path : join(dirname(page.path), file);
        expect(existsSync(join(ROOT, target)), `${page.path} links to ${href}`).toBe(true);
        if (hash !== undefined && target.endsWith(".md")) {
          const text = target === page.path ? page.text : read(target);
          expect(anchorsOf(text).has(hash), `${page.path} links to ${href}: no such heading`).toBe(
            true,
          );
        }
      }
    }
  });

  it("the routing document page has every top-level field and every cross-field rule", () => {
    const page = pages.find((p) => p.path === "docs/reference/routing-document.md")?.text ?? "";
    for (const field of [
      "service",
      "origins",
      "live",
      "canary",
      "challengers",
      "shadow",
      "rollout",
    ])
      expect(page).toContain(`| \`${field}\` |`);
    for (const rule of CROSS_FIELD_RULES) expect(page).toContain(rule.rule.split("`")[0]);
    expect(page).toContain("| `documentBytes` | 65536 |");
  });

  it("the CLI page has every router command's help", () => {
    const page = pages.find((p) => p.path === "docs/reference/cli.md")?.text ?? "";
    for (const command of ["status", "flip", "canary set", "rollout plan", "apply"]) {
      expect(page).toContain(`Usage: router ${command}`);
    }
    expect(page).toContain("Usage: npm start -- [options]");
  });
});

describe("docs/README.md", () => {
  const index = read("docs/README.md");
  const linked = new Set(linksOf(index).map((href) => join("docs", href.split("#")[0] ?? "")));

  it("lists every page under docs/", () => {
    const unlisted = docsFiles().filter((f) => f !== "docs/README.md" && !linked.has(f));
    expect(unlisted, "add these to docs/README.md").toEqual([]);
  });

  it("links only pages that exist", () => {
    const missing = [...linked].filter((f) => !existsSync(join(ROOT, f)));
    expect(missing).toEqual([]);
  });
});

describe("cross-field rules", () => {
  const source = read("src/document/routing-document.ts");

  it("every path checkCrossFields reports is described in CROSS_FIELD_RULES", () => {
    const start = source.indexOf("function checkCrossFields(");
    const body = source.slice(start, source.indexOf("\n}\n", start));
    const reported = new Set<string>();
    for (const match of body.matchAll(/issue\(\s*\[([^\]]*)\]/g)) {
      let path = "";
      for (const part of (match[1] as string).split(",").map((p) => p.trim())) {
        const literal = /^"([^"]+)"$/.exec(part)?.[1];
        path = literal ? (path ? `${path}.${literal}` : literal) : `${path}[]`;
      }
      reported.add(path);
    }
    expect(reported.size).toBeGreaterThan(5);
    expect([...reported].sort()).toEqual([...new Set(CROSS_FIELD_RULES.map((r) => r.path))].sort());
  });

  it("are all in checkCrossFields (no other superRefine in the schema modules)", () => {
    const dir = join(ROOT, "src", "document");
    const others = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && f !== "routing-document.ts")
      .filter((f) => readFileSync(join(dir, f), "utf8").includes("superRefine("));
    expect(others, "list their rules in CROSS_FIELD_RULES (routing-document.ts)").toEqual([]);
  });
});
