/**
 * What one dashboard page reads, all through the admin API (admin-calls.ts):
 * a service's status, rollout view, time series, shadow comparison,
 * control-object state and history, fetched in parallel; and the overview's
 * row of one service (status, rollout, the last 15 minutes of series).
 *
 * Layer: HTTP edge (dashboard). Each answer is kept as it came (a failure
 * too), so one unreadable part shows its error and the rest of the page
 * still renders.
 */
import type { ChallengerBoard } from "../../app/outcomes/challenger-board.ts";
import type { AdminAnswer, AdminCaller, CallerContext } from "./admin-calls.ts";
import type {
  ControlStatus,
  HistoryView,
  RolloutWire,
  SeriesWire,
  ServiceStatus,
  ShadowWire,
} from "./wire.ts";

export interface ServiceData {
  service: string;
  now: number;
  minutes: number;
  status: AdminAnswer<ServiceStatus>;
  rollout: AdminAnswer<RolloutWire>;
  series: AdminAnswer<SeriesWire>;
  shadow: AdminAnswer<ShadowWire>;
  control: AdminAnswer<ControlStatus>;
  /** The challenger leaderboard. */
  challengers: AdminAnswer<ChallengerBoard>;
  /** Null when the caller already has this version's history. */
  history: AdminAnswer<HistoryView> | null;
}

export const WINDOWS = [5, 15, 60, 360] as const;
export const DEFAULT_MINUTES = 15;

export function minutesParam(value: string | undefined): number {
  const n = Number(value);
  return (WINDOWS as readonly number[]).includes(n) ? n : DEFAULT_MINUTES;
}

const path = (service: string, rest = "") => `/services/${encodeURIComponent(service)}${rest}`;

export async function loadService(
  call: AdminCaller,
  c: CallerContext,
  service: string,
  options: { minutes: number; historyOf?: number | null },
): Promise<ServiceData> {
  const [status, rollout, series, shadow, control, challengers] = await Promise.all([
    call<ServiceStatus>(c, { path: path(service) }),
    call<RolloutWire>(c, { path: path(service, "/rollout") }),
    call<SeriesWire>(c, { path: path(service, `/series?minutes=${options.minutes}`) }),
    call<ShadowWire>(c, { path: path(service, "/shadow?records=12") }),
    call<ControlStatus>(c, { path: path(service, "/control") }),
    call<ChallengerBoard>(c, { path: path(service, "/challengers") }),
  ]);
  const version = status.ok ? status.body.version : null;
  const history =
    options.historyOf !== undefined && options.historyOf !== null && options.historyOf === version
      ? null
      : await call<HistoryView>(c, { path: path(service, "/history") });
  return {
    service,
    now: Date.now(),
    minutes: options.minutes,
    status,
    rollout,
    series,
    shadow,
    control,
    challengers,
    history,
  };
}

export interface RowData {
  service: string;
  now: number;
  status: AdminAnswer<ServiceStatus>;
  rollout: AdminAnswer<RolloutWire>;
  series: AdminAnswer<SeriesWire>;
}

export const ROW_MINUTES = 15;

export async function loadRow(
  call: AdminCaller,
  c: CallerContext,
  service: string,
): Promise<RowData> {
  const [status, rollout, series] = await Promise.all([
    call<ServiceStatus>(c, { path: path(service) }),
    call<RolloutWire>(c, { path: path(service, "/rollout") }),
    call<SeriesWire>(c, { path: path(service, `/series?minutes=${ROW_MINUTES}`) }),
  ]);
  return { service, now: Date.now(), status, rollout, series };
}
