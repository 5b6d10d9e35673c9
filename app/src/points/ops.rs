//! The members' offline ops (claims, task sign-ups and hand-ins), applied once by the
//! server at its receipt time.

use super::service::member_branch;
use super::store::{self, NewPhoto};
use super::{normalize_note, ClaimPoints, SignUpTask, SubmitTask, PHOTOS_MAX};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::offline::service::{ApplyOp, OpContext};
use crate::state::{new_id, now};

/// Re-encodes and stores each photo of a claim or task completion.
async fn store_photos(
    ctx: &OpContext<'_>,
    conn: &mut Conn,
    owner_kind: &str,
    owner_id: &str,
    photos: &[String],
) -> AppResult<()> {
    let stored =
        crate::uploads::service::accept_all(ctx, conn, owner_kind, owner_id, photos, PHOTOS_MAX)
            .await?;
    for (id, clean) in stored {
        store::add_photo(
            conn,
            &NewPhoto {
                id: &id,
                owner_kind,
                owner_id,
                width: clean.width,
                height: clean.height,
                bytes: clean.jpeg.len() as i64,
                by: &ctx.actor.user_id,
                at: now(),
            },
        )
        .await?;
    }
    Ok(())
}

impl ApplyOp for ClaimPoints {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        uuid::Uuid::parse_str(&self.id).map_err(|_| AppError::BadPayload)?;
        let note = normalize_note(&self.note)?;
        let (branch, _) = member_branch(conn, &ctx.actor.user_id).await?;
        let rule = store::active_rule(&mut *conn, &self.rule_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if rule.branch_id != branch || rule.auto_source.is_some() {
            return Err(AppError::NotFound);
        }
        let inserted = store::add_claim(
            conn,
            &self.id,
            &branch,
            &ctx.actor.user_id,
            &rule.id,
            &note,
            ctx.received_at,
        )
        .await?;
        if !inserted {
            return Err(AppError::BadPayload);
        }
        store_photos(ctx, conn, "claim", &self.id, &self.photos).await?;
        Ok(serde_json::json!({ "claim": self.id }))
    }
}

impl ApplyOp for SignUpTask {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let (branch, _) = member_branch(conn, &ctx.actor.user_id).await?;
        let (task_branch, places, deadline) = store::task(&mut *conn, &self.task_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if task_branch != branch {
            return Err(AppError::NotFound);
        }
        if deadline <= now() {
            return Err(AppError::TaskClosed);
        }
        let mine = store::task_status(&mut *conn, &self.task_id, &ctx.actor.user_id).await?;
        if let Some(status) = mine {
            return Ok(serde_json::json!({ "status": status }));
        }
        let taken = store::places_taken(&mut *conn, &self.task_id).await?;
        if taken >= places {
            return Err(AppError::TaskFull);
        }
        store::sign_up(conn, &new_id(), &self.task_id, &ctx.actor.user_id, now()).await?;
        Ok(serde_json::json!({ "status": "signed" }))
    }
}

impl ApplyOp for SubmitTask {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let note = normalize_note(&self.note)?;
        let entry = store::task_entry(&mut *conn, &self.task_id, &ctx.actor.user_id).await?;
        let (entry_id, status) = entry.ok_or(AppError::TaskNotSigned)?;
        match status.as_str() {
            "signed" => {}
            "submitted" | "approved" => return Ok(serde_json::json!({ "status": status })),
            _ => return Err(AppError::AlreadyDecided),
        }
        store::hand_in(conn, &entry_id, &note, ctx.received_at).await?;
        store_photos(ctx, conn, "task", &entry_id, &self.photos).await?;
        Ok(serde_json::json!({ "status": "submitted" }))
    }
}
