//! Points server functions and the members' offline ops. Approving, rejecting, publishing
//! tasks and correcting the ledger are the branch secretary's (or an admin's above);
//! nobody approves their own claim.

use super::{BranchEntry, Leaderboard, PointsHome, QueueItem, RuleView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "points_home")]
pub async fn fetch_points_home() -> Result<PointsHome, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::home(&state.pool, &actor).await
}

#[server(endpoint = "points_queue")]
pub async fn fetch_queue(
    branch_id: String,
    oldest_first: bool,
) -> Result<Vec<QueueItem>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::queue(&state.pool, &actor, &branch_id, oldest_first).await
}

/// Approves queue items in one go; `points` (one item only) gives fewer than asked.
#[server(endpoint = "approve_points", input = Json)]
pub async fn approve_points(keys: Vec<String>, points: Option<i64>) -> Result<usize, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::approve(&state.pool, &actor, &keys, points).await
}

#[server(endpoint = "reject_points")]
pub async fn reject_points(key: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::reject(&state.pool, &actor, &key, &reason).await
}

#[server(endpoint = "publish_task")]
pub async fn publish_task(
    branch_id: String,
    title: String,
    description: String,
    // Text as typed: an empty or garbled number gets the task's own message, not a
    // deserialisation error.
    points: String,
    places: String,
    deadline: String,
) -> Result<String, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let number = |text: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| AppError::TaskInvalid)
    };
    let deadline =
        crate::shell::time::parse_local_datetime(&deadline).ok_or(AppError::TaskInvalid)?;
    let task = service::NewTask {
        title,
        description,
        points: number(&points)?,
        places: number(&places)?,
        deadline,
    };
    service::publish_task(&state.pool, &actor, &branch_id, task).await
}

#[server(endpoint = "points_board")]
pub async fn fetch_leaderboard(branch_id: String, period: String) -> Result<Leaderboard, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::leaderboard(&state.pool, &actor, &branch_id, &period).await
}

/// The branch's latest entries (corrections start here) and whether rankings show.
#[server(endpoint = "branch_entries")]
pub async fn fetch_branch_entries(branch_id: String) -> Result<(Vec<BranchEntry>, bool), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::branch_entries(&state.pool, &actor, &branch_id).await
}

#[server(endpoint = "set_ranking")]
pub async fn set_ranking(branch_id: String, enabled: bool) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::set_ranking(&state.pool, &actor, &branch_id, enabled).await
}

#[server(endpoint = "branch_rules")]
pub async fn fetch_rules(branch_id: String) -> Result<Vec<RuleView>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::rules(&state.pool, &actor, &branch_id).await
}

/// Adds a claimed rule (`rule_id` empty) or changes one; an automatic rule keeps its source.
/// Entries already made keep their points.
#[server(endpoint = "save_rule")]
pub async fn save_rule(rule: super::RuleForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let category = super::rules::Category::parse(&rule.category).ok_or(AppError::RuleInvalid)?;
    let cap = match rule.cap_period.as_str() {
        "" => None,
        period => Some((
            super::rules::CapPeriod::parse(period).ok_or(AppError::RuleInvalid)?,
            rule.cap_points
                .trim()
                .parse()
                .map_err(|_| AppError::RuleInvalid)?,
        )),
    };
    let input = service::RuleInput {
        name: rule.name,
        points: rule
            .points
            .trim()
            .parse()
            .map_err(|_| AppError::RuleInvalid)?,
        category,
        cap,
        active: rule.active.is_some(),
    };
    service::save_rule(&state.pool, &actor, &rule.branch_id, &rule.rule_id, input).await
}

/// A correction: a new entry reversing `entry_id`, with a reason, in the audit log.
#[server(endpoint = "reverse_entry")]
pub async fn reverse_entry(entry_id: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::correct(&state.pool, &actor, &entry_id, &reason).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::super::rules::{
        attendance_sources, capped, default_catalogue, rank_of, AutoSource, CapPeriod, Category,
    };
    use super::super::{
        normalize_note, BoardRow, BranchEntry, ClaimPoints, EntryView, Leaderboard, MyRequest,
        PointsHome, QueueItem, RuleView, SignUpTask, SubmitTask, TaskView, PHOTOS_MAX,
    };
    use crate::auth::authz::{authorize, can, Action, Actor};
    use crate::auth::session::org_path;
    use crate::db::{Conn, Pool};
    use crate::error::{AppError, AppResult};
    use crate::meetings::rules::{MeetingKind, Presence};
    use crate::offline::api::service::{ApplyOp, OpContext};
    use crate::reviews::rules::Grade;
    use crate::state::{audit, new_id, now};

    /// The branch a member belongs to (points live in the branch).
    pub async fn member_branch(conn: &mut Conn, user_id: &str) -> AppResult<(String, String)> {
        crate::db::query_as(
            "SELECT o.id, o.name FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ? AND m.role = 'member' AND o.kind = 'branch' LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotInBranch)
    }

    /// Claims and task hand-ins of the branch waiting for `approver` (their own are another's
    /// to approve).
    pub async fn waiting_count(pool: &Pool, branch_id: &str, approver: &str) -> AppResult<i64> {
        Ok(crate::db::query_scalar(
            "SELECT (SELECT COUNT(*) FROM point_claims WHERE branch_id = ?1 AND status = 'pending' AND user_id <> ?2)
                  + (SELECT COUNT(*) FROM task_entries e JOIN point_tasks t ON t.id = e.task_id
                     WHERE t.branch_id = ?1 AND e.status = 'submitted' AND e.user_id <> ?2)",
        )
        .bind(branch_id)
        .bind(approver)
        .fetch_one(pool)
        .await?)
    }

    /// Points the branch's ledger gained in `[from, to)`, corrections included.
    pub async fn branch_points_between(
        pool: &Pool,
        branch_id: &str,
        from: i64,
        to: i64,
    ) -> AppResult<i64> {
        Ok(crate::db::query_scalar(
            "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries
             WHERE branch_id = ? AND created_at >= ? AND created_at < ?",
        )
        .bind(branch_id)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?)
    }

    /// A member's points this month (Shanghai) in the branch: what the 积分 tab shows.
    pub async fn month_points(pool: &Pool, user_id: &str, branch_id: &str) -> AppResult<i64> {
        let (month_start, _) = CapPeriod::Month.range(now());
        Ok(crate::db::query_scalar(
            "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries
             WHERE user_id = ? AND branch_id = ? AND created_at >= ?",
        )
        .bind(user_id)
        .bind(branch_id)
        .bind(month_start)
        .fetch_one(pool)
        .await?)
    }

    /// 积分任务 the member signed up for and has not handed in, still open.
    pub async fn tasks_to_hand_in(
        pool: &Pool,
        user_id: &str,
        branch_id: &str,
    ) -> AppResult<Vec<crate::auth::NamedRef>> {
        Ok(crate::db::query_as::<(String, String)>(
            "SELECT t.id, t.title FROM task_entries e JOIN point_tasks t ON t.id = e.task_id
             WHERE e.user_id = ? AND t.branch_id = ? AND e.status = 'signed' AND t.deadline > ?
             ORDER BY t.deadline",
        )
        .bind(user_id)
        .bind(branch_id)
        .bind(now())
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(id, name)| crate::auth::NamedRef { id, name })
        .collect())
    }

    /// Claims and hand-ins refused since `since`: (title, note, reason, when).
    pub async fn refused_since(
        pool: &Pool,
        user_id: &str,
        branch_id: &str,
        since: i64,
    ) -> AppResult<Vec<(String, String, String, i64)>> {
        Ok(crate::db::query_as(
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
        .fetch_all(pool)
        .await?)
    }

    /// Gives a branch the default catalogue the first time its rules are needed. A branch
    /// made before an automatic rule was offered gets that rule then too, as offered (the
    /// optional ones switched off).
    pub async fn ensure_catalogue(conn: &mut Conn, branch_id: &str) -> AppResult<()> {
        let kept: Vec<Option<String>> =
            crate::db::query_scalar("SELECT auto_source FROM point_rules WHERE branch_id = ?")
                .bind(branch_id)
                .fetch_all(&mut *conn)
                .await?;
        let fresh = kept.is_empty();
        let missing = default_catalogue().into_iter().filter(|rule| {
            fresh
                || rule
                    .auto
                    .is_some_and(|auto| !kept.contains(&Some(auto.key())))
        });
        let at = now();
        for rule in missing {
            crate::db::query(
                "INSERT INTO point_rules (id, branch_id, name, points, category, cap_period, cap_points, auto_source, active, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(new_id())
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
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    #[derive(sqlx::FromRow, Clone)]
    struct RuleRow {
        id: String,
        branch_id: String,
        name: String,
        points: i64,
        category: String,
        cap_period: Option<String>,
        cap_points: Option<i64>,
        auto_source: Option<String>,
        active: bool,
    }

    impl RuleRow {
        fn cap(&self) -> Option<(CapPeriod, i64)> {
            Some((
                CapPeriod::parse(self.cap_period.as_deref()?)?,
                self.cap_points?,
            ))
        }

        fn view(&self) -> Option<RuleView> {
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

    async fn rule_by_id(conn: &mut Conn, rule_id: &str) -> AppResult<RuleRow> {
        crate::db::query_as(&format!(
            "SELECT {RULE_COLUMNS} FROM point_rules WHERE id = ? AND active = TRUE"
        ))
        .bind(rule_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)
    }

    /// The branch's active automatic rules, newest first (one read for a whole meeting).
    async fn auto_rules(conn: &mut Conn, branch_id: &str) -> AppResult<Vec<(AutoSource, RuleRow)>> {
        ensure_catalogue(conn, branch_id).await?;
        let rows: Vec<RuleRow> = crate::db::query_as(&format!(
            "SELECT {RULE_COLUMNS} FROM point_rules
             WHERE branch_id = ? AND auto_source IS NOT NULL AND active = TRUE
             ORDER BY updated_at DESC"
        ))
        .bind(branch_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((AutoSource::parse(r.auto_source.as_deref()?)?, r)))
            .collect())
    }

    fn rule_for(rules: &[(AutoSource, RuleRow)], source: AutoSource) -> Option<&RuleRow> {
        rules.iter().find(|(s, _)| *s == source).map(|(_, r)| r)
    }

    /// One ledger entry to make.
    pub struct Award<'a> {
        pub branch_id: &'a str,
        pub user_id: &'a str,
        pub points: i64,
        pub title: &'a str,
        pub category: Category,
        pub source_kind: &'static str,
        pub source_id: Option<&'a str>,
        pub award_key: Option<String>,
        pub created_by: Option<&'a str>,
        /// When it is given: the entry's time, and the cap period it counts in.
        pub at: i64,
    }

    /// Writes an entry under `rule` (its cap enforced at `award.at`, against what the member
    /// already has under it that month or year). Returns the points given; nothing is written when
    /// the cap leaves nothing, or when `award_key` was awarded before.
    async fn award(conn: &mut Conn, rule: Option<&RuleRow>, award: Award<'_>) -> AppResult<i64> {
        let at = award.at;
        let points = match rule.and_then(RuleRow::cap) {
            Some((period, cap)) => {
                let (start, end) = period.range(at);
                let already: i64 = crate::db::query_scalar(
                    "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries
                     WHERE rule_id = ? AND user_id = ? AND created_at >= ? AND created_at < ?",
                )
                .bind(rule.map(|r| r.id.as_str()))
                .bind(award.user_id)
                .bind(start)
                .bind(end)
                .fetch_one(&mut *conn)
                .await?;
                capped(award.points, Some(cap), already)
            }
            None => award.points,
        };
        if points == 0 {
            return Ok(0);
        }
        let written = crate::db::query(
            "INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind, source_id, award_key, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (award_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(award.branch_id)
        .bind(award.user_id)
        .bind(points)
        .bind(rule.map(|r| r.id.as_str()))
        .bind(award.title)
        .bind(award.category.as_str())
        .bind(award.source_kind)
        .bind(award.source_id)
        .bind(&award.award_key)
        .bind(award.created_by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        Ok(if written == 1 { points } else { 0 })
    }

    /// A reversing entry for `entry_id` (once: a second reversal is refused by the index).
    async fn reverse(
        conn: &mut Conn,
        entry_id: &str,
        reason: &str,
        by: Option<&str>,
    ) -> AppResult<bool> {
        let written = crate::db::query(
            "INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind, source_id, reverses, reason, created_by, created_at)
             SELECT ?, branch_id, user_id, -points, rule_id, title, category, 'correction', source_id, id, ?, ?, ?
             FROM point_entries WHERE id = ? AND reverses IS NULL
             ON CONFLICT (reverses) WHERE reverses IS NOT NULL DO NOTHING",
        )
        .bind(new_id())
        .bind(reason)
        .bind(by)
        .bind(now())
        .bind(entry_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        Ok(written == 1)
    }

    /// The branch whose points a meeting's attendance counts in (a group's is its parent's).
    async fn meeting_branch(conn: &mut Conn, meeting_id: &str) -> AppResult<(String, MeetingKind)> {
        let (org_id, org_kind, parent, kind): (String, String, Option<String>, String) = crate::db::query_as(
            "SELECT m.org_id, o.kind, o.parent_id, m.kind FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?",
        )
        .bind(meeting_id)
        .fetch_one(&mut *conn)
        .await?;
        let branch = if org_kind == "group" {
            parent.unwrap_or(org_id)
        } else {
            org_id
        };
        Ok((branch, MeetingKind::parse(&kind).ok_or(AppError::Internal)?))
    }

    /// Attendance points of a finished meeting, given once per member and source (the key
    /// makes a replay or a second timer harmless).
    pub async fn award_meeting(conn: &mut Conn, meeting_id: &str) -> AppResult<()> {
        award_lines(conn, meeting_id, None, now()).await
    }

    /// The same as given at `at` (the demo's year of meetings, each paid when it ended).
    pub async fn award_meeting_at(conn: &mut Conn, meeting_id: &str, at: i64) -> AppResult<()> {
        award_lines(conn, meeting_id, None, at).await
    }

    /// A check-in that counted after the meeting's points were given (an offline room
    /// synced on the way home): the absence deduction goes, the attendance points come, so
    /// the ledger says what the sheet says.
    pub async fn checked_in_after_points(
        conn: &mut Conn,
        meeting_id: &str,
        user_id: &str,
    ) -> AppResult<()> {
        absence_excused(conn, meeting_id, user_id, "离线签到已同步").await?;
        award_lines(conn, meeting_id, Some(user_id), now()).await
    }

    /// The attendance points of the meeting's expected members, or of one of them.
    async fn award_lines(
        conn: &mut Conn,
        meeting_id: &str,
        only: Option<&str>,
        at: i64,
    ) -> AppResult<()> {
        let (branch, kind) = meeting_branch(conn, meeting_id).await?;
        let lines: Vec<(String, Option<String>, Option<String>)> = crate::db::query_as(
            "SELECT e.user_id, a.presence, l.status FROM meeting_expected e
             LEFT JOIN attendance a ON a.meeting_id = e.meeting_id AND a.user_id = e.user_id
             LEFT JOIN leave_requests l ON l.meeting_id = e.meeting_id AND l.user_id = e.user_id
             WHERE e.meeting_id = ?1 AND (?2 IS NULL OR e.user_id = ?2)",
        )
        .bind(meeting_id)
        .bind(only)
        .fetch_all(&mut *conn)
        .await?;
        let rules = auto_rules(conn, &branch).await?;
        for (user_id, presence, leave) in lines {
            let presence = crate::meetings::rules::line_presence(
                presence.as_deref().and_then(Presence::parse),
                leave
                    .as_deref()
                    .and_then(crate::meetings::rules::LeaveStatus::parse),
                true,
            );
            for source in presence
                .map(|p| attendance_sources(kind, p))
                .unwrap_or_default()
            {
                let Some(rule) = rule_for(&rules, source) else {
                    continue;
                };
                let category = Category::parse(&rule.category).unwrap_or(Category::OrgLife);
                award(
                    conn,
                    Some(rule),
                    Award {
                        branch_id: &branch,
                        user_id: &user_id,
                        points: rule.points,
                        title: &rule.name,
                        category,
                        source_kind: "meeting",
                        source_id: Some(meeting_id),
                        award_key: Some(format!("meeting:{meeting_id}:{user_id}:{}", source.key())),
                        created_by: None,
                        at,
                    },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// A 补录 or a leave approved after the meeting ended: the member's absence deduction no
    /// longer holds and is reversed (the correction itself earns nothing).
    pub async fn absence_excused(
        conn: &mut Conn,
        meeting_id: &str,
        user_id: &str,
        reason: &str,
    ) -> AppResult<()> {
        let key = format!(
            "meeting:{meeting_id}:{user_id}:{}",
            AutoSource::AbsentWithoutLeave.key()
        );
        let entry: Option<String> =
            crate::db::query_scalar("SELECT id FROM point_entries WHERE award_key = ?")
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some(entry) = entry {
            reverse(conn, &entry, reason, None).await?;
        }
        Ok(())
    }

    /// Gives out the attendance points of every meeting that has ended (a timer calls this).
    pub async fn award_ended_meetings(pool: &Pool) -> AppResult<usize> {
        let due: Vec<(String, bool)> = crate::db::query_as(
            "SELECT id, recorded_reason IS NOT NULL FROM meetings
             WHERE points_at IS NULL AND ends_at <= ? AND cancelled_at IS NULL",
        )
        .bind(now())
        .fetch_all(pool)
        .await?;
        for (id, recorded_later) in &due {
            let mut tx = pool.begin().await?;
            crate::meetings::api::service::freeze_if_started(&mut tx, id).await?;
            // A meeting recorded afterwards proves nobody's presence or absence: no code was
            // shown. Its lines are 补录, which never earn; nobody is docked for it either.
            if !recorded_later {
                award_meeting(&mut tx, id).await?;
            }
            crate::db::query("UPDATE meetings SET points_at = ? WHERE id = ?")
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(due.len())
    }

    /// The hook for 微心愿: a confirmed fulfilment gives the claimer the branch's wish rule,
    /// once per wish and claimer.
    pub async fn award_for_wish(
        conn: &mut Conn,
        user_id: &str,
        wish_id: &str,
        wish_title: &str,
    ) -> AppResult<i64> {
        let (branch, _) = member_branch(conn, user_id).await?;
        let rules = auto_rules(conn, &branch).await?;
        let Some(rule) = rule_for(&rules, AutoSource::WishFulfilled) else {
            return Ok(0);
        };
        let title = format!("{}：{wish_title}", rule.name);
        award(
            conn,
            Some(rule),
            Award {
                branch_id: &branch,
                user_id,
                points: rule.points,
                title: &title,
                category: Category::parse(&rule.category).unwrap_or(Category::Volunteer),
                source_kind: "wish",
                source_id: Some(wish_id),
                award_key: Some(format!("wish:{wish_id}:{user_id}")),
                created_by: None,
                at: now(),
            },
        )
        .await
    }

    /// The hook for 民主评议, called with the results that become final (the review closes)
    /// or are changed afterwards: what an earlier result gave is taken back, and the
    /// branch's rule for the grade, if one is on, gives its points. A rule turned on or off
    /// later changes nothing already given, as for every rule.
    pub async fn award_for_review(
        conn: &mut Conn,
        review_id: &str,
        branch_id: &str,
        year: i64,
        results: &[(String, Grade)],
    ) -> AppResult<()> {
        let rules = auto_rules(conn, branch_id).await?;
        // Everything the review gave before, read once: (member, entry, taken back since).
        let given_before: Vec<(String, String, bool)> = crate::db::query_as(
            "SELECT e.user_id, e.id, EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id)
             FROM point_entries e
             WHERE e.source_kind = 'review' AND e.source_id = ?",
        )
        .bind(review_id)
        .fetch_all(&mut *conn)
        .await?;
        for (user_id, grade) in results {
            let given: Vec<(&str, bool)> = given_before
                .iter()
                .filter(|(member, ..)| member == user_id)
                .map(|(_, entry, reversed)| (entry.as_str(), *reversed))
                .collect();
            let reason = format!("民主评议结果改为{}", grade.label_zh());
            for (entry, _) in given.iter().filter(|(_, reversed)| !reversed) {
                reverse(conn, entry, &reason, None).await?;
            }
            let Some(rule) = rule_for(&rules, AutoSource::ReviewResult(*grade)) else {
                continue;
            };
            let title = format!("{}（{year}年）", rule.name);
            award(
                conn,
                Some(rule),
                Award {
                    branch_id,
                    user_id,
                    points: rule.points,
                    title: &title,
                    category: Category::parse(&rule.category).unwrap_or(Category::Vanguard),
                    source_kind: "review",
                    source_id: Some(review_id),
                    // Each result given is a new award: the count of those given before.
                    award_key: Some(format!("review:{review_id}:{user_id}:{}", given.len())),
                    created_by: None,
                    at: now(),
                },
            )
            .await?;
        }
        Ok(())
    }

    async fn approver_of(pool: &Pool, actor: &Actor, branch_id: &str) -> AppResult<()> {
        let path = org_path(pool, branch_id)
            .await
            .map_err(|_| AppError::Forbidden)?;
        authorize(actor, Action::ApprovePoints, &path)
    }

    pub async fn home(pool: &Pool, actor: &Actor) -> AppResult<PointsHome> {
        let mut conn = pool.acquire().await?;
        let (branch_id, branch_name) = member_branch(&mut conn, &actor.user_id).await?;
        drop(conn);
        let mut tx = pool.begin().await?;
        ensure_catalogue(&mut tx, &branch_id).await?;
        tx.commit().await?;
        let at = now();
        let (month_start, _) = CapPeriod::Month.range(at);
        let (year_start, _) = CapPeriod::Year.range(at);
        let (balance, this_month, this_year): (i64, i64, i64) = crate::db::query_as(
            "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN created_at >= ?2 THEN points END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN created_at >= ?3 THEN points END), 0) AS BIGINT)
             FROM point_entries WHERE user_id = ?1 AND branch_id = ?4",
        )
        .bind(&actor.user_id)
        .bind(month_start)
        .bind(year_start)
        .bind(&branch_id)
        .fetch_one(pool)
        .await?;
        let balances: Vec<i64> = crate::db::query_scalar(
            "SELECT CAST(COALESCE(SUM(p.points), 0) AS BIGINT) FROM memberships m
             LEFT JOIN point_entries p ON p.user_id = m.user_id AND p.branch_id = m.org_id
             WHERE m.org_id = ? AND m.role = 'member' GROUP BY m.user_id",
        )
        .bind(&branch_id)
        .fetch_all(pool)
        .await?;
        let ranking: bool = ranking_enabled(pool, &branch_id).await?;
        let entries = crate::db::query_as::<(
            String,
            i64,
            String,
            String,
            String,
            Option<String>,
            bool,
            i64,
        )>(
            "SELECT e.id, e.points, e.title, e.category, e.source_kind, e.reason,
                    EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id), e.created_at
             FROM point_entries e WHERE e.user_id = ? AND e.branch_id = ?
             ORDER BY e.created_at DESC, e.id DESC LIMIT 200",
        )
        .bind(&actor.user_id)
        .bind(&branch_id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(
            |(id, points, title, category, source_kind, reason, reversed, created_at)| EntryView {
                id,
                points,
                title,
                category: Category::parse(&category).unwrap_or(Category::OrgLife),
                source_kind,
                reason,
                reversed,
                created_at,
            },
        )
        .collect();
        #[derive(sqlx::FromRow)]
        struct RequestRow {
            title: String,
            status: String,
            note: Option<String>,
            reason: Option<String>,
            created_at: i64,
        }
        let requests = crate::db::query_as::<RequestRow>(
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
        .bind(&actor.user_id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| MyRequest {
            title: r.title,
            status: r.status,
            note: r.note.unwrap_or_default(),
            reason: r.reason,
            created_at: r.created_at,
        })
        .collect();
        let claimable = crate::db::query_as::<RuleRow>(&format!(
            "SELECT {RULE_COLUMNS} FROM point_rules WHERE branch_id = ? AND active = TRUE AND auto_source IS NULL ORDER BY category, name"
        ))
        .bind(&branch_id)
        .fetch_all(pool)
        .await?
        .iter()
        .filter_map(RuleRow::view)
        .collect();
        let tasks = crate::db::query_as::<(String, String, String, i64, i64, i64, i64, Option<String>)>(
            "SELECT t.id, t.title, t.description, t.points, t.places,
                    (SELECT COUNT(*) FROM task_entries e WHERE e.task_id = t.id AND e.status <> 'rejected'),
                    t.deadline,
                    (SELECT e.status FROM task_entries e WHERE e.task_id = t.id AND e.user_id = ?2)
             FROM point_tasks t WHERE t.branch_id = ?1 AND t.deadline > ?3 - 30 * 86400
             ORDER BY t.deadline LIMIT 50",
        )
        .bind(&branch_id)
        .bind(&actor.user_id)
        .bind(at)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(id, title, description, points, places, taken, deadline, my_status)| TaskView {
            id,
            title,
            description,
            points,
            places,
            taken,
            deadline,
            my_status,
        })
        .collect();
        let path = org_path(pool, &branch_id).await?;
        let board = if ranking {
            Some(leaderboard(pool, actor, &branch_id, "month").await?)
        } else {
            None
        };
        Ok(PointsHome {
            rank: ranking.then(|| rank_of(&balances, balance)),
            board,
            members: balances.len(),
            can_approve: can(actor, Action::ApprovePoints, &path),
            branch_id,
            branch_name,
            balance,
            this_month,
            this_year,
            entries,
            requests,
            claimable,
            tasks,
            fetched_at: at,
        })
    }

    async fn ranking_enabled(pool: &Pool, branch_id: &str) -> AppResult<bool> {
        let enabled: Option<bool> = crate::db::query_scalar(
            "SELECT ranking_enabled FROM branch_settings WHERE branch_id = ?",
        )
        .bind(branch_id)
        .fetch_optional(pool)
        .await?;
        Ok(enabled.unwrap_or(true))
    }

    async fn photo_urls(pool: &Pool, owner_kind: &str, owner_id: &str) -> AppResult<Vec<String>> {
        Ok(crate::db::query_scalar::<String>(
            "SELECT id FROM point_photos WHERE owner_kind = ? AND owner_id = ? ORDER BY created_at, id",
        )
        .bind(owner_kind)
        .bind(owner_id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|id| format!("/media/{id}.jpg"))
        .collect())
    }

    pub async fn queue(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
        oldest_first: bool,
    ) -> AppResult<Vec<QueueItem>> {
        approver_of(pool, actor, branch_id).await?;
        let order = if oldest_first { "ASC" } else { "DESC" };
        let rows: Vec<(String, String, String, String, i64, String, i64)> = crate::db::query_as(&format!(
            "SELECT 'claim', c.id, u.name, r.name, r.points, c.note, c.created_at FROM point_claims c
             JOIN users u ON u.id = c.user_id JOIN point_rules r ON r.id = c.rule_id
             WHERE c.branch_id = ?1 AND c.status = 'pending'
             UNION ALL
             SELECT 'task', e.id, u.name, t.title, t.points, COALESCE(e.note, ''), e.submitted_at FROM task_entries e
             JOIN point_tasks t ON t.id = e.task_id JOIN users u ON u.id = e.user_id
             WHERE t.branch_id = ?1 AND e.status = 'submitted'
             ORDER BY 7 {order}, 2 {order} LIMIT 500"
        ))
        .bind(branch_id)
        .fetch_all(pool)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for (kind, id, member, title, points, note, submitted_at) in rows {
            items.push(QueueItem {
                photos: photo_urls(pool, &kind, &id).await?,
                key: format!("{kind}:{id}"),
                member,
                title,
                points,
                note,
                submitted_at,
            });
        }
        Ok(items)
    }

    /// What one queue item is: its branch, member and what approving it gives.
    struct Pending {
        kind: &'static str,
        id: String,
        branch_id: String,
        user_id: String,
        title: String,
        points: i64,
        rule: Option<RuleRow>,
    }

    async fn pending(conn: &mut Conn, key: &str) -> AppResult<Pending> {
        let (kind, id) = key.split_once(':').ok_or(AppError::BadPayload)?;
        match kind {
            "claim" => {
                let (branch_id, user_id, rule_id): (String, String, String) = crate::db::query_as(
                    "SELECT branch_id, user_id, rule_id FROM point_claims WHERE id = ? AND status = 'pending'",
                )
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(AppError::AlreadyDecided)?;
                let rule = crate::db::query_as::<RuleRow>(&format!(
                    "SELECT {RULE_COLUMNS} FROM point_rules WHERE id = ?"
                ))
                .bind(&rule_id)
                .fetch_one(&mut *conn)
                .await?;
                Ok(Pending {
                    kind: "claim",
                    id: id.to_string(),
                    branch_id,
                    user_id,
                    title: rule.name.clone(),
                    points: rule.points,
                    rule: Some(rule),
                })
            }
            "task" => {
                let (branch_id, user_id, title, points): (String, String, String, i64) = crate::db::query_as(
                    "SELECT t.branch_id, e.user_id, t.title, t.points FROM task_entries e
                     JOIN point_tasks t ON t.id = e.task_id WHERE e.id = ? AND e.status = 'submitted'",
                )
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(AppError::AlreadyDecided)?;
                Ok(Pending {
                    kind: "task",
                    id: id.to_string(),
                    branch_id,
                    user_id,
                    title,
                    points,
                    rule: None,
                })
            }
            _ => Err(AppError::BadPayload),
        }
    }

    /// Approves every item or none: a batch is one transaction.
    pub async fn approve(
        pool: &Pool,
        actor: &Actor,
        keys: &[String],
        fewer: Option<i64>,
    ) -> AppResult<usize> {
        if keys.is_empty() || keys.len() > 200 || (fewer.is_some() && keys.len() != 1) {
            return Err(AppError::BadPayload);
        }
        let mut tx = pool.begin().await?;
        for key in keys {
            let item = pending(&mut tx, key).await?;
            let path = org_path(&mut *tx, &item.branch_id).await?;
            authorize(actor, Action::ApprovePoints, &path)?;
            if item.user_id == actor.user_id {
                return Err(AppError::OwnClaim);
            }
            let points = match fewer {
                Some(p) if p < 0 || p > item.points => return Err(AppError::PointsInvalid),
                Some(p) => p,
                None => item.points,
            };
            let category = item
                .rule
                .as_ref()
                .and_then(|r| Category::parse(&r.category))
                .unwrap_or(Category::Volunteer);
            let given = award(
                &mut tx,
                item.rule.as_ref(),
                Award {
                    branch_id: &item.branch_id,
                    user_id: &item.user_id,
                    points,
                    title: &item.title,
                    category,
                    source_kind: item.kind,
                    source_id: Some(&item.id),
                    award_key: Some(format!("{}:{}", item.kind, item.id)),
                    created_by: Some(&actor.user_id),
                    at: now(),
                },
            )
            .await?;
            let table = if item.kind == "claim" {
                "point_claims"
            } else {
                "task_entries"
            };
            crate::db::query(&format!(
                "UPDATE {table} SET status = 'approved', awarded = ?, decided_by = ?, decided_at = ? WHERE id = ?"
            ))
            .bind(given)
            .bind(&actor.user_id)
            .bind(now())
            .bind(&item.id)
            .execute(&mut *tx)
            .await?;
            audit(
                &mut *tx,
                &actor.user_id,
                "approve_points",
                Some(&item.branch_id),
                Some(key),
                Some(&given.to_string()),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(keys.len())
    }

    pub async fn reject(pool: &Pool, actor: &Actor, key: &str, reason: &str) -> AppResult<()> {
        let reason = crate::meetings::rules::normalize_reason(reason)?;
        let mut tx = pool.begin().await?;
        let item = pending(&mut tx, key).await?;
        let path = org_path(&mut *tx, &item.branch_id).await?;
        authorize(actor, Action::ApprovePoints, &path)?;
        if item.user_id == actor.user_id {
            return Err(AppError::OwnClaim);
        }
        let table = if item.kind == "claim" {
            "point_claims"
        } else {
            "task_entries"
        };
        crate::db::query(&format!(
            "UPDATE {table} SET status = 'rejected', decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?"
        ))
        .bind(&actor.user_id)
        .bind(now())
        .bind(&reason)
        .bind(&item.id)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut *tx,
            &actor.user_id,
            "reject_points",
            Some(&item.branch_id),
            Some(key),
            Some(&reason),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub struct NewTask {
        pub title: String,
        pub description: String,
        pub points: i64,
        pub places: i64,
        pub deadline: i64,
    }

    pub async fn publish_task(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
        task: NewTask,
    ) -> AppResult<String> {
        approver_of(pool, actor, branch_id).await?;
        let title = crate::auth::rules::normalize_name(&task.title)?;
        let description = task.description.trim().to_string();
        if !(1..=100).contains(&task.points)
            || !(1..=1000).contains(&task.places)
            || task.deadline <= now()
            || description.chars().count() > super::super::NOTE_MAX
        {
            return Err(AppError::TaskInvalid);
        }
        let id = new_id();
        let mut tx = pool.begin().await?;
        crate::db::query(
            "INSERT INTO point_tasks (id, branch_id, title, description, points, places, deadline, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(branch_id)
        .bind(&title)
        .bind(&description)
        .bind(task.points)
        .bind(task.places)
        .bind(task.deadline)
        .bind(&actor.user_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        audit(
            &mut *tx,
            &actor.user_id,
            "publish_task",
            Some(branch_id),
            Some(&id),
            Some(&title),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    #[derive(sqlx::FromRow)]
    struct BranchEntryRow {
        member: String,
        id: String,
        points: i64,
        title: String,
        category: String,
        source_kind: String,
        reason: Option<String>,
        reversed: bool,
        created_at: i64,
    }

    pub async fn branch_entries(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
    ) -> AppResult<(Vec<BranchEntry>, bool)> {
        approver_of(pool, actor, branch_id).await?;
        let rows: Vec<BranchEntryRow> = crate::db::query_as(
            "SELECT u.name AS member, e.id, e.points, e.title, e.category, e.source_kind, e.reason,
                    EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id) AS reversed,
                    e.created_at
             FROM point_entries e JOIN users u ON u.id = e.user_id
             WHERE e.branch_id = ? ORDER BY e.created_at DESC, e.id DESC LIMIT 50",
        )
        .bind(branch_id)
        .fetch_all(pool)
        .await?;
        let entries = rows
            .into_iter()
            .map(|r| BranchEntry {
                member: r.member,
                entry: EntryView {
                    id: r.id,
                    points: r.points,
                    title: r.title,
                    category: Category::parse(&r.category).unwrap_or(Category::OrgLife),
                    source_kind: r.source_kind,
                    reason: r.reason,
                    reversed: r.reversed,
                    created_at: r.created_at,
                },
            })
            .collect();
        Ok((entries, ranking_enabled(pool, branch_id).await?))
    }

    pub async fn set_ranking(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
        enabled: bool,
    ) -> AppResult<()> {
        approver_of(pool, actor, branch_id).await?;
        let mut tx = pool.begin().await?;
        crate::db::query(
            "INSERT INTO branch_settings (branch_id, ranking_enabled) VALUES (?, ?)
             ON CONFLICT (branch_id) DO UPDATE SET ranking_enabled = excluded.ranking_enabled",
        )
        .bind(branch_id)
        .bind(enabled)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut *tx,
            &actor.user_id,
            "set_ranking",
            Some(branch_id),
            None,
            Some(if enabled { "on" } else { "off" }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn rules(pool: &Pool, actor: &Actor, branch_id: &str) -> AppResult<Vec<RuleView>> {
        approver_of(pool, actor, branch_id).await?;
        let mut tx = pool.begin().await?;
        ensure_catalogue(&mut tx, branch_id).await?;
        tx.commit().await?;
        Ok(crate::db::query_as::<RuleRow>(&format!(
            "SELECT {RULE_COLUMNS} FROM point_rules WHERE branch_id = ? ORDER BY auto_source IS NULL, category, name"
        ))
        .bind(branch_id)
        .fetch_all(pool)
        .await?
        .iter()
        .filter_map(RuleRow::view)
        .collect())
    }

    pub struct RuleInput {
        pub name: String,
        pub points: i64,
        pub category: Category,
        pub cap: Option<(CapPeriod, i64)>,
        pub active: bool,
    }

    pub async fn save_rule(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
        rule_id: &str,
        rule: RuleInput,
    ) -> AppResult<()> {
        approver_of(pool, actor, branch_id).await?;
        let name = crate::auth::rules::normalize_name(&rule.name)?;
        let deduction = rule.category == Category::Deduction;
        if rule.points == 0
            || rule.points.abs() > 100
            || (rule.points < 0) != deduction
            || rule
                .cap
                .is_some_and(|(_, cap)| !(1..=10_000).contains(&cap))
        {
            return Err(AppError::RuleInvalid);
        }
        let at = now();
        let mut tx = pool.begin().await?;
        let id = if rule_id.is_empty() {
            let id = new_id();
            crate::db::query(
                "INSERT INTO point_rules (id, branch_id, name, points, category, cap_period, cap_points, active, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(branch_id)
            .bind(&name)
            .bind(rule.points)
            .bind(rule.category.as_str())
            .bind(rule.cap.map(|(p, _)| p.as_str()))
            .bind(rule.cap.map(|(_, n)| n))
            .bind(rule.active)
            .bind(at)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            id
        } else {
            let changed = crate::db::query(
                "UPDATE point_rules SET name = ?, points = ?, category = ?, cap_period = ?, cap_points = ?, active = ?, updated_at = ?
                 WHERE id = ? AND branch_id = ?",
            )
            .bind(&name)
            .bind(rule.points)
            .bind(rule.category.as_str())
            .bind(rule.cap.map(|(p, _)| p.as_str()))
            .bind(rule.cap.map(|(_, n)| n))
            .bind(rule.active)
            .bind(at)
            .bind(rule_id)
            .bind(branch_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(AppError::NotFound);
            }
            rule_id.to_string()
        };
        audit(
            &mut *tx,
            &actor.user_id,
            "save_point_rule",
            Some(branch_id),
            Some(&id),
            Some(&format!("{name} {}", rule.points)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `month`, `quarter` or `year` (the current one, Shanghai time).
    pub async fn leaderboard(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
        period: &str,
    ) -> AppResult<Leaderboard> {
        let path = org_path(pool, branch_id)
            .await
            .map_err(|_| AppError::Forbidden)?;
        let member = actor.grants.iter().any(|g| g.org_id == branch_id);
        if !member && !can(actor, Action::ViewMembers, &path) {
            return Err(AppError::Forbidden);
        }
        if !ranking_enabled(pool, branch_id).await? {
            return Err(AppError::RankingOff);
        }
        let at = now();
        let start = match period {
            "month" => CapPeriod::Month.range(at).0,
            "year" => CapPeriod::Year.range(at).0,
            "quarter" => {
                let (year, month) = crate::shell::time::shanghai_year_month(at);
                let first = (month - 1) / 3 * 3 + 1;
                crate::shell::time::days_from_civil(year, first, 1) * 86_400 - 8 * 3600
            }
            _ => return Err(AppError::BadPayload),
        };
        let rows: Vec<(String, String, i64)> = crate::db::query_as(
            "SELECT u.id, u.name, CAST(COALESCE(SUM(p.points), 0) AS BIGINT) AS total FROM memberships m
             JOIN users u ON u.id = m.user_id
             LEFT JOIN point_entries p ON p.user_id = m.user_id AND p.branch_id = m.org_id AND p.created_at >= ?2
             WHERE m.org_id = ?1 AND m.role = 'member'
             GROUP BY u.id ORDER BY total DESC, u.name",
        )
        .bind(branch_id)
        .bind(start)
        .fetch_all(pool)
        .await?;
        let totals: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let row = |(id, name, points): &(String, String, i64)| BoardRow {
            rank: rank_of(&totals, *points),
            name: name.clone(),
            points: *points,
            me: *id == actor.user_id,
        };
        Ok(Leaderboard {
            period: period.to_string(),
            // Only those with points in the period: a board of zeros and deductions would
            // be a bottom list by another name.
            top: rows.iter().filter(|r| r.2 > 0).take(10).map(row).collect(),
            mine: rows.iter().find(|r| r.0 == actor.user_id).map(row),
        })
    }

    pub async fn correct(
        pool: &Pool,
        actor: &Actor,
        entry_id: &str,
        reason: &str,
    ) -> AppResult<()> {
        let reason = crate::meetings::rules::normalize_reason(reason)?;
        let (branch, member): (String, String) =
            crate::db::query_as("SELECT branch_id, user_id FROM point_entries WHERE id = ?")
                .bind(entry_id)
                .fetch_optional(pool)
                .await?
                .ok_or(AppError::NotFound)?;
        approver_of(pool, actor, &branch).await?;
        if member == actor.user_id {
            return Err(AppError::OwnRecord);
        }
        let mut tx = pool.begin().await?;
        if !reverse(&mut tx, entry_id, &reason, Some(&actor.user_id)).await? {
            return Err(AppError::AlreadyDecided);
        }
        audit(
            &mut *tx,
            &actor.user_id,
            "reverse_points",
            Some(&branch),
            Some(entry_id),
            Some(&reason),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `GET /branch/{id}/points.csv?from=YYYY-MM-DD&to=YYYY-MM-DD` (Shanghai dates, both
    /// included; default: this year): every ledger entry of the branch in the period.
    pub async fn export_csv(
        axum::extract::State(state): axum::extract::State<crate::state::AppState>,
        axum::extract::Path(branch_id): axum::extract::Path<String>,
        axum::extract::Query(query): axum::extract::Query<
            std::collections::HashMap<String, String>,
        >,
        request: axum::extract::Request,
    ) -> axum::response::Response {
        let (parts, _) = request.into_parts();
        let day = |key: &str| {
            query
                .get(key)
                .and_then(|d| crate::shell::time::parse_local_datetime(&format!("{d}T00:00")))
        };
        let (year_start, year_end) = CapPeriod::Year.range(now());
        let from = day("from").unwrap_or(year_start);
        let to = day("to").map(|t| t + 86_400).unwrap_or(year_end);
        let result = async {
            let actor = crate::auth::session::actor_from_parts(&state.pool, &parts).await?;
            approver_of(&state.pool, &actor, &branch_id).await?;
            ledger_csv(&state.pool, &branch_id, from, to).await
        }
        .await;
        match result {
            Ok(csv) => crate::shell::csv::attachment("points.csv", csv),
            Err(error) => crate::uploads::store::error_response(error),
        }
    }

    #[derive(sqlx::FromRow)]
    struct LedgerLine {
        created_at: i64,
        name: String,
        title: String,
        category: String,
        points: i64,
        source_kind: String,
        reason: Option<String>,
    }

    async fn ledger_csv(pool: &Pool, branch_id: &str, from: i64, to: i64) -> AppResult<String> {
        let rows: Vec<LedgerLine> = crate::db::query_as(
            "SELECT e.created_at, u.name, e.title, e.category, e.points, e.source_kind, e.reason
             FROM point_entries e JOIN users u ON u.id = e.user_id
             WHERE e.branch_id = ? AND e.created_at >= ? AND e.created_at < ?
             ORDER BY e.created_at, e.id",
        )
        .bind(branch_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
        let lines: Vec<Vec<String>> = rows
            .into_iter()
            .map(|l| {
                let source = super::super::rules::source_label(&l.source_kind);
                vec![
                    crate::shell::time::format_datetime(l.created_at),
                    l.name,
                    l.title,
                    Category::parse(&l.category)
                        .map(Category::label_zh)
                        .unwrap_or_default()
                        .to_string(),
                    l.points.to_string(),
                    source.to_string(),
                    l.reason.unwrap_or_default(),
                ]
            })
            .collect();
        Ok(crate::shell::csv::document(
            &["时间", "姓名", "项目", "类别", "积分", "来源", "说明"],
            &lines,
        ))
    }

    /// Re-encodes and stores each photo of a claim or task completion.
    async fn store_photos(
        ctx: &OpContext<'_>,
        conn: &mut Conn,
        owner_kind: &str,
        owner_id: &str,
        photos: &[String],
    ) -> AppResult<()> {
        let stored =
            crate::uploads::store::accept_all(ctx, conn, owner_kind, owner_id, photos, PHOTOS_MAX)
                .await?;
        for (id, clean) in stored {
            crate::db::query(
                "INSERT INTO point_photos (id, owner_kind, owner_id, width, height, bytes, uploaded_by, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&id)
            .bind(owner_kind)
            .bind(owner_id)
            .bind(clean.width)
            .bind(clean.height)
            .bind(clean.jpeg.len() as i64)
            .bind(&ctx.actor.user_id)
            .bind(now())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    impl ApplyOp for ClaimPoints {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            uuid::Uuid::parse_str(&self.id).map_err(|_| AppError::BadPayload)?;
            let note = normalize_note(&self.note)?;
            let (branch, _) = member_branch(conn, &ctx.actor.user_id).await?;
            let rule = rule_by_id(conn, &self.rule_id).await?;
            if rule.branch_id != branch || rule.auto_source.is_some() {
                return Err(AppError::NotFound);
            }
            let inserted = crate::db::query(
                "INSERT INTO point_claims (id, branch_id, user_id, rule_id, note, status, created_at)
                 VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&self.id)
            .bind(&branch)
            .bind(&ctx.actor.user_id)
            .bind(&rule.id)
            .bind(&note)
            .bind(ctx.received_at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Err(AppError::BadPayload);
            }
            store_photos(ctx, conn, "claim", &self.id, &self.photos).await?;
            Ok(serde_json::json!({ "claim": self.id }))
        }
    }

    impl ApplyOp for SignUpTask {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let (branch, _) = member_branch(conn, &ctx.actor.user_id).await?;
            let task: (String, i64, i64) = crate::db::query_as(
                "SELECT branch_id, places, deadline FROM point_tasks WHERE id = ?",
            )
            .bind(&self.task_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(AppError::NotFound)?;
            let (task_branch, places, deadline) = task;
            if task_branch != branch {
                return Err(AppError::NotFound);
            }
            if deadline <= now() {
                return Err(AppError::TaskClosed);
            }
            let mine: Option<String> = crate::db::query_scalar(
                "SELECT status FROM task_entries WHERE task_id = ? AND user_id = ?",
            )
            .bind(&self.task_id)
            .bind(&ctx.actor.user_id)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(status) = mine {
                return Ok(serde_json::json!({ "status": status }));
            }
            let taken: i64 = crate::db::query_scalar(
                "SELECT COUNT(*) FROM task_entries WHERE task_id = ? AND status <> 'rejected'",
            )
            .bind(&self.task_id)
            .fetch_one(&mut *conn)
            .await?;
            if taken >= places {
                return Err(AppError::TaskFull);
            }
            crate::db::query("INSERT INTO task_entries (id, task_id, user_id, status, signed_at) VALUES (?, ?, ?, 'signed', ?)")
                .bind(new_id())
                .bind(&self.task_id)
                .bind(&ctx.actor.user_id)
                .bind(now())
                .execute(&mut *conn)
                .await?;
            Ok(serde_json::json!({ "status": "signed" }))
        }
    }

    impl ApplyOp for SubmitTask {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let note = normalize_note(&self.note)?;
            let entry: Option<(String, String)> = crate::db::query_as(
                "SELECT id, status FROM task_entries WHERE task_id = ? AND user_id = ?",
            )
            .bind(&self.task_id)
            .bind(&ctx.actor.user_id)
            .fetch_optional(&mut *conn)
            .await?;
            let (entry_id, status) = entry.ok_or(AppError::TaskNotSigned)?;
            match status.as_str() {
                "signed" => {}
                "submitted" | "approved" => return Ok(serde_json::json!({ "status": status })),
                _ => return Err(AppError::AlreadyDecided),
            }
            crate::db::query("UPDATE task_entries SET status = 'submitted', note = ?, submitted_at = ? WHERE id = ?")
                .bind(&note)
                .bind(ctx.received_at)
                .bind(&entry_id)
                .execute(&mut *conn)
                .await?;
            store_photos(ctx, conn, "task", &entry_id, &self.photos).await?;
            Ok(serde_json::json!({ "status": "submitted" }))
        }
    }
}
