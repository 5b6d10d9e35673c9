use super::MySuggestions;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "my_suggestions", output = crate::json::Answer)]
pub async fn fetch_my_suggestions() -> Result<MySuggestions, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::list_mine(&state.pool, &actor.user_id).await
}
