//! SQL on the account tables: `users`, `sessions` and the counted failures
//! (`auth_attempts`). Where accounts need the orgs capability's tables (a user's roles,
//! an org's ancestors, the communities a member may report to), the query reading them is
//! here and its doc says so.

use super::PartyStatus;
use crate::db::{numbered_placeholders, query, query_as, query_scalar, Conn, Exec};

/// A user with their community (id, name, phone, party status, community id and name).
pub type UserRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Communities (id, name) paired with a branch the user is a member of, by name. Reads the
/// orgs capability's `memberships`, `orgs`, `branch_communities` and `communities`.
pub async fn report_communities<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as(
        "SELECT DISTINCT c.id, c.name FROM memberships m
         JOIN orgs o ON o.id = m.org_id AND o.kind = 'branch'
         JOIN branch_communities bc ON bc.branch_id = m.org_id
         JOIN communities c ON c.id = bc.community_id
         WHERE m.user_id = ? AND m.role = 'member' ORDER BY c.name",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await
}

/// Every community (id, name), by name. Reads the orgs capability's `communities`.
pub async fn communities<'e>(
    exec: impl Into<Exec<'e>>,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as("SELECT id, name FROM communities ORDER BY name")
        .fetch_all(exec)
        .await
}

/// The user's party status; an unknown user is an error.
pub async fn party_status<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT party_status FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(exec)
        .await
}

/// Reads the orgs capability's `communities`.
pub async fn community_name<'e>(
    exec: impl Into<Exec<'e>>,
    community_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT name FROM communities WHERE id = ?")
        .bind(community_id)
        .fetch_optional(exec)
        .await
}

/// The community's id, if it exists. Reads the orgs capability's `communities`.
pub async fn find_community<'e>(
    exec: impl Into<Exec<'e>>,
    community_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT id FROM communities WHERE id = ?")
        .bind(community_id)
        .fetch_optional(exec)
        .await
}

/// The community the user reports to.
pub async fn set_community(
    conn: &mut Conn,
    user_id: &str,
    community_id: &str,
) -> Result<(), sqlx::Error> {
    query("UPDATE users SET community_id = ? WHERE id = ?")
        .bind(community_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user with this phone, if they administer any of `orgs`. Reads the orgs
/// capability's `memberships`.
pub async fn admin_of_any<'e>(
    exec: impl Into<Exec<'e>>,
    phone: &str,
    orgs: &[String],
) -> Result<Option<String>, sqlx::Error> {
    // An empty `IN ()` is no SQL either engine reads.
    if orgs.is_empty() {
        return Ok(None);
    }
    query_scalar(&format!(
        "SELECT u.id FROM users u WHERE u.phone = ?1 AND EXISTS (
                 SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'admin'
                   AND m.org_id IN ({}))",
        numbered_placeholders(2, orgs.len())
    ))
    .bind(phone)
    .bind_each(orgs)
    .fetch_optional(exec)
    .await
}

/// Reads the orgs capability's `communities` (the one the user reports to).
pub async fn user<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    query_as(
        "SELECT u.id, u.name, u.phone, u.party_status, c.id, c.name
             FROM users u LEFT JOIN communities c ON c.id = u.community_id WHERE u.id = ?",
    )
    .bind(user_id)
    .fetch_optional(exec)
    .await
}

/// The user's roles (org id, name and kind, role), by org kind and name. Reads the orgs
/// capability's `memberships` and `orgs`.
pub async fn roles<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    query_as(
        "SELECT o.id, o.name, o.kind, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ? ORDER BY o.kind, o.name",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await
}

/// The user (id, password hash) with this phone.
pub async fn credentials<'e>(
    exec: impl Into<Exec<'e>>,
    phone: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    query_as("SELECT id, password_hash FROM users WHERE phone = ?")
        .bind(phone)
        .fetch_optional(exec)
        .await
}

/// A user as they are registered.
pub struct NewUser<'a> {
    pub id: &'a str,
    pub phone: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub party_status: Option<PartyStatus>,
    pub community_id: Option<&'a str>,
    pub created_at: i64,
}

/// Fails with a unique violation when the phone number has an account.
pub async fn insert_user<'e>(
    exec: impl Into<Exec<'e>>,
    user: &NewUser<'_>,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO users (id, phone, name, password_hash, party_status, community_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(user.id)
    .bind(user.phone)
    .bind(user.name)
    .bind(user.password_hash)
    .bind(user.party_status.map(|p| p.as_str()))
    .bind(user.community_id)
    .bind(user.created_at)
    .execute(exec)
    .await?;
    Ok(())
}

/// Accounts created after `since`.
pub async fn users_since<'e>(exec: impl Into<Exec<'e>>, since: i64) -> Result<i64, sqlx::Error> {
    query_scalar("SELECT COUNT(*) FROM users WHERE created_at > ?")
        .bind(since)
        .fetch_one(exec)
        .await
}

pub async fn user_by_phone<'e>(
    exec: impl Into<Exec<'e>>,
    phone: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT id FROM users WHERE phone = ?")
        .bind(phone)
        .fetch_optional(exec)
        .await
}

/// The user's password hash; an unknown user is an error.
pub async fn password_hash<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<String, sqlx::Error> {
    query_scalar("SELECT password_hash FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(exec)
        .await
}

pub async fn set_password_hash(
    conn: &mut Conn,
    user_id: &str,
    hash: &str,
) -> Result<(), sqlx::Error> {
    query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of the user.
pub async fn delete_sessions_of(conn: &mut Conn, user_id: &str) -> Result<(), sqlx::Error> {
    query("DELETE FROM sessions WHERE user_id = ?")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_session<'e>(
    exec: impl Into<Exec<'e>>,
    token_hash: &str,
    user_id: &str,
    created_at: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind(token_hash)
        .bind(user_id)
        .bind(created_at)
        .bind(expires_at)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn delete_session<'e>(
    exec: impl Into<Exec<'e>>,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    query("DELETE FROM sessions WHERE token_hash = ?")
        .bind(token_hash)
        .execute(exec)
        .await?;
    Ok(())
}

/// The user of the session with this token hash, if it has not expired by `at`.
pub async fn session_user<'e>(
    exec: impl Into<Exec<'e>>,
    token_hash: &str,
    at: i64,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?")
        .bind(token_hash)
        .bind(at)
        .fetch_optional(exec)
        .await
}

/// The user of a live session with each of their grants (user id, org id, role): one row
/// with no grant for a user who holds none, no row for no live session. Reads the orgs
/// capability's `memberships`.
pub async fn session_grants<'e>(
    exec: impl Into<Exec<'e>>,
    token_hash: &str,
    at: i64,
) -> Result<Vec<(String, Option<String>, Option<String>)>, sqlx::Error> {
    query_as(
        "SELECT s.user_id, m.org_id, m.role FROM sessions s
         LEFT JOIN memberships m ON m.user_id = s.user_id
         WHERE s.token_hash = ? AND s.expires_at > ?",
    )
    .bind(token_hash)
    .bind(at)
    .fetch_all(exec)
    .await
}

/// The user's grants (org id, role). Reads the orgs capability's `memberships`.
pub async fn grants<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as("SELECT org_id, role FROM memberships WHERE user_id = ?")
        .bind(user_id)
        .fetch_all(exec)
        .await
}

/// The org and its ancestors (id, depth), root first; none for an unknown org. Reads the
/// orgs capability's `orgs`.
pub async fn org_path<'e>(
    exec: impl Into<Exec<'e>>,
    org_id: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    query_as(
        "WITH RECURSIVE up(id, parent_id, depth) AS (
             SELECT id, parent_id, CAST(0 AS BIGINT) FROM orgs WHERE id = ?
             UNION ALL
             SELECT o.id, o.parent_id, up.depth + 1 FROM orgs o JOIN up ON o.id = up.parent_id
             WHERE up.depth < 16
         )
         SELECT id, depth FROM up ORDER BY depth DESC",
    )
    .bind(org_id)
    .fetch_all(exec)
    .await
}

/// Writes a failure of `key` at `at` only while the key has fewer than `limit` since
/// `since`, in one statement; its rowid, or none when the key is at its limit.
pub async fn add_attempt(
    conn: &mut Conn,
    key: &str,
    at: i64,
    since: i64,
    limit: i64,
) -> Result<Option<i64>, sqlx::Error> {
    query_scalar(
        "INSERT INTO auth_attempts (key, at)
         SELECT ?1, ?2 WHERE (SELECT COUNT(*) FROM auth_attempts WHERE key = ?1 AND at > ?3) < ?4
         RETURNING rowid",
    )
    .bind(key)
    .bind(at)
    .bind(since)
    .bind(limit)
    .fetch_optional(conn)
    .await
}

pub async fn forget_attempts_before<'e>(
    exec: impl Into<Exec<'e>>,
    before: i64,
) -> Result<(), sqlx::Error> {
    query("DELETE FROM auth_attempts WHERE at < ?")
        .bind(before)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn delete_attempt<'e>(exec: impl Into<Exec<'e>>, rowid: i64) -> Result<(), sqlx::Error> {
    query("DELETE FROM auth_attempts WHERE rowid = ?")
        .bind(rowid)
        .execute(exec)
        .await?;
    Ok(())
}
