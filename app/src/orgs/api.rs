//! Organisation server functions: each loads the caller and hands over to
//! [`super::service`], which resolves the target org's path and asks
//! [`crate::auth::authz::authorize`] before it reads or writes.

use super::{AdminOverview, BranchMembers, InviteInfo, InviteView};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "branch_members", output = crate::json::Answer)]
pub async fn fetch_members(branch_id: String) -> Result<BranchMembers, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::fetch_members(&state.pool, &actor, &branch_id).await
}

#[server(endpoint = "set_member_group", output = crate::json::Answer)]
pub async fn set_member_group(
    branch_id: String,
    user_id: String,
    group_id: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::set_member_group(&state.pool, &actor, &branch_id, &user_id, &group_id).await
}

#[server(endpoint = "set_party_status", output = crate::json::Answer)]
pub async fn set_party_status(
    branch_id: String,
    user_id: String,
    status: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::set_party_status(&state.pool, &actor, &branch_id, &user_id, &status).await
}

#[server(endpoint = "remove_member", output = crate::json::Answer)]
pub async fn remove_member(branch_id: String, user_id: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::remove_member(&state.pool, &actor, &branch_id, &user_id).await
}

#[server(endpoint = "list_invites", output = crate::json::Answer)]
pub async fn list_invites(branch_id: String) -> Result<Vec<InviteView>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::list_invites(&state.pool, &actor, &branch_id).await
}

#[server(endpoint = "create_invite", output = crate::json::Answer)]
pub async fn create_invite(branch_id: String, valid_days: String) -> Result<InviteView, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let days = super::rules::parse_valid_days(&valid_days)?;
    super::service::create_invite(&state.pool, &actor, &branch_id, days).await
}

#[server(endpoint = "revoke_invite", output = crate::json::Answer)]
pub async fn revoke_invite(invite_id: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::revoke_invite(&state.pool, &actor, &invite_id).await
}

#[server(endpoint = "fetch_invite", output = crate::json::Answer)]
pub async fn fetch_invite(code: String) -> Result<InviteInfo, AppError> {
    let state = crate::state::app_state()?;
    super::service::usable_invite(&state.pool, &code)
        .await
        .map(|(_, info)| info)
}

/// A logged-in user (a resident, say) joins the invite's branch.
#[server(endpoint = "join_branch", output = crate::json::Answer)]
pub async fn join_branch(code: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::join_branch(&state.pool, &actor.user_id, &code).await
}

/// Someone new creates an account and joins the invite's branch in one step.
#[server(endpoint = "register_member", output = crate::json::Answer)]
pub async fn register_member(
    code: String,
    phone: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user_id = super::service::register_member(&state, &code, &phone, &name, password).await?;
    crate::auth::session::start_session(&state, &user_id).await
}

#[server(endpoint = "admin_overview", output = crate::json::Answer)]
pub async fn fetch_admin_overview() -> Result<AdminOverview, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::fetch_admin_overview(&state.pool, &actor).await
}

#[server(endpoint = "create_org", output = crate::json::Answer)]
pub async fn create_org(parent_id: String, kind: String, name: String) -> Result<String, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::create_org(&state.pool, &actor, &parent_id, &kind, &name).await
}

#[server(endpoint = "appoint_secretary", output = crate::json::Answer)]
pub async fn appoint_secretary(branch_id: String, phone: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::appoint_secretary(&state.pool, &actor, &branch_id, &phone).await
}

#[server(endpoint = "create_community", output = crate::json::Answer)]
pub async fn create_community(branch_id: String, name: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::create_community(&state.pool, &actor, &branch_id, &name).await
}
