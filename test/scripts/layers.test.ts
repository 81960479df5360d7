/**
 * The floor plan, enforced: src/ folders are layers, and an import may only
 * point down a floor (or stay on its own). Read from the files themselves,
 * so a new upward import fails `npm test` with the file, the import and the
 * rule it breaks. Bare modules per floor are also checked here (Biome's
 * noRestrictedImports says the same in the editor, see biome.json).
 *
 *   6 src/index.ts     composition root, the only reader of Env
 *   5 src/http/        Hono: the app, routes, middleware, onError
 *   5 src/control/     the Durable Object classes: RPC surface and alarm
 *   4 src/app/         use cases over ports (async, no Hono framework)
 *   3 src/adapters/    one module per binding or transport
 *   2 src/document/    the zod schema and every document edit
 *   1 src/core/        pure and synchronous: no zod, Hono, Cloudflare, I/O
 * http/ and control/ share a floor and never import each other. The CLI
 * (scripts/router/) is a top floor beside http/ and never imports it.
 * Ports (src/ports.ts, src/ports/) are types of the app floor. Two folders
 * are held tighter than their floor: src/core/control/ (the control
 * object's decisions) imports only the core, and src/app/control/ (its use
 * cases) imports core, document and the app floor (ports, the write
 * pipeline), never an adapter or a package.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

type Floor = "index" | "http" | "control" | "app" | "adapters" | "document" | "core";
const RANK: Record<Floor, number> = {
  index: 6,
  http: 5,
  control: 5,
  app: 4,
  adapters: 3,
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
  document: (s) => s === "zod" || s.startsWith("zod/"),
  core: () => false,
};

function floorOf(file: string): Floor | null {
  const rel = relative(SRC, file);
  if (rel.startsWith("..")) return null;
  if (rel === "index.ts") return "index";
  if (rel === "ports.ts" || rel.startsWith("ports/")) return "app";
  const top = rel.split("/")[0] as Floor;
  return top in RANK ? top : null;
}

/** Folders held tighter than their floor: the floors they may import, and no package. */
const TIGHTER: { dir: string; floors: readonly Floor[] }[] = [
  { dir: join(SRC, "core", "control"), floors: ["core"] },
  { dir: join(SRC, "app", "control"), floors: ["core", "document", "app"] },
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

function violations(): string[] {
  const found: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = floorOf(file);
    if (!from) {
      found.push(`${relative(ROOT, file)}: not in a layer folder`);
      continue;
    }
    for (const spec of importsOf(file)) {
      const tighter = tighterViolation(file, spec);
      if (tighter) found.push(`${relative(ROOT, file)} ${tighter}`);
      if (spec.startsWith(".")) {
        const target = floorOf(resolve(dirname(file), spec));
        if (target && RANK[target] > RANK[from]) {
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
  for (const file of tsFiles(join(ROOT, "scripts", "router"))) {
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
    expect(floorOf(join(SRC, "ports", "control-state.ts"))).toBe("app");
  });
});
