//! Meeting server functions; [`super::service`] decides who may do what. Scheduling, leave
//! decisions, 补录, minutes and cancelling are for whoever may schedule the meeting (the
//! branch's secretary; the group leader for 党小组会; an admin above); checking in and
//! asking for leave are a member's, through the offline outbox (`super::ops`).

use super::{
    BranchYear, CheckinView, CodeKey, Compliance, MeetingDetail, MeetingSummary, SchedulableOrg,
};
use crate::error::AppError;
use leptos::prelude::*;

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "schedule_meeting", output = crate::json::Answer)]
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
    let (state, actor) = crate::auth::session::require_actor().await?;
    let plan = super::rules::plan_from_form(title, agenda, place, &starts_at, &ends_at)?;
    super::service::schedule(&state.pool, &actor, &org_id, &kind, plan, past_reason).await
}

#[server(endpoint = "edit_meeting", output = crate::json::Answer)]
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
    let (state, actor) = crate::auth::session::require_actor().await?;
    let plan = super::rules::plan_from_form(title, agenda, place, &starts_at, &ends_at)?;
    super::service::edit(&state.pool, &actor, &meeting_id, plan, &reason).await
}

#[server(endpoint = "cancel_meeting", output = crate::json::Answer)]
pub async fn cancel_meeting(meeting_id: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::cancel(&state.pool, &actor, &meeting_id, &reason).await
}

#[server(endpoint = "schedulable_orgs", output = crate::json::Answer)]
pub async fn fetch_schedulable_orgs() -> Result<Vec<SchedulableOrg>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::schedulable_orgs(&state.pool, &actor).await
}

#[server(endpoint = "meeting_detail", output = crate::json::Answer)]
pub async fn fetch_meeting(meeting_id: String) -> Result<MeetingDetail, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::detail(&state.pool, &actor, &meeting_id).await
}

/// The part of [`fetch_meeting`] the check-in page shows, under the same rights.
#[server(endpoint = "checkin_view", output = crate::json::Answer)]
pub async fn fetch_checkin_view(meeting_id: String) -> Result<CheckinView, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::checkin_view(&state.pool, &actor, &meeting_id).await
}

/// `decision` is `approve` or `refuse`; a refusal needs a note the member will read.
#[server(endpoint = "decide_leave", output = crate::json::Answer)]
pub async fn decide_leave(
    meeting_id: String,
    user_id: String,
    decision: String,
    note: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let approve = super::rules::leave_decision(&decision)?;
    super::service::decide_leave(&state.pool, &actor, &meeting_id, &user_id, approve, &note).await
}

/// 补录: marks an expected member present who could not check in, with a reason.
#[server(endpoint = "correct_attendance", output = crate::json::Answer)]
pub async fn correct_attendance(
    meeting_id: String,
    user_id: String,
    reason: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::correct(&state.pool, &actor, &meeting_id, &user_id, &reason).await
}

#[server(endpoint = "save_minutes", output = crate::json::Answer)]
pub async fn save_minutes(meeting_id: String, minutes: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::save_minutes(&state.pool, &actor, &meeting_id, &minutes).await
}

#[server(endpoint = "branch_compliance", output = crate::json::Answer)]
pub async fn fetch_compliance(branch_id: String, year: i64) -> Result<Compliance, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::compliance(&state.pool, &actor, &branch_id, year).await
}

/// Every branch below the orgs the caller administers, with its red months.
#[server(endpoint = "subtree_compliance", output = crate::json::Answer)]
pub async fn fetch_subtree_compliance(year: i64) -> Result<Vec<BranchYear>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::subtree_compliance(&state.pool, &actor, year).await
}

/// What the secretary's phone needs to show the rotating code, also with no signal.
#[server(endpoint = "meeting_code_key", output = crate::json::Answer)]
pub async fn fetch_code_key(meeting_id: String) -> Result<CodeKey, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::code_key(&state.pool, &actor, &meeting_id).await
}

#[server(endpoint = "my_meetings", output = crate::json::Answer)]
pub async fn fetch_my_meetings() -> Result<Vec<MeetingSummary>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::mine(&state.pool, &actor.user_id).await
}
