//! Random and malformed arguments to every registered server function and every offline op
//! kind, through the real router, as anonymous, member, resident, secretary and admin.
//! Every answer must be a declared one: no panic, no 5xx but a declared `Internal`, and a
//! refused call changes nothing (bookkeeping of refusals aside).
//!
//! CI runs a short pass; a long one: `ZHIBU_FUZZ_SECS=600 cargo test -p server --test fuzz
//! -- --nocapture`. `ZHIBU_FUZZ_SEED` replays a run (the seed is printed).

mod support;
use support::*;

use app::offline::OfflineOp;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Tables a refusal may write: the answer kept for a replay, a refused check-in for the
/// sheet, a failed login for the rate limit.
const BOOKKEEPING: &[&str] = &[
    "applied_ops",
    "checkin_refusals",
    "auth_attempts",
    "_sqlx_migrations",
];

/// Names of every argument the server functions and op payloads take.
const FIELDS: &[&str] = &[
    "id",
    "wish_id",
    "community_id",
    "branch_id",
    "meeting_id",
    "user_id",
    "org_id",
    "group_id",
    "entry_id",
    "invite_id",
    "pledge_id",
    "task_id",
    "rule_id",
    "key",
    "kind",
    "title",
    "agenda",
    "place",
    "starts_at",
    "ends_at",
    "past_reason",
    "reason",
    "note",
    "decision",
    "minutes",
    "year",
    "period",
    "phone",
    "password",
    "name",
    "old_password",
    "new_password",
    "code",
    "valid_days",
    "status",
    "category",
    "urgent",
    "oldest_first",
    "days",
    "enabled",
    "parent_id",
    "story",
    "needed_by",
    "target",
    "unit",
    "address",
    "on_behalf_of",
    "contact_phone",
    "quantity",
    "thanks",
    "body",
    "slot",
    "data",
    "photos",
    "points",
    "places",
    "deadline",
    "description",
    "from",
    "to",
    "role",
    "party_status",
];

/// xorshift64*: reproducible from its seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Values that are valid somewhere (real ids, dates, numbers) and hostile everywhere else.
fn value(rng: &mut Rng, ids: &[String]) -> String {
    let now = app::state::now();
    match rng.below(14) {
        0..=3 => rng.pick(ids).clone(),
        4 => String::new(),
        5 => "x".repeat(rng.below(3) * 60_000 + 1),
        6 => rng
            .pick(&[
                "../../etc/passwd",
                "' OR 1=1 --",
                "<script>alert(1)</script>",
                "１２３４５６",
                "=HYPERLINK(\"x\")",
                "\u{0}\u{202e}",
                "😀😀",
                "null",
                "{}",
                "[]",
                "true",
                "false",
                "NaN",
                "-0",
            ])
            .to_string(),
        7 => rng
            .pick(&[
                "-1",
                "0",
                "1",
                "3",
                "20",
                "101",
                "9223372036854775807",
                "-9223372036854775808",
                "1e9",
                "2.5",
            ])
            .to_string(),
        8 => app::shell::time::format_local_datetime(now + (rng.next() % 200_000) as i64 - 100_000),
        9 => app::shell::time::format_date(now + (rng.next() % 2_000_000) as i64 - 1_000_000),
        10 => rng
            .pick(&[
                "month",
                "quarter",
                "year",
                "approve",
                "refuse",
                "member",
                "secretary",
                "theme_day",
                "committee",
                "group_meeting",
                "Sick",
                "elderly",
                "photo",
                "sheet",
            ])
            .to_string(),
        11 => uuid::Uuid::now_v7().to_string(),
        12 => format!("138{:08}", rng.next() % 100_000_000),
        _ => format!("{:06}", rng.next() % 1_000_000),
    }
}

fn json_value(rng: &mut Rng, ids: &[String], depth: u32) -> Value {
    match rng.below(if depth > 1 { 5 } else { 7 }) {
        0 | 1 => Value::String(value(rng, ids)),
        2 => json!(rng.next() as i64 >> rng.below(64)),
        3 => json!(rng.chance(50)),
        4 => Value::Null,
        5 => Value::Array(
            (0..rng.below(5))
                .map(|_| json_value(rng, ids, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(6))
                .map(|_| {
                    (
                        rng.pick(FIELDS).to_string(),
                        json_value(rng, ids, depth + 1),
                    )
                })
                .collect(),
        ),
    }
}

/// A payload shaped like an op's (its fields, mostly plausible values) or not at all.
fn payload(rng: &mut Rng, ids: &[String], photo: &str) -> Value {
    if rng.chance(10) {
        return json_value(rng, ids, 0);
    }
    let mut fields = serde_json::Map::new();
    for name in FIELDS {
        if rng.chance(70) {
            let value = match *name {
                "photos" => json!((0..rng.below(6))
                    .map(|_| if rng.chance(50) {
                        json!(photo)
                    } else {
                        json_value(rng, ids, 2)
                    })
                    .collect::<Vec<_>>()),
                "data" if rng.chance(50) => json!(photo),
                "slot" | "quantity" | "target" => json!((rng.next() as i64) >> rng.below(64)),
                _ if rng.chance(15) => json_value(rng, ids, 1),
                _ => Value::String(value(rng, ids)),
            };
            fields.insert(name.to_string(), value);
        }
    }
    Value::Object(fields)
}

/// A digest of every table but the bookkeeping ones: equal digests, nothing changed.
async fn digest(pool: &app::db::Pool) -> BTreeMap<String, String> {
    let postgres = pool.engine() == app::db::Engine::Postgres;
    let tables: Vec<String> = app::db::query_scalar(if postgres {
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    })
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for table in tables
        .into_iter()
        .filter(|t| !BOOKKEEPING.contains(&t.as_str()))
    {
        let sql = if postgres {
            format!("SELECT string_agg(CAST(t AS TEXT), ';' ORDER BY CAST(t AS TEXT)) FROM \"{table}\" t")
        } else {
            let columns: Vec<String> =
                app::db::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            let row = columns
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join("||','||");
            format!(
                "SELECT group_concat(r, ';') FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY 1)"
            )
        };
        let content: Option<String> = app::db::query_scalar(&sql).fetch_one(pool).await.unwrap();
        out.insert(table, content.unwrap_or_default());
    }
    out
}

fn changed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    after
        .iter()
        .filter(|(table, content)| before.get(*table) != Some(content))
        .map(|(table, _)| table.clone())
        .collect()
}

/// An answer is declared: 2xx, or an error the app names (Internal is a declared 500).
fn check_declared(what: &str, reply: &Reply) {
    let status = reply.status.as_u16();
    if status >= 500 {
        assert!(
            status == 500 && reply.body.trim() == "\"Internal\"",
            "{what}: undeclared {status}: {}",
            &reply.body[..reply.body.len().min(300)]
        );
    }
}

#[tokio::test]
async fn random_and_malformed_calls_get_declared_answers_and_refusals_change_nothing() {
    let app = app().await;
    let seed = std::env::var("ZHIBU_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| (app::state::now() as u64) | 1);
    let secs: u64 = std::env::var("ZHIBU_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!("fuzz seed {seed}, {secs} s (ZHIBU_FUZZ_SEED={seed} replays it)");
    let mut rng = Rng(seed);

    let actors = vec![
        None,
        Some(app.login(MEMBER_1, PASSWORD).await),
        Some(app.login(RESIDENT, PASSWORD).await),
        Some(app.login(SECRETARY_1, PASSWORD).await),
        Some(app.login(SECRETARY_2, PASSWORD).await),
        Some(app.login(ADMIN, PASSWORD).await),
    ];
    // A meeting running now and one over, so their ids lead somewhere.
    let branch = app.branch_id("第一").await;
    let now = app::state::now();
    for (starts, ends) in [(now - 600, now + 3000), (now + 86_400, now + 90_000)] {
        let fields = [
            ("org_id", branch.clone()),
            ("kind", "theme_day".to_string()),
            ("title", "主题党日".to_string()),
            ("agenda", String::new()),
            ("place", String::new()),
            ("starts_at", app::shell::time::format_local_datetime(starts)),
            ("ends_at", app::shell::time::format_local_datetime(ends)),
        ];
        let secretary = actors[3].clone().unwrap();
        let reply = app
            .call_owned("schedule_meeting", &secretary, &fields)
            .await;
        assert!(reply.status.is_success(), "{}", reply.body);
    }
    app::db::query("UPDATE meetings SET starts_at = ?, ends_at = ? WHERE starts_at > ?")
        .bind(now - 7200)
        .bind(now - 3600)
        .bind(now)
        .execute(&app.pool)
        .await
        .unwrap();
    // Real ids of every kind, so calls get past "not found" to the rules behind it.
    let mut ids: Vec<String> = Vec::new();
    for table in [
        "users",
        "orgs",
        "communities",
        "wishes",
        "meetings",
        "point_rules",
        "invites",
    ] {
        let found: Vec<String> = app::db::query_scalar(&format!("SELECT id FROM {table} LIMIT 40"))
            .fetch_all(&app.pool)
            .await
            .unwrap_or_default();
        ids.extend(found);
    }
    let photo = jpeg_data_url(7);
    // Signing out would end a fuzzing actor's session; the rest is fair game.
    let mut endpoints: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .filter(|endpoint| endpoint != "logout")
        .collect();
    endpoints.sort_unstable();
    assert!(endpoints.len() >= 50, "{endpoints:?}");
    let kinds = [
        app::suggestions::SubmitSuggestion::KIND,
        app::meetings::CheckIn::KIND,
        app::meetings::RequestLeave::KIND,
        app::meetings::AddMeetingPhoto::KIND,
        app::points::ClaimPoints::KIND,
        app::points::SignUpTask::KIND,
        app::points::SubmitTask::KIND,
        app::wishes::PostWish::KIND,
        app::wishes::PledgeWish::KIND,
        app::wishes::ReleasePledge::KIND,
        app::wishes::FulfilPledge::KIND,
        app::wishes::ConfirmPledge::KIND,
        app::wishes::WithdrawWish::KIND,
        "no.such.kind",
    ];

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let (mut calls, mut refused, mut ops) = (0u64, 0u64, 0u64);
    while std::time::Instant::now() < deadline {
        let actor = rng.pick(&actors).clone();
        if rng.chance(60) {
            // A server function with every argument name, random values, or a garbled body.
            let endpoint = rng.pick(&endpoints).clone();
            let mut fields: Vec<(&str, String)> = Vec::new();
            for name in FIELDS {
                if rng.chance(80) {
                    fields.push((name, value(&mut rng, &ids)));
                }
            }
            let before = digest(&app.pool).await;
            let reply = if rng.chance(10) {
                let mut request = form_request(&endpoint, actor.as_deref(), &[]);
                *request.body_mut() = axum::body::Body::from(match rng.below(3) {
                    0 => "%%%&&&==".to_string(),
                    1 => json_value(&mut rng, &ids, 0).to_string(),
                    _ => "a=".repeat(5000),
                });
                app.request(request).await
            } else {
                let borrowed: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.call(&endpoint, actor.as_deref(), &borrowed).await
            };
            check_declared(&endpoint, &reply);
            if !reply.status.is_success() {
                refused += 1;
                let after = digest(&app.pool).await;
                let tables = changed(&before, &after);
                assert!(
                    tables.is_empty(),
                    "{endpoint} was refused ({}: {}) yet changed {tables:?} (seed {seed})",
                    reply.status,
                    &reply.body[..reply.body.len().min(200)]
                );
            }
            calls += 1;
        } else if let Some(cookie) = actor {
            // An op of any kind with a random envelope.
            let op = json!({
                "op_id": if rng.chance(90) { uuid::Uuid::now_v7().to_string() } else { value(&mut rng, &ids) },
                "kind": rng.pick(&kinds),
                "payload": payload(&mut rng, &ids, &photo),
                "created_at": match rng.below(4) { 0 => i64::MIN, 1 => i64::MAX, _ => app::state::now() - (rng.next() % 1_000_000) as i64 },
                "clock_offset": match rng.below(4) { 0 => json!(null), 1 => json!(i64::MAX), 2 => json!(i64::MIN), _ => json!((rng.next() % 600) as i64 - 300) },
            });
            let before = digest(&app.pool).await;
            let reply = app.sync(&cookie, &[op]).await;
            check_declared("sync", &reply);
            assert!(
                reply.status.is_success(),
                "sync answered {}: {}",
                reply.status,
                reply.body
            );
            let outcome = reply.json()[0]["outcome"].clone();
            if outcome.get("Applied").is_none() {
                refused += 1;
                let after = digest(&app.pool).await;
                let tables = changed(&before, &after);
                assert!(
                    tables.is_empty(),
                    "an op refused with {outcome} changed {tables:?} (seed {seed})"
                );
                if let Some(error) = outcome.get("Retry") {
                    assert!(
                        error == "Internal" || error == "RateLimited",
                        "only a passing trouble is retried: {error}"
                    );
                }
            }
            ops += 1;
        }
    }
    println!("{calls} calls, {ops} ops, {refused} refused, all declared");
    assert!(calls + ops > 50, "the pass did some work");
}
