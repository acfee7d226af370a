-- The one decision of an offer, when it is the refund (the customer's or the
-- clock's): only while nothing was decided.
UPDATE offers SET decision = 'refund', decided_by = ?2, decided_at = ?3
WHERE booking_id = ?1 AND decision IS NULL
RETURNING refund_id
