//! The sync endpoint: the outbox posts its ops here, in order, a batch at a time.

use super::{OpEnvelope, OpReply};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "sync", input = Json, output = crate::json::Answer)]
pub async fn sync_ops(ops: Vec<OpEnvelope>) -> Result<Vec<OpReply>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::apply_batch(&state.pool, &actor, &state.settings.photos, ops).await
}
