//! Server-side account machinery: password hashes, database sessions, rate limits and
//! loading the caller's roles for [`super::authz`]. Their SQL is in `super::store`.

use super::authz::{Actor, Grant, Role};
use crate::db::Pool;
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

pub const SESSION_COOKIE: &str = "zhibu_session";

/// Hashing runs one per core at most: each argon2 run takes 19 MiB and a core's worth of
/// time, so a crowd of logins waits its turn instead of exhausting memory.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Waiting for a turn at most this many at once: a flood of logins is answered "try again
/// later" instead of stalling everyone's login behind it.
const MAX_WAITING_TO_HASH: usize = 256;
static WAITING_TO_HASH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn hashing_turn() -> AppResult<tokio::sync::SemaphorePermit<'static>> {
    use std::sync::atomic::Ordering;
    if WAITING_TO_HASH.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_TO_HASH {
        WAITING_TO_HASH.fetch_sub(1, Ordering::SeqCst);
        return Err(AppError::RateLimited);
    }
    let turn = HASHING.acquire().await.map_err(|_| AppError::Internal);
    WAITING_TO_HASH.fetch_sub(1, Ordering::SeqCst);
    turn
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    let _turn = hashing_turn().await?;
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

pub async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    let _turn = hashing_turn().await?;
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
    .map_err(|_| AppError::Internal)
}

/// A hash of a password nobody has: a login for an unknown phone checks against it, so it
/// takes as long as one for a known phone and the answer time tells nothing.
pub async fn decoy_hash() -> AppResult<&'static str> {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_try_init(|| hash_password(crate::state::random_hex32()))
        .await
        .map(String::as_str)
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// `Secure` unless configured otherwise or the site is reached on loopback (local
/// development and the tests): a cookie for any other host travels over HTTPS only.
fn secure_cookie(state: &AppState) -> bool {
    state.settings.secure_cookies.unwrap_or_else(|| {
        // Behind a reverse proxy the Host may be the proxy's own loopback address.
        if state.settings.trusted_proxy_header.is_some() {
            return true;
        }
        let host = request_parts()
            .and_then(|parts| parts.headers.get(header::HOST).cloned())
            .and_then(|h| h.to_str().ok().map(str::to_string))
            .unwrap_or_default();
        !is_loopback_host(&host)
    })
}

/// `localhost`, `127.x.x.x` or `[::1]`, with or without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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
    super::store::insert_session(
        state.pool.for_write(),
        &token_hash(&token),
        user_id,
        created,
        created + lifetime,
    )
    .await?;
    set_cookie(cookie_header(&token, lifetime, secure_cookie(state))?);
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
        super::store::delete_session(state.pool.for_write(), &token_hash(&token)).await?;
    }
    set_cookie(cookie_header("", 0, secure_cookie(state))?);
    Ok(())
}

pub async fn user_id_for_token(pool: &Pool, token: &str) -> AppResult<Option<String>> {
    Ok(super::store::session_user(pool, &token_hash(token), now()).await?)
}

/// The caller of a plain axum route (a download, a photo), from its session cookie.
pub async fn actor_from_parts(pool: &Pool, parts: &Parts) -> AppResult<Actor> {
    let token = session_token(parts).ok_or(AppError::NotLoggedIn)?;
    actor_for_token(pool, &token).await
}

/// The user of a live session and their grants, read together: every protected request
/// starts here.
async fn actor_for_token(pool: &Pool, token: &str) -> AppResult<Actor> {
    let rows = super::store::session_grants(pool, &token_hash(token), now()).await?;
    let user_id = rows
        .first()
        .map(|(user_id, ..)| user_id.clone())
        .ok_or(AppError::NotLoggedIn)?;
    Ok(Actor {
        user_id,
        grants: rows
            .into_iter()
            .filter_map(|(_, org_id, role)| Some((org_id?, role?)))
            .filter_map(|(org_id, role)| Role::parse(&role).map(|role| Grant { org_id, role }))
            .collect(),
    })
}

/// The logged-in user's id, if the request carries a live session.
pub async fn current_user_id(state: &AppState) -> AppResult<Option<String>> {
    match request_parts().as_ref().and_then(session_token) {
        Some(token) => user_id_for_token(&state.pool, &token).await,
        None => Ok(None),
    }
}

pub async fn load_actor(pool: &Pool, user_id: &str) -> AppResult<Actor> {
    let rows = super::store::grants(pool, user_id).await?;
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
    let token = request_parts()
        .as_ref()
        .and_then(session_token)
        .ok_or(AppError::NotLoggedIn)?;
    let actor = actor_for_token(&state.pool, &token).await?;
    Ok((state, actor))
}

/// An org and its ancestors, root first: what [`super::authz::can`] judges against.
pub async fn org_path<'e>(
    executor: impl Into<crate::db::Exec<'e>>,
    org_id: &str,
) -> AppResult<Vec<String>> {
    let rows = super::store::org_path(executor, org_id).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

/// The client's address, for per-address limits: the TCP peer, or behind a reverse proxy
/// the address that proxy reports in the header named by `ZHIBU_TRUSTED_PROXY_HEADER`
/// (off by default: any client could send that header). Of `X-Forwarded-For`, the last
/// entry is the one the proxy added.
pub fn client_address(settings: &crate::state::Settings) -> String {
    let parts = request_parts();
    let forwarded = settings.trusted_proxy_header.as_deref().and_then(|name| {
        // The proxy appends: of several lines, and of the entries in a line, the last.
        let value = parts
            .as_ref()?
            .headers
            .get_all(name)
            .iter()
            .next_back()?
            .to_str()
            .ok()?;
        let last = value.rsplit(',').next()?.trim();
        last.parse::<std::net::IpAddr>().ok()
    });
    let peer = || {
        parts.as_ref().and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip())
        })
    };
    forwarded
        .or_else(peer)
        .map(address_key)
        .unwrap_or_else(|| "unknown".into())
}

/// An address as a limit counts it: IPv4 whole, IPv6 by its /64 (one subscriber's network,
/// whose interface ids a client may change at will).
fn address_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// A failure counted before it happens: the attempt is written first, and only while the
/// key has fewer than `limit` in the window (one statement, so a crowd of concurrent tries
/// gets `limit` places at most). A try that succeeds gives its place back.
pub struct Attempt {
    rowid: i64,
}

pub async fn reserve_attempt(state: &AppState, key: &str, limit: i64) -> AppResult<Attempt> {
    let at = now();
    // In a write transaction: on PostgreSQL concurrent statements do not see each other's
    // rows, so only the writers' turn makes the count and the insert one step there. The
    // turn of this key's tries only: members logging in on a 主题党日 then wait for no
    // branch's check-ins, and hold none up.
    let mut tx = state.pool.begin_keyed(&format!("attempt:{key}")).await?;
    let rowid = super::store::add_attempt(
        &mut tx,
        key,
        at,
        at - state.settings.rate_window_secs,
        limit,
    )
    .await?;
    tx.commit().await?;
    rowid
        .map(|rowid| Attempt { rowid })
        .ok_or(AppError::RateLimited)
}

/// Failures older than any window are forgotten (the server's timer calls this).
pub async fn forget_old_attempts(pool: &Pool) -> AppResult<()> {
    super::store::forget_attempts_before(pool.for_write(), now() - 24 * 3600).await?;
    Ok(())
}

/// The try succeeded: it was not a failure after all.
pub async fn give_back(state: &AppState, attempt: Attempt) -> AppResult<()> {
    super::store::delete_attempt(state.pool.for_write(), attempt.rowid).await?;
    Ok(())
}
