-- Upward review of meeting records: the 党委 above marks a record 已审阅 or returns it with a
-- comment. Append-only; the latest verdict counts, and minutes saved after a return show
-- the record as revised, waiting for another look.
ALTER TABLE meetings ADD COLUMN minutes_saved_at INTEGER;

CREATE TABLE minutes_reviews (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    verdict TEXT NOT NULL CHECK (verdict IN ('reviewed', 'returned')),
    comment TEXT NOT NULL,
    reviewed_by TEXT NOT NULL REFERENCES users(id),
    reviewed_at INTEGER NOT NULL
);
CREATE INDEX minutes_reviews_meeting ON minutes_reviews(meeting_id, reviewed_at);

CREATE TRIGGER minutes_reviews_no_update BEFORE UPDATE ON minutes_reviews
BEGIN SELECT RAISE(ABORT, 'minutes_reviews is append-only'); END;
CREATE TRIGGER minutes_reviews_no_delete BEFORE DELETE ON minutes_reviews
BEGIN SELECT RAISE(ABORT, 'minutes_reviews is append-only'); END;
