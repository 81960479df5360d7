-- Shadow summary per shadow origin of one service, from Workers Analytics
-- Engine (dataset model_router_events; layout in src/adapters/shadow-sink.ts).
-- The production twin of the local summary (src/shadow/summary.ts):
-- pairs, agreement, Δscore mean and |Δscore| percentiles, latency of both
-- arms, error counts; the similarity distribution (double15, 11 bins), each
-- arm's time to first byte (double16/17) and usage tokens (double18/19),
-- -1 meaning none. AE samples rows, so every count is a sum of
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
  sum(if(double15 >= 0 AND double15 < 0.1, _sample_interval, 0)) AS similarity_0,
  sum(if(double15 >= 0.1 AND double15 < 0.2, _sample_interval, 0)) AS similarity_1,
  sum(if(double15 >= 0.2 AND double15 < 0.3, _sample_interval, 0)) AS similarity_2,
  sum(if(double15 >= 0.3 AND double15 < 0.4, _sample_interval, 0)) AS similarity_3,
  sum(if(double15 >= 0.4 AND double15 < 0.5, _sample_interval, 0)) AS similarity_4,
  sum(if(double15 >= 0.5 AND double15 < 0.6, _sample_interval, 0)) AS similarity_5,
  sum(if(double15 >= 0.6 AND double15 < 0.7, _sample_interval, 0)) AS similarity_6,
  sum(if(double15 >= 0.7 AND double15 < 0.8, _sample_interval, 0)) AS similarity_7,
  sum(if(double15 >= 0.8 AND double15 < 0.9, _sample_interval, 0)) AS similarity_8,
  sum(if(double15 >= 0.9 AND double15 < 1, _sample_interval, 0)) AS similarity_9,
  sum(if(double15 >= 1, _sample_interval, 0)) AS similarity_10,
  sum(if(double16 >= 0, _sample_interval, 0)) AS production_first_n,
  quantileExactWeighted(0.5)(double16, if(double16 >= 0, _sample_interval, 0)) AS production_first_p50_ms,
  quantileExactWeighted(0.95)(double16, if(double16 >= 0, _sample_interval, 0)) AS production_first_p95_ms,
  sum(if(double17 >= 0, _sample_interval, 0)) AS shadow_first_n,
  quantileExactWeighted(0.5)(double17, if(double17 >= 0, _sample_interval, 0)) AS shadow_first_p50_ms,
  quantileExactWeighted(0.95)(double17, if(double17 >= 0, _sample_interval, 0)) AS shadow_first_p95_ms,
  sum(if(double18 >= 0, _sample_interval, 0)) AS production_usage_n,
  sum(if(double18 >= 0, double18 * _sample_interval, 0)) AS production_usage_tokens,
  sum(if(double19 >= 0, _sample_interval, 0)) AS shadow_usage_n,
  sum(if(double19 >= 0, double19 * _sample_interval, 0)) AS shadow_usage_tokens,
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
