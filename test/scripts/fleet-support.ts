/**
 * Helpers for the multi-isolate tests (control-fleet, fanin-fleet): a
 * routing document on the local test origins, a prediction through one
 * router isolate, the same user through every isolate, the admin API of
 * the fleet, the real CLI against it, and polling until a condition holds.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { DemoOrigins } from "../support/stack/demo-origins.ts";
import type { LocalFleet } from "../support/stack/local-fleet.ts";

const exec = promisify(execFile);

/** A document for `service` with blue (live), green and canary on the test origins. */
export function fleetDoc(
  origins: DemoOrigins,
  service: string,
  over: Record<string, unknown> = {},
) {
  return {
    service,
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "test",
    origins: {
      blue: { url: origins.url("blue") },
      green: { url: origins.url("green") },
      canary: { url: origins.url("canary") },
    },
    live: "blue",
    ...over,
  };
}

/** One identified prediction through the isolate at `url`; the arm that answered. */
export async function predict(url: string, service: string, user: string): Promise<string | null> {
  const res = await fetch(`${url}/${service}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-user-id": user },
    body: JSON.stringify({ features: { amount: 1 } }),
  });
  await res.arrayBuffer();
  return res.headers.get("x-model-variant");
}

/** Every isolate answers `user`; the arms, isolate by isolate. */
export const everyRouter = (fleet: LocalFleet, service: string, user: string) =>
  Promise.all(fleet.urls.map((url) => predict(url, service, user)));

/** Calls `what` until `ok` holds or `ms` pass; the last value either way. */
export async function until<T>(
  what: () => Promise<T>,
  ok: (v: T) => boolean,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The fleet's admin API, through its first isolate. */
export async function admin(
  fleet: LocalFleet,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  const res = await fetch(`${fleet.urls[0]}/_router/admin${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${fleet.adminToken}`,
      "content-type": "application/json",
      "x-router-author": "fleet-test",
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The real `router` CLI with the fleet's admin token, against the isolate at `url`. */
export function cli(fleet: LocalFleet, url: string, ...args: string[]) {
  return exec("npx", ["node", "scripts/cli/router.ts", ...args, "--url", url], {
    env: { ...process.env, ROUTER_ADMIN_TOKEN: fleet.adminToken },
  });
}

/** Requests per arm of `service`, as its control object's series holds them. */
export async function armTotals(fleet: LocalFleet, service: string): Promise<Map<string, number>> {
  const series = await admin(fleet, `/services/${service}/series?minutes=10`);
  const byArm = new Map<string, number>();
  for (const p of series.body.points as { arm: string; requests: number }[]) {
    byArm.set(p.arm, (byArm.get(p.arm) ?? 0) + p.requests);
  }
  return byArm;
}
