-- 三会一课 meetings. `secret` (hex) keys the rotating check-in code; only the org's
-- schedulers ever receive it.
CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    opens_before INTEGER NOT NULL DEFAULT 900,
    secret TEXT NOT NULL,
    cancelled_at INTEGER,
    cancel_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX meetings_org ON meetings(org_id, starts_at);

-- One line per member and meeting. `slot` is the proven check-in slot; a correction (补录)
-- carries who made it and why.
CREATE TABLE attendance (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    presence TEXT NOT NULL CHECK (presence IN ('on_time', 'late', 'leave', 'absent', 'corrected')),
    slot INTEGER,
    recorded_at INTEGER NOT NULL,
    corrected_by TEXT REFERENCES users(id),
    reason TEXT,
    PRIMARY KEY (meeting_id, user_id)
);
