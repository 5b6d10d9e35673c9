-- Ids are UUIDv7 text made by whoever creates the record; times are UTC unix seconds.

CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES orgs(id),
    kind TEXT NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'group')),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- 结对共建: a branch works with the communities it is paired with.
CREATE TABLE branch_communities (
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    community_id TEXT NOT NULL REFERENCES communities(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (branch_id, community_id)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    -- 'full' (正式) or 'probationary' (预备) for party members, NULL for residents.
    party_status TEXT CHECK (party_status IN ('full', 'probationary')),
    community_id TEXT REFERENCES communities(id),
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'secretary', 'group_leader', 'member')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, org_id, role)
);
CREATE INDEX memberships_org ON memberships(org_id, role);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a leaked table cannot be replayed as cookies.
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    uses INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invites_branch ON invites(branch_id);

-- Failed logins and registrations, counted per key (phone or client address) to rate-limit.
CREATE TABLE auth_attempts (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX auth_attempts_key ON auth_attempts(key, at);

-- Append-only record of privileged actions.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    actor_id TEXT REFERENCES users(id),
    action TEXT NOT NULL,
    org_id TEXT,
    target TEXT,
    detail TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
