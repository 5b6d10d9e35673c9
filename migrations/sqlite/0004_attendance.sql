-- Who a meeting expects: its org's members, or (audience 'committee') the branch committee.
ALTER TABLE meetings ADD COLUMN audience TEXT NOT NULL DEFAULT 'members'
    CHECK (audience IN ('members', 'committee'));
ALTER TABLE meetings ADD COLUMN agenda TEXT NOT NULL DEFAULT '';
ALTER TABLE meetings ADD COLUMN minutes TEXT NOT NULL DEFAULT '';
-- Set when 应到 was frozen (the meeting started); the list is in meeting_expected.
ALTER TABLE meetings ADD COLUMN frozen_at INTEGER;

-- 应到, frozen when the meeting starts: later joins and removals do not change the sheet.
-- `voting` is 正式党员 at that moment.
CREATE TABLE meeting_expected (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    voting INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- 请假: asked by the member before the meeting, decided by whoever may schedule it.
CREATE TABLE leave_requests (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('sick', 'personal', 'official')),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    requested_at INTEGER NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_at INTEGER,
    decision_note TEXT,
    PRIMARY KEY (meeting_id, user_id)
);

-- Photos and scanned sign-in sheets of a meeting; the re-encoded JPEG lives in the
-- uploads directory under its id.
CREATE TABLE meeting_files (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'sheet')),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX meeting_files_meeting ON meeting_files(meeting_id, created_at);

-- Wrong check-in codes are counted per member over the last minutes (guessing is slowed).
CREATE INDEX applied_ops_user ON applied_ops(user_id, kind, applied_at);
