//! The Zhibu server: configuration, the HTTP stack around the Leptos app, and the
//! command-line tasks (migrate, seed, backup, create an admin).

pub mod config;
pub mod demo;
pub mod seed;
pub mod timers;

use app::error::AppError;
use app::state::{AppState, Settings};
use app::{shell, App};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::HeaderValue;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::{
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

pub fn leptos_options(config: &config::Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("zhibu")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.address)
        .build()
}

pub fn settings(config: &config::Config) -> Result<Settings, config::ConfigError> {
    Ok(Settings {
        secure_cookies: config.secure_cookies,
        trusted_proxy_header: config.trusted_proxy_header.clone(),
        service_worker: config.service_worker,
        photos: config.photos()?,
        ..Settings::default()
    })
}

const SERVICE_WORKER_TEMPLATE: &str = include_str!("../../public/sw.js");

/// What the browser is given of this build: the files of `/pkg` a page may load (the main
/// bundle and, with `cargo leptos build --split`, every route's chunks), a name for the build
/// and the service worker that keeps them.
pub struct Site {
    pub build: String,
    pub pkg_files: Vec<String>,
    service_worker: String,
}

impl Site {
    pub fn read(site_root: &str) -> Self {
        use std::hash::{Hash, Hasher};
        let pkg = std::path::Path::new(site_root).join("pkg");
        // The precompressed copies are not read: they change only with what they copy.
        let mut names: Vec<String> = std::fs::read_dir(&pkg)
            .map(|dir| {
                dir.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|name| is_page_asset(name))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        SERVICE_WORKER_TEMPLATE.hash(&mut hasher);
        for name in &names {
            name.hash(&mut hasher);
            std::fs::read(pkg.join(name))
                .unwrap_or_default()
                .hash(&mut hasher);
        }
        let build = format!("{:016x}", hasher.finish());
        let pkg_files: Vec<String> = names
            .into_iter()
            .map(|name| format!("/pkg/{name}"))
            .collect();
        let listed = serde_json::to_string(&pkg_files).unwrap_or_else(|_| "[]".into());
        let service_worker = SERVICE_WORKER_TEMPLATE
            .replace("__BUILD__", &build)
            .replace("__PKG__", &listed);
        Site {
            build,
            pkg_files,
            service_worker,
        }
    }
}

/// A file a page fetches: not the precompressed copies (the server picks those by the
/// request's Accept-Encoding), the split manifest (read by the server only) or type stubs.
fn is_page_asset(name: &str) -> bool {
    [".js", ".wasm", ".css"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

async fn service_worker(State(site): State<Arc<Site>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        site.service_worker.clone(),
    )
        .into_response()
}

/// Tells the service worker which build rendered a page (see `newerClients` in sw.js).
async fn build_header(State(site): State<Arc<Site>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(value) = HeaderValue::from_str(&site.build) {
            response.headers_mut().insert("x-zhibu-build", value);
        }
    }
    response
}

/// Stamps every answer with the server's clock in milliseconds: the outbox measures the
/// phone's clock offset from it (`checkClock` in offline.js), which the check-in rule needs
/// to judge a scan made with no signal.
async fn server_time(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&millis.to_string()) {
        response.headers_mut().insert("x-zhibu-time", value);
    }
    response
}

async fn health(State(state): State<AppState>) -> Response {
    match app::db::query_scalar::<bool>("SELECT TRUE")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// Refuses cross-site POSTs to the server functions: Leptos has no CSRF defence of its own,
/// and the session cookie would otherwise ride along on a form posted from another site.
async fn origin_guard(
    State(allowed): State<Arc<Vec<String>>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET && request.uri().path().starts_with("/api/") {
        let headers = request.headers();
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
        let fetch_site = headers.get("sec-fetch-site").and_then(|h| h.to_str().ok());
        if !same_origin(origin, host, fetch_site, &allowed) {
            tracing::warn!(?origin, ?host, "refused cross-origin request");
            return (StatusCode::FORBIDDEN, "cross-origin request refused").into_response();
        }
    }
    next.run(request).await
}

/// Judged from the headers a browser sends; a client that sends neither (curl, a test) is not
/// a browser riding on someone's cookie.
pub fn same_origin(
    origin: Option<&str>,
    host: Option<&str>,
    fetch_site: Option<&str>,
    allowed: &[String],
) -> bool {
    match origin {
        Some(origin) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            host.is_some_and(|h| h == origin_host) || allowed.iter().any(|a| a == origin)
        }
        None => !matches!(fetch_site, Some("cross-site") | Some("same-site")),
    }
}

/// Server functions answer every error with 500; this gives each [`AppError`] its own
/// status (401, 403, 404, 409, 429…), so logs, proxies and clients can tell them apart.
async fn error_status(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "error body too large").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Nothing frames a page (an approval page inside another site's frame is a click away
/// from a forged approval), and scripts, styles and connections come from this site only.
/// Leptos hydrates through an inline module script, hence 'unsafe-inline'; older WebViews
/// (WeChat's among them) compile wasm only under 'unsafe-eval', newer ones under
/// 'wasm-unsafe-eval'. Photos are previewed from blob: URLs, the camera plays a stream.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
    connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Connections the kernel holds for the server before it accepts them. tokio's default is
/// 1,024: a thousand phones scanning the same QR within a second overflowed it, the kernel
/// dropped their handshakes, and each phone waited a second to send its own again (the
/// check-in bench's p99 was that second). The kernel caps it at `net.core.somaxconn`.
const ACCEPT_QUEUE: u32 = 4096;

/// The server's listening socket on `address`.
pub fn listen(address: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As tokio's own bind does, so a restarted server need not wait out old connections.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(ACCEPT_QUEUE)
}

pub fn router(state: AppState, allowed_origins: Vec<String>) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let site = Arc::new(Site::read(&options.site_root));
    let sw = Router::new()
        .route("/sw.js", get(service_worker))
        .with_state(site.clone());
    Router::new()
        .route("/healthz", get(health))
        .route("/media/{file}", get(app::uploads::service::serve))
        .route(
            "/branch/{id}/meetings.csv",
            get(app::meetings::service::export_csv),
        )
        .route(
            "/branch/{id}/points.csv",
            get(app::points::service::export_csv),
        )
        .route("/admin/stars.csv", get(app::stars::service::export_csv))
        .merge(sw)
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Photos travel inside synced ops (the phone keeps a batch under 3 MB; one photo may
        // reach 8 MB as base64 before the server refuses it itself).
        .layer(axum::extract::DefaultBodyLimit::max(12 * 1024 * 1024))
        .layer(middleware::from_fn(error_status))
        .layer(middleware::from_fn_with_state(site, build_header))
        .layer(middleware::from_fn(server_time))
        .layer(middleware::from_fn_with_state(Arc::new(allowed_origins), origin_guard))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &http::Request<Body>| {
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// A consistent copy of a live SQLite database (`VACUUM INTO` reads one snapshot).
pub async fn backup(pool: &app::db::Pool, target: &std::path::Path) -> Result<(), sqlx::Error> {
    if pool.engine() != app::db::Engine::Sqlite {
        return Err(sqlx::Error::Protocol(
            "zhibu backup copies SQLite; back PostgreSQL up with pg_dump".into(),
        ));
    }
    if target.exists() {
        return Err(sqlx::Error::Protocol(format!(
            "{} already exists",
            target.display()
        )));
    }
    app::db::query("VACUUM INTO ?")
        .bind(target.to_string_lossy().to_string())
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn cross_site_posts_are_refused() {
        let host = Some("127.0.0.1:3000");
        assert!(same_origin(
            Some("http://127.0.0.1:3000"),
            host,
            Some("same-origin"),
            &[]
        ));
        assert!(!same_origin(
            Some("http://evil.example"),
            host,
            Some("cross-site"),
            &[]
        ));
        assert!(!same_origin(None, host, Some("cross-site"), &[]));
        assert!(same_origin(None, host, None, &[]));
        let allowed = vec!["https://zhibu.example".to_string()];
        assert!(same_origin(
            Some("https://zhibu.example"),
            host,
            None,
            &allowed
        ));
    }
}
