-- 星级支部 (赤峰). A 党委 keeps a template per field (农村、社区、机关…); saving it adds a
-- version, so an assessment always reads the items it was marked against.
CREATE TABLE star_templates (
    id TEXT PRIMARY KEY,
    committee_id TEXT NOT NULL REFERENCES orgs(id),
    field TEXT NOT NULL,
    -- The five basic items' checks and the feature items (stars::rules::Template, JSON).
    body TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX star_templates_committee ON star_templates(committee_id, field, created_at);

-- A branch's self-assessment (自评, by its committee) or the 党委's rating (评定) of one
-- year. Append-only: the latest of each kind counts, the earlier ones are its history.
-- Stars and the blocking basic item are computed from the marks by the server.
CREATE TABLE star_assessments (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('self', 'rating')),
    template_id TEXT NOT NULL REFERENCES star_templates(id),
    -- stars::rules::Marks, JSON.
    marks TEXT NOT NULL,
    comment TEXT NOT NULL,
    stars BIGINT NOT NULL,
    blocked_by TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX star_assessments_branch ON star_assessments(branch_id, year, kind, created_at);

CREATE TRIGGER star_assessments_append_only BEFORE UPDATE OR DELETE ON star_assessments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER star_assessments_no_truncate BEFORE TRUNCATE ON star_assessments
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER star_templates_append_only BEFORE UPDATE OR DELETE ON star_templates
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER star_templates_no_truncate BEFORE TRUNCATE ON star_templates
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
