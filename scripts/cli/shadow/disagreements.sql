-- The most recent disagreements and errors of a service (sampled rows).
-- Placeholders: {{service}}, {{days}}, {{limit}}.
SELECT
  timestamp,
  blob3 AS production,
  blob5 AS shadow,
  blob6 AS agreement,
  blob7 AS production_error,
  blob8 AS shadow_error,
  blob9 AS production_label,
  blob10 AS shadow_label,
  blob11 AS input_id,
  double1 AS version,
  double2 AS bucket,
  double5 AS scored,
  double6 AS delta,
  double8 AS production_score,
  double9 AS shadow_score,
  double10 AS production_ms,
  double11 AS shadow_ms,
  double12 AS production_status,
  double13 AS shadow_status
FROM model_router_events
WHERE index1 = '{{service}}'
  AND blob1 = 'shadow-pair'
  AND (blob6 = 'disagree' OR blob7 != '' OR blob8 != '')
  AND timestamp > NOW() - INTERVAL '{{days}}' DAY
ORDER BY timestamp DESC
LIMIT {{limit}}
FORMAT JSON
