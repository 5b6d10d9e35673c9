-- 民主评议 results may earn points under a branch's rule (source 'review'). SQLite changes a
-- CHECK only by rebuilding the table: the old one is renamed (its own reference follows it),
-- copied in order and dropped; foreign keys are checked once, at commit.
PRAGMA defer_foreign_keys = ON;
ALTER TABLE point_entries RENAME TO point_entries_before_review;
CREATE TABLE point_entries (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    points INTEGER NOT NULL,
    rule_id TEXT REFERENCES point_rules(id),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('meeting', 'claim', 'task', 'wish', 'review', 'correction')),
    source_id TEXT,
    reverses TEXT REFERENCES point_entries(id),
    reason TEXT,
    award_key TEXT UNIQUE,
    created_by TEXT REFERENCES users(id),
    created_at INTEGER NOT NULL
);
INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind, source_id, reverses, reason, award_key, created_by, created_at)
SELECT id, branch_id, user_id, points, rule_id, title, category, source_kind, source_id, reverses, reason, award_key, created_by, created_at
FROM point_entries_before_review ORDER BY rowid;
DROP TABLE point_entries_before_review;
CREATE INDEX point_entries_member ON point_entries(user_id, branch_id, created_at, points);
CREATE INDEX point_entries_branch ON point_entries(branch_id, created_at);
CREATE INDEX point_entries_rule ON point_entries(rule_id, user_id, created_at);
CREATE UNIQUE INDEX point_entries_reversal ON point_entries(reverses) WHERE reverses IS NOT NULL;
CREATE TRIGGER point_entries_no_update BEFORE UPDATE ON point_entries
BEGIN SELECT RAISE(ABORT, 'point_entries is append-only'); END;
CREATE TRIGGER point_entries_no_delete BEFORE DELETE ON point_entries
BEGIN SELECT RAISE(ABORT, 'point_entries is append-only'); END;
