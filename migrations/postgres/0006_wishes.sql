-- 微心愿. A wish belongs to a community and is reviewed by a paired branch. Its target is a
-- quantity (1 for an ordinary wish); pledges (认领) cover parts of it. The poster's contact is
-- kept on the wish and answered only to active claimers, reviewers and the poster.
CREATE TABLE wishes (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    -- Who follows it and confirms: the resident, or the worker who posted on their behalf.
    poster_id TEXT NOT NULL REFERENCES users(id),
    -- The resident's name when a worker posted for them.
    on_behalf_of TEXT,
    title TEXT NOT NULL,
    story TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('living', 'elderly', 'study', 'medical', 'job', 'other')),
    -- The last day (Shanghai) it is needed, as the UTC second that day ends.
    needed_by BIGINT NOT NULL,
    target BIGINT NOT NULL CHECK (target >= 1),
    -- The target first asked for, when its needed-by day closed a part nobody pledged.
    target_asked BIGINT,
    -- The unit of a crowdfunded target (套, 本, …); NULL for an ordinary wish.
    unit TEXT,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_address TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'rejected', 'claimed', 'fulfilled', 'confirmed', 'withdrawn', 'expired')),
    reject_reason TEXT,
    -- The paired branch whose secretary reviewed it; its settings apply to the wish.
    branch_id TEXT REFERENCES orgs(id),
    reviewed_by TEXT REFERENCES users(id),
    reviewed_at BIGINT,
    published_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX wishes_wall ON wishes(community_id, status, created_at);
CREATE INDEX wishes_poster ON wishes(poster_id, created_at);
CREATE INDEX wishes_needed_by ON wishes(status, needed_by);

CREATE TABLE wish_pledges (
    id TEXT PRIMARY KEY,
    wish_id TEXT NOT NULL REFERENCES wishes(id),
    -- The member who pledged, or for a unit pledge the secretary acting for the branch.
    user_id TEXT NOT NULL REFERENCES users(id),
    -- Set when a paired branch pledged as a unit.
    branch_id TEXT REFERENCES orgs(id),
    quantity BIGINT NOT NULL CHECK (quantity >= 1),
    status TEXT NOT NULL CHECK (status IN ('active', 'done', 'confirmed', 'released')),
    proof_note TEXT,
    done_at BIGINT,
    confirmed_at BIGINT,
    -- 'poster' or 'auto' (the branch's period passed).
    confirmed_how TEXT,
    thanks TEXT,
    released_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX wish_pledges_wish ON wish_pledges(wish_id, status);
CREATE INDEX wish_pledges_user ON wish_pledges(user_id, status);
CREATE INDEX wish_pledges_done ON wish_pledges(status, done_at);

-- Photos of a wish (pledge_id NULL) or of a pledge's proof.
CREATE TABLE wish_photos (
    id TEXT PRIMARY KEY,
    wish_id TEXT NOT NULL REFERENCES wishes(id),
    pledge_id TEXT REFERENCES wish_pledges(id),
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX wish_photos_wish ON wish_photos(wish_id, pledge_id);

-- Days after a fulfilment that it counts as confirmed when the resident has not answered.
ALTER TABLE branch_settings ADD COLUMN wish_confirm_days BIGINT NOT NULL DEFAULT 7;
