//! Server-side account machinery: password hashes, database sessions, rate limits and
//! loading the caller's roles for [`super::authz`].

use super::authz::{Actor, Grant, Role};
use crate::error::{AppError, AppResult};
use crate::state::{app_state, hex, now, random_hex32, AppState};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use http::{header, request::Parts, HeaderValue};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

pub const SESSION_COOKIE: &str = "zhibu_session";

/// argon2id with the crate's defaults (19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| AppError::Internal)
    })
    .await
    .map_err(|_| AppError::Internal)?
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn cookie_header(value: &str, max_age: i64, secure: bool) -> AppResult<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .map_err(|_| AppError::Internal)
}

fn set_cookie(value: HeaderValue) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.append_header(header::SET_COOKIE, value);
    }
}

/// Starts a session for `user_id` and sets its cookie on the response.
pub async fn start_session(state: &AppState, user_id: &str) -> AppResult<()> {
    let token = random_hex32();
    let created = now();
    let lifetime = state.settings.session_days * 86_400;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(created)
    .bind(created + lifetime)
    .execute(&state.pool)
    .await?;
    set_cookie(cookie_header(
        &token,
        lifetime,
        state.settings.secure_cookies,
    )?);
    Ok(())
}

fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

pub fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Ends the caller's session, in the database and in the browser.
pub async fn end_session(state: &AppState) -> AppResult<()> {
    if let Some(token) = request_parts().as_ref().and_then(session_token) {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash(&token))
            .execute(&state.pool)
            .await?;
    }
    set_cookie(cookie_header("", 0, state.settings.secure_cookies)?);
    Ok(())
}

pub async fn user_id_for_token(pool: &SqlitePool, token: &str) -> AppResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?")
            .bind(token_hash(token))
            .bind(now())
            .fetch_optional(pool)
            .await?,
    )
}

/// The caller of a plain axum route (a download, a photo), from its session cookie.
pub async fn actor_from_parts(pool: &SqlitePool, parts: &Parts) -> AppResult<Actor> {
    let token = session_token(parts).ok_or(AppError::NotLoggedIn)?;
    let user_id = user_id_for_token(pool, &token)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    load_actor(pool, &user_id).await
}

/// The logged-in user's id, if the request carries a live session.
pub async fn current_user_id(state: &AppState) -> AppResult<Option<String>> {
    match request_parts().as_ref().and_then(session_token) {
        Some(token) => user_id_for_token(&state.pool, &token).await,
        None => Ok(None),
    }
}

pub async fn load_actor(pool: &SqlitePool, user_id: &str) -> AppResult<Actor> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT org_id, role FROM memberships WHERE user_id = ?")
            .bind(user_id)
            .fetch_all(pool)
            .await?;
    Ok(Actor {
        user_id: user_id.to_string(),
        grants: rows
            .into_iter()
            .filter_map(|(org_id, role)| Role::parse(&role).map(|role| Grant { org_id, role }))
            .collect(),
    })
}

/// The caller, or [`AppError::NotLoggedIn`]. Every protected server function starts here.
pub async fn require_actor() -> AppResult<(AppState, Actor)> {
    let state = app_state()?;
    let user_id = current_user_id(&state)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    let actor = load_actor(&state.pool, &user_id).await?;
    Ok((state, actor))
}

/// An org and its ancestors, root first: what [`super::authz::can`] judges against.
pub async fn org_path<'e, E: sqlx::SqliteExecutor<'e>>(
    executor: E,
    org_id: &str,
) -> AppResult<Vec<String>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "WITH RECURSIVE up(id, parent_id, depth) AS (
             SELECT id, parent_id, 0 FROM orgs WHERE id = ?
             UNION ALL
             SELECT o.id, o.parent_id, up.depth + 1 FROM orgs o JOIN up ON o.id = up.parent_id
             WHERE up.depth < 16
         )
         SELECT id, depth FROM up ORDER BY depth DESC",
    )
    .bind(org_id)
    .fetch_all(executor)
    .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

/// The client's address, for per-address rate limits.
pub fn client_address() -> String {
    request_parts()
        .and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Refuses when any key has reached its limit of failures inside the window.
pub async fn check_rate(state: &AppState, keys: &[(String, i64)]) -> AppResult<()> {
    let since = now() - state.settings.rate_window_secs;
    for (key, limit) in keys {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM auth_attempts WHERE key = ? AND at > ?")
                .bind(key)
                .bind(since)
                .fetch_one(&state.pool)
                .await?;
        if count >= *limit {
            return Err(AppError::RateLimited);
        }
    }
    Ok(())
}

pub async fn record_attempt(state: &AppState, keys: &[(String, i64)]) -> AppResult<()> {
    let at = now();
    for (key, _) in keys {
        sqlx::query("INSERT INTO auth_attempts (key, at) VALUES (?, ?)")
            .bind(key)
            .bind(at)
            .execute(&state.pool)
            .await?;
    }
    sqlx::query("DELETE FROM auth_attempts WHERE at < ?")
        .bind(at - 24 * 3600)
        .execute(&state.pool)
        .await?;
    Ok(())
}
