//! SQL on `uploads` (what each person stored, for the daily quota) and `pending_photos`
//! (applied ops' photos not yet moved into storage).

use crate::db::{query, query_scalar, Conn, Exec};

/// Whether the id is counted as somebody's upload already.
pub async fn counted(conn: &mut Conn, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = query_scalar("SELECT TRUE FROM uploads WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The user's uploads since `since`, the one named `id` left out (a replay's own).
pub async fn uploads_since(
    conn: &mut Conn,
    user_id: &str,
    since: i64,
    id: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar("SELECT COUNT(*) FROM uploads WHERE user_id = ? AND created_at > ? AND id <> ?")
        .bind(user_id)
        .bind(since)
        .bind(id)
        .fetch_one(conn)
        .await
}

pub async fn count(
    conn: &mut Conn,
    id: &str,
    user_id: &str,
    bytes: usize,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO uploads (id, user_id, bytes, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(bytes as i64)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn keep_pending(
    conn: &mut Conn,
    id: &str,
    jpeg: &[u8],
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO pending_photos (id, jpeg, created_at) VALUES (?, ?, ?)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(jpeg)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn forget_pending<'e>(exec: impl Into<Exec<'e>>, id: &str) -> Result<(), sqlx::Error> {
    query("DELETE FROM pending_photos WHERE id = ?")
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

/// The oldest pending photos' ids, a hundred at most.
pub async fn oldest_pending<'e>(exec: impl Into<Exec<'e>>) -> Result<Vec<String>, sqlx::Error> {
    query_scalar("SELECT id FROM pending_photos ORDER BY created_at, id LIMIT 100")
        .fetch_all(exec)
        .await
}

pub async fn pending_jpeg<'e>(
    exec: impl Into<Exec<'e>>,
    id: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    query_scalar("SELECT jpeg FROM pending_photos WHERE id = ?")
        .bind(id)
        .fetch_optional(exec)
        .await
}
