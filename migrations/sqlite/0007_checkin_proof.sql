-- A check-in proves presence only when its slot, the phone's corrected scan time and the
-- server's receipt time agree (meetings::checkin::judge_arrival). `recorded_at` is the
-- receipt; `arrival` says how it came ('offline': 离线签到, scanned in time with no signal
-- and synced later); `scanned_at` is the phone's corrected time of the scan (information).
ALTER TABLE attendance ADD COLUMN arrival TEXT CHECK (arrival IN ('online', 'offline'));
ALTER TABLE attendance ADD COLUMN scanned_at INTEGER;

-- Check-ins the server refused, by reason: the sheet shows them beside the member (the
-- secretary may turn one into 补录 with a reason), and wrong codes slow down guessing.
CREATE TABLE checkin_refusals (
    op_id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL CHECK (reason IN ('malformed', 'outside_window', 'wrong_code',
                                           'future_code', 'expired', 'synced_too_late')),
    slot INTEGER NOT NULL,
    scanned_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX checkin_refusals_user ON checkin_refusals(user_id, reason, received_at);
CREATE INDEX checkin_refusals_meeting ON checkin_refusals(meeting_id, user_id, received_at);
