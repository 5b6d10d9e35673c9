-- What a branch decides for its members: whether rankings show at all (DESIGN: rankings
-- are never a public bottom list, and a branch can turn them off).
CREATE TABLE branch_settings (
    branch_id TEXT PRIMARY KEY REFERENCES orgs(id),
    ranking_enabled BOOLEAN NOT NULL DEFAULT TRUE
);

-- 积分规则, a branch's catalogue. Ledger entries copy what they show, so editing a rule
-- never changes points already awarded.
CREATE TABLE point_rules (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    points BIGINT NOT NULL,
    category TEXT NOT NULL,
    cap_period TEXT CHECK (cap_period IN ('month', 'year')),
    cap_points BIGINT,
    -- What awards it by itself (attend:<kind>, late, absent, wish); NULL: members claim it.
    auto_source TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX point_rules_branch ON point_rules(branch_id);

-- The ledger. Append-only: a correction is a new entry reversing another, with a reason.
CREATE TABLE point_entries (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    points BIGINT NOT NULL,
    rule_id TEXT REFERENCES point_rules(id),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('meeting', 'claim', 'task', 'wish', 'correction')),
    source_id TEXT,
    reverses TEXT REFERENCES point_entries(id),
    reason TEXT,
    -- One automatic award per source, however often the source is replayed.
    award_key TEXT UNIQUE,
    created_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
-- A member's statement and every board sum a member's entries in a branch, by time; the
-- points are in the index so the sums never touch the table.
CREATE INDEX point_entries_member ON point_entries(user_id, branch_id, created_at, points);
CREATE INDEX point_entries_branch ON point_entries(branch_id, created_at);
CREATE INDEX point_entries_rule ON point_entries(rule_id, user_id, created_at);
CREATE UNIQUE INDEX point_entries_reversal ON point_entries(reverses) WHERE reverses IS NOT NULL;
CREATE TRIGGER point_entries_append_only BEFORE UPDATE OR DELETE ON point_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER point_entries_no_truncate BEFORE TRUNCATE ON point_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A member's claim under a claimed rule, waiting for the secretary.
CREATE TABLE point_claims (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    rule_id TEXT NOT NULL REFERENCES point_rules(id),
    note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    awarded BIGINT,
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    decision_reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX point_claims_queue ON point_claims(branch_id, status, created_at);
CREATE INDEX point_claims_member ON point_claims(user_id, created_at);

-- 积分任务 published by a secretary; members sign up, then hand in their completion.
CREATE TABLE point_tasks (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    points BIGINT NOT NULL,
    places BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX point_tasks_branch ON point_tasks(branch_id, deadline);

CREATE TABLE task_entries (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES point_tasks(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('signed', 'submitted', 'approved', 'rejected')),
    note TEXT,
    signed_at BIGINT NOT NULL,
    submitted_at BIGINT,
    awarded BIGINT,
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    decision_reason TEXT,
    UNIQUE (task_id, user_id)
);
CREATE INDEX task_entries_status ON task_entries(status, submitted_at);

-- Evidence photos of claims and task completions (files in the uploads directory).
CREATE TABLE point_photos (
    id TEXT PRIMARY KEY,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('claim', 'task')),
    owner_id TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX point_photos_owner ON point_photos(owner_kind, owner_id);

-- When a finished meeting's attendance points were given out (a timer does it once).
ALTER TABLE meetings ADD COLUMN points_at BIGINT;
