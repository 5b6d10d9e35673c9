//! SQL on the points tables: the ledger `point_entries` (append-only: a correction is a new
//! entry reversing another), the catalogue of rules, claims, tasks and their hand-ins,
//! photos and the branch's settings. Where no other capability offers what points needs
//! from its tables, the query reading them is here and its doc says whose tables it reads.

use super::rules::{AutoSource, CapPeriod, Category, RuleInput, RuleSpec};
use super::RuleView;
use crate::db::{query, query_as, query_scalar, Conn, Exec};

#[derive(sqlx::FromRow, Clone)]
pub struct RuleRow {
    pub id: String,
    pub branch_id: String,
    pub name: String,
    pub points: i64,
    pub category: String,
    pub cap_period: Option<String>,
    pub cap_points: Option<i64>,
    pub auto_source: Option<String>,
    pub active: bool,
}

impl RuleRow {
    pub fn cap(&self) -> Option<(CapPeriod, i64)> {
        Some((
            CapPeriod::parse(self.cap_period.as_deref()?)?,
            self.cap_points?,
        ))
    }

    pub fn view(&self) -> Option<RuleView> {
        Some(RuleView {
            active: self.active,
            id: self.id.clone(),
            name: self.name.clone(),
            points: self.points,
            category: Category::parse(&self.category)?,
            cap: self.cap(),
            auto: self.auto_source.as_deref().and_then(AutoSource::parse),
        })
    }
}

const RULE_COLUMNS: &str =
    "id, branch_id, name, points, category, cap_period, cap_points, auto_source, active";

/// A ledger entry as a member's statement and the branch's list show it.
#[derive(sqlx::FromRow)]
pub struct EntryRow {
    pub id: String,
    pub points: i64,
    pub title: String,
    pub category: String,
    pub source_kind: String,
    pub reason: Option<String>,
    /// A later entry reversed this one.
    pub reversed: bool,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
pub struct BranchEntryRow {
    pub member: String,
    #[sqlx(flatten)]
    pub entry: EntryRow,
}

#[derive(sqlx::FromRow)]
pub struct RequestRow {
    pub title: String,
    pub status: String,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
pub struct TaskRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub points: i64,
    pub places: i64,
    pub taken: i64,
    pub deadline: i64,
    pub my_status: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct QueueRow {
    /// `claim` or `task`.
    pub kind: String,
    pub id: String,
    pub member: String,
    pub title: String,
    pub points: i64,
    pub note: String,
    pub submitted_at: i64,
}

#[derive(sqlx::FromRow)]
pub struct LedgerLine {
    pub created_at: i64,
    pub name: String,
    pub title: String,
    pub category: String,
    pub points: i64,
    pub source_kind: String,
    pub reason: Option<String>,
}

/// The branch (id, name) the user is a member of. Reads the orgs capability's
/// `memberships` and `orgs`.
pub async fn branch_of_member<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    query_as(
        "SELECT o.id, o.name FROM memberships m JOIN orgs o ON o.id = m.org_id
         WHERE m.user_id = ? AND m.role = 'member' AND o.kind = 'branch' LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(exec)
    .await
}

/// Claims and task hand-ins of the branch waiting, those of `approver` left out.
pub async fn waiting<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    approver: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT (SELECT COUNT(*) FROM point_claims WHERE branch_id = ?1 AND status = 'pending' AND user_id <> ?2)
              + (SELECT COUNT(*) FROM task_entries e JOIN point_tasks t ON t.id = e.task_id
                 WHERE t.branch_id = ?1 AND e.status = 'submitted' AND e.user_id <> ?2)",
    )
    .bind(branch_id)
    .bind(approver)
    .fetch_one(exec)
    .await
}

/// The sum of the branch's entries in `[from, to)`.
pub async fn branch_points_between<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    from: i64,
    to: i64,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries
         WHERE branch_id = ? AND created_at >= ? AND created_at < ?",
    )
    .bind(branch_id)
    .bind(from)
    .bind(to)
    .fetch_one(exec)
    .await
}

/// The sum of the member's entries in the branch since `since`.
pub async fn member_points_since<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    branch_id: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries
         WHERE user_id = ? AND branch_id = ? AND created_at >= ?",
    )
    .bind(user_id)
    .bind(branch_id)
    .bind(since)
    .fetch_one(exec)
    .await
}

/// Tasks (id, title) of the branch the member signed up for and has not handed in, whose
/// deadline is after `at`, the nearest first.
pub async fn tasks_to_hand_in<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    branch_id: &str,
    at: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as(
        "SELECT t.id, t.title FROM task_entries e JOIN point_tasks t ON t.id = e.task_id
         WHERE e.user_id = ? AND t.branch_id = ? AND e.status = 'signed' AND t.deadline > ?
         ORDER BY t.deadline",
    )
    .bind(user_id)
    .bind(branch_id)
    .bind(at)
    .fetch_all(exec)
    .await
}

/// Claims and hand-ins refused since `since`: (title, note, reason, when), newest first.
pub async fn refused_since<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    branch_id: &str,
    since: i64,
) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    query_as(
        "SELECT r.name, c.note, COALESCE(c.decision_reason, ''), COALESCE(c.decided_at, c.created_at)
         FROM point_claims c JOIN point_rules r ON r.id = c.rule_id
         WHERE c.user_id = ?1 AND c.branch_id = ?3 AND c.status = 'rejected' AND COALESCE(c.decided_at, c.created_at) >= ?2
         UNION ALL
         SELECT t.title, COALESCE(e.note, ''), COALESCE(e.decision_reason, ''), COALESCE(e.decided_at, e.submitted_at, 0)
         FROM task_entries e JOIN point_tasks t ON t.id = e.task_id
         WHERE e.user_id = ?1 AND t.branch_id = ?3 AND e.status = 'rejected' AND COALESCE(e.decided_at, e.submitted_at, 0) >= ?2
         ORDER BY 4 DESC LIMIT 10",
    )
    .bind(user_id)
    .bind(since)
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// The automatic source of each of the branch's rules (`None` for claimed ones).
pub async fn rule_sources<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<Option<String>>, sqlx::Error> {
    query_scalar("SELECT auto_source FROM point_rules WHERE branch_id = ?")
        .bind(branch_id)
        .fetch_all(exec)
        .await
}

/// A rule of the default catalogue, automatic source included.
pub async fn add_catalogue_rule(
    conn: &mut Conn,
    id: &str,
    branch_id: &str,
    rule: &RuleSpec,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO point_rules (id, branch_id, name, points, category, cap_period, cap_points, auto_source, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(branch_id)
    .bind(&rule.name)
    .bind(rule.points)
    .bind(rule.category.as_str())
    .bind(rule.cap.map(|(p, _)| p.as_str()))
    .bind(rule.cap.map(|(_, n)| n))
    .bind(rule.auto.map(AutoSource::key))
    .bind(rule.active)
    .bind(at)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A claimed rule the secretary added.
pub async fn add_rule(
    conn: &mut Conn,
    id: &str,
    branch_id: &str,
    name: &str,
    rule: &RuleInput,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO point_rules (id, branch_id, name, points, category, cap_period, cap_points, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(branch_id)
    .bind(name)
    .bind(rule.points)
    .bind(rule.category.as_str())
    .bind(rule.cap.map(|(p, _)| p.as_str()))
    .bind(rule.cap.map(|(_, n)| n))
    .bind(rule.active)
    .bind(at)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes the branch's rule `id`, its automatic source kept. Returns the rows changed (0:
/// no such rule in the branch).
pub async fn update_rule(
    conn: &mut Conn,
    id: &str,
    branch_id: &str,
    name: &str,
    rule: &RuleInput,
    at: i64,
) -> Result<u64, sqlx::Error> {
    Ok(query(
        "UPDATE point_rules SET name = ?, points = ?, category = ?, cap_period = ?, cap_points = ?, active = ?, updated_at = ?
         WHERE id = ? AND branch_id = ?",
    )
    .bind(name)
    .bind(rule.points)
    .bind(rule.category.as_str())
    .bind(rule.cap.map(|(p, _)| p.as_str()))
    .bind(rule.cap.map(|(_, n)| n))
    .bind(rule.active)
    .bind(at)
    .bind(id)
    .bind(branch_id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Any rule, active or not (a claim made under it waits for a decision).
pub async fn rule_by_id<'e>(exec: impl Into<Exec<'e>>, id: &str) -> Result<RuleRow, sqlx::Error> {
    query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM point_rules WHERE id = ?"
    ))
    .bind(id)
    .fetch_one(exec)
    .await
}

pub async fn active_rule<'e>(
    exec: impl Into<Exec<'e>>,
    id: &str,
) -> Result<Option<RuleRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM point_rules WHERE id = ? AND active = TRUE"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// The branch's active automatic rules, newest first.
pub async fn active_auto_rules<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<RuleRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM point_rules
         WHERE branch_id = ? AND auto_source IS NOT NULL AND active = TRUE
         ORDER BY updated_at DESC"
    ))
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// The branch's active rules members claim, by category and name.
pub async fn claimable_rules<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<RuleRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM point_rules WHERE branch_id = ? AND active = TRUE AND auto_source IS NULL ORDER BY category, name"
    ))
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// Every rule of the branch, the automatic ones first.
pub async fn branch_rules<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<RuleRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM point_rules WHERE branch_id = ? ORDER BY auto_source IS NULL, category, name"
    ))
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// What the member was given under the rule in `[from, to)`, corrections included.
pub async fn points_under_rule<'e>(
    exec: impl Into<Exec<'e>>,
    rule_id: &str,
    user_id: &str,
    from: i64,
    to: i64,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries
         WHERE rule_id = ? AND user_id = ? AND created_at >= ? AND created_at < ?",
    )
    .bind(rule_id)
    .bind(user_id)
    .bind(from)
    .bind(to)
    .fetch_one(exec)
    .await
}

/// One ledger entry to write.
pub struct NewEntry<'a> {
    pub id: &'a str,
    pub branch_id: &'a str,
    pub user_id: &'a str,
    pub points: i64,
    pub rule_id: Option<&'a str>,
    pub title: &'a str,
    pub category: &'a str,
    pub source_kind: &'a str,
    pub source_id: Option<&'a str>,
    pub award_key: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub at: i64,
}

/// Whether the entry was written: not when its `award_key` was written before.
pub async fn add_entry(conn: &mut Conn, entry: &NewEntry<'_>) -> Result<bool, sqlx::Error> {
    let written = query(
        "INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind, source_id, award_key, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (award_key) DO NOTHING",
    )
    .bind(entry.id)
    .bind(entry.branch_id)
    .bind(entry.user_id)
    .bind(entry.points)
    .bind(entry.rule_id)
    .bind(entry.title)
    .bind(entry.category)
    .bind(entry.source_kind)
    .bind(entry.source_id)
    .bind(entry.award_key)
    .bind(entry.created_by)
    .bind(entry.at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(written == 1)
}

/// Writes entry `id`, the negation of `entry_id`, as its correction. Whether it was
/// written: not when `entry_id` is itself a correction, or was reversed before (the unique
/// index on `reverses`).
pub async fn add_reversal(
    conn: &mut Conn,
    id: &str,
    entry_id: &str,
    reason: &str,
    by: Option<&str>,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let written = query(
        "INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind, source_id, reverses, reason, created_by, created_at)
         SELECT ?, branch_id, user_id, -points, rule_id, title, category, 'correction', source_id, id, ?, ?, ?
         FROM point_entries WHERE id = ? AND reverses IS NULL
         ON CONFLICT (reverses) WHERE reverses IS NOT NULL DO NOTHING",
    )
    .bind(id)
    .bind(reason)
    .bind(by)
    .bind(at)
    .bind(entry_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(written == 1)
}

pub async fn entry_by_award_key<'e>(
    exec: impl Into<Exec<'e>>,
    award_key: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT id FROM point_entries WHERE award_key = ?")
        .bind(award_key)
        .fetch_optional(exec)
        .await
}

/// The entry's branch and member.
pub async fn entry_owner<'e>(
    exec: impl Into<Exec<'e>>,
    entry_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    query_as("SELECT branch_id, user_id FROM point_entries WHERE id = ?")
        .bind(entry_id)
        .fetch_optional(exec)
        .await
}

/// The meeting's organisation (id, kind, parent) and the meeting's kind. Reads the meetings
/// capability's `meetings` and the orgs capability's `orgs`.
pub async fn meeting_org<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<(String, String, Option<String>, String), sqlx::Error> {
    query_as(
        "SELECT m.org_id, o.kind, o.parent_id, m.kind FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?",
    )
    .bind(meeting_id)
    .fetch_one(exec)
    .await
}

/// The meeting's expected members (or only `only`), each with their attendance presence
/// and leave status as recorded. Reads the meetings capability's `meeting_expected`,
/// `attendance` and `leave_requests`.
pub async fn meeting_lines<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
    only: Option<&str>,
) -> Result<Vec<(String, Option<String>, Option<String>)>, sqlx::Error> {
    query_as(
        "SELECT e.user_id, a.presence, l.status FROM meeting_expected e
         LEFT JOIN attendance a ON a.meeting_id = e.meeting_id AND a.user_id = e.user_id
         LEFT JOIN leave_requests l ON l.meeting_id = e.meeting_id AND l.user_id = e.user_id
         WHERE e.meeting_id = ?1 AND (?2 IS NULL OR e.user_id = ?2)",
    )
    .bind(meeting_id)
    .bind(only)
    .fetch_all(exec)
    .await
}

/// Meetings ended by `at`, not cancelled, whose points were not given yet: (id, recorded
/// afterwards). Reads the meetings capability's `meetings`.
pub async fn meetings_due_for_points<'e>(
    exec: impl Into<Exec<'e>>,
    at: i64,
) -> Result<Vec<(String, bool)>, sqlx::Error> {
    query_as(
        "SELECT id, recorded_reason IS NOT NULL FROM meetings
         WHERE points_at IS NULL AND ends_at <= ? AND cancelled_at IS NULL",
    )
    .bind(at)
    .fetch_all(exec)
    .await
}

/// Writes `meetings.points_at`, the column points added to the meetings capability's table.
pub async fn mark_meeting_points_given(
    conn: &mut Conn,
    meeting_id: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE meetings SET points_at = ? WHERE id = ?")
        .bind(at)
        .bind(meeting_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What the review gave before: (member, entry, reversed since).
pub async fn given_for_review<'e>(
    exec: impl Into<Exec<'e>>,
    review_id: &str,
) -> Result<Vec<(String, String, bool)>, sqlx::Error> {
    query_as(
        "SELECT e.user_id, e.id, EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id)
         FROM point_entries e
         WHERE e.source_kind = 'review' AND e.source_id = ?",
    )
    .bind(review_id)
    .fetch_all(exec)
    .await
}

/// The member's balance in the branch, and the sums since `month_start` and `year_start`.
pub async fn member_totals<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    branch_id: &str,
    month_start: i64,
    year_start: i64,
) -> Result<(i64, i64, i64), sqlx::Error> {
    query_as(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN created_at >= ?2 THEN points END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN created_at >= ?3 THEN points END), 0) AS BIGINT)
         FROM point_entries WHERE user_id = ?1 AND branch_id = ?4",
    )
    .bind(user_id)
    .bind(month_start)
    .bind(year_start)
    .bind(branch_id)
    .fetch_one(exec)
    .await
}

/// The balance of each member of the branch, 0 for those without entries. Reads the orgs
/// capability's `memberships`.
pub async fn member_balances<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    query_scalar(
        "SELECT CAST(COALESCE(SUM(p.points), 0) AS BIGINT) FROM memberships m
         LEFT JOIN point_entries p ON p.user_id = m.user_id AND p.branch_id = m.org_id
         WHERE m.org_id = ? AND m.role = 'member' GROUP BY m.user_id",
    )
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// The member's latest 200 entries in the branch, newest first.
pub async fn member_entries<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    branch_id: &str,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    query_as(
        "SELECT e.id, e.points, e.title, e.category, e.source_kind, e.reason,
                EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id) AS reversed, e.created_at
         FROM point_entries e WHERE e.user_id = ? AND e.branch_id = ?
         ORDER BY e.created_at DESC, e.id DESC LIMIT 200",
    )
    .bind(user_id)
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// The member's claims and hand-ins waiting, refused, or approved without points
/// (`unpaid`), newest first.
pub async fn member_requests<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    query_as(
        // An approval that gave nothing (a cap reached, or cut to 0) is listed too, or
        // the member would see it vanish without a line in the ledger.
        "SELECT r.name AS title, CASE WHEN c.status = 'approved' THEN 'unpaid' ELSE c.status END AS status,
                c.note, c.decision_reason AS reason, c.created_at FROM point_claims c
         JOIN point_rules r ON r.id = c.rule_id
         WHERE c.user_id = ?1 AND (c.status <> 'approved' OR c.awarded = 0)
         UNION ALL
         SELECT t.title, CASE WHEN e.status = 'approved' THEN 'unpaid' ELSE e.status END,
                e.note, e.decision_reason, COALESCE(e.submitted_at, e.signed_at) FROM task_entries e
         JOIN point_tasks t ON t.id = e.task_id
         WHERE e.user_id = ?1 AND (e.status IN ('submitted', 'rejected') OR (e.status = 'approved' AND e.awarded = 0))
         ORDER BY 5 DESC LIMIT 50",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await
}

/// The branch's tasks whose deadline is less than 30 days before `at`, with the places
/// taken and the member's own status.
pub async fn branch_tasks<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    user_id: &str,
    at: i64,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    query_as(
        "SELECT t.id, t.title, t.description, t.points, t.places,
                (SELECT COUNT(*) FROM task_entries e WHERE e.task_id = t.id AND e.status <> 'rejected') AS taken,
                t.deadline,
                (SELECT e.status FROM task_entries e WHERE e.task_id = t.id AND e.user_id = ?2) AS my_status
         FROM point_tasks t WHERE t.branch_id = ?1 AND t.deadline > ?3 - 30 * 86400
         ORDER BY t.deadline LIMIT 50",
    )
    .bind(branch_id)
    .bind(user_id)
    .bind(at)
    .fetch_all(exec)
    .await
}

/// The branch's choice, `None` if it never made one.
pub async fn ranking_enabled<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Option<bool>, sqlx::Error> {
    query_scalar("SELECT ranking_enabled FROM branch_settings WHERE branch_id = ?")
        .bind(branch_id)
        .fetch_optional(exec)
        .await
}

pub async fn set_ranking(
    conn: &mut Conn,
    branch_id: &str,
    enabled: bool,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO branch_settings (branch_id, ranking_enabled) VALUES (?, ?)
         ON CONFLICT (branch_id) DO UPDATE SET ranking_enabled = excluded.ranking_enabled",
    )
    .bind(branch_id)
    .bind(enabled)
    .execute(conn)
    .await?;
    Ok(())
}

/// The photos of a claim or hand-in, in the order they were stored.
pub async fn photo_ids<'e>(
    exec: impl Into<Exec<'e>>,
    owner_kind: &str,
    owner_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    query_scalar(
        "SELECT id FROM point_photos WHERE owner_kind = ? AND owner_id = ? ORDER BY created_at, id",
    )
    .bind(owner_kind)
    .bind(owner_id)
    .fetch_all(exec)
    .await
}

/// Whether the id names a photo of a claim or a hand-in.
pub async fn photo_exists(conn: &mut Conn, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = query_scalar("SELECT TRUE FROM point_photos WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The branch and member of the claim or hand-in a photo backs.
pub async fn photo_owner<'e>(
    exec: impl Into<Exec<'e>>,
    id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    query_as(
        "SELECT c.branch_id, c.user_id FROM point_photos p JOIN point_claims c ON c.id = p.owner_id
         WHERE p.id = ?1 AND p.owner_kind = 'claim'
         UNION ALL
         SELECT t.branch_id, e.user_id FROM point_photos p JOIN task_entries e ON e.id = p.owner_id
         JOIN point_tasks t ON t.id = e.task_id WHERE p.id = ?1 AND p.owner_kind = 'task'",
    )
    .bind(id)
    .fetch_optional(exec)
    .await
}

pub struct NewPhoto<'a> {
    pub id: &'a str,
    pub owner_kind: &'a str,
    pub owner_id: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub by: &'a str,
    pub at: i64,
}

/// A photo stored before (the op replayed) is kept as it is.
pub async fn add_photo(conn: &mut Conn, photo: &NewPhoto<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO point_photos (id, owner_kind, owner_id, width, height, bytes, uploaded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(photo.id)
    .bind(photo.owner_kind)
    .bind(photo.owner_id)
    .bind(photo.width)
    .bind(photo.height)
    .bind(photo.bytes)
    .bind(photo.by)
    .bind(photo.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The branch's waiting claims and hand-ins, by time (`oldest_first` or newest first),
/// with the member's name. Reads the auth capability's `users`.
pub async fn queue<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    oldest_first: bool,
) -> Result<Vec<QueueRow>, sqlx::Error> {
    let order = if oldest_first { "ASC" } else { "DESC" };
    query_as(&format!(
        "SELECT 'claim' AS kind, c.id, u.name AS member, r.name AS title, r.points, c.note, c.created_at AS submitted_at FROM point_claims c
         JOIN users u ON u.id = c.user_id JOIN point_rules r ON r.id = c.rule_id
         WHERE c.branch_id = ?1 AND c.status = 'pending'
         UNION ALL
         SELECT 'task', e.id, u.name, t.title, t.points, COALESCE(e.note, ''), e.submitted_at FROM task_entries e
         JOIN point_tasks t ON t.id = e.task_id JOIN users u ON u.id = e.user_id
         WHERE t.branch_id = ?1 AND e.status = 'submitted'
         ORDER BY 7 {order}, 2 {order} LIMIT 500"
    ))
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// A claim still pending: its branch, member and rule.
pub async fn pending_claim<'e>(
    exec: impl Into<Exec<'e>>,
    id: &str,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    query_as(
        "SELECT branch_id, user_id, rule_id FROM point_claims WHERE id = ? AND status = 'pending'",
    )
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// A hand-in still waiting: its task's branch, the member, the task's title and points.
pub async fn pending_task<'e>(
    exec: impl Into<Exec<'e>>,
    entry_id: &str,
) -> Result<Option<(String, String, String, i64)>, sqlx::Error> {
    query_as(
        "SELECT t.branch_id, e.user_id, t.title, t.points FROM task_entries e
         JOIN point_tasks t ON t.id = e.task_id WHERE e.id = ? AND e.status = 'submitted'",
    )
    .bind(entry_id)
    .fetch_optional(exec)
    .await
}

/// The table a queue item of `kind` (`claim` or `task`) is kept in.
fn queue_table(kind: &str) -> &'static str {
    if kind == "claim" {
        "point_claims"
    } else {
        "task_entries"
    }
}

pub async fn approve_item(
    conn: &mut Conn,
    kind: &str,
    id: &str,
    awarded: i64,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    let table = queue_table(kind);
    query(&format!(
        "UPDATE {table} SET status = 'approved', awarded = ?, decided_by = ?, decided_at = ? WHERE id = ?"
    ))
    .bind(awarded)
    .bind(by)
    .bind(at)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn reject_item(
    conn: &mut Conn,
    kind: &str,
    id: &str,
    reason: &str,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    let table = queue_table(kind);
    query(&format!(
        "UPDATE {table} SET status = 'rejected', decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?"
    ))
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn add_task(
    conn: &mut Conn,
    id: &str,
    branch_id: &str,
    title: &str,
    description: &str,
    points: i64,
    places: i64,
    deadline: i64,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO point_tasks (id, branch_id, title, description, points, places, deadline, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(branch_id)
    .bind(title)
    .bind(description)
    .bind(points)
    .bind(places)
    .bind(deadline)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The branch's latest 50 entries, newest first, with the member's name. Reads the auth
/// capability's `users`.
pub async fn branch_entries<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<BranchEntryRow>, sqlx::Error> {
    query_as(
        "SELECT u.name AS member, e.id, e.points, e.title, e.category, e.source_kind, e.reason,
                EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id) AS reversed,
                e.created_at
         FROM point_entries e JOIN users u ON u.id = e.user_id
         WHERE e.branch_id = ? ORDER BY e.created_at DESC, e.id DESC LIMIT 50",
    )
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// Each member of the branch (id, name) with the sum of their entries since `since`,
/// highest first. Reads the orgs capability's `memberships` and the auth capability's
/// `users`.
pub async fn board_totals<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    since: i64,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    query_as(
        "SELECT u.id, u.name, CAST(COALESCE(SUM(p.points), 0) AS BIGINT) AS total FROM memberships m
         JOIN users u ON u.id = m.user_id
         LEFT JOIN point_entries p ON p.user_id = m.user_id AND p.branch_id = m.org_id AND p.created_at >= ?2
         WHERE m.org_id = ?1 AND m.role = 'member'
         GROUP BY u.id ORDER BY total DESC, u.name",
    )
    .bind(branch_id)
    .bind(since)
    .fetch_all(exec)
    .await
}

/// The branch's entries in `[from, to)` in order, with the member's name. Reads the auth
/// capability's `users`.
pub async fn ledger_lines<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<LedgerLine>, sqlx::Error> {
    query_as(
        "SELECT e.created_at, u.name, e.title, e.category, e.points, e.source_kind, e.reason
         FROM point_entries e JOIN users u ON u.id = e.user_id
         WHERE e.branch_id = ? AND e.created_at >= ? AND e.created_at < ?
         ORDER BY e.created_at, e.id",
    )
    .bind(branch_id)
    .bind(from)
    .bind(to)
    .fetch_all(exec)
    .await
}

/// Whether the claim was added: not when one of that id was (the op replayed).
pub async fn add_claim(
    conn: &mut Conn,
    id: &str,
    branch_id: &str,
    user_id: &str,
    rule_id: &str,
    note: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = query(
        "INSERT INTO point_claims (id, branch_id, user_id, rule_id, note, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(branch_id)
    .bind(user_id)
    .bind(rule_id)
    .bind(note)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted != 0)
}

/// The task's branch, places and deadline.
pub async fn task<'e>(
    exec: impl Into<Exec<'e>>,
    task_id: &str,
) -> Result<Option<(String, i64, i64)>, sqlx::Error> {
    query_as("SELECT branch_id, places, deadline FROM point_tasks WHERE id = ?")
        .bind(task_id)
        .fetch_optional(exec)
        .await
}

/// The member's entry on the task: its id and status.
pub async fn task_entry<'e>(
    exec: impl Into<Exec<'e>>,
    task_id: &str,
    user_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    query_as("SELECT id, status FROM task_entries WHERE task_id = ? AND user_id = ?")
        .bind(task_id)
        .bind(user_id)
        .fetch_optional(exec)
        .await
}

pub async fn task_status<'e>(
    exec: impl Into<Exec<'e>>,
    task_id: &str,
    user_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT status FROM task_entries WHERE task_id = ? AND user_id = ?")
        .bind(task_id)
        .bind(user_id)
        .fetch_optional(exec)
        .await
}

/// Places taken: every entry but a refused one.
pub async fn places_taken<'e>(
    exec: impl Into<Exec<'e>>,
    task_id: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar("SELECT COUNT(*) FROM task_entries WHERE task_id = ? AND status <> 'rejected'")
        .bind(task_id)
        .fetch_one(exec)
        .await
}

pub async fn sign_up(
    conn: &mut Conn,
    id: &str,
    task_id: &str,
    user_id: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO task_entries (id, task_id, user_id, status, signed_at) VALUES (?, ?, ?, 'signed', ?)")
        .bind(id)
        .bind(task_id)
        .bind(user_id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn hand_in(
    conn: &mut Conn,
    entry_id: &str,
    note: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE task_entries SET status = 'submitted', note = ?, submitted_at = ? WHERE id = ?")
        .bind(note)
        .bind(at)
        .bind(entry_id)
        .execute(conn)
        .await?;
    Ok(())
}
