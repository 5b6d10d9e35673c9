//! One answer for the home page, put together from each capability's service.

use super::HomeOverview;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "home_overview", output = crate::json::Answer)]
pub async fn fetch_home() -> Result<HomeOverview, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::overview(&state.pool, &actor).await
}
