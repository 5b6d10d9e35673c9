//! 意见建议's use cases: a member reads their own, and writes through the outbox.

use super::store::{self, NewSuggestion};
use super::{normalize_body, MySuggestions, SubmitSuggestion, SuggestionRow};
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::offline::rules::effective_time;
use crate::offline::service::{ApplyOp, OpContext};
use crate::state::now;

pub async fn list_mine(pool: &Pool, user_id: &str) -> AppResult<MySuggestions> {
    Ok(MySuggestions {
        items: store::latest_of(pool, user_id)
            .await?
            .into_iter()
            .map(|(id, body, written_at)| SuggestionRow {
                id,
                body,
                written_at,
            })
            .collect(),
        fetched_at: now(),
    })
}

impl ApplyOp for SubmitSuggestion {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let body = normalize_body(&self.body)?;
        uuid::Uuid::parse_str(&self.id).map_err(|_| AppError::BadPayload)?;
        let branch_id = crate::orgs::service::branch_of_member(conn, &ctx.actor.user_id).await?;
        let added = store::add(
            conn,
            &NewSuggestion {
                id: &self.id,
                branch_id: &branch_id,
                user_id: &ctx.actor.user_id,
                body: &body,
                written_at: effective_time(ctx.phone_time, ctx.received_at),
                received_at: ctx.received_at,
            },
        )
        .await?;
        if !added {
            return Err(AppError::BadPayload);
        }
        Ok(serde_json::json!({ "id": self.id }))
    }
}
