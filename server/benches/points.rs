//! The points reads a member and a secretary make most, over a branch of 200 members with
//! five years of entries (about 100,000 ledger rows): the leaderboard for a month, a quarter
//! and a year, and a member's statement (the whole 积分 tab: balance, month, year, rank,
//! entries, requests, rules, tasks, board). Service calls on the embedded SQLite, no HTTP.
//!
//! `cargo bench -p server --bench points` (or `./scripts/bench.sh`).

use app::db::Pool;
use app::points::service;
use app::state::{new_id, now};
use std::time::{Duration, Instant};

const MEMBERS: usize = 200;
const ENTRIES: usize = 100_000;
const YEARS: i64 = 5;
const CALLS: usize = 200;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("zhibu-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let pool = Pool::open(&format!("sqlite://{}", dir.join("bench.db").display()))
        .await
        .unwrap();
    let started = Instant::now();
    let (branch, members) = branch_with_history(&pool).await;
    let seeded = started.elapsed();

    let mut report = serde_json::Map::new();
    report.insert("members".into(), MEMBERS.into());
    report.insert("entries".into(), ENTRIES.into());
    report.insert("seed_secs".into(), (seeded.as_secs_f64() as u64).into());
    for period in ["month", "quarter", "year"] {
        let mut times = Vec::with_capacity(CALLS);
        for call in 0..CALLS {
            let actor = app::auth::session::load_actor(&pool, &members[call % MEMBERS])
                .await
                .unwrap();
            let t = Instant::now();
            let board = service::leaderboard(&pool, &actor, &branch, period)
                .await
                .unwrap();
            times.push(t.elapsed());
            assert_eq!(board.top.len(), 10);
        }
        report.insert(format!("board_{period}"), figures(times));
    }
    let mut times = Vec::with_capacity(CALLS);
    for call in 0..CALLS {
        let actor = app::auth::session::load_actor(&pool, &members[(call * 7) % MEMBERS])
            .await
            .unwrap();
        let t = Instant::now();
        let home = service::home(&pool, &actor).await.unwrap();
        times.push(t.elapsed());
        assert!(!home.entries.is_empty());
    }
    report.insert("statement".into(), figures(times));
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn figures(mut times: Vec<Duration>) -> serde_json::Value {
    times.sort_unstable();
    let ms = |p: f64| {
        let d = times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        (d.as_secs_f64() * 10_000.0).round() / 10.0
    };
    serde_json::json!({ "p50_ms": ms(0.5), "p99_ms": ms(0.99) })
}

/// A branch, its members and ~100,000 entries spread over five years (a fixed pseudo-random
/// sequence, so runs compare).
async fn branch_with_history(pool: &app::db::Pool) -> (String, Vec<String>) {
    let at = now();
    let branch = new_id();
    let mut tx = pool.begin().await.unwrap();
    app::db::query("INSERT INTO orgs (id, parent_id, kind, name, created_at) VALUES (?, NULL, 'branch', '积分压测支部', ?)")
        .bind(&branch)
        .bind(at)
        .execute(&mut *tx)
        .await
        .unwrap();
    let mut members = Vec::with_capacity(MEMBERS);
    for i in 0..MEMBERS {
        let user = new_id();
        app::db::query("INSERT INTO users (id, phone, name, password_hash, party_status, created_at) VALUES (?, ?, ?, '-', 'full', ?)")
            .bind(&user)
            .bind(format!("1360000{i:04}"))
            .bind(format!("党员{i:03}"))
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
        members.push(user);
    }
    let span = YEARS * 365 * 86_400;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..ENTRIES {
        let r = next();
        let user = &members[(r % MEMBERS as u64) as usize];
        let created = at - ((r >> 16) % span as u64) as i64;
        let points = [5, 3, 2, 1, -1, -3][((r >> 40) % 6) as usize];
        app::db::query(
            "INSERT INTO point_entries (id, branch_id, user_id, points, title, category, source_kind, created_at)
             VALUES (?, ?, ?, ?, '参加主题党日', 'org_life', 'meeting', ?)",
        )
        .bind(new_id())
        .bind(&branch)
        .bind(user)
        .bind(points)
        .bind(created)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    app::db::query("ANALYZE").execute(pool).await.unwrap();
    (branch, members)
}
