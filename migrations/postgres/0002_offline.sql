-- Every offline op the server has answered, with its answer: a replay gets the same answer
-- and changes nothing.
CREATE TABLE applied_ops (
    op_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    outcome TEXT,
    applied_at BIGINT NOT NULL
);

-- 意见建议: a member's note to their branch, the first write that works offline.
CREATE TABLE suggestions (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    written_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX suggestions_user ON suggestions(user_id, written_at);
CREATE INDEX suggestions_branch ON suggestions(branch_id, written_at);
