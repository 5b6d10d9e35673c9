-- 民主评议党员: once a year per branch. Who takes part is frozen when it opens (正式 members
-- mark, 预备 members only write about themselves); each mark is kept with its voter for
-- uniqueness and never shown with it; the committee decides each member's result.
CREATE TABLE member_reviews (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    -- The most 优秀 results the committee may give, as a share of the participants.
    excellent_cap_percent BIGINT NOT NULL,
    opened_by TEXT NOT NULL REFERENCES users(id),
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (branch_id, year)
);

CREATE TABLE review_participants (
    review_id TEXT NOT NULL REFERENCES member_reviews(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    voting BOOLEAN NOT NULL,
    self_text TEXT,
    self_written_at BIGINT,
    -- The committee's decision: 'excellent', 'qualified', 'basic' or 'unqualified'.
    result TEXT CHECK (result IN ('excellent', 'qualified', 'basic', 'unqualified')),
    result_reason TEXT,
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    PRIMARY KEY (review_id, user_id)
);
CREATE INDEX review_participants_user ON review_participants(user_id);

CREATE TABLE review_marks (
    review_id TEXT NOT NULL REFERENCES member_reviews(id),
    voter_id TEXT NOT NULL REFERENCES users(id),
    subject_id TEXT NOT NULL REFERENCES users(id),
    grade TEXT NOT NULL CHECK (grade IN ('excellent', 'qualified', 'basic', 'unqualified')),
    marked_at BIGINT NOT NULL,
    PRIMARY KEY (review_id, voter_id, subject_id)
);
CREATE INDEX review_marks_subject ON review_marks(review_id, subject_id);
