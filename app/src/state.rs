//! What every server function can reach: the database and the server's settings.

use crate::db::Pool;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

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
    /// Re-encoded photos, one object per id.
    pub photos: crate::uploads::photos::Photos,
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
            photos: crate::uploads::photos::Photos::local(std::path::Path::new("data/uploads")),
        }
    }
}

/// Shared by every request: cloned for each one (axum's state, the server functions'
/// context), so a clone is one count on an `Arc`, not a copy of the options and settings.
#[derive(Clone, Debug)]
pub struct AppState(std::sync::Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub pool: Pool,
    pub settings: Settings,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, pool: Pool, settings: Settings) -> AppState {
        AppState(std::sync::Arc::new(Shared {
            leptos_options,
            pool,
            settings,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
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

/// Appends one privileged action to the audit log.
pub async fn audit<'e>(
    executor: impl Into<crate::db::Exec<'e>>,
    actor_id: &str,
    action: &str,
    org_id: Option<&str>,
    target: Option<&str>,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    crate::db::query(
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
