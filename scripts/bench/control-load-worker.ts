/**
 * A load generator for one control object, run as a worker beside the
 * fleet (scripts/bench/control-plane.ts): each HTTP request makes ONE
 * check-in RPC to the service's object with a realistic batch (two arms,
 * latency histograms, an identified split), as a router isolate would;
 * `/noop` answers without the RPC (the HTTP overhead to subtract).
 *
 * Layer: benchmark support (a Worker script).
 */
interface Env {
  CONTROL: DurableObjectNamespace;
}

/** Named on the first request (no random values at global scope in Workers). */
let isolate = "";
let seq = 0;

const histogram = { n: 10, sum: 123, lo: 5, hi: 30, counts: { "50": 6, "60": 3, "70": 1 } };
const arm = { requests: 10, errors: 0, failovers: 0, latencyMs: histogram };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/noop") return new Response("ok");
    const service = url.searchParams.get("service") ?? "bench";
    isolate ||= crypto.randomUUID();
    seq += 1;
    const now = Date.now();
    const checkIn = {
      service,
      isolate,
      revision: url.searchParams.get("revision"),
      batches: [
        {
          seq,
          metrics: [
            {
              service,
              version: 1,
              revision: url.searchParams.get("revision") ?? "1@0",
              arms: { blue: arm, green: arm },
              identified: { live: 10, canary: 10 },
              firstAt: now - 2_000,
              lastAt: now,
            },
          ],
          shadow: [],
          records: [],
        },
      ],
    };
    const stub = env.CONTROL.get(env.CONTROL.idFromName(service)) as unknown as {
      checkIn(text: string): Promise<{ version: number }>;
    };
    const answer = await stub.checkIn(JSON.stringify(checkIn));
    return Response.json(answer);
  },
};
