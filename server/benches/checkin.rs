//! The check-in path under a crowd, against the real router over loopback, each phone on a
//! connection of its own. By default 1,000 members of one branch check in to one meeting at
//! the same moment, three times over (a closed burst). Beside it, in the same run and on the
//! same database, the raw rate of single-row inserts (one transaction each; the median of
//! five batches), so the overhead of the whole path (HTTP, session, op log, code check,
//! attendance row) is a ratio.
//!
//! `cargo bench -p server --bench checkin` (or `./scripts/bench.sh`). Knobs, as
//! `ZHIBU_BENCH_<NAME>`:
//! - `MEMBERS` (1,000), spread over `BRANCHES` (1); each branch holds `ROUNDS` (3) meetings
//!   at once, and in round r each member checks in to their branch's r-th: members × rounds
//!   check-ins, each a new attendance row.
//! - `RATE`: 0 (the default) sends each round's check-ins at once; N sends N a second
//!   (an open loop over all rounds), each latency counted from when it was due, so a slow
//!   server cannot hide its queue.
//! - `POSTGRES=postgres://user:pass@host:port`: a new database there instead of SQLite,
//!   behind `SERVERS` app servers (2) sharing it, the phones spread over them as nginx would.
//!
//! - `TIMELINE`: 1 prints, per second of the run, the check-ins due then and their p50, p99
//!   and slowest (stderr), to tell a steady tail from stalls.
//! - `WARMUP`: N (0 by default) phones first check in to a meeting of their own, untimed,
//!   as a server up all morning has been used before its burst (connections, statements and
//!   caches warm on both the app servers and PostgreSQL).
//! - `EMPTY`: 1 makes each phone sync a batch with no op in it instead: the same
//!   connection, session read and sync framing without the check-in's own work, so the
//!   share of raw inserts left for that work can be read off (nothing is recorded).
//! - `LOGINS`: 1 (the default) logs every member in through `/api/login` first, as phones
//!   arriving at the meeting do, `LOGIN_CONCURRENCY` (32) at a time, timed apart from the
//!   check-ins (argon2 is a core's worth of time per login, by design); 0 makes the sessions
//!   directly.
//!
//! The 主题党日 burst: `ZHIBU_BENCH_MEMBERS=10000 ZHIBU_BENCH_BRANCHES=1000
//! ZHIBU_BENCH_ROUNDS=10 ZHIBU_BENCH_RATE=1000`. CPU over the check-ins, as a share of one
//! core: this process's (the app servers and the phones together, on one runtime: phones on
//! a runtime of their own made SQLite's closed burst slower, so it measures something else)
//! and PostgreSQL's (its processes on this machine). Not a test: it asserts only that every
//! login and check-in succeeded and every check-in was recorded once.

use app::db::Pool;
use app::meetings::checkin::{code_for_slot, format_code, slot_of};
use app::state::{new_id, now, random_hex32, AppState, Settings};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "../tests/support/mod.rs"]
mod support;

/// The raw insert rate is the median of these batches: one batch of 5,000 measured anywhere
/// from 10,000 to 22,000 a second from run to run on this machine (how soon a sleeping
/// thread wakes), which made the ratio swing more than any change to the path did.
const RAW_BATCHES: usize = 5;
const RAW_BATCH: usize = 2_000;

/// `ZHIBU_BENCH_<name>` as a number, or `default`.
fn knob(name: &str, default: usize) -> usize {
    std::env::var(format!("ZHIBU_BENCH_{name}"))
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    // The servers' logged errors, the cause behind a check-in answered `Internal`.
    tracing_subscriber::fmt().with_env_filter("error").init();
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
    let branches = knob("BRANCHES", 1).clamp(1, members);
    let rounds = knob("ROUNDS", 3);
    let rate = knob("RATE", 0);
    let logins = knob("LOGINS", 1) == 1;
    let empty = knob("EMPTY", 0) == 1;
    let pool = Pool::open(&url).await.unwrap();
    let mut crowd = crowd(&pool, members, branches, rounds, logins).await;
    if postgres.is_some() {
        // Statistics for what was just loaded in bulk, as PostgreSQL's documentation advises
        // after a bulk load. Without them autovacuum's first pass, a minute into the run,
        // analysed every table at once and took this 2-core machine's last spare core
        // (p99 226–348 ms over 100,000 check-ins at 1,000 a second; 61 ms with them).
        app::db::query("ANALYZE").execute(&pool).await.unwrap();
    }

    // Each app server with its own pool, as separate processes would have.
    let mut addresses = Vec::new();
    for _ in 0..servers {
        let config = server::config::Config::default();
        let state = AppState::new(
            server::leptos_options(&config),
            Pool::open(&url).await.unwrap(),
            Settings {
                photos: app::uploads::photos::Photos::local(&dir.join("uploads")),
                ..Settings::default()
            },
        );
        let router = server::router(state, Vec::new());
        let listener = server::listen(([127, 0, 0, 1], 0).into()).unwrap();
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

    let login_started = Instant::now();
    if logins {
        crowd.cookies = log_in(&addresses, members, knob("LOGIN_CONCURRENCY", 32)).await;
    }
    let login_wall = login_started.elapsed();
    let crowd = std::sync::Arc::new(crowd);
    let warm_up_phones = knob("WARMUP", 0).min(members);
    warm_up(&addresses, &crowd, warm_up_phones).await;

    // (when it was due, how long it took) of each check-in answered Applied.
    let mut answered = Vec::new();
    let mut failures = 0;
    let cpu_started = Cpu::now();
    let started = Instant::now();
    // (due, phone, round): when each check-in is sent, by whom, to which meeting.
    let waves: Vec<Vec<(Duration, usize, usize)>> = if rate == 0 {
        (0..rounds)
            .map(|round| {
                (0..members)
                    .map(|phone| (Duration::ZERO, phone, round))
                    .collect()
            })
            .collect()
    } else {
        let every = Duration::from_secs_f64(1.0 / rate as f64);
        vec![(0..members * rounds)
            .map(|k| (every * k as u32, k % members, k / members))
            .collect()]
    };
    for wave in waves {
        let wave_started = Instant::now();
        let tasks: Vec<_> = wave
            .into_iter()
            .map(|(due, phone, round)| {
                let address = addresses[phone % addresses.len()];
                let crowd = std::sync::Arc::clone(&crowd);
                tokio::spawn(async move {
                    tokio::time::sleep_until((wave_started + due).into()).await;
                    let (meeting, secret) = &crowd.meetings[phone % crowd.meetings.len()][round];
                    let body = if empty {
                        EMPTY_SYNC.to_string()
                    } else {
                        checkin_body(meeting, secret)
                    };
                    let reply =
                        post_as(address, "/api/sync", &crowd.cookies[phone], &body, JSON).await;
                    // From when it was due: a request that waited for a free moment waited.
                    reply.map(|(_, text)| (due, wave_started.elapsed().saturating_sub(due), text))
                })
            })
            .collect();
        for task in tasks {
            match task.await.unwrap() {
                Ok((due, elapsed, reply)) if answered_as_sent(&reply, empty) => {
                    answered.push((due, elapsed))
                }
                Ok((_, _, reply)) => {
                    failures += 1;
                    if failures < 4 {
                        eprintln!("{reply}");
                    }
                }
                Err(error) => {
                    failures += 1;
                    if failures < 4 {
                        eprintln!("{error}");
                    }
                }
            }
        }
    }
    let wall = started.elapsed();
    let cpu = Cpu::now().since(&cpu_started);
    let recorded: i64 = app::db::query_scalar(
        "SELECT COUNT(*) FROM attendance a JOIN meetings m ON m.id = a.meeting_id
         WHERE m.title = ?",
    )
    .bind(TIMED_TITLE)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        recorded as usize,
        if empty { 0 } else { members * rounds },
        "every check-in is recorded once (an empty sync, nothing)"
    );

    app::db::query(
        "CREATE TABLE raw_inserts (id TEXT PRIMARY KEY, meeting_id TEXT, user_id TEXT, at BIGINT)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut raw_rates = Vec::with_capacity(RAW_BATCHES);
    for batch in 0..RAW_BATCHES {
        let batch_started = Instant::now();
        for i in 0..RAW_BATCH {
            app::db::query(
                "INSERT INTO raw_inserts (id, meeting_id, user_id, at) VALUES (?, ?, ?, ?)",
            )
            .bind(new_id())
            .bind(&crowd.meetings[0][0].0)
            .bind((batch * RAW_BATCH + i).to_string())
            .bind(now())
            .execute(&pool)
            .await
            .unwrap();
        }
        raw_rates.push(RAW_BATCH as f64 / batch_started.elapsed().as_secs_f64());
    }
    raw_rates.sort_by(f64::total_cmp);
    let raw_rate = raw_rates[RAW_BATCHES / 2];

    if knob("TIMELINE", 0) == 1 {
        print_timeline(answered.clone());
    }
    let mut latencies: Vec<Duration> = answered.iter().map(|(_, took)| *took).collect();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let rate_done = latencies.len() as f64 / wall.as_secs_f64();
    let cores = |seconds: f64| (seconds / wall.as_secs_f64() * 100.0).round() / 100.0;
    let report = serde_json::json!({
        "engine": if postgres.is_some() { "postgres" } else { "sqlite" },
        "servers": servers,
        "members": members,
        "branches": branches,
        "rounds": rounds,
        "sync": if empty { "empty" } else { "check-in" },
        "rate": if rate == 0 { "burst".to_string() } else { format!("{rate}/s") },
        "logins": if logins { members } else { 0 },
        "warm_up": warm_up_phones,
        "login_s": (login_wall.as_secs_f64() * 10.0).round() / 10.0,
        "checkins": latencies.len(),
        "failures": failures,
        "wall_s": (wall.as_secs_f64() * 10.0).round() / 10.0,
        "checkin_per_sec": rate_done.round(),
        "p50_ms": pct(0.50).as_millis(),
        "p99_ms": pct(0.99).as_millis(),
        "cpu_cores": cores(cpu.process),
        "postgres_cpu_cores": postgres.as_ref().map(|_| cores(cpu.postgres)),
        "raw_inserts_per_sec": raw_rate.round(),
        "raw_inserts_per_sec_range": [raw_rates[0].round(), raw_rates[RAW_BATCHES - 1].round()],
        "checkin_share_of_raw": (rate_done / raw_rate * 1000.0).round() / 1000.0,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sync with no op in it, the request of `ZHIBU_BENCH_EMPTY=1`.
const EMPTY_SYNC: &str = r#"{"ops":[]}"#;

/// Whether `reply` is the success of what was sent: an applied check-in, or for an empty
/// sync its empty list of answers.
fn answered_as_sent(reply: &str, empty: bool) -> bool {
    if !empty {
        return reply.contains("Applied");
    }
    reply.starts_with("HTTP/1.1 200") && reply.trim_end().ends_with("[]")
}

/// One phone's sync of a check-in to `meeting` with the code on its screen now.
fn checkin_body(meeting: &str, secret: &str) -> String {
    let slot = slot_of(now());
    serde_json::json!({ "ops": [{
        "op_id": uuid::Uuid::now_v7().to_string(),
        "kind": "meeting.checkin",
        "payload": {
            "meeting_id": meeting,
            "slot": slot,
            "code": format_code(code_for_slot(secret.as_bytes(), meeting, slot)),
        },
        "created_at": now(),
    }]})
    .to_string()
}

/// The first `phones` phones check in to their branch's warm-up meeting, 64 at a time,
/// before anything is timed.
async fn warm_up(addresses: &[std::net::SocketAddr], crowd: &std::sync::Arc<Crowd>, phones: usize) {
    each_phone(phones, 64, |phone| {
        let address = addresses[phone % addresses.len()];
        let crowd = std::sync::Arc::clone(crowd);
        async move {
            let (meeting, secret) = &crowd.warm_ups[phone % crowd.warm_ups.len()];
            let body = checkin_body(meeting, secret);
            let (_, reply) = post_as(address, "/api/sync", &crowd.cookies[phone], &body, JSON)
                .await
                .unwrap();
            assert!(reply.contains("Applied"), "warm-up check-in: {reply}");
        }
    })
    .await;
}

/// `job` for each of `count` phones, at most `concurrency` at once; the answers in phone order.
async fn each_phone<T, Job>(count: usize, concurrency: usize, job: impl Fn(usize) -> Job) -> Vec<T>
where
    T: Send + 'static,
    Job: std::future::Future<Output = T> + Send + 'static,
{
    let turns = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let tasks: Vec<_> = (0..count)
        .map(|phone| {
            let turns = std::sync::Arc::clone(&turns);
            let work = job(phone);
            tokio::spawn(async move {
                let _turn = turns.acquire_owned().await.unwrap();
                work.await
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(count);
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// The bench's people and meetings: for each phone its session cookie; for each branch its
/// meetings running now (id and secret), one per round. Phone i belongs to branch i mod n.
struct Crowd {
    cookies: Vec<String>,
    meetings: Vec<Vec<(String, String)>>,
    /// Each branch's meeting for `WARMUP`, apart from the timed ones.
    warm_ups: Vec<(String, String)>,
}

async fn crowd(
    pool: &app::db::Pool,
    members: usize,
    branches: usize,
    rounds: usize,
    logins: bool,
) -> Crowd {
    let at = now();
    // One hash for every member (its salt included): hashing 10,000 would take minutes.
    let password_hash = if logins {
        app::auth::session::hash_password(PASSWORD.to_string())
            .await
            .unwrap()
    } else {
        "-".to_string()
    };
    let mut tx = pool.begin().await.unwrap();
    let mut branch_ids = Vec::with_capacity(branches);
    for b in 0..branches {
        let branch = new_id();
        app::db::query("INSERT INTO orgs (id, parent_id, kind, name, created_at) VALUES (?, NULL, 'branch', ?, ?)")
            .bind(&branch)
            .bind(format!("压测支部{b}"))
            .bind(at)
            .execute(&mut *tx)
            .await
            .unwrap();
        branch_ids.push(branch);
    }
    let mut cookies = Vec::with_capacity(members);
    let mut first_of = vec![None; branches];
    for i in 0..members {
        let user = new_id();
        let branch = i % branches;
        first_of[branch].get_or_insert_with(|| user.clone());
        app::db::query("INSERT INTO users (id, phone, name, password_hash, party_status, created_at) VALUES (?, ?, ?, ?, 'full', ?)")
            .bind(&user)
            .bind(phone_of(i))
            .bind(format!("党员{i}"))
            .bind(&password_hash)
            .bind(at)
            .execute(&mut *tx)
            .await
            .unwrap();
        app::db::query("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'member', ?)")
            .bind(&user)
            .bind(&branch_ids[branch])
            .bind(at)
            .execute(&mut *tx)
            .await
            .unwrap();
        if logins {
            continue;
        }
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
    let mut meetings = Vec::with_capacity(branches);
    let mut warm_ups = Vec::with_capacity(branches);
    for (branch, first) in branch_ids.iter().zip(first_of) {
        let first = first.unwrap();
        let mut held = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            held.push(meeting_now(&mut tx, branch, &first, TIMED_TITLE, at).await);
        }
        meetings.push(held);
        warm_ups.push(meeting_now(&mut tx, branch, &first, "压测热身", at).await);
    }
    tx.commit().await.unwrap();
    Crowd {
        cookies,
        meetings,
        warm_ups,
    }
}

const PASSWORD: &str = "压测口令-2026";

/// The title of the meetings whose check-ins are timed (and counted at the end).
const TIMED_TITLE: &str = "压测党员大会";

/// A meeting of `branch` running now, called by `secretary`: its id and secret.
async fn meeting_now(
    tx: &mut app::db::Tx,
    branch: &str,
    secretary: &str,
    title: &str,
    at: i64,
) -> (String, String) {
    let meeting = new_id();
    let secret = random_hex32();
    app::db::query(
        "INSERT INTO meetings (id, org_id, kind, title, starts_at, ends_at, secret, created_by, created_at)
         VALUES (?, ?, 'general_meeting', ?, ?, ?, ?, ?, ?)",
    )
    .bind(&meeting)
    .bind(branch)
    .bind(title)
    .bind(at - 60)
    .bind(at + 3 * 3600)
    .bind(&secret)
    .bind(secretary)
    .bind(at)
    .execute(&mut **tx)
    .await
    .unwrap();
    (meeting, secret)
}

fn phone_of(member: usize) -> String {
    format!("13{member:09}")
}

/// Every member's session cookie, from logging in through `/api/login` as the login form
/// does, `concurrency` phones at a time, each on the server it will check in to.
async fn log_in(
    addresses: &[std::net::SocketAddr],
    members: usize,
    concurrency: usize,
) -> Vec<String> {
    each_phone(members, concurrency, |member| {
        let address = addresses[member % addresses.len()];
        async move {
            let body = format!(
                "phone={}&password={}",
                phone_of(member),
                urlencoding(PASSWORD)
            );
            let (_, reply) = post_as(address, "/api/login", "", &body, FORM)
                .await
                .unwrap();
            session_cookie(&reply).unwrap_or_else(|| panic!("member {member} logged in: {reply}"))
        }
    })
    .await
}

/// The `name=value` of the session cookie a reply sets.
fn session_cookie(reply: &str) -> Option<String> {
    let prefix = format!("{}=", app::auth::session::SESSION_COOKIE);
    reply
        .lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then_some(value.trim())
        })
        .find(|cookie| cookie.starts_with(&prefix))
        .and_then(|cookie| cookie.split(';').next())
        .filter(|pair| pair.len() > prefix.len())
        .map(str::to_string)
}

/// Percent-encoding of a form value (the password holds Chinese characters).
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Per second of the open loop (by when each check-in was due): how many, p50, p99 and the
/// slowest, on stderr. Tells a steady tail from stalls at particular moments.
fn print_timeline(mut timeline: Vec<(Duration, Duration)>) {
    timeline.sort_unstable();
    for second in timeline.chunk_by(|a, b| a.0.as_secs() == b.0.as_secs()) {
        let mut took: Vec<Duration> = second.iter().map(|(_, took)| *took).collect();
        took.sort_unstable();
        let at = |p: f64| took[((took.len() as f64 * p) as usize).min(took.len() - 1)].as_millis();
        eprintln!(
            "t={:>4}s n={:>5} p50={:>4}ms p99={:>5}ms max={:>5}ms",
            second[0].0.as_secs(),
            took.len(),
            at(0.5),
            at(0.99),
            took[took.len() - 1].as_millis()
        );
    }
}

/// CPU seconds (user and system) used so far: by this process, and by the processes named
/// `postgres` on this machine.
struct Cpu {
    process: f64,
    postgres: f64,
}

impl Cpu {
    fn now() -> Cpu {
        let (_, process) = proc_stat("/proc/self/stat").unwrap_or_default();
        let postgres = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|pid| proc_stat(&format!("/proc/{pid}/stat")))
            .filter(|(name, _)| name == "postgres")
            .map(|(_, seconds)| seconds)
            .sum();
        Cpu { process, postgres }
    }

    /// What was used between `earlier` and this. (A postgres process that ended meanwhile
    /// is missed: the pools keep theirs open.)
    fn since(&self, earlier: &Cpu) -> Cpu {
        Cpu {
            process: self.process - earlier.process,
            postgres: self.postgres - earlier.postgres,
        }
    }
}

/// A process's name and CPU seconds, user and system, from its `stat` file
/// (Linux's clock ticks).
fn proc_stat(path: &str) -> Option<(String, f64)> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The name is in parentheses and may hold spaces or parentheses itself.
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_string();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // utime and stime are fields 14 and 15, the 12th and 13th after the name.
    Some((name, (ticks(11)? + ticks(12)?) / 100.0))
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// One HTTP/1.1 request on a fresh connection, as a phone arriving at the meeting makes it.
async fn post_as(
    address: std::net::SocketAddr,
    path: &str,
    cookie: &str,
    body: &str,
    content_type: &str,
) -> std::io::Result<(Duration, String)> {
    let started = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nAccept: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
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
