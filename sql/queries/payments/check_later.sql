-- Ask again at ?3 (counting this check), unless a notification asked for a
-- new check meanwhile (?2: the check_seq the check was made for).
UPDATE payments
SET check_due_at = ?3,
    check_attempts = check_attempts + 1,
    gateway_status = coalesce(?4, gateway_status),
    fraud_status = coalesce(?5, fraud_status)
WHERE id = ?1 AND check_seq = ?2
