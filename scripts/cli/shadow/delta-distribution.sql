-- |Δscore| of scored shadow pairs, rounded to 3 decimals, for the report's
-- distribution bins. Placeholders: {{service}}, {{days}}.
SELECT
  blob5 AS shadow,
  round(double7, 3) AS abs_delta,
  sum(_sample_interval) AS count
FROM model_router_events
WHERE index1 = '{{service}}'
  AND blob1 = 'shadow-pair'
  AND double5 = 1
  AND timestamp > NOW() - INTERVAL '{{days}}' DAY
GROUP BY shadow, abs_delta
ORDER BY shadow, abs_delta
FORMAT JSON
