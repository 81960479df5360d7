-- Per-arm request metrics of one service, per minute, from Workers Analytics
-- Engine (dataset model_router_events; layout in
-- src/adapters/analytics/request-events.ts): requests, first-attempt errors
-- (an error kind was recorded: 5xx, timeout, connection), failovers, and
-- origin latency percentiles. The fleet-wide twin of the control object's
-- exact per-arm series (GET /_router/admin/services/<s>/series). AE samples
-- rows, so every count is a sum of _sample_interval and every percentile is
-- weighted by it. After a failover a request counts as live's (role "live",
-- reason "failover"); `origin` is the arm that answered.
-- Placeholders: {{service}} (validated name), {{minutes}} (integer).
-- Run it against the SQL API (token permission Account Analytics: Read):
--   sed -e 's/{{service}}/fraud/' -e 's/{{minutes}}/60/' scripts/cli/analytics/requests-by-arm.sql |
--   curl -s "https://api.cloudflare.com/client/v4/accounts/$ACCOUNT_ID/analytics_engine/sql" \
--     -H "Authorization: Bearer $CLOUDFLARE_API_TOKEN" --data-binary @-
SELECT
  toStartOfInterval(timestamp, INTERVAL '1' MINUTE) AS minute,
  blob3 AS origin,
  blob4 AS role,
  sum(_sample_interval) AS requests,
  sum(if(blob7 != '', _sample_interval, 0)) AS errors,
  sum(if(double4 = 1, _sample_interval, 0)) AS failovers,
  quantileExactWeighted(0.5)(double3, _sample_interval) AS origin_p50_ms,
  quantileExactWeighted(0.95)(double3, _sample_interval) AS origin_p95_ms,
  quantileExactWeighted(0.99)(double3, _sample_interval) AS origin_p99_ms,
  max(double6) AS version
FROM model_router_events
WHERE index1 = '{{service}}'
  AND blob1 = 'request'
  AND timestamp > NOW() - INTERVAL '{{minutes}}' MINUTE
GROUP BY minute, origin, role
ORDER BY minute, origin, role
FORMAT JSON
