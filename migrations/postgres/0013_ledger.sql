-- 包联: the 党委 cadre who follows a branch (one per branch; assigning again replaces).
CREATE TABLE branch_cadres (
    branch_id TEXT PRIMARY KEY REFERENCES orgs(id),
    cadre_id TEXT NOT NULL REFERENCES users(id),
    assigned_by TEXT NOT NULL REFERENCES users(id),
    assigned_at BIGINT NOT NULL
);

-- 台账: a branch's unmet items, each with who follows it up and by when.
CREATE TABLE ledger_items (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    -- The basic item it belongs to (stars::rules::Basic), if any.
    basic TEXT,
    item TEXT NOT NULL,
    follow_up_by TEXT NOT NULL REFERENCES users(id),
    -- The last day (Shanghai), as the UTC second it ends.
    due_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    done_note TEXT
);
CREATE INDEX ledger_items_branch ON ledger_items(branch_id, year, done_at);
