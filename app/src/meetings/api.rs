//! Meeting server functions and the check-in op. Scheduling is the org's secretary's (or,
//! for 党小组会, the group leader's); checking in is a member's, through the offline outbox.

use super::{CodeKey, Compliance, MeetingSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "schedule_meeting")]
pub async fn schedule_meeting(
    org_id: String,
    kind: String,
    title: String,
    place: String,
    starts_at: String,
    ends_at: String,
) -> Result<String, AppError> {
    use crate::shell::time::parse_local_datetime;
    let (state, actor) = crate::auth::session::require_actor().await?;
    let starts_at = parse_local_datetime(&starts_at).ok_or(AppError::MeetingTimes)?;
    let ends_at = parse_local_datetime(&ends_at).ok_or(AppError::MeetingTimes)?;
    service::schedule(
        &state.pool,
        &actor,
        &org_id,
        &kind,
        &title,
        &place,
        starts_at,
        ends_at,
    )
    .await
}

#[server(endpoint = "branch_compliance")]
pub async fn fetch_compliance(branch_id: String, year: i64) -> Result<Compliance, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::compliance(&state.pool, &actor, &branch_id, year).await
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
    use super::super::checkin::{verify, CheckinRefusal, Window};
    use super::super::rules::{compliance as judge, HeldMeeting};
    use super::super::rules::{MeetingKind, Presence};
    use super::super::{CheckIn, CodeKey, Compliance, MeetingSummary};
    use crate::auth::authz::{authorize, Action, Actor};
    use crate::auth::session::org_path;
    use crate::error::{AppError, AppResult};
    use crate::offline::api::service::ApplyOp;
    use crate::orgs::rules::OrgKind;
    use crate::state::{audit, new_id, now, random_hex32};
    use sqlx::{SqliteConnection, SqlitePool};

    const MAX_DURATION_SECS: i64 = 12 * 3600;

    #[allow(clippy::too_many_arguments)]
    pub async fn schedule(
        pool: &SqlitePool,
        actor: &Actor,
        org_id: &str,
        kind: &str,
        title: &str,
        place: &str,
        starts_at: i64,
        ends_at: i64,
    ) -> AppResult<String> {
        let path = org_path(pool, org_id)
            .await
            .map_err(|_| AppError::Forbidden)?;
        authorize(actor, Action::ScheduleMeeting, &path)?;
        let kind = MeetingKind::parse(kind).ok_or(AppError::BadPayload)?;
        let org_kind: String = sqlx::query_scalar("SELECT kind FROM orgs WHERE id = ?")
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
        let title = crate::auth::rules::normalize_name(title)?;
        if ends_at <= starts_at || ends_at - starts_at > MAX_DURATION_SECS {
            return Err(AppError::MeetingTimes);
        }
        let id = new_id();
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO meetings (id, org_id, kind, title, place, starts_at, ends_at, secret, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(kind.as_str())
        .bind(&title)
        .bind(place.trim())
        .bind(starts_at)
        .bind(ends_at)
        .bind(random_hex32())
        .bind(&actor.user_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        audit(
            &mut *tx,
            &actor.user_id,
            "schedule_meeting",
            Some(org_id),
            Some(&id),
            Some(kind.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The branch's calendar for `year`: held meetings (not cancelled, already started) of the
    /// branch and its groups against the required frequencies, judged up to the last month over.
    pub async fn compliance(
        pool: &SqlitePool,
        actor: &Actor,
        branch_id: &str,
        year: i64,
    ) -> AppResult<Compliance> {
        let path = org_path(pool, branch_id)
            .await
            .map_err(|_| AppError::Forbidden)?;
        authorize(actor, Action::ViewMembers, &path)?;
        let groups = crate::orgs::api::service::branch_groups(pool, branch_id).await?;
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT m.org_id, m.kind, m.starts_at FROM meetings m
             WHERE (m.org_id = ? OR m.org_id IN (SELECT id FROM orgs WHERE parent_id = ?))
               AND m.cancelled_at IS NULL AND m.starts_at <= ?",
        )
        .bind(branch_id)
        .bind(branch_id)
        .bind(now())
        .fetch_all(pool)
        .await?;
        let held: Vec<HeldMeeting> = rows
            .into_iter()
            .filter_map(|(org_id, kind, starts_at)| {
                let kind = MeetingKind::parse(&kind)?;
                let group_id = (kind == MeetingKind::GroupMeeting).then_some(org_id);
                Some(HeldMeeting {
                    kind,
                    starts_at,
                    group_id,
                })
            })
            .collect();
        let (this_year, this_month) = crate::shell::time::shanghai_year_month(now());
        let until_month = match year.cmp(&this_year) {
            std::cmp::Ordering::Less => 12,
            std::cmp::Ordering::Equal => this_month - 1,
            std::cmp::Ordering::Greater => 0,
        };
        let group_ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
        Ok(Compliance {
            year,
            until_month,
            checks: judge(year, until_month, &held, &group_ids),
            groups,
        })
    }

    /// The meeting's key, for the people who may schedule it (and so show its code) only.
    pub async fn code_key(
        pool: &SqlitePool,
        actor: &Actor,
        meeting_id: &str,
    ) -> AppResult<CodeKey> {
        let row: Option<(String, String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT org_id, title, secret, starts_at, ends_at, opens_before FROM meetings WHERE id = ?",
        )
        .bind(meeting_id)
        .fetch_optional(pool)
        .await?;
        let (org_id, title, secret, starts_at, ends_at, opens_before) =
            row.ok_or(AppError::NotFound)?;
        let path = org_path(pool, &org_id).await?;
        authorize(actor, Action::ScheduleMeeting, &path)?;
        let window = Window::for_meeting(starts_at, ends_at, opens_before);
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
        presence: Option<String>,
    }

    /// Meetings of the orgs the user is a member of, newest first, with their own attendance.
    pub async fn mine(pool: &SqlitePool, user_id: &str) -> AppResult<Vec<MeetingSummary>> {
        let rows: Vec<MeetingRow> = sqlx::query_as(
            "SELECT m.id, m.org_id, m.kind, m.title, m.place, m.starts_at, m.ends_at, m.cancelled_at,
                    a.presence
             FROM meetings m
             JOIN memberships ms ON ms.org_id = m.org_id AND ms.user_id = ? AND ms.role = 'member'
             LEFT JOIN attendance a ON a.meeting_id = m.id AND a.user_id = ms.user_id
             ORDER BY m.starts_at DESC LIMIT 200",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(MeetingSummary {
                    kind: MeetingKind::parse(&r.kind)?,
                    id: r.id,
                    org_id: r.org_id,
                    title: r.title,
                    place: r.place,
                    starts_at: r.starts_at,
                    ends_at: r.ends_at,
                    cancelled: r.cancelled_at.is_some(),
                    my_presence: r.presence.as_deref().and_then(Presence::parse),
                })
            })
            .collect())
    }

    impl ApplyOp for CheckIn {
        /// Judged by the slot the code proves: the phone's clock and the upload time do not
        /// count. A second check-in of the same member answers with the first.
        async fn apply(
            self,
            actor: &Actor,
            _created_at: i64,
            conn: &mut SqliteConnection,
        ) -> AppResult<serde_json::Value> {
            let meeting: Option<(String, String, i64, i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT org_id, secret, starts_at, ends_at, opens_before, cancelled_at FROM meetings WHERE id = ?",
            )
            .bind(&self.meeting_id)
            .fetch_optional(&mut *conn)
            .await?;
            let (org_id, secret, starts_at, ends_at, opens_before, cancelled_at) =
                meeting.ok_or(AppError::NotFound)?;
            if cancelled_at.is_some() {
                return Err(AppError::MeetingCancelled);
            }
            let member: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM memberships WHERE user_id = ? AND org_id = ? AND role = 'member'",
            )
            .bind(&actor.user_id)
            .bind(&org_id)
            .fetch_optional(&mut *conn)
            .await?;
            if member.is_none() {
                return Err(AppError::NotExpected);
            }
            let window = Window::for_meeting(starts_at, ends_at, opens_before);
            let slot = verify(
                secret.as_bytes(),
                &self.meeting_id,
                window,
                self.slot,
                &self.code,
            )
            .map_err(|r| match r {
                CheckinRefusal::Malformed => AppError::CheckinMalformed,
                CheckinRefusal::OutsideWindow => AppError::CheckinOutsideWindow,
                CheckinRefusal::WrongCode => AppError::CheckinWrongCode,
            })?;
            let presence = if super::super::checkin::slot_start(slot) > starts_at {
                Presence::Late
            } else {
                Presence::OnTime
            };
            sqlx::query(
                "INSERT INTO attendance (meeting_id, user_id, presence, slot, recorded_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (meeting_id, user_id) DO NOTHING",
            )
            .bind(&self.meeting_id)
            .bind(&actor.user_id)
            .bind(presence.as_str())
            .bind(slot)
            .bind(now())
            .execute(&mut *conn)
            .await?;
            let (stored, stored_slot): (String, Option<i64>) = sqlx::query_as(
                "SELECT presence, slot FROM attendance WHERE meeting_id = ? AND user_id = ?",
            )
            .bind(&self.meeting_id)
            .bind(&actor.user_id)
            .fetch_one(&mut *conn)
            .await?;
            Ok(serde_json::json!({ "presence": stored, "slot": stored_slot }))
        }
    }
}
