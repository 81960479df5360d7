/**
 * Child-process entry for the benchmark's model origin: serves the demo
 * models (test/support/stack/demo-models.ts) with test/support/stack/demo-origins.ts on a free
 * port, prints `{"port":N}` on stdout, and exits when its stdin closes.
 *
 * A separate process so the origin does not share an event loop with the
 * load generator (wrk, its own process).
 */
import { demoModels } from "../../test/support/stack/demo-models.ts";
import { startDemoOrigins } from "../../test/support/stack/demo-origins.ts";

const origins = await startDemoOrigins(demoModels, { port: 0 });
process.stdout.write(`${JSON.stringify({ port: origins.port })}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await origins.close();
  process.exit(0);
});
