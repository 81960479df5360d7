/**
 * `npm start`'s rollout lines: polls the demo's rollouts (recs, search)
 * through the admin API and prints one line per notable event of their
 * timelines (start, advance, hold, rollback, promote, pause), so the demo
 * shows them move without anyone typing a command.
 *
 * Layer: script (demo). Reads only `GET /_router/admin/services/<s>/rollout`
 * with the local admin token; a failed poll is retried quietly (the router
 * may still be starting), and nothing it does changes a rollout.
 */

interface TimelineEntry {
  at: number;
  event: string;
  reason: string;
  version: number;
}

interface RolloutView {
  status: { state: string; timeline: TimelineEntry[] } | null;
  statusCurrent: boolean;
}

export interface RolloutWatch {
  stop: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "+1m05s" after `start`. */
export function elapsed(at: number, start: number): string {
  const s = Math.max(0, Math.round((at - start) / 1000));
  return s < 60 ? `+${s}s` : `+${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** One printed line per timeline entry. */
export function eventLine(service: string, entry: TimelineEntry, start: number): string {
  return `rollout ${service} ${elapsed(entry.at, start)}: ${entry.event} (v${entry.version}) ${entry.reason}`;
}

export function watchRollouts(options: {
  url: string;
  token: string;
  services: readonly string[];
  /** Time 0 of the printed offsets (npm start's start). */
  start: number;
  intervalMs?: number;
  print?: (line: string) => void;
}): RolloutWatch {
  const print = options.print ?? ((line: string) => console.log(line));
  const interval = options.intervalMs ?? 2000;
  let stopped = false;
  // Per service: the last entry printed (its time); undefined until the first read.
  const seen = new Map<string, number>();

  const poll = async (service: string) => {
    const res = await fetch(`${options.url}/_router/admin/services/${service}/rollout`, {
      headers: { authorization: `Bearer ${options.token}` },
    });
    if (!res.ok) {
      await res.arrayBuffer();
      return;
    }
    const view = (await res.json()) as RolloutView;
    const timeline = view.status?.timeline ?? [];
    const last = seen.get(service);
    if (last === undefined) {
      // A rollout that ended before this start (the state is kept across restarts): say so once.
      const end = timeline.at(-1);
      if (end && end.at < options.start && view.status?.state !== "progressing") {
        print(
          `rollout ${service}: ${view.status?.state} at ${new Date(end.at).toISOString()} (kept from an earlier run; \`npm start -- --reseed\` replays it)`,
        );
      }
      seen.set(service, end && end.at < options.start ? end.at : options.start - 1);
    }
    const since = seen.get(service) as number;
    for (const entry of timeline) {
      if (entry.at <= since) continue;
      print(eventLine(service, entry, options.start));
      seen.set(service, entry.at);
    }
  };

  void (async () => {
    while (!stopped) {
      for (const service of options.services) {
        if (stopped) break;
        await poll(service).catch(() => {});
      }
      await sleep(interval);
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
  };
}
