-- 检查方式 (issue 32): a plan may set how its items are checked (NULL: as the item list
-- says); a visit fixes it per item when it starts (NULL: a visit begun before methods were
-- recorded, on site).
ALTER TABLE plan_items ADD COLUMN method TEXT
    CHECK (method IS NULL OR method IN ('on_site', 'documents', 'online', 'delegated'));
ALTER TABLE visit_items ADD COLUMN method TEXT
    CHECK (method IS NULL OR method IN ('on_site', 'documents', 'online', 'delegated'));
