-- Ask the gateway about this payment at ?2: opening it failed or timed out
-- (it may exist there all the same and must end), or an admin's decision
-- should be recorded as the gateway confirms it.
UPDATE payments SET check_due_at = ?2, check_seq = check_seq + 1 WHERE id = ?1
