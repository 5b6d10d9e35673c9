//! Two servers on one database: each tick of the periodic work runs on exactly one of them,
//! and the work gets done whichever one that is.

mod support;

use app::db::Pool;
use app::state::now;
use support::*;

#[tokio::test]
async fn two_servers_run_each_tick_once_and_the_work_is_done() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    // Ended an hour ago and never opened: 应到 not frozen, no points given.
    let meeting = held_meeting(&app, &secretary, now() - 7_200, now() - 3_600).await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM meetings WHERE id = '{meeting}' AND frozen_at IS NULL AND points_at IS NULL")).await,
        1
    );

    // The second server: its own connections to the same database.
    let other = Pool::open(&app.url).await.unwrap();
    let mut ran = Vec::new();
    for tick in 1_000..1_040 {
        let (a, b) = tokio::join!(
            server::timers::run_tick(&app.pool, &app.photos, "server-a", tick),
            server::timers::run_tick(&other, &app.photos, "server-b", tick),
        );
        assert!(
            a ^ b,
            "tick {tick} ran on exactly one server (a: {a}, b: {b})"
        );
        ran.push(if a { "server-a" } else { "server-b" });
    }
    // Whichever ran, the tick is recorded under its name, once.
    for (tick, holder) in (1_000..1_040).zip(&ran) {
        let recorded: Vec<String> = app::db::query_scalar(
            "SELECT holder FROM timer_ticks WHERE name = 'timers' AND tick = ?",
        )
        .bind(tick)
        .fetch_all(&other)
        .await
        .unwrap();
        assert_eq!(recorded, vec![holder.to_string()]);
    }
    // A tick already run is not run again by a late server.
    assert!(!server::timers::run_tick(&other, &app.photos, "server-c", 1_000).await);

    let (frozen, points_at): (Option<i64>, Option<i64>) =
        app::db::query_as("SELECT frozen_at, points_at FROM meetings WHERE id = ?")
            .bind(&meeting)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        frozen.is_some() && points_at.is_some(),
        "the work of the first tick was done"
    );
    // Every expected member was docked for the absence exactly once over forty ticks.
    let expected = app
        .count(&format!(
            "SELECT COUNT(*) FROM meeting_expected WHERE meeting_id = '{meeting}'"
        ))
        .await;
    assert!(expected > 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM point_entries WHERE source_id = '{meeting}' AND points < 0"
        ))
        .await,
        expected
    );
}

#[tokio::test]
async fn ticks_older_than_a_day_are_forgotten() {
    let app = app().await;
    app::db::query(
        "INSERT INTO timer_ticks (name, tick, holder, started_at) VALUES ('timers', 1, 'old', ?)",
    )
    .bind(now() - 2 * 86_400)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(server::timers::run_tick(&app.pool, &app.photos, "server-a", 2).await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM timer_ticks WHERE holder = 'old'")
            .await,
        0
    );
    assert_eq!(
        // The `timers` job's own tick: between 03:00 and 05:00 in Shanghai the same tick
        // also claims the night's statistics under this holder.
        app.count("SELECT COUNT(*) FROM timer_ticks WHERE holder = 'server-a' AND name = 'timers'")
            .await,
        1
    );
}

#[tokio::test]
async fn each_night_one_server_gathers_the_statistics_autovacuum_leaves_to_it() {
    use server::timers::refresh_statistics_at_night;
    let app = app().await;
    let other = Pool::open(&app.url).await.unwrap();
    // 2026-01-01T00:00:00Z is 08:00 in Shanghai: four hours before is 04:00.
    let four_am = 1_767_225_600 - 4 * 3_600;
    let (a, b) = tokio::join!(
        refresh_statistics_at_night(&app.pool, "server-a", four_am),
        refresh_statistics_at_night(&other, "server-b", four_am + 30),
    );
    assert!(a ^ b, "one server gathers them (a: {a}, b: {b})");
    assert!(
        !refresh_statistics_at_night(&other, "server-b", four_am + 1_800).await,
        "once a night"
    );
    assert!(
        !refresh_statistics_at_night(&app.pool, "server-a", four_am + 8 * 3_600).await,
        "not in the day, when branches meet"
    );
    assert!(refresh_statistics_at_night(&other, "server-b", four_am + 86_400).await);

    if on_postgres() {
        let mut turned_off: Vec<String> = app::db::query_scalar(
            "SELECT relname::TEXT FROM pg_class
             WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
               AND 'autovacuum_analyze_threshold=2147483647' = ANY(reloptions)",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        turned_off.sort();
        let mut burst_tables = app::db::BURST_TABLES.map(String::from).to_vec();
        burst_tables.sort();
        assert_eq!(
            turned_off, burst_tables,
            "the night gathers what autovacuum no longer does"
        );
        let analysed: Vec<String> = app::db::query_scalar(
            "SELECT relname::TEXT FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        for table in app::db::BURST_TABLES {
            assert!(analysed.iter().any(|t| t == table), "{table} was analysed");
        }
    }
}
