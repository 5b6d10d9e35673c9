//! Wish server functions (reads and the secretary's review); [`super::service`] decides who
//! may do what. The phone's writes are offline ops (`super::ops`).

use super::{ReviewQueue, WishDetail, WishWall};
use crate::error::AppError;
use leptos::prelude::*;

/// A community's wall. `community_id` empty: the asker's own (or first reviewed) one;
/// `category` and `status` empty: all; `urgent`: nearest needed-by date first.
#[server(endpoint = "wish_wall", output = crate::json::Answer)]
pub async fn fetch_wall(
    community_id: String,
    category: String,
    status: String,
    urgent: bool,
) -> Result<WishWall, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::wall(
        &state.pool,
        &actor,
        super::service::WallQuery {
            community_id,
            category,
            status,
            urgent,
        },
    )
    .await
}

#[server(endpoint = "wish_detail", output = crate::json::Answer)]
pub async fn fetch_wish(id: String) -> Result<WishDetail, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::detail(&state.pool, &actor, &id).await
}

#[server(endpoint = "wish_reviews", output = crate::json::Answer)]
pub async fn fetch_reviews() -> Result<ReviewQueue, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::reviews(&state.pool, &actor).await
}

#[server(endpoint = "approve_wish", output = crate::json::Answer)]
pub async fn approve_wish(wish_id: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::review(&state.pool, &actor, &wish_id, None).await
}

#[server(endpoint = "reject_wish", output = crate::json::Answer)]
pub async fn reject_wish(wish_id: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::review(&state.pool, &actor, &wish_id, Some(&reason)).await
}

/// Days after which an unanswered fulfilment counts as confirmed, for a branch's wishes.
#[server(endpoint = "wish_confirm_days", output = crate::json::Answer)]
pub async fn set_confirm_days(branch_id: String, days: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::set_confirm_days(&state.pool, &actor, &branch_id, &days).await
}
