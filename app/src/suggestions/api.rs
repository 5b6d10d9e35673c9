use super::MySuggestions;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "my_suggestions", output = crate::json::Answer)]
pub async fn fetch_my_suggestions() -> Result<MySuggestions, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::list_mine(&state.pool, &actor.user_id).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::super::{normalize_body, MySuggestions, SubmitSuggestion, SuggestionRow};
    use crate::auth::authz::Role;
    use crate::db::{Conn, Pool};
    use crate::error::{AppError, AppResult};
    use crate::offline::api::service::{ApplyOp, OpContext};
    use crate::offline::rules::effective_time;
    use crate::state::now;

    pub async fn list_mine(pool: &Pool, user_id: &str) -> AppResult<MySuggestions> {
        let rows: Vec<(String, String, i64)> = crate::db::query_as(
            "SELECT id, body, written_at FROM suggestions WHERE user_id = ? ORDER BY written_at DESC, id DESC LIMIT 100",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        Ok(MySuggestions {
            items: rows
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
            let actor = ctx.actor;
            let body = normalize_body(&self.body)?;
            uuid::Uuid::parse_str(&self.id).map_err(|_| AppError::BadPayload)?;
            let branch: Option<String> = crate::db::query_scalar(
                "SELECT m.org_id FROM memberships m JOIN orgs o ON o.id = m.org_id
                 WHERE m.user_id = ? AND m.role = ? AND o.kind = 'branch'",
            )
            .bind(&actor.user_id)
            .bind(Role::Member.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            let branch = branch.ok_or(AppError::NotInBranch)?;
            let received = ctx.received_at;
            let inserted = crate::db::query(
                "INSERT INTO suggestions (id, branch_id, user_id, body, written_at, received_at)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&self.id)
            .bind(&branch)
            .bind(&actor.user_id)
            .bind(&body)
            .bind(effective_time(ctx.phone_time, received))
            .bind(received)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Err(AppError::BadPayload);
            }
            Ok(serde_json::json!({ "id": self.id }))
        }
    }
}
