-- Every stored photo, by uploader: the daily quota counts here (uploads::store).
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    bytes BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX uploads_user ON uploads(user_id, created_at);

-- The phone's own time of each op, corrected by its measured clock offset: kept as
-- information beside `applied_at`, the server's receipt, which is what decides rights.
ALTER TABLE applied_ops ADD COLUMN made_at BIGINT;

-- 补记: a meeting scheduled only after it was over, with the secretary's reason. It counts
-- toward the calendar, and the calendar and the CSV say so.
ALTER TABLE meetings ADD COLUMN recorded_reason TEXT;

-- The timer forgets failed logins by age; the site counts new accounts per hour.
CREATE INDEX auth_attempts_at ON auth_attempts(at);
CREATE INDEX users_created ON users(created_at);
