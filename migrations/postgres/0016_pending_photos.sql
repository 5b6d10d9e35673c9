-- Photos of applied ops not yet in storage: kept here in the op's own transaction, so a
-- record never lacks its picture, and moved to storage after the commit, outside the write
-- lock (S3 can be slow); whatever a crash or an outage leaves here, the timer moves later.
CREATE TABLE pending_photos (
    id TEXT PRIMARY KEY,
    jpeg BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
