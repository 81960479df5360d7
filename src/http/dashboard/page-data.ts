/**
 * What the dashboard's server hands its client script (client/): the page's
 * data (JSON in a script tag) and the answers of its /api routes: charts as
 * uPlot-ready series, a service page's model, the overview's rows. Types
 * only, importing nothing of the Worker, so the browser's build (its own
 * tsconfig, DOM types) checks the client against what the server sends.
 *
 * Layer: HTTP edge (dashboard), types shared by the Worker and the browser.
 */

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: boolean;
}

export interface ChartMarker {
  /** Epoch seconds (time charts) or bar index (histograms). */
  x: number;
  label: string;
  tone: Tone;
}

export type Tone = "good" | "bad" | "warn" | "info";

export interface ChartSpec {
  id: string;
  title: string;
  unit: "req/s" | "%" | "ms" | "pairs";
  kind: "time" | "bars";
  /** Epoch seconds (time) or bar index (bars). */
  x: number[];
  /** Bar labels (bars only). */
  categories?: string[];
  series: ChartSeries[];
  markers: ChartMarker[];
  /** What to say while there is nothing to draw. */
  empty: string;
  hasData: boolean;
}

/** A service page: its first render's data (without sections) and every poll's answer. */
export interface ServiceModel {
  service: string;
  version: number | null;
  now: number;
  minutes: number;
  sections: Record<string, string>;
  charts: ChartSpec[];
  /** Cumulative label agreement per shadow and production arm (the page charts its change). */
  agreement: Record<string, Record<string, { compared: number; agreed: number }>>;
  /**
   * Every write of the history (flip, kill, share change, rollback, a raw put) as a marker
   * with its author, sent with the history (absent: the page keeps the ones it has).
   */
  writes?: ChartMarker[] | undefined;
}

/** One row of the overview, as /api/overview answers it. */
export interface RowModel {
  service: string;
  version: number | null;
  /** The row's cells after the name. */
  cells: string;
  sparks: ChartSpec[];
}

/** The page-data script of a page that has one. */
export type PageData =
  | { kind: "overview"; rows: Pick<RowModel, "service" | "sparks">[] }
  | ({ kind: "service"; sections?: undefined } & Omit<ServiceModel, "sections">);
