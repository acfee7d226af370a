-- Open refunds whose next attempt was handed to the queue long ago (longer
-- than its delay plus ?2) and never came back: the broker lost it, or was
-- swapped for the embedded queue. They are queued again; a message that
-- was only late finds its attempt already done and changes nothing.
INSERT INTO refund_outbox (refund_id, attempt, delay_ms, available_at, created_at)
SELECT r.id, r.attempts + 1, 0, ?1, ?1
FROM refunds r
WHERE r.status IN ('pending', 'retrying')
  AND NOT EXISTS (SELECT 1 FROM refund_outbox o
                  WHERE o.refund_id = r.id AND o.published_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM refund_outbox o
                  WHERE o.refund_id = r.id AND o.attempt = r.attempts + 1
                    AND o.published_at + o.delay_ms + ?2 > ?1)
