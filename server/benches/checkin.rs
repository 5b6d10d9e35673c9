//! The check-in path under a crowd: 1,000 members of one branch check in to one meeting at
//! the same moment, each over its own loopback connection, against the real router on the
//! embedded SQLite. Beside it, in the same run and on the same database, the raw rate of
//! single-row inserts (one transaction each), so the overhead of the whole path (HTTP,
//! session, op log, code check, attendance row) is a ratio, not a guess.
//!
//! `cargo bench -p server --bench checkin` (or `./scripts/bench.sh`). With
//! `ZHIBU_BENCH_POSTGRES=postgres://user:pass@host:port` it runs on a new database there
//! instead, behind `ZHIBU_BENCH_SERVERS` app servers (default 2) sharing it, the phones
//! spread over them as nginx would. `ZHIBU_BENCH_MEMBERS` and `ZHIBU_BENCH_ROUNDS` size the
//! crowd. Not a test: it asserts only that every check-in was recorded.

use app::db::Pool;
use app::meetings::checkin::{code_for_slot, format_code, slot_of};
use app::state::{new_id, now, random_hex32, AppState, Settings};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "../tests/support/mod.rs"]
mod support;

const RAW_INSERTS: usize = 5_000;

/// `ZHIBU_BENCH_<name>` as a number, or `default`.
fn knob(name: &str, default: usize) -> usize {
    std::env::var(format!("ZHIBU_BENCH_{name}"))
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("zhibu-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let postgres = std::env::var("ZHIBU_BENCH_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty());
    let (url, servers) = match &postgres {
        Some(server) => (
            support::new_postgres_database(server, "zhibu_bench").await,
            knob("SERVERS", 2),
        ),
        None => (format!("sqlite://{}", dir.join("bench.db").display()), 1),
    };
    let members = knob("MEMBERS", 1_000);
    let rounds = knob("ROUNDS", 3);
    let pool = Pool::open(&url).await.unwrap();
    let (meeting, secret, cookies) = crowd(&pool, members).await;

    // Each app server with its own pool, as separate processes would have.
    let mut addresses = Vec::new();
    for _ in 0..servers {
        let config = server::config::Config::default();
        let state = AppState {
            leptos_options: server::leptos_options(&config),
            pool: Pool::open(&url).await.unwrap(),
            settings: Settings {
                photos: app::uploads::store::Photos::local(&dir.join("uploads")),
                ..Settings::default()
            },
        };
        let router = server::router(state, Vec::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        addresses.push(listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap()
        });
    }

    let mut latencies = Vec::new();
    let mut failures = 0;
    let started = Instant::now();
    for round in 0..rounds {
        let slot = slot_of(now());
        let code = format_code(code_for_slot(secret.as_bytes(), &meeting, slot));
        let tasks: Vec<_> = cookies
            .iter()
            .enumerate()
            .map(|(phone, cookie)| {
                let address = addresses[phone % addresses.len()];
                let body = serde_json::json!({ "ops": [{
                    "op_id": uuid::Uuid::now_v7().to_string(),
                    "kind": "meeting.checkin",
                    "payload": { "meeting_id": meeting, "slot": slot, "code": code },
                    "created_at": now(),
                }]})
                .to_string();
                let cookie = cookie.clone();
                tokio::spawn(async move { post(address, "/api/sync", &cookie, &body).await })
            })
            .collect();
        for task in tasks {
            match task.await.unwrap() {
                Ok((elapsed, reply)) if reply.contains("Applied") => latencies.push(elapsed),
                Ok((_, reply)) => {
                    failures += 1;
                    if failures < 4 {
                        eprintln!("round {round}: {reply}");
                    }
                }
                Err(error) => {
                    failures += 1;
                    if failures < 4 {
                        eprintln!("round {round}: {error}");
                    }
                }
            }
        }
    }
    let wall = started.elapsed();
    let recorded: i64 =
        app::db::query_scalar("SELECT COUNT(*) FROM attendance WHERE meeting_id = ?")
            .bind(&meeting)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded as usize, members, "every member is recorded once");

    app::db::query(
        "CREATE TABLE raw_inserts (id TEXT PRIMARY KEY, meeting_id TEXT, user_id TEXT, at BIGINT)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let raw_started = Instant::now();
    for i in 0..RAW_INSERTS {
        app::db::query("INSERT INTO raw_inserts (id, meeting_id, user_id, at) VALUES (?, ?, ?, ?)")
            .bind(new_id())
            .bind(&meeting)
            .bind(i.to_string())
            .bind(now())
            .execute(&pool)
            .await
            .unwrap();
    }
    let raw_rate = RAW_INSERTS as f64 / raw_started.elapsed().as_secs_f64();

    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let rate = latencies.len() as f64 / wall.as_secs_f64();
    let report = serde_json::json!({
        "engine": if postgres.is_some() { "postgres" } else { "sqlite" },
        "servers": servers,
        "members": members,
        "rounds": rounds,
        "checkins": latencies.len(),
        "failures": failures,
        "checkin_per_sec": rate.round(),
        "p50_ms": pct(0.50).as_millis(),
        "p99_ms": pct(0.99).as_millis(),
        "raw_inserts_per_sec": raw_rate.round(),
        "ratio_raw_to_checkin": (raw_rate / rate * 10.0).round() / 10.0,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A branch of `members` members with live sessions, and a meeting that runs now.
async fn crowd(pool: &app::db::Pool, members: usize) -> (String, String, Vec<String>) {
    let at = now();
    let branch = new_id();
    app::db::query("INSERT INTO orgs (id, parent_id, kind, name, created_at) VALUES (?, NULL, 'branch', '压测支部', ?)")
        .bind(&branch)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    let mut cookies = Vec::with_capacity(members);
    let mut tx = pool.begin().await.unwrap();
    let mut first = None;
    for i in 0..members {
        let user = new_id();
        first.get_or_insert_with(|| user.clone());
        app::db::query("INSERT INTO users (id, phone, name, password_hash, party_status, created_at) VALUES (?, ?, ?, '-', 'full', ?)")
            .bind(&user)
            .bind(format!("1370000{i:04}"))
            .bind(format!("党员{i}"))
            .bind(at)
            .execute(&mut *tx)
            .await
            .unwrap();
        app::db::query("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'member', ?)")
            .bind(&user)
            .bind(&branch)
            .bind(at)
            .execute(&mut *tx)
            .await
            .unwrap();
        let token = random_hex32();
        app::db::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(app::auth::session::token_hash(&token))
            .bind(&user)
            .bind(at)
            .bind(at + 86_400)
            .execute(&mut *tx)
            .await
            .unwrap();
        cookies.push(format!("{}={token}", app::auth::session::SESSION_COOKIE));
    }
    let meeting = new_id();
    let secret = random_hex32();
    app::db::query(
        "INSERT INTO meetings (id, org_id, kind, title, starts_at, ends_at, secret, created_by, created_at)
         VALUES (?, ?, 'general_meeting', '压测党员大会', ?, ?, ?, ?, ?)",
    )
    .bind(&meeting)
    .bind(&branch)
    .bind(at - 60)
    .bind(at + 3600)
    .bind(&secret)
    .bind(first.unwrap())
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (meeting, secret, cookies)
}

/// One HTTP/1.1 request on a fresh connection, as a phone arriving at the meeting makes it.
async fn post(
    address: std::net::SocketAddr,
    path: &str,
    cookie: &str,
    body: &str,
) -> std::io::Result<(Duration, String)> {
    let started = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nAccept: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(120), stream.read_to_end(&mut reply))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 120 s"))??;
    Ok((
        started.elapsed(),
        String::from_utf8_lossy(&reply).into_owned(),
    ))
}
