-- What waits or went wrong, for /metrics: (family, status, count).
SELECT 'refunds', status, count(*) FROM refunds GROUP BY status
UNION ALL
SELECT 'notifications', status, count(*) FROM notifications GROUP BY status
UNION ALL
SELECT 'refund_outbox', 'unpublished', count(*) FROM refund_outbox WHERE published_at IS NULL
