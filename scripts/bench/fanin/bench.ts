/**
 * `npm run bench:fanin`: how fast a write reaches every isolate of one
 * service, and what each object takes, with and without per-location
 * fan-in, at 1,000 / 10,000 / 100,000 isolates over 300 locations
 * (scripts/bench/fanin/model.ts; Monte Carlo per isolate, seeded).
 *   1. measures one check-in RPC to a real control object under Miniflare
 *      (scripts/bench/fanin/measure.ts): the isolate -> aggregator round
 *      trip (same location) replays those samples;
 *   2. per cell (isolates x spread x protocol) places the fleet, draws
 *      phases, and times `--trials` writes at random moments: p50 / p99 /
 *      max over isolates, the intervals handed out, calls per second at the
 *      service object and at the busiest aggregator, PASS/FAIL against the
 *      targets (p99 <= 2 x I + 1 s; no object above 500 calls/s);
 *   3. sensitivity at 100,000 isolates (Zipf), where fan-in starts to pay
 *      off (250 to 4,000 isolates), and the cost table per 30-day month
 *      (10 / 1,000 / 10,000 / 100,000 isolates, direct and fan-in).
 * Cross-location round trips are an assumption (see --help), not measured.
 */
import { fmt, parseCommand, positiveInt, progress } from "../cli.ts";
import { type MeasuredCheckIn, measureCheckIn } from "./measure.ts";
import {
  type AggregatorPacing,
  type Cost,
  DEFAULT_TUNING,
  directLoad,
  empirical,
  type Fleet,
  FREE_PER_DAY,
  faninLayout,
  faninLoad,
  freePlanIntervalS,
  type Latencies,
  type Load,
  locationShares,
  lognormal,
  monthlyCost,
  mulberry32,
  PRICES,
  placeFleet,
  propagateDirect,
  propagateFanin,
  remoteByLocation,
  type Sampler,
  type Spread,
  type Spread3,
  summarize,
  type Tuning,
  type UpstreamOptions,
} from "./model.ts";

const HELP = `Usage: npm run bench:fanin -- [options]

Simulates how fast one write reaches every isolate of a service, directly
(every isolate checks in with the service object) and with per-location
fan-in (isolates check in with their location's aggregator, aggregators
with the service object: on their own clock, or as built: started by a
check-in or the aggregator's alarm),
at 1,000 / 10,000 / 100,000 isolates over 300 locations, spread by Zipf
(s = 1) and uniformly, and prints per-object load, PASS/FAIL against the
targets, a sensitivity table and the monthly cost. The isolate ->
aggregator round trip is measured first (a real check-in RPC to a real
control object under Miniflare, about 5 s); the cross-location round trip
to the service object is an assumption: per location a lognormal typical
RTT (median --remote-median, p99 --remote-p99 across locations), each
call x a lognormal jitter (median 1, p99 1.5).

Options:
  --sizes <list>          isolates per cell (default 1000,10000,100000)
  --locations <n>         locations (default 300)
  --trials <n>            writes per cell, at random moments (default 5)
  --seed <n>              seed (default 1)
  --interval <ms>         CHECKIN_INTERVAL_MS, I (default 2000)
  --remote-median <ms>    cross-location RTT median (default 60)
  --remote-p99 <ms>       cross-location RTT p99 (default 250)
  --calls <n>             check-ins measured under Miniflare (default 2000)
  --skip-measure          no Miniflare: isolate -> aggregator lognormal,
                          median 0.8 ms, p99 5 ms (PLATFORM.md's 0.8 ms p50)
  --json                  one JSON object on stdout instead of the tables
  -h, --help              this help
`;

const values = parseCommand(HELP, {
  sizes: { type: "string", default: "1000,10000,100000" },
  locations: { type: "string", default: "300" },
  trials: { type: "string", default: "5" },
  seed: { type: "string", default: "1" },
  interval: { type: "string", default: "2000" },
  "remote-median": { type: "string", default: "60" },
  "remote-p99": { type: "string", default: "250" },
  calls: { type: "string", default: "2000" },
  "skip-measure": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
});
const SIZES = String(values.sizes)
  .split(",")
  .map((s) => positiveInt(HELP, "sizes", s.trim()));
const LOCATIONS = positiveInt(HELP, "locations", values.locations);
const TRIALS = positiveInt(HELP, "trials", values.trials);
const SEED = positiveInt(HELP, "seed", values.seed);
const REMOTE_MEDIAN = positiveInt(HELP, "remote-median", values["remote-median"]);
const REMOTE_P99 = positiveInt(HELP, "remote-p99", values["remote-p99"]);
const CALLS = positiveInt(HELP, "calls", values.calls);
const T: Tuning = { ...DEFAULT_TUNING, checkInMs: positiveInt(HELP, "interval", values.interval) };
const TARGET_MS = 2 * T.checkInMs + 1000;
const MAX_RATE = T.maxCheckInsPerSecond;
const JITTER = lognormal(1, 1.5);
const SPREADS: Spread[] = ["zipf", "uniform"];
const started = performance.now();

// ---- 1. the measured round trip -------------------------------------------------

let measured: MeasuredCheckIn | null = null;
let local: Sampler;
if (values["skip-measure"]) {
  local = lognormal(0.8, 5);
  progress("isolate -> aggregator: lognormal median 0.8 ms, p99 5 ms (--skip-measure)");
} else {
  progress("starting Miniflare (router bundle, control object, load worker)...");
  measured = await measureCheckIn(CALLS, progress);
  local = empirical(measured.rpcSamples);
  progress(
    `measured: HTTP + check-in RPC p50 ${fmt(measured.withRpc.p50, 2)} ms, p99 ${fmt(measured.withRpc.p99, 2)} ms; ` +
      `without the RPC p50 ${fmt(measured.withoutRpc.p50, 2)} ms; the RPC's share p50 ${fmt(measured.rpc.p50, 2)} ms, ` +
      `p99 ${fmt(measured.rpc.p99, 2)} ms, max ${fmt(measured.rpc.max, 2)} ms`,
  );
}
const remoteBase = lognormal(REMOTE_MEDIAN, REMOTE_P99);

// ---- 2. the cells ------------------------------------------------------------------

/**
 * direct: every isolate with the service object. fan-in: as designed, each
 * aggregator checks in upstream on its own clock. fan-in, as built
 * (src/app/control/aggregate.ts): an isolate's check-in starts the
 * aggregator's exchange once an upstream interval has passed, and its
 * alarm does when no check-in comes in time; "no alarm" leaves that out.
 */
type Protocol = "direct" | "fan-in" | "fan-in, as built" | "fan-in, as built, no alarm";
const PROTOCOLS: Protocol[] = ["direct", "fan-in", "fan-in, as built"];

interface Cell {
  isolates: number;
  spread: Spread;
  protocol: Protocol;
  label?: string;
  load: Load;
  /** Over every isolate of every trial. */
  delay: Spread3;
  /** The worst trial's p99. */
  worstTrialP99: number;
  pass: { propagation: boolean; load: boolean };
}

/**
 * The protocol's assumptions, or one changed. pacing: the interval an
 * aggregator hands its isolates ("grown": the product's rule, as the
 * service object's; "fixed": I always); local: undefined = measured.
 */
interface Variant {
  label: string;
  pacing: AggregatorPacing;
  local?: Sampler;
  remoteBase: Sampler;
}

const BASE: Variant = { label: "", pacing: "grown", remoteBase };

/** One seed per size: every protocol, spread and the cost table see the same fleet and draws. */
const cellSeed = (isolates: number) => SEED * 1_000_003 + isolates;

function runCell(isolates: number, spread: Spread, protocol: Protocol, variant: Variant): Cell {
  const rand = mulberry32(cellSeed(isolates));
  const fleet: Fleet = placeFleet(isolates, locationShares(LOCATIONS, spread), rand);
  const lat: Latencies = {
    local: variant.local ?? local,
    remote: remoteByLocation(LOCATIONS, variant.remoteBase, JITTER, rand),
  };
  const layout = protocol === "direct" ? null : faninLayout(fleet, T, variant.pacing, rand);
  const upstream: UpstreamOptions =
    protocol === "fan-in"
      ? { trigger: "timer" }
      : { trigger: "check-in", alarm: protocol === "fan-in, as built" };
  const load = layout ? faninLoad(layout) : directLoad(isolates, T);
  const all: Float64Array[] = [];
  let worstTrialP99 = 0;
  for (let k = 0; k < TRIALS; k++) {
    const t0 = 3_600_000 + rand() * 3_600_000;
    const delays = layout
      ? propagateFanin(fleet, layout, t0, lat, rand, upstream)
      : propagateDirect(fleet, T, t0, lat, rand);
    worstTrialP99 = Math.max(worstTrialP99, summarize(delays).p99);
    all.push(delays);
  }
  const pooled = new Float64Array(all.reduce((n, d) => n + d.length, 0));
  let at = 0;
  for (const d of all) {
    pooled.set(d, at);
    at += d.length;
  }
  const busiest = Math.max(load.servicePerSecond, load.busiestAggregatorPerSecond ?? 0);
  return {
    isolates,
    spread,
    protocol,
    ...(variant.label ? { label: variant.label } : {}),
    load,
    delay: summarize(pooled),
    worstTrialP99,
    pass: { propagation: worstTrialP99 <= TARGET_MS, load: busiest <= MAX_RATE + 1e-9 },
  };
}

const elapsed = () => `${fmt((performance.now() - started) / 1000, 1)} s`;
const cells: Cell[] = [];
for (const isolates of SIZES) {
  for (const spread of SPREADS) {
    for (const protocol of PROTOCOLS) {
      const cell = runCell(isolates, spread, protocol, BASE);
      cells.push(cell);
      progress(
        `${fmt(isolates)} ${spread} ${protocol}: p99 ${fmt(cell.worstTrialP99 / 1000, 2)} s, ` +
          `service object ${fmt(cell.load.servicePerSecond)}/s` +
          (cell.load.busiestAggregatorPerSecond === null
            ? ""
            : `, busiest aggregator ${fmt(cell.load.busiestAggregatorPerSecond)}/s`) +
          ` (${elapsed()})`,
      );
    }
  }
}

// ---- 3. sensitivity, where fan-in pays off, cost -----------------------------------------

const biggest = Math.max(...SIZES);
const variants: Variant[] = [
  {
    ...BASE,
    label: "aggregators hand out I always (not max(I, isolates / 500 per s))",
    pacing: "fixed",
  },
  {
    ...BASE,
    label: "aggregator in a nearby Durable Object location (isolate RTT median 15 ms, p99 60 ms)",
    local: lognormal(15, 60),
  },
  {
    ...BASE,
    label: "far service object (cross-location RTT median 140 ms, p99 390 ms)",
    remoteBase: lognormal(140, 390),
  },
];
const sensitivity = variants.map((v) => {
  const cell = runCell(biggest, "zipf", "fan-in", v);
  progress(`sensitivity: ${v.label}: p99 ${fmt(cell.worstTrialP99 / 1000, 2)} s (${elapsed()})`);
  return cell;
});

const ALARM_MS = 5_000;
/** One service's month, direct and with fan-in (the Zipf fleet of the cell of that size). */
function costsAt(isolates: number) {
  const rand = mulberry32(cellSeed(isolates));
  const layout = faninLayout(
    placeFleet(isolates, locationShares(LOCATIONS, "zipf"), rand),
    T,
    "grown",
    rand,
  );
  const common = {
    isolates,
    t: T,
    alarmMs: ALARM_MS,
    serviceRowsPerFlush: 10,
    aggregatorRowsPerFlush: 3,
    // Upper bound: a backstop alarm per aggregator every interval (1 request + 1 setAlarm row).
    aggregatorAlarmMs: T.checkInMs,
  };
  return {
    isolates,
    aggregators: layout.aggregators.length,
    direct: monthlyCost({ ...common, fanin: null }),
    fanin: monthlyCost({
      ...common,
      fanin: { aggregators: layout.aggregators.length, upstreamMs: layout.upstreamMs },
    }),
  };
}
const COST_SIZES = [10, 1_000, 10_000, 100_000];
const costs = COST_SIZES.map(costsAt);

// Where fan-in starts to pay off: FANIN=auto switches above 250 isolates.
// Without the aggregator's alarm, a location of one or two isolates
// exchanges every other check-in (a check-in arrives a hair under I after
// the last exchange about half the time, and starts none).
const CROSSOVER_SIZES = [250, 500, 1_000, 2_000, 4_000];
const crossover = CROSSOVER_SIZES.map((isolates) => {
  const direct = runCell(isolates, "zipf", "direct", BASE);
  const fanin = runCell(isolates, "zipf", "fan-in", BASE);
  const built = runCell(isolates, "zipf", "fan-in, as built", BASE);
  const noAlarm = runCell(isolates, "zipf", "fan-in, as built, no alarm", BASE);
  const cost = costsAt(isolates);
  return {
    isolates,
    direct,
    fanin,
    built,
    noAlarm,
    cost: { direct: cost.direct.total, fanin: cost.fanin.total },
  };
});
progress(`where fan-in pays off: ${CROSSOVER_SIZES.join(", ")} isolates (${elapsed()})`);
const freeIntervalS = freePlanIntervalS(10, ALARM_MS, 10);

// ---- output ------------------------------------------------------------------------------

const s = (ms: number) => fmt(ms / 1000, 2);
const verdict = (c: Cell) =>
  `${c.pass.propagation ? "PASS" : "FAIL"} / ${c.pass.load ? "PASS" : "FAIL"}`;
const row = (c: Cell, first: string) =>
  `| ${first} | ${c.protocol} | ${s(c.load.isolateIntervalMs)}${c.load.upstreamIntervalMs === null ? "" : ` / ${s(c.load.upstreamIntervalMs)}`} | ` +
  `${c.load.aggregators ? `${fmt(c.load.aggregators)} (${c.load.maxShards})` : "–"} | ${fmt(c.load.servicePerSecond)} | ` +
  `${c.load.busiestAggregatorPerSecond === null ? "–" : `${fmt(c.load.busiestAggregatorPerSecond)} (${fmt(c.load.busiestAggregatorIsolates)} isolates)`} | ` +
  `${s(c.delay.p50)} / ${s(c.worstTrialP99)} / ${s(c.delay.max)} | ${verdict(c)} |`;

const money = (n: number) => (n < 10 ? `$${fmt(n, 2)}` : `$${fmt(n)}`);
const millions = (n: number) => (n >= 1e9 ? `${fmt(n / 1e9, 2)} B` : `${fmt(n / 1e6, 1)} M`);
const costLine = (label: string, f: (c: Cost) => string) =>
  `| ${label} | ${costs.map((c) => `${f(c.direct)} | ${f(c.fanin)}`).join(" | ")} |`;

const localLine = measured
  ? `isolate -> aggregator: measured, ${fmt(measured.calls)} sequential check-in RPCs to a real control object under Miniflare (HTTP + RPC p50 ${fmt(measured.withRpc.p50, 2)} ms, p99 ${fmt(measured.withRpc.p99, 2)} ms, minus the same request without the RPC, p50 ${fmt(measured.withoutRpc.p50, 2)} ms): RPC p50 ${fmt(measured.rpc.p50, 2)} ms, p99 ${fmt(measured.rpc.p99, 2)} ms, max ${fmt(measured.rpc.max, 2)} ms, replayed per call`
  : "isolate -> aggregator: lognormal median 0.8 ms, p99 5 ms (--skip-measure)";

const tables = [
  `Propagation of one write to every isolate (${TRIALS} writes per cell at random moments; I = ${s(T.checkInMs)} s; ${LOCATIONS} locations; seed ${SEED}):`,
  "",
  "| isolates, spread | protocol | interval handed out, s (isolates / aggregators) | aggregators (most shards at a location) | service object calls/s | busiest aggregator calls/s | propagation p50 / p99 / max, s | target: p99 <= " +
    `${s(TARGET_MS)} s / <= ${MAX_RATE} calls/s |`,
  "|---|---|---:|---:|---:|---:|---:|---|",
  ...cells.map((c) => row(c, `${fmt(c.isolates)}, ${c.spread}`)),
  "",
  `Fan-in at ${fmt(biggest)} isolates (Zipf), one assumption changed at a time:`,
  "",
  "| variant | protocol | interval handed out, s | aggregators (most shards) | service object calls/s | busiest aggregator calls/s | propagation p50 / p99 / max, s | target |",
  "|---|---|---:|---:|---:|---:|---:|---|",
  ...sensitivity.map((c) => row(c, c.label ?? "")),
  "",
  "Where fan-in starts to pay off (Zipf; FANIN=auto switches to fan-in above 250 isolates):",
  "",
  "| isolates | direct: interval, p99 | fan-in: p99 | fan-in, as built: p99 | as built, no alarm: p99 | cost per month, direct / fan-in |",
  "|---:|---:|---:|---:|---:|---:|",
  ...crossover.map(
    (c) =>
      `| ${fmt(c.isolates)} | ${s(c.direct.load.isolateIntervalMs)} s, ${s(c.direct.worstTrialP99)} s | ${s(c.fanin.worstTrialP99)} s | ${s(c.built.worstTrialP99)} s | ${s(c.noAlarm.worstTrialP99)} s | ${money(c.cost.direct)} / ${money(c.cost.fanin)} |`,
  ),
  "",
  `Latencies: ${localLine}; isolate or aggregator -> service object: assumed, per location a lognormal typical round trip (median ${REMOTE_MEDIAN} ms, p99 ${REMOTE_P99} ms across locations) x a per-call lognormal jitter (median 1, p99 1.5). p99 is the worst of the ${TRIALS} writes' p99s.`,
  "",
  `Cost of one service's control plane per 30-day month (Workers Paid; every object billed as always active; the service object's alarm every ${ALARM_MS / 1000} s and, an upper bound, one alarm per aggregator every ${s(T.checkInMs)} s, each 1 request + 1 row; the service object writes 10 rows per flush, an aggregator 3: batch, ledger, delete of the acknowledged batch; one flush per ${s(T.checkInMs)} s; fan-in counts for the Zipf fleet):`,
  "",
  `| | ${COST_SIZES.map((n) => `${fmt(n)} direct | ${fmt(n)} fan-in`).join(" | ")} |`,
  `|---|${COST_SIZES.map(() => "---:|---:").join("|")}|`,
  `| objects (aggregators + 1) | ${costs.map((c) => `1 | ${fmt(c.fanin.objects)}`).join(" | ")} |`,
  costLine("requests", (c) => millions(c.requests)),
  costLine("request cost", (c) => money(c.requestCost)),
  costLine("duration GB-s", (c) => millions(c.gbSeconds)),
  costLine("duration cost", (c) => money(c.durationCost)),
  costLine("SQLite rows written", (c) => millions(c.rowsWritten)),
  costLine("rows cost", (c) => money(c.rowsCost)),
  costLine("total", (c) => money(c.total)),
  costLine("per day: requests", (c) => fmt(c.perDay.requests)),
  costLine("per day: GB-s", (c) => fmt(c.perDay.gbSeconds)),
  costLine("per day: rows written", (c) => fmt(c.perDay.rowsWritten)),
  "",
  `Free plan, per day: ${fmt(FREE_PER_DAY.requests)} requests, ${fmt(FREE_PER_DAY.gbSeconds)} GB-s, ${fmt(FREE_PER_DAY.rowsWritten)} rows written, ${fmt(FREE_PER_DAY.rowsRead)} rows read. Ten isolates, direct, fit it from CHECKIN_INTERVAL_MS = ${fmt(freeIntervalS * 1000)} (requests and rows; one always-active object is ${fmt(PRICES.gb * 86_400)} GB-s a day).`,
  "",
  `Reproduce: npm run bench:fanin${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
];

progress(`done in ${fmt((performance.now() - started) / 1000, 1)} s`);
if (values.json) {
  const { rpcSamples: _samples, ...measuredSummary } = measured ?? { rpcSamples: [] };
  process.stdout.write(
    `${JSON.stringify({
      tuning: T,
      targetMs: TARGET_MS,
      locations: LOCATIONS,
      trials: TRIALS,
      seed: SEED,
      remote: { median: REMOTE_MEDIAN, p99: REMOTE_P99, jitterP99: 1.5 },
      measured: measured ? measuredSummary : null,
      cells,
      sensitivity,
      costs,
      crossover,
      freePlan: { limits: FREE_PER_DAY, tenIsolatesIntervalS: freeIntervalS },
    })}\n`,
  );
} else {
  process.stdout.write(`${tables.join("\n")}\n`);
}
process.exit(0);
