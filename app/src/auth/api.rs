//! Account server functions: each loads the caller or the session and hands over to
//! [`super::service`].

use super::{Me, NamedRef};
use crate::error::AppError;
use leptos::prelude::*;

/// 在职党员到社区报到: a party member reports to one community at a time (changeable), where
/// they then see and take on wishes.
#[server(endpoint = "report_to_community", output = crate::json::Answer)]
pub async fn report_to_community(community_id: String) -> Result<NamedRef, AppError> {
    let (state, actor) = super::session::require_actor().await?;
    super::service::report(&state.pool, &actor, &community_id).await
}

#[server(endpoint = "current_user", output = crate::json::Answer)]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    let state = crate::state::app_state()?;
    match super::session::current_user_id(&state).await? {
        Some(user_id) => super::service::load_me(&state.pool, &user_id)
            .await
            .map(Some),
        None => Ok(None),
    }
}

/// The communities a party member may report to: those paired with their branch.
#[server(endpoint = "report_communities", output = crate::json::Answer)]
pub async fn report_communities() -> Result<Vec<NamedRef>, AppError> {
    let (state, actor) = super::session::require_actor().await?;
    super::service::report_communities(&state.pool, &actor).await
}

#[server(endpoint = "communities", output = crate::json::Answer)]
pub async fn list_communities() -> Result<Vec<NamedRef>, AppError> {
    let state = crate::state::app_state()?;
    super::service::communities(&state.pool).await
}

#[server(endpoint = "login", output = crate::json::Answer)]
pub async fn login(phone: String, password: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user_id = super::service::login(&state, &phone, password).await?;
    super::session::start_session(&state, &user_id).await
}

#[server(endpoint = "logout", output = crate::json::Answer)]
pub async fn logout() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    super::session::end_session(&state).await
}

#[server(endpoint = "register", output = crate::json::Answer)]
pub async fn register_resident(
    phone: String,
    name: String,
    password: String,
    community_id: String,
) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user_id =
        super::service::register_resident(&state, &phone, &name, password, &community_id).await?;
    super::session::start_session(&state, &user_id).await
}

#[server(endpoint = "change_password", output = crate::json::Answer)]
pub async fn change_password(old_password: String, new_password: String) -> Result<(), AppError> {
    let (state, actor) = super::session::require_actor().await?;
    super::service::change_password(&state, &actor.user_id, old_password, new_password).await?;
    super::session::start_session(&state, &actor.user_id).await
}
