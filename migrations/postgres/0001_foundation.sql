-- PostgreSQL's schema: the same versions as migrations/sqlite, in its dialect (BIGINT for
-- every integer, BOOLEAN for flags, PL/pgSQL triggers).
-- Ids are UUIDv7 text made by whoever creates the record; times are UTC unix seconds.

CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES orgs(id),
    kind TEXT NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'group')),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- 结对共建: a branch works with the communities it is paired with.
CREATE TABLE branch_communities (
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    community_id TEXT NOT NULL REFERENCES communities(id),
    created_at BIGINT NOT NULL,
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
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'secretary', 'group_leader', 'member')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, org_id, role)
);
CREATE INDEX memberships_org ON memberships(org_id, role);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a leaked table cannot be replayed as cookies.
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    uses BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX invites_branch ON invites(branch_id);

-- Failed logins and registrations, counted per key (phone or client address) to rate-limit.
CREATE TABLE auth_attempts (
    -- SQLite's implicit rowid, named alike so one query serves both engines.
    rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL,
    at BIGINT NOT NULL
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
    at BIGINT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, at);
-- Append-only tables refuse UPDATE, DELETE and TRUNCATE, whoever asks.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
