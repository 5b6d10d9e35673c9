//! 民主评议 server functions; members' writes travel as offline ops (see [`super`]).

use super::{MyReview, ReviewBoard};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "my_reviews", output = crate::json::Answer)]
pub async fn fetch_my_reviews() -> Result<Vec<MyReview>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::my_reviews(&state.pool, &actor).await
}

#[server(endpoint = "review_board", output = crate::json::Answer)]
pub async fn fetch_board(branch_id: String, year: i64) -> Result<ReviewBoard, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::board(&state.pool, &actor, &branch_id, year).await
}

#[server(endpoint = "open_review", output = crate::json::Answer)]
pub async fn open_review(branch_id: String, excellent_cap: String) -> Result<String, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let cap = excellent_cap
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::ReviewCap)?;
    super::service::open(&state.pool, &actor, &branch_id, cap).await
}

#[server(endpoint = "decide_review", output = crate::json::Answer)]
pub async fn decide_review(
    review_id: String,
    user_id: String,
    grade: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let grade = super::rules::Grade::parse(&grade).ok_or(AppError::BadPayload)?;
    super::service::decide(&state.pool, &actor, &review_id, &user_id, grade, &reason).await
}

#[server(endpoint = "close_review", output = crate::json::Answer)]
pub async fn close_review(review_id: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::close(&state.pool, &actor, &review_id).await
}
