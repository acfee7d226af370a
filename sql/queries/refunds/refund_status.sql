SELECT status FROM refunds WHERE id = ?1
