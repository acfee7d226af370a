-- The accounts the admins manage: staff and admins (customers register themselves).
SELECT id, email, name, phone, role, disabled, created_at FROM users
WHERE role IN ('staff', 'admin') OR id = ?1
ORDER BY role, email
