//! The points use cases. Approving, rejecting, publishing tasks and correcting the ledger
//! are the branch secretary's (or an admin's above); nobody approves their own claim.
//! Meetings, wishes and reviews give points through the hooks here, inside their own
//! transactions; a timer gives out the attendance points of ended meetings.

use super::rules::{
    attendance_sources, capped, missing_from_catalogue, rank_of, source_label, AutoSource,
    CapPeriod, Category, NewTask, RuleInput,
};
use super::store::{self, EntryRow, NewEntry, RuleRow};
use super::{
    BoardRow, BranchEntry, EntryView, Leaderboard, MyRequest, PointsHome, QueueItem, RuleView,
    TaskView, NOTE_MAX,
};
use crate::auth::authz::{authorize, can, Action, Actor};
use crate::auth::session::org_path;
use crate::auth::NamedRef;
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::meetings::rules::{MeetingKind, Presence};
use crate::reviews::rules::Grade;
use crate::state::{audit, new_id, now};

/// The branch a member belongs to (points live in the branch).
pub async fn member_branch(conn: &mut Conn, user_id: &str) -> AppResult<(String, String)> {
    store::branch_of_member(conn, user_id)
        .await?
        .ok_or(AppError::NotInBranch)
}

/// Claims and task hand-ins of the branch waiting for `approver` (their own are another's
/// to approve).
pub async fn waiting_count(pool: &Pool, branch_id: &str, approver: &str) -> AppResult<i64> {
    Ok(store::waiting(pool, branch_id, approver).await?)
}

/// Points the branch's ledger gained in `[from, to)`, corrections included.
pub async fn branch_points_between(
    pool: &Pool,
    branch_id: &str,
    from: i64,
    to: i64,
) -> AppResult<i64> {
    Ok(store::branch_points_between(pool, branch_id, from, to).await?)
}

/// A member's points this month (Shanghai) in the branch: what the 积分 tab shows.
pub async fn month_points(pool: &Pool, user_id: &str, branch_id: &str) -> AppResult<i64> {
    let (month_start, _) = CapPeriod::Month.range(now());
    Ok(store::member_points_since(pool, user_id, branch_id, month_start).await?)
}

/// 积分任务 the member signed up for and has not handed in, still open.
pub async fn tasks_to_hand_in(
    pool: &Pool,
    user_id: &str,
    branch_id: &str,
) -> AppResult<Vec<NamedRef>> {
    Ok(store::tasks_to_hand_in(pool, user_id, branch_id, now())
        .await?
        .into_iter()
        .map(|(id, name)| NamedRef { id, name })
        .collect())
}

/// Claims and hand-ins refused since `since`: (title, note, reason, when).
pub async fn refused_since(
    pool: &Pool,
    user_id: &str,
    branch_id: &str,
    since: i64,
) -> AppResult<Vec<(String, String, String, i64)>> {
    Ok(store::refused_since(pool, user_id, branch_id, since).await?)
}

/// Gives a branch the default catalogue the first time its rules are needed. A branch
/// made before an automatic rule was offered gets that rule then too, as offered (the
/// optional ones switched off).
pub async fn ensure_catalogue(conn: &mut Conn, branch_id: &str) -> AppResult<()> {
    let kept = store::rule_sources(&mut *conn, branch_id).await?;
    let at = now();
    for rule in missing_from_catalogue(&kept) {
        store::add_catalogue_rule(conn, &new_id(), branch_id, &rule, at).await?;
    }
    Ok(())
}

/// [`ensure_catalogue`] for a page that only reads: the catalogue is looked at first with
/// no writer's turn, since it is nearly always complete. A member opening the points page
/// on a 主题党日 would otherwise wait for every branch's open check-ins, and hold all of
/// them up while it looked.
async fn catalogue_in_place(pool: &Pool, branch_id: &str) -> AppResult<()> {
    if missing_from_catalogue(&store::rule_sources(pool, branch_id).await?).is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    ensure_catalogue(&mut tx, branch_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The branch's active automatic rules, newest first (one read for a whole meeting).
async fn auto_rules(conn: &mut Conn, branch_id: &str) -> AppResult<Vec<(AutoSource, RuleRow)>> {
    ensure_catalogue(conn, branch_id).await?;
    let rows = store::active_auto_rules(&mut *conn, branch_id).await?;
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
    let points = match rule.zip(rule.and_then(RuleRow::cap)) {
        Some((rule, (period, cap))) => {
            let (start, end) = period.range(at);
            let already =
                store::points_under_rule(&mut *conn, &rule.id, award.user_id, start, end).await?;
            capped(award.points, Some(cap), already)
        }
        None => award.points,
    };
    if points == 0 {
        return Ok(0);
    }
    let written = store::add_entry(
        conn,
        &NewEntry {
            id: &new_id(),
            branch_id: award.branch_id,
            user_id: award.user_id,
            points,
            rule_id: rule.map(|r| r.id.as_str()),
            title: award.title,
            category: award.category.as_str(),
            source_kind: award.source_kind,
            source_id: award.source_id,
            award_key: award.award_key.as_deref(),
            created_by: award.created_by,
            at,
        },
    )
    .await?;
    Ok(if written { points } else { 0 })
}

/// A reversing entry for `entry_id` (once: a second reversal is refused by the index).
async fn reverse(
    conn: &mut Conn,
    entry_id: &str,
    reason: &str,
    by: Option<&str>,
) -> AppResult<bool> {
    Ok(store::add_reversal(conn, &new_id(), entry_id, reason, by, now()).await?)
}

/// The branch whose points a meeting's attendance counts in (a group's is its parent's).
async fn meeting_branch(conn: &mut Conn, meeting_id: &str) -> AppResult<(String, MeetingKind)> {
    let (org_id, org_kind, parent, kind) = store::meeting_org(conn, meeting_id).await?;
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
    let lines = store::meeting_lines(&mut *conn, meeting_id, only).await?;
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
    if let Some(entry) = store::entry_by_award_key(&mut *conn, &key).await? {
        reverse(conn, &entry, reason, None).await?;
    }
    Ok(())
}

/// Gives out the attendance points of every meeting that has ended (a timer calls this).
pub async fn award_ended_meetings(pool: &Pool) -> AppResult<usize> {
    let due = store::meetings_due_for_points(pool, now()).await?;
    for (id, recorded_later) in &due {
        let mut tx = pool.begin().await?;
        crate::meetings::service::freeze_if_started(&mut tx, id).await?;
        // A meeting recorded afterwards proves nobody's presence or absence: no code was
        // shown. Its lines are 补录, which never earn; nobody is docked for it either.
        if !recorded_later {
            award_meeting(&mut tx, id).await?;
        }
        store::mark_meeting_points_given(&mut tx, id, now()).await?;
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
    let given_before = store::given_for_review(&mut *conn, review_id).await?;
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
    // A branch that is not there is not the actor's to approve for; the database's own
    // trouble stays an error to retry, not a refusal.
    let path = org_path(pool, branch_id)
        .await
        .map_err(|error| match error {
            AppError::NotFound => AppError::Forbidden,
            error => error,
        })?;
    authorize(actor, Action::ApprovePoints, &path)
}

/// Whether the id names a photo of a claim or a hand-in.
pub async fn holds_photo(conn: &mut Conn, photo_id: &str) -> AppResult<bool> {
    Ok(store::photo_exists(conn, photo_id).await?)
}

/// `/media/…` for the evidence of a claim or hand-in: its member and the branch's
/// approvers. False when the photo is not one of points.
pub async fn may_view_photo(pool: &Pool, actor: &Actor, photo_id: &str) -> AppResult<bool> {
    let Some((branch_id, user_id)) = store::photo_owner(pool, photo_id).await? else {
        return Ok(false);
    };
    if user_id != actor.user_id {
        approver_of(pool, actor, &branch_id).await?;
    }
    Ok(true)
}

fn entry_view(row: EntryRow) -> EntryView {
    EntryView {
        id: row.id,
        points: row.points,
        title: row.title,
        category: Category::parse(&row.category).unwrap_or(Category::OrgLife),
        source_kind: row.source_kind,
        reason: row.reason,
        reversed: row.reversed,
        created_at: row.created_at,
    }
}

pub async fn home(pool: &Pool, actor: &Actor) -> AppResult<PointsHome> {
    let mut conn = pool.acquire().await?;
    let (branch_id, branch_name) = member_branch(&mut conn, &actor.user_id).await?;
    drop(conn);
    catalogue_in_place(pool, &branch_id).await?;
    let at = now();
    let (month_start, _) = CapPeriod::Month.range(at);
    let (year_start, _) = CapPeriod::Year.range(at);
    let (balance, this_month, this_year) =
        store::member_totals(pool, &actor.user_id, &branch_id, month_start, year_start).await?;
    let balances = store::member_balances(pool, &branch_id).await?;
    let ranking = ranking_enabled(pool, &branch_id).await?;
    let entries = store::member_entries(pool, &actor.user_id, &branch_id)
        .await?
        .into_iter()
        .map(entry_view)
        .collect();
    let requests = store::member_requests(pool, &actor.user_id)
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
    let claimable = store::claimable_rules(pool, &branch_id)
        .await?
        .iter()
        .filter_map(RuleRow::view)
        .collect();
    let tasks = store::branch_tasks(pool, &branch_id, &actor.user_id, at)
        .await?
        .into_iter()
        .map(|t| TaskView {
            id: t.id,
            title: t.title,
            description: t.description,
            points: t.points,
            places: t.places,
            taken: t.taken,
            deadline: t.deadline,
            my_status: t.my_status,
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
    Ok(store::ranking_enabled(pool, branch_id)
        .await?
        .unwrap_or(true))
}

async fn photo_urls(pool: &Pool, owner_kind: &str, owner_id: &str) -> AppResult<Vec<String>> {
    Ok(store::photo_ids(pool, owner_kind, owner_id)
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
    let rows = store::queue(pool, branch_id, oldest_first).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(QueueItem {
            photos: photo_urls(pool, &row.kind, &row.id).await?,
            key: format!("{}:{}", row.kind, row.id),
            member: row.member,
            title: row.title,
            points: row.points,
            note: row.note,
            submitted_at: row.submitted_at,
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
            let (branch_id, user_id, rule_id) = store::pending_claim(&mut *conn, id)
                .await?
                .ok_or(AppError::AlreadyDecided)?;
            let rule = store::rule_by_id(&mut *conn, &rule_id).await?;
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
            let (branch_id, user_id, title, points) = store::pending_task(&mut *conn, id)
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
        store::approve_item(&mut tx, item.kind, &item.id, given, &actor.user_id, now()).await?;
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
    store::reject_item(&mut tx, item.kind, &item.id, &reason, &actor.user_id, now()).await?;
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
        || description.chars().count() > NOTE_MAX
    {
        return Err(AppError::TaskInvalid);
    }
    let id = new_id();
    let mut tx = pool.begin().await?;
    store::add_task(
        &mut tx,
        &id,
        branch_id,
        &title,
        &description,
        task.points,
        task.places,
        task.deadline,
        &actor.user_id,
        now(),
    )
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

pub async fn branch_entries(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
) -> AppResult<(Vec<BranchEntry>, bool)> {
    approver_of(pool, actor, branch_id).await?;
    let entries = store::branch_entries(pool, branch_id)
        .await?
        .into_iter()
        .map(|r| BranchEntry {
            member: r.member,
            entry: entry_view(r.entry),
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
    store::set_ranking(&mut tx, branch_id, enabled).await?;
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
    catalogue_in_place(pool, branch_id).await?;
    Ok(store::branch_rules(pool, branch_id)
        .await?
        .iter()
        .filter_map(RuleRow::view)
        .collect())
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
        store::add_rule(&mut tx, &id, branch_id, &name, &rule, at).await?;
        id
    } else {
        let changed = store::update_rule(&mut tx, rule_id, branch_id, &name, &rule, at).await?;
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
    let rows = store::board_totals(pool, branch_id, start).await?;
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

pub async fn correct(pool: &Pool, actor: &Actor, entry_id: &str, reason: &str) -> AppResult<()> {
    let reason = crate::meetings::rules::normalize_reason(reason)?;
    let (branch, member) = store::entry_owner(pool, entry_id)
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
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
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
        Err(error) => crate::uploads::service::error_response(error),
    }
}

async fn ledger_csv(pool: &Pool, branch_id: &str, from: i64, to: i64) -> AppResult<String> {
    let rows = store::ledger_lines(pool, branch_id, from, to).await?;
    let lines: Vec<Vec<String>> = rows
        .into_iter()
        .map(|l| {
            let source = source_label(&l.source_kind);
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
