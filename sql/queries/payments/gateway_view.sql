SELECT p.status, p.fraud_status, p.redirect_url, p.amount, p.currency, p.provider, p.created_at
FROM payments p
WHERE p.id = ?1
