-- Shadow summary per shadow origin of one service, from Workers Analytics
-- Engine (dataset model_router_events; layout in src/adapters/shadow-sink.ts).
-- The production twin of the local summary (src/shadow/summary.ts):
-- pairs, agreement, Δscore mean and |Δscore| percentiles, latency of both
-- arms, error counts. AE samples rows, so every count is a sum of
-- _sample_interval and every percentile is weighted by it; rows that do not
-- count for a column get weight 0 (a score pair needs double5 = 1, an arm's
-- latency needs that arm's status > 0).
-- Placeholders: {{service}} (validated name), {{days}} (integer).
-- Run: npm run shadow:report -- <service> --remote ... (or --print-sql).
SELECT
  blob5 AS shadow,
  sum(_sample_interval) AS pairs,
  sum(if(blob6 != 'n/a', _sample_interval, 0)) AS compared,
  sum(if(blob6 = 'agree', _sample_interval, 0)) AS agreed,
  sum(if(double5 = 1, _sample_interval, 0)) AS scored,
  sum(if(double5 = 1, double6 * _sample_interval, 0)) AS sum_delta,
  sum(if(double5 = 1, double7 * _sample_interval, 0)) AS sum_abs_delta,
  quantileExactWeighted(0.5)(double7, if(double5 = 1, _sample_interval, 0)) AS p50_abs_delta,
  quantileExactWeighted(0.95)(double7, if(double5 = 1, _sample_interval, 0)) AS p95_abs_delta,
  max(double7) AS max_abs_delta,
  quantileExactWeighted(0.5)(double10, if(double12 > 0, _sample_interval, 0)) AS production_p50_ms,
  quantileExactWeighted(0.95)(double10, if(double12 > 0, _sample_interval, 0)) AS production_p95_ms,
  quantileExactWeighted(0.99)(double10, if(double12 > 0, _sample_interval, 0)) AS production_p99_ms,
  quantileExactWeighted(0.5)(double11, if(double13 > 0, _sample_interval, 0)) AS shadow_p50_ms,
  quantileExactWeighted(0.95)(double11, if(double13 > 0, _sample_interval, 0)) AS shadow_p95_ms,
  quantileExactWeighted(0.99)(double11, if(double13 > 0, _sample_interval, 0)) AS shadow_p99_ms,
  sum(if(blob7 != '', _sample_interval, 0)) AS production_errors,
  sum(if(blob8 != '', _sample_interval, 0)) AS shadow_errors,
  max(double1) AS version,
  min(timestamp) AS first_at,
  max(timestamp) AS last_at
FROM model_router_events
WHERE index1 = '{{service}}'
  AND blob1 = 'shadow-pair'
  AND timestamp > NOW() - INTERVAL '{{days}}' DAY
GROUP BY shadow
ORDER BY pairs DESC
FORMAT JSON
