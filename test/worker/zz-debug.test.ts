import { env, SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { controlMetrics, makeDoc, predict, putDoc } from "./support.ts";

it("debug check-in", async () => {
  const doc = makeDoc("dbg-a");
  await putDoc(doc);
  for (let i = 0; i < 5; i++) await (await predict("dbg-a", { user: `u${i}` })).arrayBuffer();
  await new Promise((r) => setTimeout(r, 600));
  await (await predict("dbg-a", { user: "x" })).arrayBuffer();
  await new Promise((r) => setTimeout(r, 600));
  const health = await (await SELF.fetch("http://router.test/_router/health")).json();
  console.log(JSON.stringify(health));
  const m = await controlMetrics(doc as never);
  console.log(JSON.stringify(m));
  console.log(await env.ROUTING.get("service:dbg-a:last-good"));
  expect(1).toBe(1);
});
