//! What photos go through besides their bytes: a phone's id checked against every
//! record's, the uploader's daily quota, the applied ops' photos kept in the database until
//! storage has them, and `/media/…` for whoever may see the record a photo belongs to.

use super::photos::{photo_id, Photos, Reencoded};
use super::{store, PHOTOS_PER_DAY, STORAGE_WAIT};
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::state::now;
use std::sync::Arc;

/// Refuses a phone's id that already names a stored photo of another record: the record
/// would show, and pass on, a picture that is not its own. The records' own tables are
/// asked, each by its capability (`uploads` counts only what came after quotas did).
pub async fn unclaimed(conn: &mut Conn, id: &str) -> AppResult<()> {
    let taken = crate::meetings::service::holds_photo(conn, id).await?
        || crate::wishes::service::holds_photo(conn, id).await?
        || crate::points::service::holds_photo(conn, id).await?
        || crate::stars::service::holds_photo(conn, id).await?
        || store::counted(conn, id).await?;
    if taken {
        return Err(AppError::BadPayload);
    }
    Ok(())
}

/// Counts a stored photo against its uploader's daily quota; refuses past the quota.
pub async fn count_upload(conn: &mut Conn, id: &str, user_id: &str, bytes: usize) -> AppResult<()> {
    let at = now();
    if store::uploads_since(conn, user_id, at - 86_400, id).await? >= PHOTOS_PER_DAY {
        return Err(AppError::PhotoQuota);
    }
    Ok(store::count(conn, id, user_id, bytes, at).await?)
}

/// The photos (at most `max`) of a record that travels in an op, prepared before the
/// transaction: counted against the uploader's quota and kept to be written once the op
/// is applied (a refused op leaves no file), with their ids. An id
/// derives from the record's kind, id and the photo's place, so a replayed op names the
/// same files and no record of one kind can name another kind's photo.
pub async fn accept_all(
    ctx: &crate::offline::service::OpContext<'_>,
    conn: &mut Conn,
    owner_kind: &str,
    owner_id: &str,
    photos: &[String],
    max: usize,
) -> AppResult<Vec<(String, Arc<Reencoded>)>> {
    if photos.len() > max {
        return Err(AppError::PhotoInvalid);
    }
    let mut stored = Vec::with_capacity(photos.len());
    for (index, data) in photos.iter().enumerate() {
        let id = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("{owner_kind}/{owner_id}/{index}").as_bytes(),
        )
        .to_string();
        let clean = ctx.photos.get(data)?;
        count_upload(conn, &id, &ctx.actor.user_id, clean.jpeg.len()).await?;
        ctx.keep_file(&id, &clean);
        stored.push((id, clean));
    }
    Ok(stored)
}

/// Keeps an applied op's photo in its transaction, until [`store_pending`] moves it
/// into storage after the commit.
pub async fn keep_pending(conn: &mut Conn, id: &str, jpeg: &[u8]) -> AppResult<()> {
    Ok(store::keep_pending(conn, id, jpeg, now()).await?)
}

/// Moves a kept photo into storage, then forgets it (a second server doing the same
/// writes the same bytes under the same id).
pub async fn store_pending(pool: &Pool, photos: &Photos, id: &str, jpeg: &[u8]) -> AppResult<()> {
    // Storage that does not answer is retried by its client for minutes: give up sooner,
    // and leave the photo for the timer.
    tokio::time::timeout(STORAGE_WAIT, photos.save(id, jpeg))
        .await
        .map_err(|_| AppError::RateLimited)??;
    Ok(store::forget_pending(pool.for_write(), id).await?)
}

/// Moves what a crash or a storage outage left behind, oldest first, a hundred at a
/// time (the timer calls this). A photo that fails is passed over; three failures in a
/// row end the round (storage is down). How many moved.
pub async fn store_all_pending(pool: &Pool, photos: &Photos) -> AppResult<usize> {
    let (mut moved, mut failed_in_a_row) = (0, 0);
    for id in &store::oldest_pending(pool).await? {
        let Some(jpeg) = store::pending_jpeg(pool, id).await? else {
            continue;
        };
        match store_pending(pool, photos, id, &jpeg).await {
            Ok(()) => (moved, failed_in_a_row) = (moved + 1, 0),
            Err(error) => {
                failed_in_a_row += 1;
                if failed_in_a_row == 3 {
                    return Err(error);
                }
            }
        }
    }
    Ok(moved)
}

/// A photo still waiting to be moved into storage, or a stored one.
async fn read_photo(pool: &Pool, photos: &Photos, id: &str) -> AppResult<Vec<u8>> {
    // The database first: a photo is saved before its row goes, so a miss there means
    // storage has it, and a storage that is down is not waited for.
    match store::pending_jpeg(pool, id).await? {
        Some(jpeg) => Ok(jpeg),
        None => photos.read(id).await,
    }
}

/// `GET /media/{id}.jpg`: the photo, for whoever may see what it belongs to.
pub async fn serve(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (parts, _) = request.into_parts();
    let result: AppResult<Vec<u8>> = async {
        let actor = crate::auth::session::actor_from_parts(&state.pool, &parts).await?;
        let id = file.strip_suffix(".jpg").ok_or(AppError::NotFound)?;
        photo_id(id).map_err(|_| AppError::NotFound)?;
        // Each capability answers for its own records' photos: false when not one of its.
        let pool = &state.pool;
        let known = crate::meetings::service::may_view_photo(pool, &actor, id).await?
            || crate::wishes::service::may_view_photo(pool, &actor, id).await?
            || crate::stars::service::may_view_photo(pool, &actor, id).await?
            || crate::points::service::may_view_photo(pool, &actor, id).await?;
        if !known {
            return Err(AppError::NotFound);
        }
        read_photo(&state.pool, &state.settings.photos, id).await
    }
    .await;
    match result {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                // A photo's id never names other bytes.
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => error_response(error),
    }
}

/// A plain route's refusal: the status only, like a server function's.
pub fn error_response(error: AppError) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::http::StatusCode::from_u16(error.status_code())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}
