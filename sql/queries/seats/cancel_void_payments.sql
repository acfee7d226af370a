-- A payment still open at a gateway (Midtrans) is asked about at once, so its
-- transaction is expired there and nobody pays for a cancelled showtime.
UPDATE payments
SET status = 'voided', completed_at = ?2,
    check_due_at = CASE WHEN provider = 'midtrans' THEN ?2 ELSE check_due_at END,
    check_seq = check_seq + 1
WHERE status = 'pending'
  AND booking_id IN (SELECT id FROM bookings
                     WHERE showtime_id = ?1 AND status IN ('held', 'awaiting_payment'))
