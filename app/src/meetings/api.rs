//! Meeting server functions and the members' offline ops. Scheduling, leave decisions,
//! 补录, minutes and cancelling are for whoever may schedule the meeting (the branch's
//! secretary; the group leader for 党小组会; an admin above); checking in and asking for
//! leave are a member's, through the offline outbox.

use super::{
    BranchYear, CheckinView, CodeKey, Compliance, MeetingDetail, MeetingSummary, SchedulableOrg,
};
use crate::error::AppError;
use leptos::prelude::*;

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "schedule_meeting")]
pub async fn schedule_meeting(
    org_id: String,
    kind: String,
    title: String,
    agenda: String,
    place: String,
    starts_at: String,
    ends_at: String,
    /// Only for a meeting already over: why it is recorded afterwards (补记).
    past_reason: Option<String>,
) -> Result<String, AppError> {
    use crate::shell::time::parse_local_datetime;
    let (state, actor) = crate::auth::session::require_actor().await?;
    let starts_at = parse_local_datetime(&starts_at).ok_or(AppError::MeetingTimes)?;
    let ends_at = parse_local_datetime(&ends_at).ok_or(AppError::MeetingTimes)?;
    let plan = service::Plan {
        title,
        agenda,
        place,
        starts_at,
        ends_at,
    };
    let past_reason = past_reason.filter(|r| !r.trim().is_empty());
    service::schedule(&state.pool, &actor, &org_id, &kind, plan, past_reason).await
}

#[server(endpoint = "edit_meeting")]
#[allow(clippy::too_many_arguments)]
pub async fn edit_meeting(
    meeting_id: String,
    title: String,
    agenda: String,
    place: String,
    starts_at: String,
    ends_at: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::shell::time::parse_local_datetime;
    let (state, actor) = crate::auth::session::require_actor().await?;
    let starts_at = parse_local_datetime(&starts_at).ok_or(AppError::MeetingTimes)?;
    let ends_at = parse_local_datetime(&ends_at).ok_or(AppError::MeetingTimes)?;
    let plan = service::Plan {
        title,
        agenda,
        place,
        starts_at,
        ends_at,
    };
    service::edit(&state.pool, &actor, &meeting_id, plan, &reason).await
}

#[server(endpoint = "cancel_meeting")]
pub async fn cancel_meeting(meeting_id: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::cancel(&state.pool, &actor, &meeting_id, &reason).await
}

#[server(endpoint = "schedulable_orgs")]
pub async fn fetch_schedulable_orgs() -> Result<Vec<SchedulableOrg>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::schedulable_orgs(&state.pool, &actor).await
}

#[server(endpoint = "meeting_detail")]
pub async fn fetch_meeting(meeting_id: String) -> Result<MeetingDetail, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::detail(&state.pool, &actor, &meeting_id).await
}

/// The part of [`fetch_meeting`] the check-in page shows, under the same rights.
#[server(endpoint = "checkin_view")]
pub async fn fetch_checkin_view(meeting_id: String) -> Result<CheckinView, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::checkin_view(&state.pool, &actor, &meeting_id).await
}

/// `decision` is `approve` or `refuse`; a refusal needs a note the member will read.
#[server(endpoint = "decide_leave")]
pub async fn decide_leave(
    meeting_id: String,
    user_id: String,
    decision: String,
    note: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(AppError::BadPayload),
    };
    service::decide_leave(&state.pool, &actor, &meeting_id, &user_id, approve, &note).await
}

/// 补录: marks an expected member present who could not check in, with a reason.
#[server(endpoint = "correct_attendance")]
pub async fn correct_attendance(
    meeting_id: String,
    user_id: String,
    reason: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::correct(&state.pool, &actor, &meeting_id, &user_id, &reason).await
}

#[server(endpoint = "save_minutes")]
pub async fn save_minutes(meeting_id: String, minutes: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::save_minutes(&state.pool, &actor, &meeting_id, &minutes).await
}

#[server(endpoint = "branch_compliance")]
pub async fn fetch_compliance(branch_id: String, year: i64) -> Result<Compliance, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::compliance(&state.pool, &actor, &branch_id, year).await
}

/// Every branch below the orgs the caller administers, with its red months.
#[server(endpoint = "subtree_compliance")]
pub async fn fetch_subtree_compliance(year: i64) -> Result<Vec<BranchYear>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::subtree_compliance(&state.pool, &actor, year).await
}

/// What the secretary's phone needs to show the rotating code, also with no signal.
#[server(endpoint = "meeting_code_key")]
pub async fn fetch_code_key(meeting_id: String) -> Result<CodeKey, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::code_key(&state.pool, &actor, &meeting_id).await
}

#[server(endpoint = "my_meetings")]
pub async fn fetch_my_meetings() -> Result<Vec<MeetingSummary>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::mine(&state.pool, &actor.user_id).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::super::checkin::{
        judge_arrival, slot_start, verify, Arrival, CheckinRefusal, CheckinTimes, Window,
    };
    use super::super::rules::{
        compliance as judge, line_presence, normalize_reason, totals, HeldMeeting, LeaveKind,
        LeaveStatus, MeetingKind, PeriodCheck, Presence, SheetLine, MINUTES_MAX,
    };
    use super::super::{
        AddMeetingPhoto, BranchYear, CheckIn, CheckinProof, CheckinView, CodeKey, Compliance,
        LeaveInfo, MeetingDetail, MeetingFile, MeetingSummary, RefusedCheckin, RequestLeave,
        SchedulableOrg, Sheet, SheetRow,
    };
    use crate::auth::authz::{authorize, can, Action, Actor};
    use crate::auth::session::org_path;
    use crate::db::{Conn, Pool};
    use crate::error::{AppError, AppResult};
    use crate::offline::api::service::{ApplyOp, OpContext};
    use crate::orgs::rules::OrgKind;
    use crate::state::{audit, new_id, now, random_hex32};

    const MAX_DURATION_SECS: i64 = 12 * 3600;
    const PLACE_MAX: usize = 100;
    /// A meeting that began this long ago (or is over) can only be recorded afterwards.
    const LIVE_GRACE_SECS: i64 = 3600;
    const MAX_WRONG_CODES: i64 = 10;
    const GUESS_WINDOW_SECS: i64 = 600;

    /// Who a meeting expects while 应到 is not frozen: the org's members, or for a 支委会 the
    /// branch committee (its secretaries). `?1` is the meeting's id.
    const LIVE_AUDIENCE: &str = "SELECT ms.user_id FROM meetings m
         JOIN memberships ms ON ms.org_id = m.org_id
          AND ms.role = CASE m.audience WHEN 'committee' THEN 'secretary' ELSE 'member' END
         WHERE m.id = ?1";

    /// What a schedule or an edit sets.
    pub struct Plan {
        pub title: String,
        pub agenda: String,
        pub place: String,
        pub starts_at: i64,
        pub ends_at: i64,
    }

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
    /// of the past (补记): it needs a reason, which the calendar and the CSV show.
    pub async fn schedule(
        pool: &Pool,
        actor: &Actor,
        org_id: &str,
        kind: &str,
        plan: Plan,
        past_reason: Option<String>,
    ) -> AppResult<String> {
        let path = org_path(pool, org_id)
            .await
            .map_err(|_| AppError::Forbidden)?;
        authorize(actor, Action::ScheduleMeeting, &path)?;
        let kind = MeetingKind::parse(kind).ok_or(AppError::BadPayload)?;
        let org_kind: String = crate::db::query_scalar("SELECT kind FROM orgs WHERE id = ?")
            .bind(org_id)
            .fetch_one(pool)
            .await?;
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
        crate::db::query(
            "INSERT INTO meetings (id, org_id, kind, title, agenda, place, starts_at, ends_at, audience, secret, created_by, created_at, recorded_reason)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(kind.as_str())
        .bind(&plan.title)
        .bind(&plan.agenda)
        .bind(&plan.place)
        .bind(plan.starts_at)
        .bind(plan.ends_at)
        .bind(audience_of(kind))
        .bind(random_hex32())
        .bind(&actor.user_id)
        .bind(at)
        .bind(&recorded_reason)
        .execute(&mut *tx)
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

    #[derive(sqlx::FromRow)]
    struct Meeting {
        id: String,
        org_id: String,
        org_name: String,
        kind: String,
        title: String,
        agenda: String,
        place: String,
        minutes: String,
        starts_at: i64,
        ends_at: i64,
        cancelled_at: Option<i64>,
        cancel_reason: Option<String>,
        recorded_reason: Option<String>,
        frozen_at: Option<i64>,
    }

    async fn load(pool: &Pool, meeting_id: &str) -> AppResult<Meeting> {
        crate::db::query_as(
            "SELECT m.id, m.org_id, o.name AS org_name, m.kind, m.title, m.agenda, m.place, m.minutes,
                    m.starts_at, m.ends_at, m.cancelled_at, m.cancel_reason, m.recorded_reason, m.frozen_at
             FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?",
        )
        .bind(meeting_id)
        .fetch_optional(pool)
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
        crate::db::query(
            "UPDATE meetings SET title = ?, agenda = ?, place = ?, starts_at = ?, ends_at = ? WHERE id = ?",
        )
        .bind(&plan.title)
        .bind(&plan.agenda)
        .bind(&plan.place)
        .bind(plan.starts_at)
        .bind(plan.ends_at)
        .bind(meeting_id)
        .execute(&mut *tx)
        .await?;
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

    pub async fn cancel(
        pool: &Pool,
        actor: &Actor,
        meeting_id: &str,
        reason: &str,
    ) -> AppResult<()> {
        let meeting = managed(pool, actor, meeting_id).await?;
        let reason = normalize_reason(reason)?;
        if meeting.cancelled_at.is_some() {
            return Ok(());
        }
        let mut tx = pool.begin().await?;
        crate::db::query("UPDATE meetings SET cancelled_at = ?, cancel_reason = ? WHERE id = ?")
            .bind(now())
            .bind(&reason)
            .bind(meeting_id)
            .execute(&mut *tx)
            .await?;
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
        let rows: Vec<(String, String, String, Option<String>)> = crate::db::query_as(
            "SELECT o.id, o.name, o.kind, o.parent_id FROM orgs o
             WHERE o.kind IN ('branch', 'group')
               AND (o.id IN (SELECT org_id FROM memberships WHERE user_id = ?1 AND role IN ('secretary', 'group_leader', 'admin'))
                 OR o.parent_id IN (SELECT org_id FROM memberships WHERE user_id = ?1 AND role IN ('secretary', 'admin')))
             ORDER BY COALESCE(CASE o.kind WHEN 'group' THEN o.parent_id END, o.id), o.kind = 'group', o.name",
        )
        .bind(&actor.user_id)
        .fetch_all(pool)
        .await?;
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
        let claimed = crate::db::query(
            "UPDATE meetings SET frozen_at = ?1 WHERE id = ?2 AND frozen_at IS NULL AND starts_at <= ?1",
        )
        .bind(at)
        .bind(meeting_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if claimed == 1 {
            crate::db::query(&format!(
                "INSERT INTO meeting_expected (meeting_id, user_id, voting)
                 SELECT ?1, u.id, COALESCE(u.party_status = 'full', FALSE) FROM users u WHERE u.id IN ({LIVE_AUDIENCE})"
            ))
            .bind(meeting_id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// Freezes every meeting that has started since the last call (a timer calls this).
    pub async fn freeze_started(pool: &Pool) -> AppResult<usize> {
        let due: Vec<String> = crate::db::query_scalar(
            "SELECT id FROM meetings WHERE frozen_at IS NULL AND starts_at <= ? AND cancelled_at IS NULL",
        )
        .bind(now())
        .fetch_all(pool)
        .await?;
        for id in &due {
            let mut tx = pool.begin().await?;
            freeze_if_started(&mut tx, id).await?;
            tx.commit().await?;
        }
        Ok(due.len())
    }

    /// The meeting with 应到 frozen if it is due; reading a page takes the write lock only
    /// the first time after the start.
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
        let mut tx = pool.begin().await?;
        freeze_if_started(&mut tx, meeting_id).await?;
        tx.commit().await?;
        load(pool, meeting_id).await
    }

    /// Whether `user_id` is on the meeting's list: the frozen one once it has started.
    async fn is_expected(conn: &mut Conn, meeting_id: &str, user_id: &str) -> AppResult<bool> {
        let found: Option<bool> = crate::db::query_scalar(&format!(
            "SELECT TRUE FROM meetings m WHERE m.id = ?1 AND CASE WHEN m.frozen_at IS NOT NULL
               THEN EXISTS (SELECT 1 FROM meeting_expected e WHERE e.meeting_id = ?1 AND e.user_id = ?2)
               ELSE ?2 IN ({LIVE_AUDIENCE}) END"
        ))
        .bind(meeting_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(found.is_some())
    }

    #[derive(sqlx::FromRow)]
    struct SheetQueryRow {
        user_id: String,
        name: String,
        phone: String,
        voting: bool,
        presence: Option<String>,
        correction: Option<String>,
        slot: Option<i64>,
        arrival: Option<String>,
        received_at: Option<i64>,
        scanned_at: Option<i64>,
        leave_kind: Option<String>,
        leave_reason: Option<String>,
        leave_status: Option<String>,
        leave_note: Option<String>,
        refused_reason: Option<String>,
        refused_scanned_at: Option<i64>,
        refused_received_at: Option<i64>,
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
        let expected = if meeting.frozen_at.is_some() {
            "SELECT user_id, voting FROM meeting_expected WHERE meeting_id = ?1".to_string()
        } else {
            format!(
                "SELECT u.id AS user_id, COALESCE(u.party_status = 'full', FALSE) AS voting FROM users u
                 WHERE u.id IN ({LIVE_AUDIENCE})"
            )
        };
        let rows: Vec<SheetQueryRow> = crate::db::query_as(&format!(
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
        .bind(&meeting.id)
        .fetch_all(pool)
        .await?;
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

    #[derive(sqlx::FromRow)]
    struct MyLine {
        presence: Option<String>,
        slot: Option<i64>,
        arrival: Option<String>,
        received_at: Option<i64>,
        scanned_at: Option<i64>,
        leave_kind: Option<String>,
        leave_reason: Option<String>,
        leave_status: Option<String>,
        leave_note: Option<String>,
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
        let mine: MyLine = crate::db::query_as(
            "SELECT a.presence, a.slot, a.arrival, a.recorded_at AS received_at, a.scanned_at,
                    l.kind AS leave_kind, l.reason AS leave_reason,
                    l.status AS leave_status, l.decision_note AS leave_note
             FROM (SELECT 1) AS one LEFT JOIN attendance a ON a.meeting_id = ?1 AND a.user_id = ?2
             LEFT JOIN leave_requests l ON l.meeting_id = ?1 AND l.user_id = ?2",
        )
        .bind(meeting_id)
        .bind(&actor.user_id)
        .fetch_one(pool)
        .await?;
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
    pub async fn checkin_view(
        pool: &Pool,
        actor: &Actor,
        meeting_id: &str,
    ) -> AppResult<CheckinView> {
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
        let files = crate::db::query_as::<(String, String, i64, i64)>(
            "SELECT id, kind, width, height FROM meeting_files WHERE meeting_id = ? ORDER BY created_at, id",
        )
        .bind(meeting_id)
        .fetch_all(pool)
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
            Some(super::super::minutes::service::record_review(pool, actor, meeting_id).await?)
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
        let expected = is_expected(&mut conn, meeting_id, &actor.user_id).await?;
        drop(conn);
        let org_kind: String = crate::db::query_scalar("SELECT kind FROM orgs WHERE id = ?")
            .bind(org_id)
            .fetch_one(pool)
            .await?;
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
        let changed = crate::db::query(
            "UPDATE leave_requests SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?
             WHERE meeting_id = ? AND user_id = ?",
        )
        .bind(status.as_str())
        .bind(&actor.user_id)
        .bind(now())
        .bind(&note)
        .bind(meeting_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(AppError::NotFound);
        }
        if approve {
            crate::points::service::absence_excused(&mut tx, meeting_id, user_id, "请假已批准")
                .await?;
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
        if !is_expected(&mut tx, meeting_id, user_id).await? {
            return Err(AppError::NotExpected);
        }
        let inserted = crate::db::query(
            "INSERT INTO attendance (meeting_id, user_id, presence, slot, recorded_at, corrected_by, reason)
             VALUES (?, ?, 'corrected', NULL, ?, ?, ?)
             ON CONFLICT (meeting_id, user_id) DO NOTHING",
        )
        .bind(meeting_id)
        .bind(user_id)
        .bind(now())
        .bind(&actor.user_id)
        .bind(&reason)
        .execute(&mut *tx)
        .await?
        .rows_affected();
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
        crate::db::query("UPDATE meetings SET minutes = ?, minutes_saved_at = ? WHERE id = ?")
            .bind(minutes)
            .bind(now())
            .bind(meeting_id)
            .execute(&mut *tx)
            .await?;
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
        let groups = crate::orgs::api::service::branch_groups(pool, branch_id).await?;
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
        let groups = crate::orgs::api::service::branch_groups(pool, branch_id).await?;
        let group_ids: Vec<String> = groups.into_iter().map(|g| g.id).collect();
        let until_month = judged_until(year);
        let checks = judge(
            year,
            until_month,
            &held_meetings(pool, branch_id).await?,
            &group_ids,
        );
        let (from, to) = crate::shell::time::shanghai_year_range(year);
        let (held, with_minutes, expected, present): (i64, i64, i64, i64) = crate::db::query_as(
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
        .bind(now())
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?;
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
        let groups = crate::orgs::api::service::branch_groups(pool, branch_id).await?;
        let group_ids: Vec<String> = groups.into_iter().map(|g| g.id).collect();
        let (year, month) = crate::shell::time::shanghai_year_month(now());
        let held = held_meetings(pool, branch_id).await?;
        Ok(super::super::rules::due_this_month(
            year, month, &held, &group_ids,
        ))
    }

    /// Meetings of the branch and its groups that took place (started, not cancelled).
    async fn held_meetings(pool: &Pool, branch_id: &str) -> AppResult<Vec<HeldMeeting>> {
        let rows: Vec<(String, String, i64, bool)> = crate::db::query_as(
            "SELECT m.org_id, m.kind, m.starts_at, m.recorded_reason IS NOT NULL FROM meetings m
             WHERE (m.org_id = ? OR m.org_id IN (SELECT id FROM orgs WHERE parent_id = ?))
               AND m.cancelled_at IS NULL AND m.starts_at <= ?",
        )
        .bind(branch_id)
        .bind(branch_id)
        .bind(now())
        .fetch_all(pool)
        .await?;
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
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            meeting: MeetingRow,
            opens_before: i64,
            created_at: i64,
        }
        let at = now();
        let mut rows: Vec<Row> = crate::db::query_as(
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
        .fetch_all(pool)
        .await?;
        // When the check-in opens and closes: the first second of the window's first slot
        // and the first second after its last.
        let window = |r: &Row| {
            let m = &r.meeting;
            let w = code_window(m.starts_at, m.ends_at, r.opens_before, r.created_at);
            (
                super::super::checkin::slot_start(w.first_slot),
                super::super::checkin::slot_start(w.last_slot + 1),
            )
        };
        let open_for_me = |r: &Row| {
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
        let rows: Vec<String> = crate::db::query_scalar(
            "SELECT l.meeting_id FROM leave_requests l JOIN meetings m ON m.id = l.meeting_id
             WHERE l.status = 'pending' AND m.cancelled_at IS NULL AND l.user_id <> ?2
               AND (m.org_id = ?1 OR m.org_id IN (SELECT id FROM orgs WHERE parent_id = ?1))
             ORDER BY m.starts_at",
        )
        .bind(branch_id)
        .bind(decider)
        .fetch_all(pool)
        .await?;
        Ok((rows.len() as i64, rows.into_iter().next()))
    }

    /// Leave refused for meetings still to come: (meeting title, what was asked, the
    /// secretary's note, when decided, meeting id).
    pub async fn leave_refused(
        pool: &Pool,
        user_id: &str,
    ) -> AppResult<Vec<(String, String, String, i64, String)>> {
        Ok(crate::db::query_as(
            "SELECT m.title, l.reason, COALESCE(l.decision_note, ''), COALESCE(l.decided_at, 0), m.id
             FROM leave_requests l JOIN meetings m ON m.id = l.meeting_id
             WHERE l.user_id = ? AND l.status = 'refused' AND m.ends_at > ? AND m.cancelled_at IS NULL
             ORDER BY m.starts_at",
        )
        .bind(user_id)
        .bind(now())
        .fetch_all(pool)
        .await?)
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
        let roots_in = crate::db::numbered_placeholders(1, roots.len());
        let subtree = format!(
            "WITH RECURSIVE down(id, depth) AS (
                 SELECT id, CAST(0 AS BIGINT) FROM orgs WHERE id IN ({roots_in})
                 UNION
                 SELECT o.id, down.depth + 1 FROM orgs o JOIN down ON o.parent_id = down.id
                 WHERE down.depth < 16
             )"
        );
        let branches: Vec<(String, String)> = crate::db::query_as(&format!(
            "{subtree} SELECT DISTINCT o.id, o.name FROM orgs o JOIN down ON down.id = o.id
             WHERE o.kind = 'branch' ORDER BY o.name"
        ))
        .bind_each(&roots)
        .fetch_all(pool)
        .await?;
        let groups: Vec<(String, String)> = crate::db::query_as(&format!(
            "{subtree} SELECT DISTINCT o.parent_id, o.id FROM orgs o JOIN down ON down.id = o.id
             WHERE o.kind = 'group'"
        ))
        .bind_each(&roots)
        .fetch_all(pool)
        .await?;
        let (from, to) = crate::shell::time::shanghai_year_range(year);
        let meetings: Vec<(String, String, String, i64, bool)> = crate::db::query_as(&format!(
            "{subtree} SELECT COALESCE(CASE o.kind WHEN 'group' THEN o.parent_id END, o.id), m.org_id,
                    m.kind, m.starts_at, m.recorded_reason IS NOT NULL
             FROM meetings m JOIN orgs o ON o.id = m.org_id JOIN down ON down.id = o.id
             WHERE m.cancelled_at IS NULL AND m.starts_at <= ?{now} AND m.starts_at >= ?{from}
                   AND m.starts_at < ?{to}",
            now = roots.len() + 1,
            from = roots.len() + 2,
            to = roots.len() + 3,
        ))
        .bind_each(&roots)
        .bind(now())
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
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
                    short_months: super::super::rules::short_months(&checks),
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
        axum::extract::Query(query): axum::extract::Query<
            std::collections::HashMap<String, String>,
        >,
        request: axum::extract::Request,
    ) -> axum::response::Response {
        let (parts, _) = request.into_parts();
        let year = query
            .get("year")
            .and_then(|y| y.parse::<i64>().ok())
            .unwrap_or_else(|| crate::shell::time::shanghai_year_month(now()).0);
        match meetings_csv(&state.pool, &parts, &branch_id, year).await {
            Ok(csv) => crate::shell::csv::attachment(&format!("meetings-{year}.csv"), csv),
            Err(error) => crate::uploads::store::error_response(error),
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
        let ids: Vec<String> = crate::db::query_scalar(
            "SELECT id FROM meetings
             WHERE (org_id = ?1 OR org_id IN (SELECT id FROM orgs WHERE parent_id = ?1 AND kind = 'group'))
             ORDER BY starts_at, id",
        )
        .bind(branch_id)
        .fetch_all(pool)
        .await?;
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
                        .map(|p| {
                            super::super::views::presence_label(p).text(crate::i18n::Locale::Zh)
                        })
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
        #[derive(sqlx::FromRow)]
        struct KeyRow {
            org_id: String,
            title: String,
            secret: String,
            starts_at: i64,
            ends_at: i64,
            opens_before: i64,
            created_at: i64,
            recorded_reason: Option<String>,
        }
        let row: KeyRow = crate::db::query_as(
            "SELECT org_id, title, secret, starts_at, ends_at, opens_before, created_at, recorded_reason
             FROM meetings WHERE id = ?",
        )
        .bind(meeting_id)
        .fetch_optional(pool)
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

    #[derive(sqlx::FromRow)]
    struct MeetingRow {
        id: String,
        org_id: String,
        kind: String,
        title: String,
        place: String,
        starts_at: i64,
        ends_at: i64,
        cancelled_at: Option<i64>,
        recorded_reason: Option<String>,
        presence: Option<String>,
        leave_status: Option<String>,
    }

    impl MeetingRow {
        /// The meeting as the lists show it, with the user's own line as of `at`.
        fn into_summary(self, at: i64) -> Option<MeetingSummary> {
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

    /// Meetings the user is expected at or manages, newest first, with their own line.
    pub async fn mine(pool: &Pool, user_id: &str) -> AppResult<Vec<MeetingSummary>> {
        let at = now();
        let rows: Vec<MeetingRow> = crate::db::query_as(
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
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_summary(at))
            .collect())
    }

    fn refusal_error(refusal: CheckinRefusal) -> AppError {
        match refusal {
            CheckinRefusal::Malformed => AppError::CheckinMalformed,
            CheckinRefusal::OutsideWindow => AppError::CheckinOutsideWindow,
            CheckinRefusal::WrongCode => AppError::CheckinWrongCode,
            CheckinRefusal::FutureCode => AppError::CheckinFutureCode,
            CheckinRefusal::Expired => AppError::CheckinExpired,
            CheckinRefusal::SyncedTooLate => AppError::CheckinSyncedTooLate,
        }
    }

    fn error_refusal(error: &AppError) -> Option<CheckinRefusal> {
        CheckinRefusal::ALL
            .into_iter()
            .find(|r| &refusal_error(*r) == error)
    }

    /// A check-in's answer: the member's line as recorded.
    fn line_answer(
        presence: &str,
        slot: Option<i64>,
        arrival: Option<&str>,
        received_at: i64,
        scanned_at: Option<i64>,
    ) -> serde_json::Value {
        serde_json::json!({
            "presence": presence,
            "slot": slot,
            "arrival": arrival,
            "received_at": received_at,
            "scanned_at": scanned_at,
        })
    }

    /// Everything a check-in decides on, read in one statement: the meeting, the member's
    /// line if they already have one, whether they are expected, and their wrong codes of
    /// late. A whole branch checks in within minutes, one writer at a time, so each
    /// statement in the writer's turn counts.
    #[derive(sqlx::FromRow)]
    struct CheckinFacts {
        secret: String,
        starts_at: i64,
        ends_at: i64,
        opens_before: i64,
        cancelled_at: Option<i64>,
        frozen_at: Option<i64>,
        points_at: Option<i64>,
        created_at: i64,
        recorded_reason: Option<String>,
        line_presence: Option<String>,
        line_slot: Option<i64>,
        line_arrival: Option<String>,
        line_received_at: Option<i64>,
        line_scanned_at: Option<i64>,
        expected: bool,
        wrong_lately: i64,
    }

    /// Before the meeting froze its 应到, the expected are its live audience; the freeze
    /// copies that same audience, so either answer holds after it.
    async fn checkin_facts(
        conn: &mut Conn,
        meeting_id: &str,
        user_id: &str,
        wrong_since: i64,
    ) -> AppResult<Option<CheckinFacts>> {
        Ok(crate::db::query_as(&format!(
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
        .fetch_optional(&mut *conn)
        .await?)
    }

    /// The slots whose codes prove presence: the check-in window, and never before the
    /// meeting was scheduled (no code existed then, whatever its key computes).
    fn code_window(starts_at: i64, ends_at: i64, opens_before: i64, created_at: i64) -> Window {
        let window = Window::for_meeting(starts_at, ends_at, opens_before);
        Window {
            first_slot: window
                .first_slot
                .max(super::super::checkin::slot_of(created_at)),
            ..window
        }
    }

    /// The branch a meeting's check-ins take turns in (see [`crate::db::Pool::begin_keyed`]):
    /// the widest thing a check-in reads to decide what it writes is the meeting and its
    /// branch (the frozen 应到, the branch's points rules); the rest is the member's own.
    /// A group's meeting counts in its branch, as its points do.
    pub async fn checkin_turn_key(pool: &Pool, meeting_id: &str) -> AppResult<Option<String>> {
        Ok(crate::db::query_scalar(
            "SELECT CASE WHEN o.kind = 'group' THEN COALESCE(o.parent_id, o.id) ELSE o.id END
             FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?",
        )
        .bind(meeting_id)
        .fetch_optional(pool)
        .await?)
    }

    impl ApplyOp for CheckIn {
        const REFUSES_BEFORE_WRITING: bool = true;

        /// Present on the spot only when the slot the code proves, the phone's corrected
        /// scan time and the server's receipt time agree (`checkin::judge_arrival`); the
        /// line's time is the slot's. A second check-in of the same member answers with the
        /// first. After the meeting's points were given, the ledger follows the sheet.
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let actor = ctx.actor;
            let facts = checkin_facts(
                conn,
                &self.meeting_id,
                &actor.user_id,
                ctx.received_at - GUESS_WINDOW_SECS,
            )
            .await?
            .ok_or(AppError::NotFound)?;
            let CheckinFacts {
                secret,
                starts_at,
                ends_at,
                opens_before,
                created_at,
                frozen_at,
                points_at,
                ..
            } = facts;
            if facts.cancelled_at.is_some() {
                return Err(AppError::MeetingCancelled);
            }
            // A meeting recorded afterwards has no codes to prove anything: 补录 only.
            if facts.recorded_reason.is_some() {
                return Err(AppError::MeetingRecordedLater);
            }
            if let (Some(presence), Some(received_at)) =
                (&facts.line_presence, facts.line_received_at)
            {
                return Ok(line_answer(
                    presence,
                    facts.line_slot,
                    facts.line_arrival.as_deref(),
                    received_at,
                    facts.line_scanned_at,
                ));
            }
            if !facts.expected {
                return Err(AppError::NotExpected);
            }
            // Six digits, two valid at a time: ten wrong tries in ten minutes and the
            // member's next ones wait (the outbox retries them later).
            if facts.wrong_lately >= MAX_WRONG_CODES {
                return Err(AppError::RateLimited);
            }
            let window = code_window(starts_at, ends_at, opens_before, created_at);
            let slot = verify(
                secret.as_bytes(),
                &self.meeting_id,
                window,
                self.slot,
                &self.code,
            )
            .map_err(refusal_error)?;
            let arrival = judge_arrival(CheckinTimes {
                slot,
                scanned_at: ctx.phone_time,
                received_at: ctx.received_at,
                meeting_ends_at: ends_at,
            })
            .map_err(refusal_error)?;
            // Every refusal is above: from here on it writes (REFUSES_BEFORE_WRITING).
            // The crowd of a 主题党日 finds 应到 frozen: only the first check-in after the
            // start (if the timer has not come by yet) freezes it.
            if frozen_at.is_none() {
                freeze_if_started(&mut *conn, &self.meeting_id).await?;
            }
            let presence = if slot_start(slot) > starts_at {
                Presence::Late
            } else {
                Presence::OnTime
            };
            let arrival = match arrival {
                Arrival::Online => "online",
                Arrival::Offline { .. } => "offline",
            };
            crate::db::query(
                "INSERT INTO attendance (meeting_id, user_id, presence, slot, recorded_at, arrival, scanned_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&self.meeting_id)
            .bind(&actor.user_id)
            .bind(presence.as_str())
            .bind(slot)
            .bind(ctx.received_at)
            .bind(arrival)
            .bind(ctx.phone_time)
            .execute(&mut *conn)
            .await?;
            if points_at.is_some() {
                // Past the refusals, a failure can only be retried: the whole transaction
                // is undone and the phone sends the check-in again.
                crate::points::service::checked_in_after_points(
                    conn,
                    &self.meeting_id,
                    &actor.user_id,
                )
                .await
                .map_err(|error| {
                    tracing::error!(?error, meeting = %self.meeting_id, "points after a check-in");
                    AppError::Internal
                })?;
            }
            Ok(line_answer(
                presence.as_str(),
                Some(slot),
                Some(arrival),
                ctx.received_at,
                Some(ctx.phone_time),
            ))
        }

        /// A refusal of the code or of its times is kept, typed, for the sheet and for the
        /// limit on guessing.
        async fn refused(
            self,
            ctx: &OpContext<'_>,
            conn: &mut Conn,
            error: &AppError,
        ) -> AppResult<()> {
            let Some(refusal) = error_refusal(error) else {
                return Ok(());
            };
            crate::db::query(
                "INSERT INTO checkin_refusals (op_id, meeting_id, user_id, reason, slot, scanned_at, received_at)
                 SELECT ?, id, ?, ?, ?, ?, ? FROM meetings WHERE id = ?
                 ON CONFLICT (op_id) DO NOTHING",
            )
            .bind(ctx.op_id)
            .bind(&ctx.actor.user_id)
            .bind(refusal.as_str())
            .bind(self.slot)
            .bind(ctx.phone_time)
            .bind(ctx.received_at)
            .bind(&self.meeting_id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
    }

    impl ApplyOp for RequestLeave {
        /// Asked before the start (by the time the phone recorded, clamped by the sync
        /// protocol); asking again replaces a pending or refused request, never an approval.
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let actor = ctx.actor;
            let meeting: Option<(i64, Option<i64>)> =
                crate::db::query_as("SELECT starts_at, cancelled_at FROM meetings WHERE id = ?")
                    .bind(&self.meeting_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let (starts_at, cancelled_at) = meeting.ok_or(AppError::NotFound)?;
            if cancelled_at.is_some() {
                return Err(AppError::MeetingCancelled);
            }
            // In time by the server's receipt: a phone's clock cannot ask after the fact.
            let asked_at = ctx.received_at;
            if asked_at >= starts_at {
                return Err(AppError::LeaveTooLate);
            }
            if !is_expected(&mut *conn, &self.meeting_id, &actor.user_id).await? {
                return Err(AppError::NotExpected);
            }
            let reason = normalize_reason(&self.reason)?;
            crate::db::query(
                "INSERT INTO leave_requests (meeting_id, user_id, kind, reason, status, requested_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5)
                 ON CONFLICT (meeting_id, user_id) DO UPDATE SET
                   kind = excluded.kind, reason = excluded.reason, status = 'pending',
                   requested_at = excluded.requested_at, decided_by = NULL, decided_at = NULL,
                   decision_note = NULL
                 WHERE leave_requests.status <> 'approved'",
            )
            .bind(&self.meeting_id)
            .bind(&actor.user_id)
            .bind(self.kind.as_str())
            .bind(&reason)
            .bind(asked_at)
            .execute(&mut *conn)
            .await?;
            let status: String = crate::db::query_scalar(
                "SELECT status FROM leave_requests WHERE meeting_id = ? AND user_id = ?",
            )
            .bind(&self.meeting_id)
            .bind(&actor.user_id)
            .fetch_one(&mut *conn)
            .await?;
            Ok(serde_json::json!({ "status": status }))
        }
    }

    impl ApplyOp for AddMeetingPhoto {
        /// For those who manage the meeting. The photo is re-encoded before it is stored.
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            use crate::uploads::store;
            if !matches!(self.kind.as_str(), "photo" | "sheet") {
                return Err(AppError::BadPayload);
            }
            let org_id: String =
                crate::db::query_scalar("SELECT org_id FROM meetings WHERE id = ?")
                    .bind(&self.meeting_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or(AppError::NotFound)?;
            let path = org_path(&mut *conn, &org_id).await?;
            authorize(ctx.actor, Action::ScheduleMeeting, &path)?;
            store::phone_photo_id(&self.id)?;
            let existing: Option<String> =
                crate::db::query_scalar("SELECT meeting_id FROM meeting_files WHERE id = ?")
                    .bind(&self.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(meeting_id) = existing {
                return if meeting_id == self.meeting_id {
                    Ok(serde_json::json!({ "id": self.id }))
                } else {
                    Err(AppError::BadPayload)
                };
            }
            store::unclaimed(conn, &self.id).await?;
            let clean = ctx.photos.get(&self.data)?;
            store::count_upload(conn, &self.id, &ctx.actor.user_id, clean.jpeg.len()).await?;
            ctx.keep_file(&self.id, &clean);
            crate::db::query(
                "INSERT INTO meeting_files (id, meeting_id, kind, width, height, bytes, uploaded_by, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&self.id)
            .bind(&self.meeting_id)
            .bind(&self.kind)
            .bind(clean.width)
            .bind(clean.height)
            .bind(clean.jpeg.len() as i64)
            .bind(&ctx.actor.user_id)
            .bind(now())
            .execute(&mut *conn)
            .await?;
            Ok(serde_json::json!({ "id": self.id }))
        }
    }
}
