/**
 * The inspection record of a notable pair (a disagreement or an error), as
 * kept in KV for a while and printed by the report.
 *
 * Layer: pure core. Flat and small: labels and ids are cut to 128
 * characters, durations rounded to 0.1 ms.
 */
import type { ShadowPair } from "./compare.ts";

export interface ShadowRecord {
  /** ISO time the pair completed. */
  at: string;
  service: string;
  production: string;
  shadow: string;
  bucket: number | null;
  inputId: string | null;
  agreement: string;
  productionLabel: string | null;
  shadowLabel: string | null;
  productionScore: number | null;
  shadowScore: number | null;
  delta: number | null;
  productionMs: number;
  shadowMs: number;
  productionStatus: number;
  shadowStatus: number;
  productionError: string | null;
  shadowError: string | null;
  version: number;
}

const cut = (s: string | null) => (s === null ? null : s.slice(0, 128));
const ms = (n: number) => Math.round(n * 10) / 10;

export function toRecord(pair: ShadowPair): ShadowRecord {
  const c = pair.comparison;
  return {
    at: new Date(pair.at).toISOString(),
    service: pair.service,
    production: pair.production,
    shadow: pair.shadow,
    bucket: pair.bucket,
    inputId: cut(pair.inputId),
    agreement: c.agreement,
    productionLabel: cut(c.production.label),
    shadowLabel: cut(c.shadow.label),
    productionScore: c.production.score,
    shadowScore: c.shadow.score,
    delta: c.delta,
    productionMs: ms(c.production.durationMs),
    shadowMs: ms(c.shadow.durationMs),
    productionStatus: c.production.status,
    shadowStatus: c.shadow.status,
    productionError: c.production.error,
    shadowError: c.shadow.error,
    version: pair.version,
  };
}
