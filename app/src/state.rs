//! What every server function can reach: the database and the server's settings.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

#[derive(Clone, Debug)]
pub struct Settings {
    /// Send the session cookie with `Secure`; unset, it is sent so for every host but
    /// loopback.
    pub secure_cookies: Option<bool>,
    /// Failed logins per phone number within [`Settings::rate_window_secs`].
    pub login_attempts_per_phone: i64,
    /// Registrations of a number that already has an account, per client address within
    /// the window (asking which numbers exist).
    pub attempts_per_address: i64,
    /// The header a trusted reverse proxy puts the client's address in (`X-Forwarded-For`,
    /// `X-Real-IP`); unset, the TCP peer is the client.
    pub trusted_proxy_header: Option<String>,
    pub rate_window_secs: i64,
    pub session_days: i64,
    /// Pages register the service worker (production builds; tests switch it on).
    pub service_worker: bool,
    /// Re-encoded photos, one file per id.
    pub uploads_dir: std::path::PathBuf,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: None,
            login_attempts_per_phone: 5,
            attempts_per_address: 30,
            trusted_proxy_header: None,
            rate_window_secs: 15 * 60,
            session_days: 30,
            service_worker: false,
            uploads_dir: std::path::PathBuf::from("data/uploads"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    pub settings: Settings,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or(crate::error::AppError::Internal)
}

pub fn now() -> i64 {
    crate::shell::time::now_secs()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 256 random bits as hex: session tokens and meeting secrets.
pub fn random_hex32() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Opens (creating if needed) the SQLite database in WAL mode and brings it up to date.
pub async fn open_sqlite(url: &str) -> Result<SqlitePool, sqlx::Error> {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    use std::str::FromStr;
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// A transaction that takes SQLite's write lock at once. A deferred one that reads and
/// then writes fails at the write (SQLITE_BUSY_SNAPSHOT, no busy wait) whenever another
/// writer committed in between; this one waits its turn at the start instead.
pub async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Appends one privileged action to the audit log.
pub async fn audit<'e, E>(
    executor: E,
    actor_id: &str,
    action: &str,
    org_id: Option<&str>,
    target: Option<&str>,
    detail: Option<&str>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, actor_id, action, org_id, target, detail, at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new_id())
    .bind(actor_id)
    .bind(action)
    .bind(org_id)
    .bind(target)
    .bind(detail)
    .bind(now())
    .execute(executor)
    .await?;
    Ok(())
}
