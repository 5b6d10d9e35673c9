//! SQL on `suggestions`.

use crate::db::{query, query_as, Conn, Exec};

/// A member's latest suggestions: (id, body, written_at), newest first.
pub async fn latest_of<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    query_as(
        "SELECT id, body, written_at FROM suggestions WHERE user_id = ?
         ORDER BY written_at DESC, id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await
}

pub struct NewSuggestion<'a> {
    pub id: &'a str,
    pub branch_id: &'a str,
    pub user_id: &'a str,
    pub body: &'a str,
    pub written_at: i64,
    pub received_at: i64,
}

/// False when the id is taken (by a replay's first run, or by somebody else's).
pub async fn add(conn: &mut Conn, new: &NewSuggestion<'_>) -> Result<bool, sqlx::Error> {
    let inserted = query(
        "INSERT INTO suggestions (id, branch_id, user_id, body, written_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(new.id)
    .bind(new.branch_id)
    .bind(new.user_id)
    .bind(new.body)
    .bind(new.written_at)
    .bind(new.received_at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
