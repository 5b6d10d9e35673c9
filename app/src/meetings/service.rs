//! The meetings' use cases. Scheduling, leave decisions, 补录, minutes and cancelling are
//! for whoever may schedule the meeting (the branch's secretary; the group leader for
//! 党小组会; an admin above); who sees a meeting is [`may_view`]'s to say. Leave decisions
//! and 补录 call the points' hook; a timer freezes 应到 ([`freeze_started`]).

use super::checkin::{slot_of, slot_start, CheckinRefusal, Window};
use super::rules::{
    compliance as judge, line_presence, normalize_reason, presence_label, short_months, totals,
    HeldMeeting, LeaveKind, LeaveStatus, MeetingKind, PeriodCheck, Plan, Presence, SheetLine,
    MINUTES_MAX,
};
use super::store::{self, Meeting, NewMeeting, NextMeetingRow};
use super::{
    BranchYear, CheckinProof, CheckinView, CodeKey, Compliance, LeaveInfo, MeetingDetail,
    MeetingFile, MeetingSummary, RefusedCheckin, SchedulableOrg, Sheet, SheetRow,
};
use crate::auth::authz::{authorize, can, Action, Actor};
use crate::auth::session::org_path;
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::orgs::rules::OrgKind;
use crate::state::{audit, new_id, now, random_hex32};

const MAX_DURATION_SECS: i64 = 12 * 3600;
const PLACE_MAX: usize = 100;
/// A meeting that began this long ago (or is over) can only be recorded afterwards.
const LIVE_GRACE_SECS: i64 = 3600;

impl Plan {
    fn checked(self) -> AppResult<Plan> {
        if self.ends_at <= self.starts_at || self.ends_at - self.starts_at > MAX_DURATION_SECS {
            return Err(AppError::MeetingTimes);
        }
        let agenda = self.agenda.trim().to_string();
        if agenda.chars().count() > MINUTES_MAX {
            return Err(AppError::MinutesTooLong);
        }
        if self.place.trim().chars().count() > PLACE_MAX {
            return Err(AppError::PlaceTooLong);
        }
        Ok(Plan {
            title: crate::auth::rules::normalize_name(&self.title)?,
            agenda,
            place: self.place.trim().to_string(),
            ..self
        })
    }
}

fn audience_of(kind: MeetingKind) -> &'static str {
    if kind == MeetingKind::Committee {
        "committee"
    } else {
        "members"
    }
}

/// Schedules a meeting. One that is over (or began over an hour ago) is only a record
/// of the past (补记): it needs a reason, which the calendar and the CSV show (a blank
/// one is none).
pub async fn schedule(
    pool: &Pool,
    actor: &Actor,
    org_id: &str,
    kind: &str,
    plan: Plan,
    past_reason: Option<String>,
) -> AppResult<String> {
    let past_reason = past_reason.filter(|r| !r.trim().is_empty());
    let path = org_path(pool, org_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    authorize(actor, Action::ScheduleMeeting, &path)?;
    let kind = MeetingKind::parse(kind).ok_or(AppError::BadPayload)?;
    let org_kind = store::org_kind(pool, org_id).await?;
    let expected_org = if kind == MeetingKind::GroupMeeting {
        OrgKind::Group
    } else {
        OrgKind::Branch
    };
    if OrgKind::parse(&org_kind) != Some(expected_org) {
        return Err(AppError::OrgKind);
    }
    let plan = plan.checked()?;
    let at = now();
    let in_the_past = plan.ends_at <= at || plan.starts_at < at - LIVE_GRACE_SECS;
    let recorded_reason = match (in_the_past, past_reason) {
        (false, _) => None,
        (true, Some(reason)) => Some(normalize_reason(&reason)?),
        (true, None) => return Err(AppError::MeetingInPast),
    };
    let id = new_id();
    let mut tx = pool.begin().await?;
    store::insert_meeting(
        &mut tx,
        &NewMeeting {
            id: &id,
            org_id,
            kind,
            plan: &plan,
            audience: audience_of(kind),
            secret: &random_hex32(),
            created_by: &actor.user_id,
            created_at: at,
            recorded_reason: recorded_reason.as_deref(),
        },
    )
    .await?;
    let (action, detail) = match &recorded_reason {
        Some(reason) => (
            "record_past_meeting",
            format!("{}：{reason}", kind.as_str()),
        ),
        None => ("schedule_meeting", kind.as_str().to_string()),
    };
    audit(
        &mut *tx,
        &actor.user_id,
        action,
        Some(org_id),
        Some(&id),
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn load(pool: &Pool, meeting_id: &str) -> AppResult<Meeting> {
    store::meeting(pool, meeting_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The meeting, if the actor may manage it.
async fn managed(pool: &Pool, actor: &Actor, meeting_id: &str) -> AppResult<Meeting> {
    let meeting = load(pool, meeting_id).await?;
    let path = org_path(pool, &meeting.org_id).await?;
    authorize(actor, Action::ScheduleMeeting, &path)?;
    Ok(meeting)
}

pub async fn edit(
    pool: &Pool,
    actor: &Actor,
    meeting_id: &str,
    plan: Plan,
    reason: &str,
) -> AppResult<()> {
    let meeting = managed(pool, actor, meeting_id).await?;
    if meeting.cancelled_at.is_some() {
        return Err(AppError::MeetingCancelled);
    }
    let reason = normalize_reason(reason)?;
    let plan = plan.checked()?;
    let times_changed = plan.starts_at != meeting.starts_at || plan.ends_at != meeting.ends_at;
    if times_changed && (meeting.starts_at <= now() || plan.starts_at <= now()) {
        return Err(AppError::MeetingStarted);
    }
    let mut tx = pool.begin().await?;
    store::update_plan(&mut tx, meeting_id, &plan).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "edit_meeting",
        Some(&meeting.org_id),
        Some(meeting_id),
        Some(&reason),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn cancel(pool: &Pool, actor: &Actor, meeting_id: &str, reason: &str) -> AppResult<()> {
    let meeting = managed(pool, actor, meeting_id).await?;
    let reason = normalize_reason(reason)?;
    if meeting.cancelled_at.is_some() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    store::mark_cancelled(&mut tx, meeting_id, now(), &reason).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "cancel_meeting",
        Some(&meeting.org_id),
        Some(meeting_id),
        Some(&reason),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Branches and groups the actor may schedule for, a branch's groups right after it.
pub async fn schedulable_orgs(pool: &Pool, actor: &Actor) -> AppResult<Vec<SchedulableOrg>> {
    let rows = store::orgs_led_by(pool, &actor.user_id).await?;
    let mut orgs = Vec::new();
    for (id, name, kind, _) in rows {
        let path = org_path(pool, &id).await?;
        if can(actor, Action::ScheduleMeeting, &path) {
            orgs.push(SchedulableOrg {
                id,
                name,
                is_group: kind == "group",
            });
        }
    }
    Ok(orgs)
}

/// Fixes 应到 once the meeting has started: the audience of that moment, with who votes.
/// Idempotent; the first caller after the start does it.
pub async fn freeze_if_started(conn: &mut Conn, meeting_id: &str) -> AppResult<()> {
    let at = now();
    let claimed = store::claim_freeze(conn, meeting_id, at).await?;
    if claimed == 1 {
        store::copy_audience(conn, meeting_id).await?;
    }
    Ok(())
}

/// Freezes every meeting that has started since the last call (a timer calls this). Each
/// freeze takes turns only with its branch's writers, as that branch's check-ins do: on a
/// 主题党日 a thousand meetings start at once, and a freeze taking turns with every writer
/// would stop every branch's check-ins a thousand times over.
/// How many were frozen: a meeting that fails (its branch's turn not coming in time) is left
/// to the next tick, and the others are frozen now.
pub async fn freeze_started(pool: &Pool) -> AppResult<usize> {
    let due = store::meetings_to_freeze(pool, now()).await?;
    let mut frozen = 0;
    for (id, branch) in &due {
        let freeze = async {
            let mut tx = pool.begin_keyed(branch).await?;
            freeze_if_started(&mut tx, id).await?;
            tx.commit().await?;
            AppResult::Ok(())
        };
        match freeze.await {
            Ok(()) => frozen += 1,
            Err(error) => tracing::warn!(?error, meeting = %id, "freezing 应到 failed"),
        }
    }
    Ok(frozen)
}

/// The meeting with 应到 frozen if it is due; reading a page takes a writer's turn (its
/// branch's) only the first time after the start.
async fn load_frozen(pool: &Pool, meeting_id: &str) -> AppResult<Meeting> {
    let meeting = load(pool, meeting_id).await?;
    frozen(pool, meeting).await
}

/// `meeting`, with 应到 frozen first if it is due.
async fn frozen(pool: &Pool, meeting: Meeting) -> AppResult<Meeting> {
    let meeting_id = meeting.id.clone();
    let meeting_id = meeting_id.as_str();
    if meeting.frozen_at.is_some() || meeting.starts_at > now() {
        return Ok(meeting);
    }
    // In its branch's turn, as the timer's freeze and the check-ins take it: as a 主题党日
    // begins, the pages of a thousand meetings opened before their first check-in would
    // otherwise each wait for every branch's check-ins, and hold them all up in turn.
    let branch = meeting_turn_key(pool, meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = pool.begin_keyed(&branch).await?;
    freeze_if_started(&mut tx, meeting_id).await?;
    tx.commit().await?;
    load(pool, meeting_id).await
}

fn leave_info(
    kind: Option<String>,
    reason: Option<String>,
    status: Option<String>,
    note: Option<String>,
) -> Option<LeaveInfo> {
    Some(LeaveInfo {
        kind: LeaveKind::parse(&kind?)?,
        reason: reason?,
        status: LeaveStatus::parse(&status?)?,
        note,
    })
}

/// A line's check-in, if a code proved it (补录 has no slot).
fn proof(
    slot: Option<i64>,
    arrival: Option<&str>,
    received_at: Option<i64>,
    scanned_at: Option<i64>,
) -> Option<CheckinProof> {
    Some(CheckinProof {
        at: slot_start(slot?),
        received_at: received_at?,
        offline: arrival == Some("offline"),
        scanned_at,
    })
}

fn phone_tail(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

/// The sheet as `viewer` sees it (their own line is marked: nobody decides on it).
async fn sheet(pool: &Pool, meeting: &Meeting, ended: bool, viewer: &str) -> AppResult<Sheet> {
    let rows = store::sheet_rows(pool, &meeting.id, meeting.frozen_at.is_some()).await?;
    let rows: Vec<SheetRow> = rows
        .into_iter()
        .map(|r| {
            let leave = leave_info(r.leave_kind, r.leave_reason, r.leave_status, r.leave_note);
            let recorded = r.presence.as_deref().and_then(Presence::parse);
            let presence = line_presence(recorded, leave.as_ref().map(|l| l.status), ended);
            let present = presence.is_some_and(Presence::is_present);
            let refused = r
                .refused_reason
                .as_deref()
                .and_then(CheckinRefusal::parse)
                .filter(|_| !present)
                .map(|refusal| RefusedCheckin {
                    error: refusal_error(refusal),
                    scanned_at: r.refused_scanned_at.unwrap_or_default(),
                    received_at: r.refused_received_at.unwrap_or_default(),
                });
            SheetRow {
                mine: r.user_id == viewer,
                user_id: r.user_id,
                name: r.name,
                phone_tail: phone_tail(&r.phone),
                voting: r.voting,
                correction: (presence == Some(Presence::Corrected))
                    .then_some(r.correction)
                    .flatten(),
                checkin: proof(r.slot, r.arrival.as_deref(), r.received_at, r.scanned_at),
                refused,
                presence,
                leave,
            }
        })
        .collect();
    let lines: Vec<SheetLine> = rows
        .iter()
        .map(|r| SheetLine {
            presence: r.presence,
            voting: r.voting,
        })
        .collect();
    Ok(Sheet {
        frozen: meeting.frozen_at.is_some(),
        totals: totals(&lines),
        rows,
    })
}

/// A meeting as one person sees it: the meeting (its 应到 frozen once it has begun), who
/// they are to it, and their own line. Every view of a single meeting starts here.
struct Seen {
    meeting: Meeting,
    access: Access,
    at: i64,
    summary: MeetingSummary,
    my_leave: Option<LeaveInfo>,
    my_checkin: Option<CheckinProof>,
}

async fn seen(pool: &Pool, actor: &Actor, meeting_id: &str) -> AppResult<Seen> {
    // Who may see it is asked before anything is written: a refused read changes nothing.
    let meeting = load(pool, meeting_id).await?;
    let access = may_view(pool, actor, &meeting.org_id, meeting_id).await?;
    let meeting = frozen(pool, meeting).await?;
    let at = now();
    let mine = store::own_line(pool, meeting_id, &actor.user_id).await?;
    let my_checkin = proof(
        mine.slot,
        mine.arrival.as_deref(),
        mine.received_at,
        mine.scanned_at,
    );
    let my_leave = leave_info(
        mine.leave_kind,
        mine.leave_reason,
        mine.leave_status,
        mine.leave_note,
    );
    let my_presence = access
        .expected
        .then(|| {
            line_presence(
                mine.presence.as_deref().and_then(Presence::parse),
                my_leave.as_ref().map(|l| l.status),
                meeting.ends_at <= at,
            )
        })
        .flatten();
    let summary = MeetingSummary {
        id: meeting.id.clone(),
        org_id: meeting.org_id.clone(),
        kind: MeetingKind::parse(&meeting.kind).ok_or(AppError::Internal)?,
        title: meeting.title.clone(),
        place: meeting.place.clone(),
        starts_at: meeting.starts_at,
        ends_at: meeting.ends_at,
        cancelled: meeting.cancelled_at.is_some(),
        recorded_later: meeting.recorded_reason.is_some(),
        my_presence,
        my_leave: my_leave.as_ref().map(|l| l.status),
    };
    Ok(Seen {
        meeting,
        access,
        at,
        summary,
        my_leave,
        my_checkin,
    })
}

/// The check-in page's part of [`detail`]: the same rights, none of the sheet, files or
/// record review (this page is open on every member's phone during a 主题党日).
pub async fn checkin_view(pool: &Pool, actor: &Actor, meeting_id: &str) -> AppResult<CheckinView> {
    let seen = seen(pool, actor, meeting_id).await?;
    Ok(CheckinView {
        summary: seen.summary,
        my_checkin: seen.my_checkin,
    })
}

/// The meeting's page. Expected members and everyone in the meeting's branch see it;
/// the sheet is for those who manage the meeting.
pub async fn detail(pool: &Pool, actor: &Actor, meeting_id: &str) -> AppResult<MeetingDetail> {
    let Seen {
        meeting,
        access: Access {
            can_manage,
            expected,
        },
        at,
        summary,
        my_leave,
        my_checkin,
    } = seen(pool, actor, meeting_id).await?;
    let ended = meeting.ends_at <= at;
    let sheet = if can_manage {
        Some(sheet(pool, &meeting, ended, &actor.user_id).await?)
    } else {
        None
    };
    let files = store::files(pool, meeting_id)
        .await?
        .into_iter()
        .map(|(id, kind, width, height)| MeetingFile {
            id,
            kind,
            width,
            height,
        })
        .collect();
    let held = meeting.starts_at <= at && meeting.cancelled_at.is_none();
    let record_review = if can_manage && held {
        Some(super::minutes::service::record_review(pool, actor, meeting_id).await?)
    } else {
        None
    };
    Ok(MeetingDetail {
        summary,
        org_name: meeting.org_name,
        agenda: meeting.agenda,
        minutes: meeting.minutes,
        cancel_reason: meeting.cancel_reason,
        recorded_reason: meeting.recorded_reason,
        started: meeting.starts_at <= at,
        ended,
        expected,
        can_manage,
        my_leave,
        my_checkin,
        sheet,
        files,
        record_review,
        fetched_at: at,
    })
}

pub struct Access {
    pub can_manage: bool,
    pub expected: bool,
}

/// Who sees a meeting (its page, minutes and photos): those who manage it, those it
/// expects, and everyone in its branch (the branch above, for a group's meeting).
pub async fn may_view(
    pool: &Pool,
    actor: &Actor,
    org_id: &str,
    meeting_id: &str,
) -> AppResult<Access> {
    let path = org_path(pool, org_id).await?;
    let can_manage = can(actor, Action::ScheduleMeeting, &path);
    let mut conn = pool.acquire().await?;
    let expected = store::is_expected(&mut conn, meeting_id, &actor.user_id).await?;
    drop(conn);
    let org_kind = store::org_kind(pool, org_id).await?;
    let branch = if OrgKind::parse(&org_kind) == Some(OrgKind::Group) && path.len() >= 2 {
        &path[path.len() - 2]
    } else {
        &path[path.len() - 1]
    };
    let in_branch = actor.grants.iter().any(|g| &g.org_id == branch);
    if can_manage || expected || in_branch || can(actor, Action::ViewMembers, &path) {
        Ok(Access {
            can_manage,
            expected,
        })
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether the id names one of the meetings' photos or scanned sheets.
pub async fn holds_photo(conn: &mut Conn, photo_id: &str) -> AppResult<bool> {
    Ok(store::meeting_of_file(conn, photo_id).await?.is_some())
}

/// `/media/…` for a meeting's photos and sheets: whoever may see the meeting. False when
/// the photo is not a meeting's.
pub async fn may_view_photo(pool: &Pool, actor: &Actor, photo_id: &str) -> AppResult<bool> {
    let Some((meeting_id, org_id)) = store::file_place(pool, photo_id).await? else {
        return Ok(false);
    };
    may_view(pool, actor, &org_id, &meeting_id).await?;
    Ok(true)
}

/// `approve`s or refuses a member's request; a refusal needs a note the member will read.
pub async fn decide_leave(
    pool: &Pool,
    actor: &Actor,
    meeting_id: &str,
    user_id: &str,
    approve: bool,
    note: &str,
) -> AppResult<()> {
    let meeting = managed(pool, actor, meeting_id).await?;
    if user_id == actor.user_id {
        return Err(AppError::OwnRecord);
    }
    let note = if approve {
        Some(note.trim().to_string())
            .filter(|n| !n.is_empty())
            .map(|n| normalize_reason(&n))
            .transpose()?
    } else {
        Some(normalize_reason(note)?)
    };
    let status = if approve {
        LeaveStatus::Approved
    } else {
        LeaveStatus::Refused
    };
    let mut tx = pool.begin().await?;
    let changed = store::decide_leave(
        &mut tx,
        meeting_id,
        user_id,
        status,
        &actor.user_id,
        now(),
        note.as_deref(),
    )
    .await?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    if approve {
        crate::points::service::absence_excused(&mut tx, meeting_id, user_id, "请假已批准").await?;
    }
    audit(
        &mut *tx,
        &actor.user_id,
        if approve {
            "approve_leave"
        } else {
            "refuse_leave"
        },
        Some(&meeting.org_id),
        Some(&format!("{meeting_id}/{user_id}")),
        note.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 补录: never silent (a reason, the corrector and the audit log) and never overwrites
/// a proven check-in.
pub async fn correct(
    pool: &Pool,
    actor: &Actor,
    meeting_id: &str,
    user_id: &str,
    reason: &str,
) -> AppResult<()> {
    let meeting = managed(pool, actor, meeting_id).await?;
    if user_id == actor.user_id {
        return Err(AppError::OwnRecord);
    }
    let reason = normalize_reason(reason)?;
    if meeting.cancelled_at.is_some() {
        return Err(AppError::MeetingCancelled);
    }
    if meeting.starts_at > now() {
        return Err(AppError::MeetingNotStarted);
    }
    let mut tx = pool.begin().await?;
    freeze_if_started(&mut tx, meeting_id).await?;
    if !store::is_expected(&mut tx, meeting_id, user_id).await? {
        return Err(AppError::NotExpected);
    }
    let inserted =
        store::insert_correction(&mut tx, meeting_id, user_id, now(), &actor.user_id, &reason)
            .await?;
    if inserted == 0 {
        return Err(AppError::AlreadyPresent);
    }
    crate::points::service::absence_excused(&mut tx, meeting_id, user_id, "补录").await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "correct_attendance",
        Some(&meeting.org_id),
        Some(&format!("{meeting_id}/{user_id}")),
        Some(&reason),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_minutes(
    pool: &Pool,
    actor: &Actor,
    meeting_id: &str,
    minutes: &str,
) -> AppResult<()> {
    let meeting = managed(pool, actor, meeting_id).await?;
    let minutes = minutes.trim();
    if minutes.chars().count() > MINUTES_MAX {
        return Err(AppError::MinutesTooLong);
    }
    let mut tx = pool.begin().await?;
    store::save_minutes(&mut tx, meeting_id, minutes, now()).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "save_minutes",
        Some(&meeting.org_id),
        Some(meeting_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The branch's calendar for `year`: held meetings (not cancelled, already started) of the
/// branch and its groups against the required frequencies, judged up to the last month over.
pub async fn compliance(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    year: i64,
) -> AppResult<Compliance> {
    let path = org_path(pool, branch_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    authorize(actor, Action::ViewMembers, &path)?;
    let groups = crate::orgs::service::branch_groups(pool, branch_id).await?;
    let held = held_meetings(pool, branch_id).await?;
    let until_month = judged_until(year);
    let group_ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    Ok(Compliance {
        year,
        until_month,
        checks: judge(year, until_month, &held, &group_ids),
        groups,
    })
}

/// A branch's year in figures, for the 基本活动 star: the calendar's cells judged and
/// short, meetings held and minuted, and members present of those expected.
pub async fn year_activity(pool: &Pool, branch_id: &str, year: i64) -> AppResult<YearActivity> {
    let groups = crate::orgs::service::branch_groups(pool, branch_id).await?;
    let group_ids: Vec<String> = groups.into_iter().map(|g| g.id).collect();
    let until_month = judged_until(year);
    let checks = judge(
        year,
        until_month,
        &held_meetings(pool, branch_id).await?,
        &group_ids,
    );
    let (from, to) = crate::shell::time::shanghai_year_range(year);
    let (held, with_minutes, expected, present) =
        store::year_figures(pool, branch_id, now(), from, to).await?;
    Ok(YearActivity {
        until_month,
        required_cells: checks.len() as u32,
        short_cells: checks.iter().filter(|c| c.short()).count() as u32,
        held,
        with_minutes,
        expected,
        present,
    })
}

pub struct YearActivity {
    pub until_month: u32,
    pub required_cells: u32,
    pub short_cells: u32,
    pub held: i64,
    pub with_minutes: i64,
    pub expected: i64,
    pub present: i64,
}

/// The last month of `year` that is over (and so judged).
fn judged_until(year: i64) -> u32 {
    let (this_year, this_month) = crate::shell::time::shanghai_year_month(now());
    match year.cmp(&this_year) {
        std::cmp::Ordering::Less => 12,
        std::cmp::Ordering::Equal => this_month - 1,
        std::cmp::Ordering::Greater => 0,
    }
}

/// What turns red on the branch's calendar when this month ends unless it is held.
pub async fn due_this_month(pool: &Pool, branch_id: &str) -> AppResult<Vec<PeriodCheck>> {
    let groups = crate::orgs::service::branch_groups(pool, branch_id).await?;
    let group_ids: Vec<String> = groups.into_iter().map(|g| g.id).collect();
    let (year, month) = crate::shell::time::shanghai_year_month(now());
    let held = held_meetings(pool, branch_id).await?;
    Ok(super::rules::due_this_month(year, month, &held, &group_ids))
}

/// Meetings of the branch and its groups that took place (started, not cancelled).
async fn held_meetings(pool: &Pool, branch_id: &str) -> AppResult<Vec<HeldMeeting>> {
    let rows = store::held_meeting_rows(pool, branch_id, now()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(org_id, kind, starts_at, recorded_later)| {
            held_meeting(&org_id, &kind, starts_at, recorded_later)
        })
        .collect())
}

/// A meeting as the calendar counts it; a 党小组会 counts for its group (`org_id`).
fn held_meeting(
    org_id: &str,
    kind: &str,
    starts_at: i64,
    recorded_later: bool,
) -> Option<HeldMeeting> {
    let kind = MeetingKind::parse(kind)?;
    Some(HeldMeeting {
        kind,
        starts_at,
        group_id: (kind == MeetingKind::GroupMeeting).then(|| org_id.to_string()),
        recorded_later,
    })
}

/// The meeting a member's home leads to: of the meetings they are expected at that
/// have not ended, one whose check-in is open and where they are not yet recorded, else
/// the soonest. With the times its check-in window opens and closes.
pub async fn next_meeting(
    pool: &Pool,
    user_id: &str,
) -> AppResult<Option<(MeetingSummary, i64, i64)>> {
    let at = now();
    let mut rows = store::upcoming_for(pool, user_id, at).await?;
    // When the check-in opens and closes: the first second of the window's first slot
    // and the first second after its last.
    let window = |r: &NextMeetingRow| {
        let m = &r.meeting;
        let w = code_window(m.starts_at, m.ends_at, r.opens_before, r.created_at);
        (slot_start(w.first_slot), slot_start(w.last_slot + 1))
    };
    let open_for_me = |r: &NextMeetingRow| {
        let (opens, closes) = window(r);
        r.meeting.recorded_reason.is_none()
            && r.meeting.presence.is_none()
            && (opens..closes).contains(&at)
    };
    if rows.is_empty() {
        return Ok(None);
    }
    let chosen = rows.iter().position(open_for_me).unwrap_or(0);
    let row = rows.swap_remove(chosen);
    let (opens, closes) = if row.meeting.recorded_reason.is_some() {
        (0, 0)
    } else {
        window(&row)
    };
    Ok(row
        .meeting
        .into_summary(at)
        .map(|summary| (summary, opens, closes)))
}

/// Leave requests of the branch's (and its groups') meetings waiting for a decision, and
/// the first meeting they belong to.
pub async fn leave_waiting(
    pool: &Pool,
    branch_id: &str,
    decider: &str,
) -> AppResult<(i64, Option<String>)> {
    // The decider's own request is another's to decide: it does not wait for them.
    let rows = store::pending_leave_meetings(pool, branch_id, decider).await?;
    Ok((rows.len() as i64, rows.into_iter().next()))
}

/// Leave refused for meetings still to come: (meeting title, what was asked, the
/// secretary's note, when decided, meeting id).
pub async fn leave_refused(
    pool: &Pool,
    user_id: &str,
) -> AppResult<Vec<(String, String, String, i64, String)>> {
    Ok(store::refused_leave(pool, user_id, now()).await?)
}

pub async fn subtree_compliance(
    pool: &Pool,
    actor: &Actor,
    year: i64,
) -> AppResult<Vec<BranchYear>> {
    let roots: Vec<&str> = actor
        .grants
        .iter()
        .filter(|g| g.role == crate::auth::authz::Role::Admin)
        .map(|g| g.org_id.as_str())
        .collect();
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    // Every branch of the subtrees with its groups and the year's meetings, in three
    // queries: the 党委's home asks this on every visit.
    let branches = store::subtree_branches(pool, &roots).await?;
    let groups = store::subtree_groups(pool, &roots).await?;
    let (from, to) = crate::shell::time::shanghai_year_range(year);
    let meetings = store::subtree_meetings(pool, &roots, now(), from, to).await?;
    let until_month = judged_until(year);
    let years = branches
        .into_iter()
        .map(|(id, name)| {
            let group_ids: Vec<String> = groups
                .iter()
                .filter(|(branch, _)| branch == &id)
                .map(|(_, group)| group.clone())
                .collect();
            let held: Vec<HeldMeeting> = meetings
                .iter()
                .filter(|(branch, ..)| branch == &id)
                .filter_map(|(_, org, kind, starts_at, recorded_later)| {
                    held_meeting(org, kind, *starts_at, *recorded_later)
                })
                .collect();
            let checks = judge(year, until_month, &held, &group_ids);
            BranchYear {
                branch: crate::auth::NamedRef { id, name },
                until_month,
                short_months: short_months(&checks),
            }
        })
        .collect();
    Ok(years)
}

/// `GET /branch/{id}/meetings.csv?year=`: every meeting of the branch and its groups in
/// the year, one line per expected member (a meeting nobody was expected at has one
/// line of its own), for the branch's leaders.
pub async fn export_csv(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Path(branch_id): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, _) = request.into_parts();
    let year = query
        .get("year")
        .and_then(|y| y.parse::<i64>().ok())
        .unwrap_or_else(|| crate::shell::time::shanghai_year_month(now()).0);
    match meetings_csv(&state.pool, &parts, &branch_id, year).await {
        Ok(csv) => crate::shell::csv::attachment(&format!("meetings-{year}.csv"), csv),
        Err(error) => crate::uploads::service::error_response(error),
    }
}

async fn meetings_csv(
    pool: &Pool,
    parts: &http::request::Parts,
    branch_id: &str,
    year: i64,
) -> AppResult<String> {
    use crate::shell::time::format_datetime;
    let actor = crate::auth::session::actor_from_parts(pool, parts).await?;
    let path = org_path(pool, branch_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    authorize(&actor, Action::ViewMembers, &path)?;
    let ids = store::branch_meeting_ids(pool, branch_id).await?;
    let at = now();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for id in ids {
        let meeting = load_frozen(pool, &id).await?;
        if crate::shell::time::shanghai_year_month(meeting.starts_at).0 != year {
            continue;
        }
        let kind = MeetingKind::parse(&meeting.kind)
            .map(MeetingKind::label_zh)
            .unwrap_or_default();
        let status = match (&meeting.cancel_reason, meeting.cancelled_at) {
            (Some(reason), Some(_)) => format!("已取消：{reason}"),
            _ => meeting
                .recorded_reason
                .as_ref()
                .map(|reason| format!("补记：{reason}"))
                .unwrap_or_default(),
        };
        let head = vec![
            format_datetime(meeting.starts_at),
            format_datetime(meeting.ends_at),
            kind.to_string(),
            meeting.title.clone(),
            meeting.org_name.clone(),
            meeting.place.clone(),
            status,
        ];
        let sheet = sheet(pool, &meeting, meeting.ends_at <= at, &actor.user_id).await?;
        if sheet.rows.is_empty() {
            let mut row = head.clone();
            row.extend(std::iter::repeat_n(String::new(), 6));
            rows.push(row);
        }
        for line in sheet.rows {
            let mut row = head.clone();
            row.push(line.name);
            row.push(if line.voting { "正式" } else { "预备" }.to_string());
            row.push(
                line.presence
                    .map(|p| presence_label(p).text(crate::i18n::Locale::Zh))
                    .unwrap_or("未签到")
                    .to_string()
                    + if line.checkin.as_ref().is_some_and(|c| c.offline) {
                        "（离线签到）"
                    } else {
                        ""
                    },
            );
            let leave = line.leave.as_ref();
            row.push(
                leave
                    .map(|l| l.kind.label_zh().to_string())
                    .unwrap_or_default(),
            );
            row.push(leave.map(|l| l.reason.clone()).unwrap_or_default());
            row.push(line.correction.unwrap_or_default());
            rows.push(row);
        }
    }
    Ok(crate::shell::csv::document(
        &[
            "开始",
            "结束",
            "会议类型",
            "主题",
            "组织",
            "地点",
            "状态",
            "姓名",
            "党员类别",
            "出勤",
            "请假类型",
            "请假原因",
            "补录原因",
        ],
        &rows,
    ))
}

/// The meeting's key, for the people who may schedule it (and so show its code) only.
pub async fn code_key(pool: &Pool, actor: &Actor, meeting_id: &str) -> AppResult<CodeKey> {
    let row = store::key_row(pool, meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = org_path(pool, &row.org_id).await?;
    authorize(actor, Action::ScheduleMeeting, &path)?;
    if row.recorded_reason.is_some() {
        return Err(AppError::MeetingRecordedLater);
    }
    let (title, secret) = (row.title, row.secret);
    let window = code_window(row.starts_at, row.ends_at, row.opens_before, row.created_at);
    Ok(CodeKey {
        meeting_id: meeting_id.to_string(),
        title,
        secret,
        first_slot: window.first_slot,
        last_slot: window.last_slot,
    })
}

/// Meetings the user is expected at or manages, newest first, with their own line.
pub async fn mine(pool: &Pool, user_id: &str) -> AppResult<Vec<MeetingSummary>> {
    let at = now();
    let rows = store::meetings_of(pool, user_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.into_summary(at))
        .collect())
}

pub(super) fn refusal_error(refusal: CheckinRefusal) -> AppError {
    match refusal {
        CheckinRefusal::Malformed => AppError::CheckinMalformed,
        CheckinRefusal::OutsideWindow => AppError::CheckinOutsideWindow,
        CheckinRefusal::WrongCode => AppError::CheckinWrongCode,
        CheckinRefusal::FutureCode => AppError::CheckinFutureCode,
        CheckinRefusal::Expired => AppError::CheckinExpired,
        CheckinRefusal::SyncedTooLate => AppError::CheckinSyncedTooLate,
    }
}

/// The slots whose codes prove presence: the check-in window, and never before the
/// meeting was scheduled (no code existed then, whatever its key computes).
pub(super) fn code_window(
    starts_at: i64,
    ends_at: i64,
    opens_before: i64,
    created_at: i64,
) -> Window {
    let window = Window::for_meeting(starts_at, ends_at, opens_before);
    Window {
        first_slot: window.first_slot.max(slot_of(created_at)),
        ..window
    }
}

/// The branch a meeting's check-ins and the freeze of its 应到 take turns in (see
/// [`crate::db::Pool::begin_keyed`]): the widest thing they read to decide what they write
/// is the meeting and its branch (the frozen 应到, the branch's points rules); the rest is
/// the member's own. A group's meeting counts in its branch, as its points do. `None`:
/// no such meeting.
pub async fn meeting_turn_key(pool: &Pool, meeting_id: &str) -> AppResult<Option<String>> {
    let known = MEETING_BRANCHES
        .lock()
        .ok()
        .and_then(|kept| kept.get(meeting_id).cloned());
    if let Some(branch) = known {
        return Ok(Some(branch));
    }
    let branch = store::meeting_branch(pool, meeting_id).await?;
    if let (Some(branch), Ok(mut kept)) = (&branch, MEETING_BRANCHES.lock()) {
        if kept.len() >= MEETING_BRANCHES_KEPT {
            kept.clear();
        }
        kept.insert(meeting_id.to_string(), branch.clone());
    }
    Ok(branch)
}

/// Meetings' branches as read before, so that the crowd of a 主题党日 does not ask the
/// database before each check-in's turn. An answer never goes stale: nothing changes a
/// meeting's org or a group's branch (`meetings.org_id`, `orgs.parent_id`), and ids are
/// UUIDs, unique across databases. Unknown meetings are not kept.
static MEETING_BRANCHES: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, String>>,
> = std::sync::LazyLock::new(Default::default);
/// Meetings kept at most (some 20 MB); past it the map starts again.
const MEETING_BRANCHES_KEPT: usize = 100_000;
