#![allow(dead_code)] // each test binary uses its own part of the helpers
//! Drives the real router (server functions, middleware, sessions) over a fresh database
//! per test, the way a browser would: form posts and cookies. The database is SQLite, or
//! PostgreSQL when `ZHIBU_TEST_POSTGRES` names a server (`postgres://user:pass@host:port`):
//! each test then gets a database of its own on it.

use app::db::Pool;
use app::state::{AppState, Settings};
use app::uploads::photos::{Photos, S3Settings};
use axum::{body::Body, Router};
use http::{header, Request, StatusCode};
use server::config::Config;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub pool: Pool,
    /// Where the database is, for a second server on it.
    pub url: String,
    /// Where its photos are stored.
    pub photos: Photos,
    pub dir: std::path::PathBuf,
}

pub struct Reply {
    pub status: StatusCode,
    pub cookie: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `AppError` variant name of a failed call, e.g. `"PhoneTaken"`.
    pub fn error(&self) -> String {
        assert!(
            !self.status.is_success(),
            "expected an error, got {}: {}",
            self.status,
            self.body
        );
        match self.json() {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
            other => panic!("unexpected error body {other}"),
        }
    }
}

pub async fn app() -> TestApp {
    app_with(|_| {}).await
}

/// A test app whose settings `configure` changes first (a trusted proxy header, say).
pub async fn app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    // The server's logged errors (the cause behind an `Internal`) show with a failed test.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("error")
        .with_test_writer()
        .try_init();
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = fresh_database_url(&dir).await;
    let pool = Pool::open(&url).await.expect("open database");
    server::seed::seed_demo(&pool).await.expect("seed");
    let config = Config::default();
    let photos = photos_for(&dir);
    let mut settings = Settings {
        photos: photos.clone(),
        ..Settings::default()
    };
    configure(&mut settings);
    let state = AppState::new(server::leptos_options(&config), pool.clone(), settings);
    TestApp {
        router: server::router(state, Vec::new()),
        pool,
        url,
        photos,
        dir,
    }
}

/// A new, empty database for one test: a file in `dir`, or a database of its own on the
/// PostgreSQL server `ZHIBU_TEST_POSTGRES` names.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("ZHIBU_TEST_POSTGRES") {
        Ok(server) if !server.is_empty() => new_postgres_database(&server, "zhibu_test").await,
        _ => format!("sqlite://{}", dir.join("test.db").display()),
    }
}

/// A new, empty database named `<prefix>_<uuid>` on the PostgreSQL server at `server`
/// (`postgres://user:pass@host:port`), as a URL.
pub async fn new_postgres_database(server: &str, prefix: &str) -> String {
    let server = server.trim_end_matches('/');
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let admin = Pool::connect(&format!("{server}/postgres"))
        .await
        .expect("connect to the PostgreSQL server");
    app::db::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create a database");
    admin.close().await;
    format!("{server}/{name}")
}

/// Where a test's photos go: files in `dir`, or the S3-compatible server
/// `ZHIBU_TEST_S3` names (`http://host:port`, bucket `zhibu-test`, any keys: the test
/// server does not check signatures) under a prefix of the test's own.
pub fn photos_for(dir: &std::path::Path) -> Photos {
    match std::env::var("ZHIBU_TEST_S3") {
        Ok(endpoint) if !endpoint.is_empty() => Photos::s3(&S3Settings {
            endpoint: Some(endpoint),
            bucket: "zhibu-test".into(),
            region: "us-east-1".into(),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
        })
        .expect("S3 test settings")
        .within(&uuid::Uuid::now_v7().simple().to_string()),
        _ => Photos::local(&dir.join("uploads")),
    }
}

/// A county's database as the lived-in demo leaves it: the organisation, its people and a
/// year of records, photos stored in `dir`.
pub async fn lived_in_county(pool: &Pool, dir: &std::path::Path) {
    server::seed::seed_demo(pool).await.unwrap();
    server::demo::seed_history(pool, &Photos::local(&dir.join("uploads")))
        .await
        .unwrap();
}

/// Whether the tests run on PostgreSQL (some check SQLite's files themselves).
pub fn on_postgres() -> bool {
    std::env::var("ZHIBU_TEST_POSTGRES").is_ok_and(|s| !s.is_empty())
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A server function call as the browser's client makes it, for a host on loopback.
pub fn form_request(
    endpoint: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Request<Body> {
    form_request_to("127.0.0.1:3000", endpoint, cookie, fields)
}

/// The same call to the site at `host` (its own origin).
pub fn form_request_to(
    host: &str,
    endpoint: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Request<Body> {
    let mut builder = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, host)
        .header(header::ORIGIN, format!("http://{host}"));
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::from(encode(fields))).unwrap()
}

fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", k, urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl TestApp {
    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            self.router.clone().oneshot(request),
        )
        .await
        .expect("request timed out")
        .unwrap();
        let status = response.status();
        let cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("zhibu_session="))
            .map(|v| v.split(';').next().unwrap().to_string());
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
            .await
            .unwrap();
        Reply {
            status,
            cookie,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Posts ops to the sync endpoint as the phone's outbox does.
    pub async fn sync(&self, cookie: &str, ops: &[serde_json::Value]) -> Reply {
        let request = Request::post("/api/sync")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from(serde_json::json!({ "ops": ops }).to_string()))
            .unwrap();
        self.request(request).await
    }

    /// One op, sent alone; its outcome (`{"Applied": …}`, `{"Rejected": …}`, …).
    pub async fn sync_one(
        &self,
        cookie: &str,
        op_id: &str,
        kind: &str,
        payload: serde_json::Value,
        created_at: i64,
    ) -> serde_json::Value {
        let op = serde_json::json!({
            "op_id": op_id,
            "kind": kind,
            "payload": payload,
            "created_at": created_at,
        });
        let reply = self.sync(cookie, &[op]).await;
        assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
        reply.json()[0]["outcome"].clone()
    }

    /// [`TestApp::call`] with owned values, for fields built inside a test's closure.
    pub async fn call_owned(
        &self,
        endpoint: &str,
        cookie: &str,
        fields: &[(&str, String)],
    ) -> Reply {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.call(endpoint, Some(cookie), &fields).await
    }

    /// A plain GET (downloads, photos), with or without a session.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.request(request.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function as the browser's client does.
    pub async fn call(
        &self,
        endpoint: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Reply {
        self.request(form_request(endpoint, cookie, fields)).await
    }

    pub async fn login(&self, phone: &str, password: &str) -> String {
        let reply = self
            .call("login", None, &[("phone", phone), ("password", password)])
            .await;
        assert!(
            reply.status.is_success(),
            "login {phone}: {} {}",
            reply.status,
            reply.body
        );
        reply.cookie.expect("session cookie")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        app::db::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn branch_id(&self, name_like: &str) -> String {
        app::db::query_scalar("SELECT id FROM orgs WHERE kind = 'branch' AND name LIKE ?")
            .bind(format!("%{name_like}%"))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn user_id(&self, phone: &str) -> String {
        app::db::query_scalar("SELECT id FROM users WHERE phone = ?")
            .bind(phone)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

pub const PASSWORD: &str = server::seed::DEMO_PASSWORD;
pub const ADMIN: &str = server::seed::ADMIN_PHONE;
pub const SECRETARY_1: &str = server::seed::SECRETARY_1_PHONE;
pub const SECRETARY_2: &str = server::seed::SECRETARY_2_PHONE;
/// A plain member of the first branch.
pub const GROUP_LEADER: &str = "13800000003";
pub const MEMBER_1: &str = "13800000006";
pub const RESIDENT: &str = "13900000001";

/// A 主题党日 of the first branch held from `starts` to `ends` (either may lie in the past):
/// scheduled ahead, then moved there as if scheduled the day before it began. Its id.
pub async fn held_meeting(app: &TestApp, secretary: &str, starts: i64, ends: i64) -> String {
    use app::shell::time::format_local_datetime;
    let branch = app.branch_id("第一").await;
    let now = app::state::now();
    let reply = app
        .call(
            "schedule_meeting",
            Some(secretary),
            &[
                ("org_id", &branch),
                ("kind", "theme_day"),
                ("title", "主题党日"),
                ("agenda", ""),
                ("place", "村委会"),
                ("starts_at", &format_local_datetime(now + 86_400)),
                ("ends_at", &format_local_datetime(now + 90_000)),
            ],
        )
        .await;
    let id = reply.json().as_str().unwrap().to_string();
    app::db::query(
        "UPDATE meetings SET starts_at = ?1, ends_at = ?2, created_at = ?1 - 86400 WHERE id = ?3",
    )
    .bind(starts)
    .bind(ends)
    .bind(&id)
    .execute(&app.pool)
    .await
    .unwrap();
    id
}

/// A small JPEG as a phone queues it (a data URL); `shade` tells two pictures apart.
pub fn jpeg_data_url(shade: u8) -> String {
    use base64::Engine;
    let image =
        image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, shade]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&image)
        .unwrap();
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}
