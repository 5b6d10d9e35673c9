//! The lived-in demo: a year of the first branch, made the same way every time, that shows
//! every state the app knows and keeps its sheet and ledger agreeing.

mod support;
use support::*;

use serde_json::Value;

async fn lived_in() -> TestApp {
    let app = app().await;
    server::demo::seed_history(&app.pool, &app.photos)
        .await
        .expect("demo history");
    app
}

async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    app::db::query_scalar(sql)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_year_shows_every_state_the_app_knows() {
    let app = lived_in().await;
    let kinds = strings(&app, "SELECT DISTINCT kind FROM meetings ORDER BY kind").await;
    assert_eq!(
        kinds,
        [
            "committee",
            "general_meeting",
            "group_meeting",
            "member_review",
            "org_life_meeting",
            "party_lecture",
            "theme_day"
        ]
    );
    let lines = strings(
        &app,
        "SELECT DISTINCT presence || '/' || COALESCE(arrival, '-') FROM attendance ORDER BY 1",
    )
    .await;
    for line in [
        "on_time/online",
        "late/online",
        "on_time/offline",
        "corrected/-",
    ] {
        assert!(lines.contains(&line.to_string()), "{line} in {lines:?}");
    }
    assert!(
        app.count(
            "SELECT COUNT(*) FROM attendance WHERE presence = 'corrected' AND reason IS NULL"
        )
        .await
            == 0,
        "every 补录 has its reason"
    );
    let leave = strings(
        &app,
        "SELECT DISTINCT kind || '/' || status FROM leave_requests ORDER BY 1",
    )
    .await;
    for kind in [
        "sick/approved",
        "personal/approved",
        "official/approved",
        "official/pending",
        "personal/refused",
    ] {
        assert!(leave.contains(&kind.to_string()), "{kind} in {leave:?}");
    }
    // Someone was absent without leave somewhere, and paid for it.
    assert!(
        app.count("SELECT COUNT(*) FROM point_entries WHERE title = '无故缺席'")
            .await
            > 0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM meeting_files").await, 2);
    assert_eq!(
        app.photos.ids().await.unwrap().len(),
        3,
        "sheet, photo and a proof photo stored"
    );
    let wishes = strings(&app, "SELECT DISTINCT status FROM wishes ORDER BY status").await;
    assert_eq!(
        wishes,
        [
            "claimed",
            "confirmed",
            "expired",
            "fulfilled",
            "pending",
            "published",
            "rejected"
        ]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM wish_pledges WHERE thanks IS NOT NULL")
            .await,
        1
    );
    let claims = strings(&app, "SELECT DISTINCT status FROM point_claims ORDER BY 1").await;
    assert_eq!(claims, ["approved", "pending", "rejected"]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM point_entries WHERE reverses IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM task_entries WHERE status = 'signed'")
            .await,
        1
    );

    // Every member's ledger of a meeting says what the sheet says.
    let disagreeing = app
        .count(
            "SELECT COUNT(*) FROM meeting_expected e JOIN meetings m ON m.id = e.meeting_id
             LEFT JOIN attendance a ON a.meeting_id = e.meeting_id AND a.user_id = e.user_id
             LEFT JOIN leave_requests l ON l.meeting_id = e.meeting_id AND l.user_id = e.user_id
             WHERE m.points_at IS NOT NULL AND (
               (a.presence IS NULL AND COALESCE(l.status, '') <> 'approved') <>
               EXISTS (SELECT 1 FROM point_entries p WHERE p.source_id = m.id AND p.user_id = e.user_id
                       AND p.title = '无故缺席' AND p.reverses IS NULL))",
        )
        .await;
    assert_eq!(disagreeing, 0);
}

#[tokio::test]
async fn a_visitor_can_check_in_to_todays_meeting_at_once() {
    let app = lived_in().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let home: Value = app.call("home_overview", Some(&member), &[]).await.json();
    let next = &home["member"]["next_meeting"];
    let now = app::state::now();
    assert!(
        next["checkin_opens_at"].as_i64().unwrap() <= now
            && now < next["checkin_closes_at"].as_i64().unwrap(),
        "its check-in is open: {next}"
    );
    assert!(next["summary"]["title"]
        .as_str()
        .unwrap()
        .contains("主题党日"));
    // What waits for the demo member: a task, a pledge to finish, two refusals.
    let day = &home["member"];
    assert_eq!(day["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(day["pledges_to_finish"].as_array().unwrap().len(), 1);
    assert_eq!(day["refused"].as_array().unwrap().len(), 2);
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let desk = app
        .call("home_overview", Some(&secretary), &[])
        .await
        .json()["desks"][0]
        .clone();
    assert_eq!(
        (
            desk["points_waiting"].as_i64(),
            desk["leave_waiting"].as_i64()
        ),
        (Some(3), Some(1))
    );
    let resident = app.login(RESIDENT, PASSWORD).await;
    let wishes =
        app.call("home_overview", Some(&resident), &[]).await.json()["resident"]["wishes"].clone();
    assert!(wishes
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["awaiting"] == 1));
    // Last year's stars on the 党委's page: a 头雁 and a branch its meetings hold back;
    // this year the first branch has assessed itself and waits for the rating.
    let admin = app.login(ADMIN, PASSWORD).await;
    let year = app::shell::time::shanghai_year_month(app::state::now()).0;
    let standings = |year: i64| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.call(
                "star_standings",
                Some(&admin),
                &[("year", &year.to_string())],
            )
            .await
            .json()
        }
    };
    let last_year = standings(year - 1).await;
    assert_eq!(last_year[0]["rating"]["stars"], 8, "{last_year}");
    assert_eq!(last_year[1]["rating"]["stars"], 4);
    assert_eq!(last_year[1]["rating"]["blocked_by"], "Activities");
    let this_year = standings(year).await;
    assert!(this_year[0]["rating"].is_null());
    assert_eq!(this_year[0]["self_assessment"]["stars"], 9);
    // Started again on a later day, the demo makes that day's meeting; not twice a day.
    server::demo::live_meeting(&app.pool).await.unwrap();
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM meetings WHERE title LIKE '%学习《中国共产党纪律处分条例》'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_demo_never_touches_a_database_with_accounts_of_its_own() {
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let pool = app::db::Pool::open(&fresh_database_url(&dir).await)
        .await
        .unwrap();
    app::db::query(
        "INSERT INTO users (id, phone, name, password_hash, created_at) VALUES ('u1', '13712345678', '真实用户', 'x', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let report = server::seed::seed_demo(&pool).await.unwrap();
    assert!(report.refused && !report.created);
    let users: i64 = app::db::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
    let orgs: i64 = app::db::query_scalar("SELECT COUNT(*) FROM orgs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(orgs, 0);
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
