/**
 * The floor plan, enforced: src/ folders are layers, and an import may only
 * point down a floor (or stay on its own). Read from the files themselves,
 * so a new upward import fails `npm test` with the file, the import and the
 * rule it breaks. Bare modules per floor are also checked here (Biome's
 * noRestrictedImports says the same in the editor, see biome.json).
 *
 *   7 src/index.ts     composition root, the only reader of Env
 *   6 src/http/        Hono: the app, routes, middleware, onError
 *   6 src/control/     the Durable Object classes: RPC surface and alarm
 *   5 src/app/         use cases over ports (async, no Hono framework)
 *   4 src/adapters/    one module per binding or transport
 *   3 src/ports/       what app/ needs from outside, as types; adapters implement them
 *   2 src/document/    the zod schema and every document edit
 *   1 src/core/        pure and synchronous: no zod, Hono, Cloudflare, I/O
 * http/ and control/ share a floor and never import each other. The CLI
 * (scripts/cli/) is a top floor beside http/ and never imports it. Ports
 * sit below the adapters, so an adapter imports the port it implements and
 * the use cases take the port, never the adapter; a port imports only core
 * and document types (`import type`) and no package. Two folders are held
 * tighter than their floor: src/core/control/ (the control object's
 * decisions) imports only the core, and src/app/control/ (its use cases)
 * imports core, document, ports and the app floor (the write pipeline),
 * never an adapter or a package. No use case imports an adapter: app/
 * reaches bindings through ports, which src/index.ts fills.
 *
 * Beside the product, scripts/ by purpose (cli/, demo/, bench/, tools/) and
 * test/: see scriptsRule below.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

type Floor = "index" | "http" | "control" | "app" | "adapters" | "ports" | "document" | "core";
const RANK: Record<Floor, number> = {
  index: 7,
  http: 6,
  control: 6,
  app: 5,
  adapters: 4,
  ports: 3,
  document: 2,
  core: 1,
};

/** Bare modules a floor may import (prefix match; "" = any). */
const BARE: Record<Floor, (spec: string) => boolean> = {
  index: () => true,
  http: () => true,
  control: (s) => s.startsWith("cloudflare:"),
  app: (s) => s.startsWith("hono/") || s.startsWith("cloudflare:"),
  adapters: (s) => s.startsWith("cloudflare:"),
  ports: () => false,
  document: (s) => s === "zod" || s.startsWith("zod/"),
  core: () => false,
};

function floorOf(file: string): Floor | null {
  const rel = relative(SRC, file);
  if (rel.startsWith("..")) return null;
  if (rel === "index.ts") return "index";
  const top = rel.split("/")[0] as Floor;
  return top in RANK ? top : null;
}

/** Folders held tighter than their floor: the floors they may import, and no package. */
const TIGHTER: { dir: string; floors: readonly Floor[] }[] = [
  { dir: join(SRC, "core", "control"), floors: ["core"] },
  { dir: join(SRC, "app", "control"), floors: ["core", "document", "ports", "app"] },
];

/** Why `spec`, imported by `file`, breaks its folder's tighter rule (null: it does not). */
function tighterViolation(file: string, spec: string): string | null {
  const rule = TIGHTER.find((t) => file.startsWith(`${t.dir}/`));
  if (!rule) return null;
  if (!spec.startsWith("."))
    return `imports "${spec}": ${relative(SRC, rule.dir)} imports no package`;
  const target = floorOf(resolve(dirname(file), spec));
  if (target && !rule.floors.includes(target)) {
    return `imports ${spec} (${target}): ${relative(SRC, rule.dir)} imports only ${rule.floors.join(", ")}`;
  }
  return null;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The one module that imports the zod package: zod/mini with zod's English
 * messages. Importing "zod" anywhere else would put zod's method-chaining
 * build in the Worker beside it (about 45 KiB; npm run bench:bundle).
 */
const ZOD_MODULE = join(SRC, "document", "zod.ts");
const isZod = (spec: string) => spec === "zod" || spec.startsWith("zod/");

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? "");
}

/** A port is types only: every import and export of it is `import type` / `export type`. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...text.matchAll(/(?:^|\n)\s*(import|export)\s+(?!type\s)[^;]*?from\s*["']([^"']+)["']/g),
  ].map(
    (m) => `${relative(ROOT, file)} (ports) ${m[1]}s values from ${m[2]}: a port is types only`,
  );
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = floorOf(file);
    if (!from) {
      found.push(`${relative(ROOT, file)}: not in a layer folder`);
      continue;
    }
    if (from === "ports") found.push(...valueImports(file));
    for (const spec of importsOf(file)) {
      const tighter = tighterViolation(file, spec);
      if (tighter) found.push(`${relative(ROOT, file)} ${tighter}`);
      if (spec.startsWith(".")) {
        const target = floorOf(resolve(dirname(file), spec));
        if (from === "app" && target === "adapters") {
          found.push(
            `${relative(ROOT, file)} imports ${spec}: app reaches adapters only through ports`,
          );
        } else if (target && RANK[target] > RANK[from]) {
          found.push(`${relative(ROOT, file)} (${from}) imports ${spec} (${target}): upward`);
        } else if (target && target !== from && RANK[target] === RANK[from]) {
          found.push(`${relative(ROOT, file)} (${from}) imports ${spec} (${target}): sideways`);
        }
      } else if (!BARE[from](spec)) {
        found.push(
          `${relative(ROOT, file)} (${from}) imports "${spec}": not allowed on this floor`,
        );
      } else if (isZod(spec) && file !== ZOD_MODULE) {
        found.push(
          `${relative(ROOT, file)} imports "${spec}": schemas take zod from src/document/zod.ts`,
        );
      }
    }
  }
  for (const file of tsFiles(join(ROOT, "scripts", "cli"))) {
    for (const spec of importsOf(file)) {
      if (spec.startsWith(".") && floorOf(resolve(dirname(file), spec)) === "http") {
        found.push(`${relative(ROOT, file)} (CLI) imports ${spec}: the CLI sits beside http/`);
      }
    }
  }
  return found;
}

describe("the floor plan", () => {
  it("no module imports upward, and each floor imports only its allowed packages", () => {
    expect(violations()).toEqual([]);
  });

  it("the check sees a violation (it can fail)", () => {
    // A core module that imported the schema would be caught:
    const file = join(SRC, "core", "routing", "decide.ts");
    const target = floorOf(resolve(dirname(file), "../../document/routing-document.ts"));
    expect(target && RANK[target] > RANK.core).toBe(true);
    expect(BARE.core("zod")).toBe(false);
    expect(BARE.document("hono")).toBe(false);
    // The control object's use cases never reach an adapter or a package,
    // and its decisions nothing above the core:
    const useCase = join(SRC, "app", "control", "commit.ts");
    expect(tighterViolation(useCase, "../../adapters/kv/service-store.ts")).toMatch(/adapters/);
    expect(tighterViolation(useCase, "cloudflare:workers")).toMatch(/no package/);
    expect(tighterViolation(useCase, "../../ports/control-state.ts")).toBeNull();
    expect(tighterViolation(useCase, "../write-service.ts")).toBeNull();
    const decision = join(SRC, "core", "control", "adoption.ts");
    expect(tighterViolation(decision, "../../document/validate.ts")).toMatch(/only core/);
    expect(tighterViolation(decision, "../rollout/request-metrics.ts")).toBeNull();
    // Ports sit below the adapters and above the document: an adapter may
    // import its port, a port never an adapter or a use case.
    const port = join(SRC, "ports", "control-state.ts");
    expect(floorOf(port)).toBe("ports");
    const adapter = join(SRC, "adapters", "kv", "control-copy.ts");
    expect(
      RANK[floorOf(resolve(dirname(adapter), "../../ports/kv-copy.ts")) ?? "index"],
    ).toBeLessThan(RANK.adapters);
    expect(
      RANK[floorOf(resolve(dirname(port), "../adapters/kv/control-copy.ts")) ?? "core"],
    ).toBeGreaterThan(RANK.ports);
    expect(RANK[floorOf(resolve(dirname(port), "../app/errors.ts")) ?? "core"]).toBeGreaterThan(
      RANK.ports,
    );
    expect(BARE.ports("cloudflare:workers")).toBe(false);
  });
});

/**
 * Tools beside the product: a test takes its harness from test/support/,
 * never from a benchmark, a build script or the demo. From scripts/ a test
 * imports the CLI under test (scripts/cli/), the demo's routing documents
 * (data), and a tool only in that tool's own test (TOOL_TESTS). scripts/
 * takes from test/ only the local stack the tests share with the
 * benchmarks, the demo and the tools (test/support/stack/); the CLI, part
 * of the product, imports only src/ and itself. Paths are relative to the
 * repository; the answer says what is wrong, or null.
 */
const TOOL_TESTS: Record<string, string> = {
  "test/scripts/docs.test.ts": "scripts/tools/docs/",
  "test/scripts/gc-trace.test.ts": "scripts/bench/gc-trace.ts",
  "test/scripts/bench-stream.test.ts": "scripts/bench/stream-events.ts",
  "test/scripts/gates-bench.test.ts": "scripts/bench/gates/",
  "test/scripts/fanin-model.test.ts": "scripts/bench/fanin/model.ts",
  "test/scripts/demo-log-filter.test.ts": "scripts/demo/log-filter.ts",
  "test/browser/assets.test.ts": "scripts/tools/dashboard-vendor.ts",
  // The local router serves the dashboard's files as built for `wrangler dev` ([build]).
  "test/support/stack/local-router.ts": "scripts/tools/dashboard-vendor.ts",
};

function scriptsRule(from: string, target: string): string | null {
  if (from.startsWith("test/") && target.startsWith("scripts/")) {
    const tool = TOOL_TESTS[from];
    const allowed =
      target.startsWith("scripts/cli/") ||
      /^scripts\/demo\/[^/]+\.json$/.test(target) ||
      (tool !== undefined && target.startsWith(tool));
    return allowed ? null : "a test imports from scripts/ only the CLI (harness: test/support/)";
  }
  if (from.startsWith("scripts/cli/")) {
    return target.startsWith("src/") || target.startsWith("scripts/cli/")
      ? null
      : "the CLI imports only src/ and scripts/cli/";
  }
  if (from.startsWith("scripts/") && target.startsWith("test/")) {
    return target.startsWith("test/support/stack/")
      ? null
      : "scripts import from test/ only the shared local stack (test/support/stack/)";
  }
  return null;
}

/** Folders under dir that have an entry file of the same name beside them (router.ts + router/). */
function entriesBesideFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (!e.isDirectory()) return [];
    const folder = join(dir, e.name);
    const twin = readdirSync(dir).some((n) => n.startsWith(`${e.name}.`) && n !== e.name);
    return [...(twin ? [relative(ROOT, folder)] : []), ...entriesBesideFolders(folder)];
  });
}

describe("tools beside the product", () => {
  it("tests import no harness from scripts/, scripts only the shared stack from test/", () => {
    const found: string[] = [];
    for (const file of [...tsFiles(join(ROOT, "test")), ...tsFiles(join(ROOT, "scripts"))]) {
      const from = relative(ROOT, file);
      for (const spec of importsOf(file).filter((s) => s.startsWith("."))) {
        const problem = scriptsRule(from, relative(ROOT, resolve(dirname(file), spec)));
        if (problem) found.push(`${from} imports ${spec}: ${problem}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("the check sees a violation (it can fail)", () => {
    expect(scriptsRule("test/scripts/x.test.ts", "scripts/bench/workers.ts")).not.toBeNull();
    expect(scriptsRule("test/scripts/x.test.ts", "scripts/tools/docs/pages.ts")).not.toBeNull();
    expect(scriptsRule("scripts/cli/x.ts", "test/support/stack/local-router.ts")).not.toBeNull();
    expect(scriptsRule("scripts/cli/x.ts", "scripts/bench/cli.ts")).not.toBeNull();
    expect(scriptsRule("scripts/bench/x.ts", "test/support/miniflare-router.ts")).not.toBeNull();
    expect(scriptsRule("test/scripts/x.test.ts", "scripts/cli/target.ts")).toBeNull();
    expect(scriptsRule("scripts/bench/x.ts", "test/support/stack/demo-origins.ts")).toBeNull();
  });

  it("no entry file sits beside a folder of the same name", () => {
    const found = [join(ROOT, "scripts"), join(ROOT, "test")].flatMap(entriesBesideFolders);
    expect(found, "move the entry into its folder").toEqual([]);
  });
});
