/**
 * Setup file of the workerd project: after a file's last test, the worker's
 * console goes quiet. The control object's alarm and waitUntil tasks outlive
 * a file's tests (they log adoptions, check-ins, shadow pairs), and a log
 * line still crossing to Vitest when the file's runtime closes fails the
 * whole run as an unhandled "Closing rpc while onUserConsoleLog was pending"
 * though every test passed (vitest-dev/vitest#11153, cloudflare/workers-sdk
 * #15719; it failed a CI run of this project). Logs during tests are kept.
 */
import { afterAll } from "vitest";

afterAll(() => {
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    console[level] = () => {};
  }
});
