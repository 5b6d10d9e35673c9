-- 民主评议 results may earn points under a branch's rule (source 'review').
ALTER TABLE point_entries DROP CONSTRAINT point_entries_source_kind_check;
ALTER TABLE point_entries ADD CONSTRAINT point_entries_source_kind_check
    CHECK (source_kind IN ('meeting', 'claim', 'task', 'wish', 'review', 'correction'));
