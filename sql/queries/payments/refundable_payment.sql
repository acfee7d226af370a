SELECT status, amount FROM payments WHERE id = ?1
