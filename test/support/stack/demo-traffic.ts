/**
 * Demo traffic: a few requests a second of predictions from a pool of
 * users to each demo service, so the dashboard's charts are alive on first
 * look (`npm start`), and the screenshots and browser tests have something
 * to show.
 *
 * Layer: shared test support (test/support/stack/). Sends only to the local router it is given;
 * waits for it to answer /_router/health first; bounded in time
 * (`maxMinutes`, default 4 hours) and stopped by `stop()`. Each request is
 * `POST /<service>/predict` with an `x-user-id` header and a JSON body
 * carrying the same id, as the demo documents read it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../../scripts/cli/wrangler.ts";

export interface DemoTrafficOptions {
  /** The router, e.g. http://127.0.0.1:8787. */
  url: string;
  /** Services to send to (default: the demo's fraud and churn). */
  services?: readonly string[];
  /** Requests per second to each service (default 4). */
  perSecond?: number;
  /** Distinct users (default 2000). */
  users?: number;
  /** Stop by itself after this long (default 240 minutes). */
  maxMinutes?: number;
  /** Print a line when it starts and stops (default true). */
  log?: boolean;
  /** Also print the dashboard's URL and how to sign in (npm start). */
  dashboard?: boolean;
}

export interface DemoTraffic {
  /** Requests answered so far, by HTTP status (0: no answer). */
  sent: () => Record<number, number>;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The local ADMIN_TOKEN (.dev.vars), to print for the demo; null when unreadable. */
function devVarsToken(): string | null {
  try {
    const text = readFileSync(join(ROOT, ".dev.vars"), "utf8");
    return /^ADMIN_TOKEN=(.+)$/m.exec(text)?.[1]?.trim() || null;
  } catch {
    return null;
  }
}

export async function waitForRouter(url: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/_router/health`);
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {}
    await sleep(500);
  }
  return false;
}

export function startDemoTraffic(options: DemoTrafficOptions): DemoTraffic {
  const services = options.services ?? ["fraud", "churn"];
  const perSecond = options.perSecond ?? 4;
  const users = options.users ?? 2000;
  const log = options.log ?? true;
  const deadline = Date.now() + (options.maxMinutes ?? 240) * 60_000;
  const counts: Record<number, number> = {};
  let stopped = false;
  let n = 0;

  const send = async (service: string) => {
    const i = n++;
    const user = `user-${(i * 7919) % users}`;
    try {
      const res = await fetch(`${options.url}/${service}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": user },
        body: JSON.stringify({ id: user, amount: (i * 37) % 900, country: i % 3 ? "DE" : "FR" }),
      });
      await res.arrayBuffer();
      counts[res.status] = (counts[res.status] ?? 0) + 1;
    } catch {
      counts[0] = (counts[0] ?? 0) + 1;
    }
  };

  const loop = (async () => {
    if (!(await waitForRouter(options.url))) {
      if (log) console.log(`demo traffic: the router at ${options.url} did not answer; none sent`);
      return;
    }
    if (log) {
      console.log(
        `demo traffic: ${perSecond} predictions/s to each of ${services.join(", ")} (for ${Math.round((deadline - Date.now()) / 60_000)} min)`,
      );
    }
    if (options.dashboard) {
      const token = devVarsToken();
      console.log(
        `\n  dashboard: ${options.url}/_router/dashboard\n  sign in with the ADMIN_TOKEN in .dev.vars${token ? ` (${token})` : ""}\n`,
      );
    }
    const inFlight = new Set<Promise<void>>();
    const gap = 1000 / (perSecond * services.length);
    while (!stopped && Date.now() < deadline) {
      for (const service of services) {
        if (stopped) break;
        // At most a second's worth in flight: a slow router slows the demo, never piles up.
        if (inFlight.size < perSecond * services.length) {
          const p = send(service).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        await sleep(gap * (0.5 + Math.random()));
      }
    }
    await Promise.all(inFlight);
    if (log && !stopped) console.log("demo traffic: stopped after its time limit");
  })();

  return {
    sent: () => ({ ...counts }),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
