-- Photos a branch's committee keeps as evidence for its 自评, per year and item; the
-- re-encoded JPEG is stored under its id with the other photos.
CREATE TABLE star_photos (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    -- A basic item (stars::rules::Basic) or 'feature' for the feature items.
    item TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX star_photos_branch ON star_photos(branch_id, year, item, created_at);
