/**
 * Demo traffic: predictions from a pool of users to each demo service, at
 * each service's own rate (demoRequestsPerSecond: a few a second for fraud
 * and churn, so the dashboard's charts are alive on first look; more for
 * recs and search, whose rollout plans are sized by the evidence budget at
 * that traffic), for `npm start`, the screenshots and the browser tests.
 *
 * Layer: shared test support (test/support/stack/). Sends only to the local router it is given;
 * waits for it to answer /_router/health first; bounded in time
 * (`maxMinutes`, default 4 hours) and stopped by `stop()`. Each request is
 * `POST /<service>/predict` with an `x-user-id` header and a JSON body
 * carrying the same id, as the demo documents read it; the chat service's
 * are chat completions from the openai SDK (demo-chat-traffic.ts). For fraud's answers
 * it also sends what each led to (DEMO_OUTCOMES: fraud caught or not, by
 * the arm that answered) to POST /_router/outcomes with the answer's
 * receipt, in a batch every 2 seconds, with the OUTCOMES_TOKEN it is given
 * (default: .dev.vars's; none: no outcomes are sent).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../../scripts/cli/wrangler.ts";
import { demoChatSender } from "./demo-chat-traffic.ts";
import {
  DEMO_CHAT_SERVICE,
  DEMO_OUTCOMES,
  demoDocuments,
  demoRequestsPerSecond,
} from "./demo-models.ts";

export interface DemoTrafficOptions {
  /** The router, e.g. http://127.0.0.1:8787. */
  url: string;
  /** Services to send to (default: the demo's, demoDocuments). */
  services?: readonly string[];
  /**
   * Requests per second: one rate for every service, or a rate per service
   * (default: demoRequestsPerSecond, 4 for a service it does not name).
   */
  perSecond?: number | Readonly<Record<string, number>>;
  /** Distinct users (default 2000). */
  users?: number;
  /** Stop by itself after this long (default 240 minutes). */
  maxMinutes?: number;
  /** Print a line when it starts and stops (default true). */
  log?: boolean;
  /** Also print the dashboard's URL and how to sign in (npm start). */
  dashboard?: boolean;
  /** Bearer token of POST /_router/outcomes (default: OUTCOMES_TOKEN in .dev.vars; null: send none). */
  outcomesToken?: string | null;
}

export interface DemoTraffic {
  /** Requests answered so far, by HTTP status (0: no answer). */
  sent: () => Record<number, number>;
  /** Outcomes sent back so far, by the router's result (accepted, duplicate, refused, failed). */
  outcomes: () => Record<string, number>;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A secret of the local .dev.vars (ADMIN_TOKEN to print for the demo); null when unreadable. */
function devVar(name: string): string | null {
  try {
    const text = readFileSync(join(ROOT, ".dev.vars"), "utf8");
    return new RegExp(`^${name}=(.+)$`, "m").exec(text)?.[1]?.trim() || null;
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

/** Each service's requests per second under these options. */
export function trafficRates(
  services: readonly string[],
  perSecond: DemoTrafficOptions["perSecond"] = demoRequestsPerSecond,
): Record<string, number> {
  // A number scales the prediction services; a streamed chat completion (a
  // second of events, shadowed) costs many predictions' CPU, so chat keeps
  // at most its demo rate unless named.
  const chatCap = demoRequestsPerSecond[DEMO_CHAT_SERVICE] ?? 3;
  const rate = (s: string): number =>
    typeof perSecond === "number"
      ? s === DEMO_CHAT_SERVICE
        ? Math.min(perSecond, chatCap)
        : perSecond
      : Object.hasOwn(perSecond, s)
        ? (perSecond[s] ?? 4)
        : 4;
  return Object.fromEntries(services.map((s) => [s, rate(s)]));
}

export function startDemoTraffic(options: DemoTrafficOptions): DemoTraffic {
  const services = options.services ?? demoDocuments;
  const rates = trafficRates(services, options.perSecond);
  const users = options.users ?? 2000;
  const log = options.log ?? true;
  const deadline = Date.now() + (options.maxMinutes ?? 240) * 60_000;
  const counts: Record<number, number> = {};
  let stopped = false;
  const outcomes = demoOutcomes(
    options.url,
    options.outcomesToken === undefined ? devVar("OUTCOMES_TOKEN") : options.outcomesToken,
  );

  const chat = demoChatSender(options.url, DEMO_CHAT_SERVICE, users);
  const send = async (service: string, i: number) => {
    if (service === DEMO_CHAT_SERVICE) {
      const status = await chat(i);
      counts[status] = (counts[status] ?? 0) + 1;
      return;
    }
    // Users from the pool in a fixed stride (7919 is prime to the pool size), so each
    // service sees every user, each about as often.
    const user = `user-${(i * 7919) % users}`;
    try {
      const res = await fetch(`${options.url}/${service}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": user },
        body: JSON.stringify({ id: user, amount: (i * 37) % 900, country: i % 3 ? "DE" : "FR" }),
      });
      await res.arrayBuffer();
      counts[res.status] = (counts[res.status] ?? 0) + 1;
      if (service === DEMO_OUTCOMES.service) outcomes.observe(res);
    } catch {
      counts[0] = (counts[0] ?? 0) + 1;
    }
  };

  /** One service at its rate: at most a second's worth in flight, so a slow router slows the demo, never piles up. */
  const serviceLoop = async (service: string, perSecond: number) => {
    const inFlight = new Set<Promise<void>>();
    const gap = 1000 / perSecond;
    let n = 0;
    // A schedule, not a sleep after each send: the rate stays the one asked for.
    let next = Date.now();
    while (!stopped && Date.now() < deadline) {
      if (inFlight.size < perSecond) {
        const p = send(service, n++).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      next = Math.max(next + gap * (0.5 + Math.random()), Date.now() - 1000);
      await sleep(next - Date.now());
    }
    await Promise.all(inFlight);
  };

  const loop = (async () => {
    if (!(await waitForRouter(options.url))) {
      if (log) console.log(`demo traffic: the router at ${options.url} did not answer; none sent`);
      return;
    }
    if (log) {
      const each = services.map((s) => `${s} ${rates[s]}/s`).join(", ");
      console.log(
        `demo traffic: predictions from ${users} users: ${each} (for ${Math.round((deadline - Date.now()) / 60_000)} min)`,
      );
    }
    if (options.dashboard) {
      const token = devVar("ADMIN_TOKEN");
      console.log(
        `\n  dashboard: ${options.url}/_router/dashboard\n  sign in with the ADMIN_TOKEN in .dev.vars${token ? ` (${token})` : ""}\n`,
      );
    }
    await Promise.all(
      services.filter((s) => (rates[s] ?? 0) > 0).map((s) => serviceLoop(s, rates[s] as number)),
    );
    if (log && !stopped) console.log("demo traffic: stopped after its time limit");
  })();

  return {
    sent: () => ({ ...counts }),
    outcomes: () => outcomes.counts(),
    stop: async () => {
      stopped = true;
      await loop;
      await outcomes.stop();
    },
  };
}

/** Fraud answers' outcomes, batched to POST /_router/outcomes every 2 s. */
function demoOutcomes(url: string, token: string | null) {
  const pending: { receipt: string; metric: string; value: boolean }[] = [];
  const counts: Record<string, number> = {};
  const flush = async () => {
    const batch = pending.splice(0, 1000);
    if (batch.length === 0 || !token) return;
    try {
      const res = await fetch(`${url}/_router/outcomes`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ outcomes: batch }),
      });
      const body = (await res.json()) as { results?: { status: string }[] };
      for (const r of body.results ?? [{ status: `http ${res.status}` }])
        counts[r.status] = (counts[r.status] ?? 0) + 1;
    } catch {
      counts.failed = (counts.failed ?? 0) + batch.length;
    }
  };
  const timer = token ? setInterval(() => void flush(), 2000) : null;
  return {
    observe: (res: Response) => {
      const receipt = res.headers.get("x-router-assignment");
      const arm = res.headers.get("x-model-variant") ?? "";
      if (!token || !receipt || pending.length >= 10_000) return;
      const rate = DEMO_OUTCOMES.rates[arm] ?? 0.1;
      pending.push({ receipt, metric: DEMO_OUTCOMES.metric, value: Math.random() < rate });
    },
    counts: () => ({ ...counts }),
    stop: async () => {
      if (timer) clearInterval(timer);
      await flush();
    },
  };
}
