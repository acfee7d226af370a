-- The gateway opened the payment: where the payer goes, and when to ask
-- about it if no notification comes first.
UPDATE payments SET redirect_url = ?2, check_due_at = ?3 WHERE id = ?1
