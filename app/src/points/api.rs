//! Points server functions; [`super::service`] decides who may do what, and the members'
//! writes travel as offline ops (see [`super`]). Approving, rejecting, publishing tasks and
//! correcting the ledger are the branch secretary's (or an admin's above); nobody approves
//! their own claim.

use super::{BranchEntry, Leaderboard, PointsHome, QueueItem, RuleView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "points_home", output = crate::json::Answer)]
pub async fn fetch_points_home() -> Result<PointsHome, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::home(&state.pool, &actor).await
}

#[server(endpoint = "points_queue", output = crate::json::Answer)]
pub async fn fetch_queue(
    branch_id: String,
    oldest_first: bool,
) -> Result<Vec<QueueItem>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::queue(&state.pool, &actor, &branch_id, oldest_first).await
}

/// Approves queue items in one go; `points` (one item only) gives fewer than asked.
#[server(endpoint = "approve_points", input = Json, output = crate::json::Answer)]
pub async fn approve_points(keys: Vec<String>, points: Option<i64>) -> Result<usize, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::approve(&state.pool, &actor, &keys, points).await
}

#[server(endpoint = "reject_points", output = crate::json::Answer)]
pub async fn reject_points(key: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::reject(&state.pool, &actor, &key, &reason).await
}

#[server(endpoint = "publish_task", output = crate::json::Answer)]
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
    let task = super::rules::task_from_form(title, description, &points, &places, &deadline)?;
    super::service::publish_task(&state.pool, &actor, &branch_id, task).await
}

#[server(endpoint = "points_board", output = crate::json::Answer)]
pub async fn fetch_leaderboard(branch_id: String, period: String) -> Result<Leaderboard, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::leaderboard(&state.pool, &actor, &branch_id, &period).await
}

/// The branch's latest entries (corrections start here) and whether rankings show.
#[server(endpoint = "branch_entries", output = crate::json::Answer)]
pub async fn fetch_branch_entries(branch_id: String) -> Result<(Vec<BranchEntry>, bool), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::branch_entries(&state.pool, &actor, &branch_id).await
}

#[server(endpoint = "set_ranking", output = crate::json::Answer)]
pub async fn set_ranking(branch_id: String, enabled: bool) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::set_ranking(&state.pool, &actor, &branch_id, enabled).await
}

#[server(endpoint = "branch_rules", output = crate::json::Answer)]
pub async fn fetch_rules(branch_id: String) -> Result<Vec<RuleView>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::rules(&state.pool, &actor, &branch_id).await
}

/// Adds a claimed rule (`rule_id` empty) or changes one; an automatic rule keeps its source.
/// Entries already made keep their points.
#[server(endpoint = "save_rule", output = crate::json::Answer)]
pub async fn save_rule(rule: super::RuleForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let input = super::rules::rule_from_form(&rule)?;
    super::service::save_rule(&state.pool, &actor, &rule.branch_id, &rule.rule_id, input).await
}

/// A correction: a new entry reversing `entry_id`, with a reason, in the audit log.
#[server(endpoint = "reverse_entry", output = crate::json::Answer)]
pub async fn reverse_entry(entry_id: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::correct(&state.pool, &actor, &entry_id, &reason).await
}
