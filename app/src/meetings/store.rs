//! SQL on the meeting tables: meetings (with their minutes), the frozen 应到
//! (`meeting_expected`), attendance, leave requests, refused check-ins and the meeting's
//! files. Where no other capability offers what meetings need from its tables (an org's
//! kind and children, memberships as a meeting's live audience, users' names and party
//! status), the query reading them is here and its doc says whose tables it reads.

use super::checkin::CheckinRefusal;
use super::rules::{line_presence, LeaveKind, LeaveStatus, MeetingKind, Plan, Presence};
use super::MeetingSummary;
use crate::db::{numbered_placeholders, query, query_as, query_scalar, Conn, Exec};

/// Who a meeting expects while 应到 is not frozen: the org's members, or for a 支委会 the
/// branch committee (its secretaries). `?1` is the meeting's id. Reads the orgs
/// capability's `memberships`.
const LIVE_AUDIENCE: &str = "SELECT ms.user_id FROM meetings m
     JOIN memberships ms ON ms.org_id = m.org_id
      AND ms.role = CASE m.audience WHEN 'committee' THEN 'secretary' ELSE 'member' END
     WHERE m.id = ?1";

#[derive(sqlx::FromRow)]
pub struct Meeting {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub kind: String,
    pub title: String,
    pub agenda: String,
    pub place: String,
    pub minutes: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
    pub recorded_reason: Option<String>,
    pub frozen_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct SheetQueryRow {
    pub user_id: String,
    pub name: String,
    pub phone: String,
    pub voting: bool,
    pub presence: Option<String>,
    pub correction: Option<String>,
    pub slot: Option<i64>,
    pub arrival: Option<String>,
    pub received_at: Option<i64>,
    pub scanned_at: Option<i64>,
    pub leave_kind: Option<String>,
    pub leave_reason: Option<String>,
    pub leave_status: Option<String>,
    pub leave_note: Option<String>,
    pub refused_reason: Option<String>,
    pub refused_scanned_at: Option<i64>,
    pub refused_received_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct MyLine {
    pub presence: Option<String>,
    pub slot: Option<i64>,
    pub arrival: Option<String>,
    pub received_at: Option<i64>,
    pub scanned_at: Option<i64>,
    pub leave_kind: Option<String>,
    pub leave_reason: Option<String>,
    pub leave_status: Option<String>,
    pub leave_note: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct MeetingRow {
    pub id: String,
    pub org_id: String,
    pub kind: String,
    pub title: String,
    pub place: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub cancelled_at: Option<i64>,
    pub recorded_reason: Option<String>,
    pub presence: Option<String>,
    pub leave_status: Option<String>,
}

impl MeetingRow {
    /// The meeting as the lists show it, with the user's own line as of `at`.
    pub fn into_summary(self, at: i64) -> Option<MeetingSummary> {
        let my_leave = self.leave_status.as_deref().and_then(LeaveStatus::parse);
        let recorded = self.presence.as_deref().and_then(Presence::parse);
        Some(MeetingSummary {
            kind: MeetingKind::parse(&self.kind)?,
            my_presence: line_presence(recorded, my_leave, self.ends_at <= at)
                .filter(|_| self.cancelled_at.is_none()),
            my_leave,
            recorded_later: self.recorded_reason.is_some(),
            id: self.id,
            org_id: self.org_id,
            title: self.title,
            place: self.place,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            cancelled: self.cancelled_at.is_some(),
        })
    }
}

/// A meeting still to end with the user's line, and what its check-in window is made of.
#[derive(sqlx::FromRow)]
pub struct NextMeetingRow {
    #[sqlx(flatten)]
    pub meeting: MeetingRow,
    pub opens_before: i64,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
pub struct KeyRow {
    pub org_id: String,
    pub title: String,
    pub secret: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub opens_before: i64,
    pub created_at: i64,
    pub recorded_reason: Option<String>,
}

/// Everything a check-in decides on, read in one statement: the meeting, the member's
/// line if they already have one, whether they are expected, and their wrong codes of
/// late. A whole branch checks in within minutes, one writer at a time, so each
/// statement in the writer's turn counts.
#[derive(sqlx::FromRow)]
pub struct CheckinFacts {
    pub secret: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub opens_before: i64,
    pub cancelled_at: Option<i64>,
    pub frozen_at: Option<i64>,
    pub points_at: Option<i64>,
    pub created_at: i64,
    pub recorded_reason: Option<String>,
    pub line_presence: Option<String>,
    pub line_slot: Option<i64>,
    pub line_arrival: Option<String>,
    pub line_received_at: Option<i64>,
    pub line_scanned_at: Option<i64>,
    pub expected: bool,
    pub wrong_lately: i64,
}

/// The kind of an org (`branch`, `group`, …). Reads the orgs capability's `orgs`.
pub async fn org_kind<'e>(exec: impl Into<Exec<'e>>, org_id: &str) -> Result<String, sqlx::Error> {
    query_scalar("SELECT kind FROM orgs WHERE id = ?")
        .bind(org_id)
        .fetch_one(exec)
        .await
}

/// Branches and groups (id, name, kind, parent) where the user is secretary, group leader
/// or admin, and the groups of branches where they are secretary or admin, a branch's
/// groups right after it. Reads the orgs capability's `orgs` and `memberships`.
pub async fn orgs_led_by<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<(String, String, String, Option<String>)>, sqlx::Error> {
    query_as(
        "SELECT o.id, o.name, o.kind, o.parent_id FROM orgs o
         WHERE o.kind IN ('branch', 'group')
           AND (o.id IN (SELECT org_id FROM memberships WHERE user_id = ?1 AND role IN ('secretary', 'group_leader', 'admin'))
             OR o.parent_id IN (SELECT org_id FROM memberships WHERE user_id = ?1 AND role IN ('secretary', 'admin')))
         ORDER BY COALESCE(CASE o.kind WHEN 'group' THEN o.parent_id END, o.id), o.kind = 'group', o.name",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await
}

/// A meeting as it is scheduled.
pub struct NewMeeting<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub kind: MeetingKind,
    pub plan: &'a Plan,
    /// `members` or `committee`.
    pub audience: &'a str,
    pub secret: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
    pub recorded_reason: Option<&'a str>,
}

pub async fn insert_meeting(conn: &mut Conn, meeting: &NewMeeting<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO meetings (id, org_id, kind, title, agenda, place, starts_at, ends_at, audience, secret, created_by, created_at, recorded_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(meeting.id)
    .bind(meeting.org_id)
    .bind(meeting.kind.as_str())
    .bind(&meeting.plan.title)
    .bind(&meeting.plan.agenda)
    .bind(&meeting.plan.place)
    .bind(meeting.plan.starts_at)
    .bind(meeting.plan.ends_at)
    .bind(meeting.audience)
    .bind(meeting.secret)
    .bind(meeting.created_by)
    .bind(meeting.created_at)
    .bind(meeting.recorded_reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The meeting with its org's name (the orgs capability's `orgs`).
pub async fn meeting<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Option<Meeting>, sqlx::Error> {
    query_as(
        "SELECT m.id, m.org_id, o.name AS org_name, m.kind, m.title, m.agenda, m.place, m.minutes,
                m.starts_at, m.ends_at, m.cancelled_at, m.cancel_reason, m.recorded_reason, m.frozen_at
         FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?",
    )
    .bind(meeting_id)
    .fetch_optional(exec)
    .await
}

pub async fn update_plan(
    conn: &mut Conn,
    meeting_id: &str,
    plan: &Plan,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE meetings SET title = ?, agenda = ?, place = ?, starts_at = ?, ends_at = ? WHERE id = ?",
    )
    .bind(&plan.title)
    .bind(&plan.agenda)
    .bind(&plan.place)
    .bind(plan.starts_at)
    .bind(plan.ends_at)
    .bind(meeting_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_cancelled(
    conn: &mut Conn,
    meeting_id: &str,
    at: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    query("UPDATE meetings SET cancelled_at = ?, cancel_reason = ? WHERE id = ?")
        .bind(at)
        .bind(reason)
        .bind(meeting_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the meeting frozen at `at` if it has started by then and is not frozen yet.
/// Returns the rows changed (1: this caller froze it).
pub async fn claim_freeze(conn: &mut Conn, meeting_id: &str, at: i64) -> Result<u64, sqlx::Error> {
    Ok(query(
        "UPDATE meetings SET frozen_at = ?1 WHERE id = ?2 AND frozen_at IS NULL AND starts_at <= ?1",
    )
    .bind(at)
    .bind(meeting_id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Copies the meeting's live audience into its 应到, with who votes (正式). Reads the
/// auth capability's `users` and the orgs capability's `memberships`.
pub async fn copy_audience(conn: &mut Conn, meeting_id: &str) -> Result<(), sqlx::Error> {
    query(&format!(
        "INSERT INTO meeting_expected (meeting_id, user_id, voting)
         SELECT ?1, u.id, COALESCE(u.party_status = 'full', FALSE) FROM users u WHERE u.id IN ({LIVE_AUDIENCE})"
    ))
    .bind(meeting_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The branch of a meeting's org (`o`): the org itself, or a group's parent.
const MEETING_BRANCH: &str =
    "CASE WHEN o.kind = 'group' THEN COALESCE(o.parent_id, o.id) ELSE o.id END";

/// Meetings not cancelled, started by `at`, whose 应到 is not frozen yet, each with its
/// branch (as [`meeting_branch`]).
pub async fn meetings_to_freeze<'e>(
    exec: impl Into<Exec<'e>>,
    at: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as(&format!(
        "SELECT m.id, {MEETING_BRANCH} FROM meetings m JOIN orgs o ON o.id = m.org_id
         WHERE m.frozen_at IS NULL AND m.starts_at <= ? AND m.cancelled_at IS NULL"
    ))
    .bind(at)
    .fetch_all(exec)
    .await
}

/// Whether `user_id` is on the meeting's list: the frozen one once it has started (its
/// live audience, from `memberships`, before).
pub async fn is_expected<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = query_scalar(&format!(
        "SELECT TRUE FROM meetings m WHERE m.id = ?1 AND CASE WHEN m.frozen_at IS NOT NULL
           THEN EXISTS (SELECT 1 FROM meeting_expected e WHERE e.meeting_id = ?1 AND e.user_id = ?2)
           ELSE ?2 IN ({LIVE_AUDIENCE}) END"
    ))
    .bind(meeting_id)
    .bind(user_id)
    .fetch_optional(exec)
    .await?;
    Ok(found.is_some())
}

/// Every expected member's line (the frozen 应到, or the live audience while `frozen` is
/// false), with their leave request and their last refused check-in, by name. Reads the
/// auth capability's `users` (names, phones, party status).
pub async fn sheet_rows<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
    frozen: bool,
) -> Result<Vec<SheetQueryRow>, sqlx::Error> {
    let expected = if frozen {
        "SELECT user_id, voting FROM meeting_expected WHERE meeting_id = ?1".to_string()
    } else {
        format!(
            "SELECT u.id AS user_id, COALESCE(u.party_status = 'full', FALSE) AS voting FROM users u
             WHERE u.id IN ({LIVE_AUDIENCE})"
        )
    };
    query_as(&format!(
        "SELECT u.id AS user_id, u.name, u.phone, e.voting, a.presence, a.reason AS correction,
                a.slot, a.arrival, a.recorded_at AS received_at, a.scanned_at,
                l.kind AS leave_kind, l.reason AS leave_reason, l.status AS leave_status,
                l.decision_note AS leave_note,
                r.reason AS refused_reason, r.scanned_at AS refused_scanned_at,
                r.received_at AS refused_received_at
         FROM ({expected}) e JOIN users u ON u.id = e.user_id
         LEFT JOIN attendance a ON a.meeting_id = ?1 AND a.user_id = u.id
         LEFT JOIN leave_requests l ON l.meeting_id = ?1 AND l.user_id = u.id
         LEFT JOIN checkin_refusals r ON r.op_id = (
             SELECT op_id FROM checkin_refusals
             WHERE meeting_id = ?1 AND user_id = u.id
             ORDER BY received_at DESC, op_id DESC LIMIT 1)
         ORDER BY u.name, u.id"
    ))
    .bind(meeting_id)
    .fetch_all(exec)
    .await
}

/// The user's own line and leave request (a row of NULLs when they have neither).
pub async fn own_line<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
    user_id: &str,
) -> Result<MyLine, sqlx::Error> {
    query_as(
        "SELECT a.presence, a.slot, a.arrival, a.recorded_at AS received_at, a.scanned_at,
                l.kind AS leave_kind, l.reason AS leave_reason,
                l.status AS leave_status, l.decision_note AS leave_note
         FROM (SELECT 1) AS one LEFT JOIN attendance a ON a.meeting_id = ?1 AND a.user_id = ?2
         LEFT JOIN leave_requests l ON l.meeting_id = ?1 AND l.user_id = ?2",
    )
    .bind(meeting_id)
    .bind(user_id)
    .fetch_one(exec)
    .await
}

/// The meeting's photos and scanned sheets (id, kind, width, height), oldest first.
pub async fn files<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Vec<(String, String, i64, i64)>, sqlx::Error> {
    query_as(
        "SELECT id, kind, width, height FROM meeting_files WHERE meeting_id = ? ORDER BY created_at, id",
    )
    .bind(meeting_id)
    .fetch_all(exec)
    .await
}

/// Decides the member's leave request. Returns the rows changed (0: no request).
pub async fn decide_leave(
    conn: &mut Conn,
    meeting_id: &str,
    user_id: &str,
    status: LeaveStatus,
    decided_by: &str,
    at: i64,
    note: Option<&str>,
) -> Result<u64, sqlx::Error> {
    Ok(query(
        "UPDATE leave_requests SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?
         WHERE meeting_id = ? AND user_id = ?",
    )
    .bind(status.as_str())
    .bind(decided_by)
    .bind(at)
    .bind(note)
    .bind(meeting_id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A 补录 line, unless the member has a line already. Returns the rows written (0: they
/// had one).
pub async fn insert_correction(
    conn: &mut Conn,
    meeting_id: &str,
    user_id: &str,
    at: i64,
    corrected_by: &str,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    Ok(query(
        "INSERT INTO attendance (meeting_id, user_id, presence, slot, recorded_at, corrected_by, reason)
         VALUES (?, ?, 'corrected', NULL, ?, ?, ?)
         ON CONFLICT (meeting_id, user_id) DO NOTHING",
    )
    .bind(meeting_id)
    .bind(user_id)
    .bind(at)
    .bind(corrected_by)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn save_minutes(
    conn: &mut Conn,
    meeting_id: &str,
    minutes: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE meetings SET minutes = ?, minutes_saved_at = ? WHERE id = ?")
        .bind(minutes)
        .bind(at)
        .bind(meeting_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Of the meetings of the branch and its groups held in `[from, to)` (by `at`): how many,
/// how many with minutes, members expected and members present of those expected. Reads
/// the orgs capability's `orgs` (the branch's groups).
pub async fn year_figures<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    at: i64,
    from: i64,
    to: i64,
) -> Result<(i64, i64, i64, i64), sqlx::Error> {
    query_as(
        "SELECT COUNT(*),
                CAST(COALESCE(SUM(CASE WHEN m.minutes <> '' THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM((SELECT COUNT(*) FROM meeting_expected e
                                   WHERE e.meeting_id = m.id)), 0) AS BIGINT),
                CAST(COALESCE(SUM((SELECT COUNT(*) FROM attendance a JOIN meeting_expected e
                                     ON e.meeting_id = a.meeting_id AND e.user_id = a.user_id
                                   WHERE a.meeting_id = m.id
                                     AND a.presence IN ('on_time', 'late', 'corrected'))), 0) AS BIGINT)
         FROM meetings m
         WHERE (m.org_id = ?1 OR m.org_id IN (SELECT id FROM orgs WHERE parent_id = ?1))
           AND m.cancelled_at IS NULL AND m.starts_at <= ?2
           AND m.starts_at >= ?3 AND m.starts_at < ?4",
    )
    .bind(branch_id)
    .bind(at)
    .bind(from)
    .bind(to)
    .fetch_one(exec)
    .await
}

/// Meetings (org, kind, start, recorded afterwards) of the branch and its groups not
/// cancelled and started by `at`. Reads the orgs capability's `orgs` (the branch's groups).
pub async fn held_meeting_rows<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    at: i64,
) -> Result<Vec<(String, String, i64, bool)>, sqlx::Error> {
    query_as(
        "SELECT m.org_id, m.kind, m.starts_at, m.recorded_reason IS NOT NULL FROM meetings m
         WHERE (m.org_id = ? OR m.org_id IN (SELECT id FROM orgs WHERE parent_id = ?))
           AND m.cancelled_at IS NULL AND m.starts_at <= ?",
    )
    .bind(branch_id)
    .bind(branch_id)
    .bind(at)
    .fetch_all(exec)
    .await
}

/// The first 20 meetings not cancelled and not ended by `at` that expect the user (the
/// frozen 应到, or their memberships before the freeze), soonest first, with their line.
/// Reads the orgs capability's `memberships`.
pub async fn upcoming_for<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    at: i64,
) -> Result<Vec<NextMeetingRow>, sqlx::Error> {
    query_as(
        "SELECT m.id, m.org_id, m.kind, m.title, m.place, m.starts_at, m.ends_at, m.cancelled_at,
                m.recorded_reason, a.presence, l.status AS leave_status, m.opens_before, m.created_at
         FROM meetings m
         LEFT JOIN attendance a ON a.meeting_id = m.id AND a.user_id = ?1
         LEFT JOIN leave_requests l ON l.meeting_id = m.id AND l.user_id = ?1
         WHERE m.ends_at > ?2 AND m.cancelled_at IS NULL
           AND CASE WHEN m.frozen_at IS NOT NULL
                 THEN EXISTS (SELECT 1 FROM meeting_expected e WHERE e.meeting_id = m.id AND e.user_id = ?1)
                 ELSE m.org_id IN (SELECT org_id FROM memberships WHERE user_id = ?1 AND role =
                        CASE m.audience WHEN 'committee' THEN 'secretary' ELSE 'member' END)
               END
         ORDER BY m.starts_at LIMIT 20",
    )
    .bind(user_id)
    .bind(at)
    .fetch_all(exec)
    .await
}

/// The meeting of each pending leave request of the branch's (and its groups') meetings
/// not cancelled, those of `decider` left out, by the meeting's start. Reads the orgs
/// capability's `orgs` (the branch's groups).
pub async fn pending_leave_meetings<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    decider: &str,
) -> Result<Vec<String>, sqlx::Error> {
    query_scalar(
        "SELECT l.meeting_id FROM leave_requests l JOIN meetings m ON m.id = l.meeting_id
         WHERE l.status = 'pending' AND m.cancelled_at IS NULL AND l.user_id <> ?2
           AND (m.org_id = ?1 OR m.org_id IN (SELECT id FROM orgs WHERE parent_id = ?1))
         ORDER BY m.starts_at",
    )
    .bind(branch_id)
    .bind(decider)
    .fetch_all(exec)
    .await
}

/// The user's refused leave for meetings not cancelled and not ended by `at`: (meeting
/// title, what was asked, the secretary's note, when decided, meeting id).
pub async fn refused_leave<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    at: i64,
) -> Result<Vec<(String, String, String, i64, String)>, sqlx::Error> {
    query_as(
        "SELECT m.title, l.reason, COALESCE(l.decision_note, ''), COALESCE(l.decided_at, 0), m.id
         FROM leave_requests l JOIN meetings m ON m.id = l.meeting_id
         WHERE l.user_id = ? AND l.status = 'refused' AND m.ends_at > ? AND m.cancelled_at IS NULL
         ORDER BY m.starts_at",
    )
    .bind(user_id)
    .bind(at)
    .fetch_all(exec)
    .await
}

/// The orgs below (and including) `roots` orgs, as `down(id, depth)`, for the queries
/// below; the roots are bound as `?1…?n`.
fn subtree(roots: usize) -> String {
    let roots_in = numbered_placeholders(1, roots);
    format!(
        "WITH RECURSIVE down(id, depth) AS (
             SELECT id, CAST(0 AS BIGINT) FROM orgs WHERE id IN ({roots_in})
             UNION
             SELECT o.id, down.depth + 1 FROM orgs o JOIN down ON o.parent_id = down.id
             WHERE down.depth < 16
         )"
    )
}

/// Every branch (id, name) of the subtrees of `roots`, by name. Reads only the orgs
/// capability's `orgs`.
pub async fn subtree_branches<'e>(
    exec: impl Into<Exec<'e>>,
    roots: &[&str],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let subtree = subtree(roots.len());
    query_as(&format!(
        "{subtree} SELECT DISTINCT o.id, o.name FROM orgs o JOIN down ON down.id = o.id
         WHERE o.kind = 'branch' ORDER BY o.name"
    ))
    .bind_each(roots)
    .fetch_all(exec)
    .await
}

/// Every group (branch id, group id) of the subtrees of `roots`. Reads only the orgs
/// capability's `orgs`.
pub async fn subtree_groups<'e>(
    exec: impl Into<Exec<'e>>,
    roots: &[&str],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let subtree = subtree(roots.len());
    query_as(&format!(
        "{subtree} SELECT DISTINCT o.parent_id, o.id FROM orgs o JOIN down ON down.id = o.id
         WHERE o.kind = 'group'"
    ))
    .bind_each(roots)
    .fetch_all(exec)
    .await
}

/// Meetings of the subtrees of `roots` not cancelled, started by `at` and in `[from,
/// to)`: (branch, org, kind, start, recorded afterwards), a group's under its branch.
/// Reads the orgs capability's `orgs`.
pub async fn subtree_meetings<'e>(
    exec: impl Into<Exec<'e>>,
    roots: &[&str],
    at: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(String, String, String, i64, bool)>, sqlx::Error> {
    let subtree = subtree(roots.len());
    query_as(&format!(
        "{subtree} SELECT COALESCE(CASE o.kind WHEN 'group' THEN o.parent_id END, o.id), m.org_id,
                m.kind, m.starts_at, m.recorded_reason IS NOT NULL
         FROM meetings m JOIN orgs o ON o.id = m.org_id JOIN down ON down.id = o.id
         WHERE m.cancelled_at IS NULL AND m.starts_at <= ?{now} AND m.starts_at >= ?{from}
               AND m.starts_at < ?{to}",
        now = roots.len() + 1,
        from = roots.len() + 2,
        to = roots.len() + 3,
    ))
    .bind_each(roots)
    .bind(at)
    .bind(from)
    .bind(to)
    .fetch_all(exec)
    .await
}

/// Every meeting of the branch and its groups, by start. Reads the orgs capability's
/// `orgs` (the branch's groups).
pub async fn branch_meeting_ids<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    query_scalar(
        "SELECT id FROM meetings
         WHERE (org_id = ?1 OR org_id IN (SELECT id FROM orgs WHERE parent_id = ?1 AND kind = 'group'))
         ORDER BY starts_at, id",
    )
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// What the meeting's codes are made from.
pub async fn key_row<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Option<KeyRow>, sqlx::Error> {
    query_as(
        "SELECT org_id, title, secret, starts_at, ends_at, opens_before, created_at, recorded_reason
         FROM meetings WHERE id = ?",
    )
    .bind(meeting_id)
    .fetch_optional(exec)
    .await
}

/// The 200 latest meetings the user scheduled or is expected at (the frozen 应到, or
/// their memberships before the freeze), with their line. Reads the orgs capability's
/// `memberships`.
pub async fn meetings_of<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<MeetingRow>, sqlx::Error> {
    query_as(
        "SELECT m.id, m.org_id, m.kind, m.title, m.place, m.starts_at, m.ends_at, m.cancelled_at,
                m.recorded_reason, a.presence, l.status AS leave_status
         FROM meetings m
         LEFT JOIN attendance a ON a.meeting_id = m.id AND a.user_id = ?1
         LEFT JOIN leave_requests l ON l.meeting_id = m.id AND l.user_id = ?1
         WHERE m.created_by = ?1
            OR CASE WHEN m.frozen_at IS NOT NULL
                 THEN EXISTS (SELECT 1 FROM meeting_expected e WHERE e.meeting_id = m.id AND e.user_id = ?1)
                 ELSE EXISTS (SELECT 1 FROM memberships ms WHERE ms.org_id = m.org_id AND ms.user_id = ?1
                              AND ms.role = CASE m.audience WHEN 'committee' THEN 'secretary' ELSE 'member' END)
               END
         ORDER BY m.starts_at DESC LIMIT 200",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await
}

/// Before the meeting froze its 应到, the expected are its live audience; the freeze
/// copies that same audience, so either answer holds after it. Wrong codes count from
/// `wrong_since`. One statement: see [`CheckinFacts`].
pub async fn checkin_facts<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
    user_id: &str,
    wrong_since: i64,
) -> Result<Option<CheckinFacts>, sqlx::Error> {
    query_as(&format!(
        "SELECT m.secret, m.starts_at, m.ends_at, m.opens_before, m.cancelled_at, m.frozen_at,
                m.points_at, m.created_at, m.recorded_reason,
                a.presence AS line_presence, a.slot AS line_slot, a.arrival AS line_arrival,
                a.recorded_at AS line_received_at, a.scanned_at AS line_scanned_at,
                CASE WHEN m.frozen_at IS NOT NULL
                  THEN EXISTS (SELECT 1 FROM meeting_expected e WHERE e.meeting_id = ?1 AND e.user_id = ?2)
                  ELSE ?2 IN ({LIVE_AUDIENCE}) END AS expected,
                (SELECT COUNT(*) FROM checkin_refusals r
                  WHERE r.user_id = ?2 AND r.reason = ?3 AND r.received_at > ?4) AS wrong_lately
         FROM meetings m LEFT JOIN attendance a ON a.meeting_id = m.id AND a.user_id = ?2
         WHERE m.id = ?1"
    ))
    .bind(meeting_id)
    .bind(user_id)
    .bind(CheckinRefusal::WrongCode.as_str())
    .bind(wrong_since)
    .fetch_optional(exec)
    .await
}

/// The branch of the meeting's org: the org itself, or a group's parent. Reads the orgs
/// capability's `orgs`.
pub async fn meeting_branch<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar(&format!(
        "SELECT {MEETING_BRANCH} FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?"
    ))
    .bind(meeting_id)
    .fetch_optional(exec)
    .await
}

/// A check-in's line.
pub struct NewCheckin<'a> {
    pub meeting_id: &'a str,
    pub user_id: &'a str,
    pub presence: Presence,
    pub slot: i64,
    pub received_at: i64,
    /// `online` or `offline`.
    pub arrival: &'a str,
    pub scanned_at: i64,
}

pub async fn insert_checkin(conn: &mut Conn, line: &NewCheckin<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO attendance (meeting_id, user_id, presence, slot, recorded_at, arrival, scanned_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(line.meeting_id)
    .bind(line.user_id)
    .bind(line.presence.as_str())
    .bind(line.slot)
    .bind(line.received_at)
    .bind(line.arrival)
    .bind(line.scanned_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A check-in refused for its code or its times.
pub struct NewRefusal<'a> {
    pub op_id: &'a str,
    pub meeting_id: &'a str,
    pub user_id: &'a str,
    pub reason: CheckinRefusal,
    pub slot: i64,
    pub scanned_at: i64,
    pub received_at: i64,
}

/// Kept once per op, and only for a meeting that exists.
pub async fn insert_refusal(conn: &mut Conn, refusal: &NewRefusal<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO checkin_refusals (op_id, meeting_id, user_id, reason, slot, scanned_at, received_at)
         SELECT ?, id, ?, ?, ?, ?, ? FROM meetings WHERE id = ?
         ON CONFLICT (op_id) DO NOTHING",
    )
    .bind(refusal.op_id)
    .bind(refusal.user_id)
    .bind(refusal.reason.as_str())
    .bind(refusal.slot)
    .bind(refusal.scanned_at)
    .bind(refusal.received_at)
    .bind(refusal.meeting_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The meeting's start and when it was cancelled.
pub async fn start_and_cancellation<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    query_as("SELECT starts_at, cancelled_at FROM meetings WHERE id = ?")
        .bind(meeting_id)
        .fetch_optional(exec)
        .await
}

/// A pending leave request, replacing a pending or refused one, never an approval.
pub async fn request_leave(
    conn: &mut Conn,
    meeting_id: &str,
    user_id: &str,
    kind: LeaveKind,
    reason: &str,
    asked_at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO leave_requests (meeting_id, user_id, kind, reason, status, requested_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5)
         ON CONFLICT (meeting_id, user_id) DO UPDATE SET
           kind = excluded.kind, reason = excluded.reason, status = 'pending',
           requested_at = excluded.requested_at, decided_by = NULL, decided_at = NULL,
           decision_note = NULL
         WHERE leave_requests.status <> 'approved'",
    )
    .bind(meeting_id)
    .bind(user_id)
    .bind(kind.as_str())
    .bind(reason)
    .bind(asked_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn leave_status<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
    user_id: &str,
) -> Result<String, sqlx::Error> {
    query_scalar("SELECT status FROM leave_requests WHERE meeting_id = ? AND user_id = ?")
        .bind(meeting_id)
        .bind(user_id)
        .fetch_one(exec)
        .await
}

pub async fn meeting_org<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT org_id FROM meetings WHERE id = ?")
        .bind(meeting_id)
        .fetch_optional(exec)
        .await
}

/// The meeting a file id belongs to, if it is a meeting's file.
pub async fn meeting_of_file<'e>(
    exec: impl Into<Exec<'e>>,
    file_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT meeting_id FROM meeting_files WHERE id = ?")
        .bind(file_id)
        .fetch_optional(exec)
        .await
}

/// The meeting (id, org) a file id belongs to, if it is a meeting's file.
pub async fn file_place<'e>(
    exec: impl Into<Exec<'e>>,
    file_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    query_as(
        "SELECT m.id, m.org_id FROM meeting_files f JOIN meetings m ON m.id = f.meeting_id
         WHERE f.id = ?",
    )
    .bind(file_id)
    .fetch_optional(exec)
    .await
}

/// A meeting's photo or scanned sheet, its JPEG already kept.
pub struct NewFile<'a> {
    pub id: &'a str,
    pub meeting_id: &'a str,
    /// `photo` or `sheet`.
    pub kind: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub uploaded_by: &'a str,
    pub created_at: i64,
}

pub async fn insert_file(conn: &mut Conn, file: &NewFile<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO meeting_files (id, meeting_id, kind, width, height, bytes, uploaded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(file.id)
    .bind(file.meeting_id)
    .bind(file.kind)
    .bind(file.width)
    .bind(file.height)
    .bind(file.bytes)
    .bind(file.uploaded_by)
    .bind(file.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

// Upward review of meeting records (`minutes_reviews`).

#[derive(sqlx::FromRow)]
pub struct RecordRow {
    pub org_id: String,
    pub starts_at: i64,
    pub cancelled_at: Option<i64>,
    pub minutes_saved_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct VerdictRow {
    pub verdict: String,
    pub comment: String,
    pub by_name: String,
    pub reviewed_at: i64,
}

#[derive(sqlx::FromRow)]
pub struct RecordLineRow {
    pub id: String,
    pub title: String,
    pub branch: String,
    pub kind: String,
    pub starts_at: i64,
    pub has_minutes: bool,
    pub minutes_saved_at: Option<i64>,
    pub verdict: Option<String>,
    pub reviewed_at: Option<i64>,
}

/// The latest verdict among a meeting's reviews (`r`): no later one exists.
const LATEST_REVIEW: &str = "NOT EXISTS (
    SELECT 1 FROM minutes_reviews n WHERE n.meeting_id = m.id
      AND (n.reviewed_at > r.reviewed_at OR (n.reviewed_at = r.reviewed_at AND n.id > r.id)))";

pub async fn record_row<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Option<RecordRow>, sqlx::Error> {
    query_as("SELECT org_id, starts_at, cancelled_at, minutes_saved_at FROM meetings WHERE id = ?")
        .bind(meeting_id)
        .fetch_optional(exec)
        .await
}

pub async fn latest_verdict<'e>(
    exec: impl Into<Exec<'e>>,
    meeting_id: &str,
) -> Result<Option<VerdictRow>, sqlx::Error> {
    query_as(
        "SELECT r.verdict, r.comment, u.name AS by_name, r.reviewed_at
         FROM minutes_reviews r JOIN users u ON u.id = r.reviewed_by
         WHERE r.meeting_id = ? ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1",
    )
    .bind(meeting_id)
    .fetch_optional(exec)
    .await
}

pub struct NewVerdict<'a> {
    pub id: &'a str,
    pub meeting_id: &'a str,
    /// `returned` or `reviewed`.
    pub verdict: &'a str,
    pub comment: &'a str,
    pub by: &'a str,
    pub at: i64,
}

pub async fn add_verdict(conn: &mut Conn, verdict: &NewVerdict<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO minutes_reviews (id, meeting_id, verdict, comment, reviewed_by, reviewed_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(verdict.id)
    .bind(verdict.meeting_id)
    .bind(verdict.verdict)
    .bind(verdict.comment)
    .bind(verdict.by)
    .bind(verdict.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The meetings of `branch_ids` (and their groups) held in `[from, to)` before `now`,
/// with each one's latest verdict, newest first.
pub async fn held_records<'e>(
    exec: impl Into<Exec<'e>>,
    branch_ids: &[&str],
    now: i64,
    from: i64,
    to: i64,
) -> Result<Vec<RecordLineRow>, sqlx::Error> {
    let n = branch_ids.len();
    query_as(&format!(
        "SELECT m.id, m.title, b.name AS branch, m.kind, m.starts_at, m.minutes <> '' AS has_minutes,
                m.minutes_saved_at, r.verdict, r.reviewed_at
         FROM meetings m JOIN orgs o ON o.id = m.org_id
         JOIN orgs b ON b.id = CASE o.kind WHEN 'group' THEN o.parent_id ELSE o.id END
         LEFT JOIN minutes_reviews r ON r.meeting_id = m.id AND {LATEST_REVIEW}
         WHERE b.id IN ({}) AND m.cancelled_at IS NULL
           AND m.starts_at <= ?{now_at} AND m.starts_at >= ?{from_at} AND m.starts_at < ?{to_at}
         ORDER BY m.starts_at DESC, m.id",
        numbered_placeholders(1, n),
        now_at = n + 1,
        from_at = n + 2,
        to_at = n + 3,
    ))
    .bind_each(branch_ids)
    .bind(now)
    .bind(from)
    .bind(to)
    .fetch_all(exec)
    .await
}

/// The branch's (and its groups') records whose latest verdict returned them: (meeting id,
/// title, minutes saved at, returned at), oldest return first.
pub async fn returned_records<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<(String, String, Option<i64>, i64)>, sqlx::Error> {
    query_as(&format!(
        "SELECT m.id, m.title, m.minutes_saved_at, r.reviewed_at
         FROM meetings m JOIN minutes_reviews r ON r.meeting_id = m.id
         WHERE (m.org_id = ?1 OR m.org_id IN (SELECT id FROM orgs WHERE parent_id = ?1))
           AND r.verdict = 'returned' AND {LATEST_REVIEW}
         ORDER BY r.reviewed_at"
    ))
    .bind(branch_id)
    .fetch_all(exec)
    .await
}
