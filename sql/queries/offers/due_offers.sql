-- Offers nobody decided by their deadline: the refund goes ahead.
SELECT booking_id FROM offers
WHERE decision IS NULL AND decide_by <= ?1
ORDER BY decide_by
LIMIT ?2
