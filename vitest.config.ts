/**
 * Test projects:
 *  - unit:      the pure core and schema in plain Node; spawns nothing, runs
 *               first (`npm test` stops there when it fails, in seconds).
 *  - scripts:   the CLI, benchmarks' and tools' tests in Node (they spawn
 *               the CLI and local routers).
 *  - workerd-core: the same core tests inside workerd (Cloudflare's Vitest
 *               integration), all files in one runtime: they touch no
 *               binding, and a runtime per file cost about 1.7 s of CPU
 *               each for milliseconds of tests.
 *  - workerd:   the worker's integration tests inside workerd, a runtime
 *               (and storage) per file, with real local KV and real local
 *               origins (a Node HTTP server started by test/global-setup.ts).
 *  - e2e:       starts the local stack the way the README does.
 *  - browser:   the dashboard in Chromium (playwright-core, Debian's
 *               chromium) against the router in Miniflare with real local
 *               origins and traffic.
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Cloudflare's Vitest integration with the project's wrangler config and test bindings. */
const workerd = () =>
  cloudflareTest({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        CONFIG_MEMO_TTL_MS: "0",
        // Check-ins and the control object's alarm, fast enough for tests.
        CHECKIN_INTERVAL_MS: "100",
        CONTROL_ALARM_MS: "200",
        CONTROL_KV_POLL_MS: "200",
        CHALLENGER_POLICY_MS: "500",
        SHADOW_KV_MIRROR_MS: "200",
        ROLLOUT_WEBHOOK_URL: "",
        OVERRIDE_TOKEN: "test-override-token",
        ADMIN_TOKEN: "test-admin-token-at-least-32-bytes",
        JWT_SECRET: "test-jwt-secret",
        RECEIPT_SECRET: "test-receipt-secret",
        OUTCOMES_TOKEN: "test-outcomes-token",
        HOST_SERVICES: JSON.stringify({ "scoring.test": "hosted" }),
      },
    },
  });

/**
 * The libraries every workerd test file imports, bundled once per run by
 * Vite's optimizer instead of transformed module by module in each file's
 * runtime (zod alone is some hundreds of modules).
 */
const prebundled = {
  optimizer: {
    ssr: {
      enabled: true,
      include: [
        ...["hono", "hono/cookie", "hono/html", "hono/jwt", "hono/utils/cookie", "hono/utils/html"],
        ...["zod/mini", "zod/locales", "fast-check"],
      ],
    },
  },
};

export default defineConfig({
  test: {
    // Four at a time on two cores: most integration files wait on sockets,
    // real-time alarms and child processes (the e2e demo waits about 45 s for
    // a rollback, the rollout simulation 35-60 s), so one per core leaves cores
    // idle (Vitest's default here is cores - 1 = 1). `time npm test`, quiet:
    // 2 workers 4m05s, 3 workers 3m33s (101 files); with issues 24 and 25's
    // files (114), 3 workers 4m13s, 4 workers 3m57s, every file passing.
    maxWorkers: 4,
    projects: [
      {
        test: {
          name: "unit",
          environment: "node",
          // Pure functions and their vectors: one module graph for all files
          // (a fresh one per file cost about 0.4 s each).
          isolate: false,
          include: ["test/core/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "scripts",
          environment: "node",
          // One module graph for all files: they share the CLI and harness modules.
          isolate: false,
          include: ["test/scripts/**/*.test.ts"],
        },
      },
      {
        plugins: [workerd()],
        test: {
          name: "workerd-core",
          deps: prebundled,
          include: ["test/core/**/*.test.ts"],
          isolate: false,
        },
      },
      {
        plugins: [workerd()],
        test: {
          name: "workerd",
          deps: prebundled,
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          setupFiles: ["test/support/quiet-teardown.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
