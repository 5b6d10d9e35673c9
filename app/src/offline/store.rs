//! SQL on `applied_ops`: one row per op the server has answered for good, with its answer.

use crate::db::{query, query_as, query_scalar, Conn, Exec};

pub struct NewOp<'a> {
    pub op_id: &'a str,
    pub user_id: &'a str,
    pub kind: &'a str,
    pub applied_at: i64,
    pub made_at: i64,
}

/// The op's row, with its answer if known; false when the op has a row already (recorded
/// before, or by a concurrent request).
pub async fn insert(
    conn: &mut Conn,
    op: &NewOp<'_>,
    outcome: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let inserted = query(
        "INSERT INTO applied_ops (op_id, user_id, kind, applied_at, made_at, outcome)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (op_id) DO NOTHING",
    )
    .bind(op.op_id)
    .bind(op.user_id)
    .bind(op.kind)
    .bind(op.applied_at)
    .bind(op.made_at)
    .bind(outcome)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

pub async fn set_outcome(conn: &mut Conn, op_id: &str, outcome: &str) -> Result<(), sqlx::Error> {
    query("UPDATE applied_ops SET outcome = ? WHERE op_id = ?")
        .bind(outcome)
        .bind(op_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, op_id: &str) -> Result<(), sqlx::Error> {
    query("DELETE FROM applied_ops WHERE op_id = ?")
        .bind(op_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn exists<'e>(exec: impl Into<Exec<'e>>, op_id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = query_scalar("SELECT TRUE FROM applied_ops WHERE op_id = ?")
        .bind(op_id)
        .fetch_optional(exec)
        .await?;
    Ok(found.is_some())
}

/// Who sent the op, and its answer once there is one.
pub async fn owner_and_outcome<'e>(
    exec: impl Into<Exec<'e>>,
    op_id: &str,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    query_as("SELECT user_id, outcome FROM applied_ops WHERE op_id = ?")
        .bind(op_id)
        .fetch_optional(exec)
        .await
}
