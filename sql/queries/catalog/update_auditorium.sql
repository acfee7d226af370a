-- ?5: whether the seats changed (then cached layouts of the old version are dropped).
UPDATE auditoriums
SET name = ?2, classes = ?3, rows_json = ?4, layout_version = layout_version + ?5
WHERE id = ?1
