-- Shadow pairs with an error, by shadow origin and error kind of each arm
-- ('' = that arm was fine), plus requests that were not mirrored (skips).
-- Placeholders: {{service}}, {{days}}.
SELECT
  blob1 AS event,
  blob5 AS shadow,
  if(blob1 = 'shadow-pair', blob7, '') AS production_error,
  if(blob1 = 'shadow-pair', blob8, blob6) AS shadow_error_or_skip,
  sum(_sample_interval) AS count
FROM model_router_events
WHERE index1 = '{{service}}'
  AND ((blob1 = 'shadow-pair' AND (blob7 != '' OR blob8 != '')) OR blob1 = 'shadow-skip')
  AND timestamp > NOW() - INTERVAL '{{days}}' DAY
GROUP BY event, shadow, production_error, shadow_error_or_skip
ORDER BY count DESC
FORMAT JSON
