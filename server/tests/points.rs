mod support;
use support::*;

use axum::body::Body;
use serde_json::{json, Value};

async fn sync_op(app: &TestApp, cookie: &str, kind: &str, payload: Value) -> Value {
    let op_id = uuid::Uuid::now_v7().to_string();
    app.sync_one(cookie, &op_id, kind, payload, app::state::now())
        .await
}

async fn approve(app: &TestApp, cookie: &str, keys: &[String], points: Option<i64>) -> Reply {
    let request = http::Request::post("/api/approve_points")
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("origin", "http://127.0.0.1:3000")
        .header("host", "127.0.0.1:3000")
        .header("cookie", cookie)
        .body(Body::from(
            json!({ "keys": keys, "points": points }).to_string(),
        ))
        .unwrap();
    app.request(request).await
}

async fn home(app: &TestApp, cookie: &str) -> Value {
    let reply = app.call("points_home", Some(cookie), &[]).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json()
}

/// The id of a claimed rule of the member's branch, by part of its name.
async fn rule(app: &TestApp, cookie: &str, name: &str) -> String {
    home(app, cookie).await["claimable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"].as_str().unwrap().contains(name))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn claim(app: &TestApp, cookie: &str, rule_id: &str, note: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let outcome = sync_op(
        app,
        cookie,
        "points.claim",
        json!({ "id": id, "rule_id": rule_id, "note": note, "photos": [] }),
    )
    .await;
    assert_eq!(outcome, json!({ "Applied": { "claim": id } }));
    format!("claim:{id}")
}

async fn queue(app: &TestApp, cookie: &str, branch: &str) -> Reply {
    app.call(
        "points_queue",
        Some(cookie),
        &[("branch_id", branch), ("oldest_first", "true")],
    )
    .await
}

#[tokio::test]
async fn claims_are_approved_by_the_branch_secretary_only() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other_secretary = app.login(SECRETARY_2, PASSWORD).await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let study = rule(&app, &member, "理论学习").await;
    let key = claim(&app, &member, &study, "参加了社区读书会").await;

    // A resident has no points and sees no queue.
    assert_eq!(
        app.call("points_home", Some(&resident), &[]).await.error(),
        "NotInBranch"
    );
    assert_eq!(queue(&app, &resident, &branch).await.error(), "Forbidden");
    assert_eq!(queue(&app, &member, &branch).await.error(), "Forbidden");
    assert_eq!(
        queue(&app, &other_secretary, &branch).await.error(),
        "Forbidden"
    );
    let items = queue(&app, &secretary, &branch).await.json();
    assert_eq!(items[0]["key"], key.as_str());
    assert_eq!(items[0]["note"], "参加了社区读书会");

    let keys = vec![key.clone()];
    assert_eq!(
        approve(&app, &member, &keys, None).await.error(),
        "Forbidden"
    );
    assert_eq!(
        approve(&app, &other_secretary, &keys, None).await.error(),
        "Forbidden",
        "another branch's secretary"
    );
    let own = claim(&app, &secretary, &study, "自学党章").await;
    assert_eq!(
        approve(&app, &secretary, std::slice::from_ref(&own), None)
            .await
            .error(),
        "OwnClaim"
    );
    assert_eq!(
        approve(&app, &secretary, &[key.clone(), own], None)
            .await
            .error(),
        "OwnClaim",
        "a batch is all or nothing"
    );
    assert_eq!(home(&app, &member).await["balance"], 0);

    let approved = approve(&app, &secretary, &keys, None).await;
    assert!(approved.status.is_success(), "{}", approved.body);
    assert_eq!(
        approve(&app, &secretary, &keys, None).await.error(),
        "AlreadyDecided"
    );
    let mine = home(&app, &member).await;
    assert_eq!(mine["balance"], 1);
    assert_eq!(mine["this_month"], 1);
    assert_eq!(mine["entries"][0]["source_kind"], "claim");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'approve_points'")
            .await,
        1
    );

    // A rejection carries its reason to the member.
    let refused = claim(&app, &member, &study, "看了电视").await;
    assert_eq!(
        app.call(
            "reject_points",
            Some(&secretary),
            &[("key", &refused), ("reason", "")]
        )
        .await
        .error(),
        "ReasonRequired"
    );
    let rejected = app
        .call(
            "reject_points",
            Some(&secretary),
            &[("key", &refused), ("reason", "请写明学习内容")],
        )
        .await;
    assert!(rejected.status.is_success(), "{}", rejected.body);
    let requests = home(&app, &member).await["requests"].clone();
    assert_eq!(requests[0]["status"], "rejected");
    assert_eq!(requests[0]["reason"], "请写明学习内容");
}

#[tokio::test]
async fn a_batch_is_approved_at_once_and_caps_hold() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    // 社区志愿服务: 2 points each, at most 10 a month.
    let volunteer = rule(&app, &member, "志愿服务").await;
    let mut keys = Vec::new();
    for n in 0..6 {
        keys.push(claim(&app, &member, &volunteer, &format!("第{n}次巡逻")).await);
    }
    let batch = approve(&app, &secretary, &keys[..3], None).await;
    assert_eq!(batch.json(), 3);
    assert_eq!(home(&app, &member).await["balance"], 6);
    approve(&app, &secretary, &keys[3..], None).await;
    let mine = home(&app, &member).await;
    assert_eq!(mine["balance"], 10, "the monthly cap of 10 holds");
    assert_eq!(queue(&app, &secretary, &branch).await.json(), json!([]));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM point_claims WHERE status = 'approved' AND awarded = 0")
            .await,
        1,
        "the sixth is approved with nothing left under the cap"
    );
    let unpaid: Vec<&Value> = mine["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "unpaid")
        .collect();
    assert_eq!(unpaid.len(), 1, "the member is told the sixth paid nothing");
}

#[tokio::test]
async fn tasks_are_published_signed_up_for_and_approved_with_fewer_points() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let second = app.login("13800000007", PASSWORD).await;
    let deadline = app::shell::time::format_local_datetime(app::state::now() + 7 * 86_400);
    let fields = |points: &str| {
        vec![
            ("branch_id", branch.clone()),
            ("title", "清理楼道小广告".to_string()),
            ("description", "每人负责一个单元".to_string()),
            ("points", points.to_string()),
            ("places", "1".to_string()),
            ("deadline", deadline.clone()),
        ]
    };
    let call = |cookie: &str, points: &str| {
        let fields = fields(points);
        let cookie = cookie.to_string();
        let app = &app;
        async move { app.call_owned("publish_task", &cookie, &fields).await }
    };
    assert_eq!(call(&member, "5").await.error(), "Forbidden");
    assert_eq!(call(&secretary, "0").await.error(), "TaskInvalid");
    assert_eq!(
        call(&secretary, "").await.error(),
        "TaskInvalid",
        "an empty field, told plainly"
    );
    assert_eq!(call(&secretary, "五").await.error(), "TaskInvalid");
    let task = call(&secretary, "5").await.json();
    let task = task.as_str().unwrap();

    assert_eq!(
        sync_op(
            &app,
            &member,
            "points.submit",
            json!({ "task_id": task, "note": "完成", "photos": [] })
        )
        .await,
        json!({ "Rejected": "TaskNotSigned" })
    );
    assert_eq!(
        sync_op(&app, &member, "points.signup", json!({ "task_id": task })).await,
        json!({ "Applied": { "status": "signed" } })
    );
    assert_eq!(
        sync_op(&app, &second, "points.signup", json!({ "task_id": task })).await,
        json!({ "Rejected": "TaskFull" })
    );
    assert_eq!(
        sync_op(
            &app,
            &member,
            "points.submit",
            json!({ "task_id": task, "note": "三单元已清理", "photos": [] })
        )
        .await,
        json!({ "Applied": { "status": "submitted" } })
    );
    let items = queue(&app, &secretary, &branch).await.json();
    let key = items[0]["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("task:"));
    assert_eq!(
        approve(&app, &secretary, std::slice::from_ref(&key), Some(6))
            .await
            .error(),
        "PointsInvalid",
        "never more than the task gives"
    );
    assert!(approve(&app, &secretary, &[key], Some(3))
        .await
        .status
        .is_success());
    let mine = home(&app, &member).await;
    assert_eq!(mine["balance"], 3);
    assert_eq!(mine["tasks"][0]["my_status"], "approved");
}

#[tokio::test]
async fn attendance_points_are_given_once_and_a_correction_reverses_the_absence() {
    use app::meetings::checkin::{code_for_slot, format_code, slot_of};
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let late_phone = "13800000007";
    let late = app.login(late_phone, PASSWORD).await;
    let now = app::state::now();
    let (starts, ends) = (
        app::shell::time::format_local_datetime(now - 600),
        app::shell::time::format_local_datetime(now + 3600),
    );
    let meeting = app
        .call(
            "schedule_meeting",
            Some(&secretary),
            &[
                ("org_id", &branch),
                ("kind", "theme_day"),
                ("title", "主题党日"),
                ("agenda", ""),
                ("place", ""),
                ("starts_at", &starts),
                ("ends_at", &ends),
            ],
        )
        .await
        .json();
    let meeting = meeting.as_str().unwrap();
    let secret: String = app::db::query_scalar("SELECT secret FROM meetings WHERE id = ?")
        .bind(meeting)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let slot = slot_of(now);
    let code = format_code(code_for_slot(secret.as_bytes(), meeting, slot));
    sync_op(
        &app,
        &late,
        "meeting.checkin",
        json!({ "meeting_id": meeting, "slot": slot, "code": code }),
    )
    .await;
    // The meeting ends (moved into the past), and the timer runs twice.
    app::db::query("UPDATE meetings SET ends_at = ? WHERE id = ?")
        .bind(now - 1)
        .bind(meeting)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app::points::service::award_ended_meetings(&app.pool)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::points::service::award_ended_meetings(&app.pool)
            .await
            .unwrap(),
        0
    );
    app::points::service::award_meeting(&mut app.pool.acquire().await.unwrap(), meeting)
        .await
        .unwrap();
    assert_eq!(
        home(&app, &late).await["balance"],
        5 - 1,
        "主题党日 +5, 迟到 −1, once"
    );
    assert_eq!(home(&app, &member).await["balance"], -3, "无故缺席 −3");

    // 补录 afterwards: the absence deduction is reversed, and 补录 itself earns nothing.
    app.call(
        "correct_attendance",
        Some(&secretary),
        &[
            ("meeting_id", meeting),
            ("user_id", &member_id),
            ("reason", "手机没电"),
        ],
    )
    .await;
    let mine = home(&app, &member).await;
    assert_eq!(mine["balance"], 0);
    let entries = mine["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["source_kind"], "correction");
    assert_eq!(entries[1]["reversed"], true);
}

#[tokio::test]
async fn the_ledger_is_append_only_and_corrections_reverse() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(SECRETARY_2, PASSWORD).await;
    let study = rule(&app, &member, "理论学习").await;
    let key = claim(&app, &member, &study, "学习").await;
    approve(&app, &secretary, &[key], None).await;
    let entry = home(&app, &member).await["entries"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        app::db::query("UPDATE point_entries SET points = 100")
            .execute(&app.pool)
            .await
            .is_err(),
        "the database refuses to change an entry"
    );
    assert!(app::db::query("DELETE FROM point_entries")
        .execute(&app.pool)
        .await
        .is_err());
    if on_postgres() {
        assert!(
            app::db::query("TRUNCATE point_entries CASCADE")
                .execute(&app.pool)
                .await
                .is_err(),
            "nor may the ledger be emptied at once"
        );
    }
    let reverse = |cookie: &str, reason: &str| {
        let fields = [("entry_id", entry.clone()), ("reason", reason.to_string())];
        let cookie = cookie.to_string();
        let app = &app;
        async move { app.call_owned("reverse_entry", &cookie, &fields).await }
    };
    assert_eq!(reverse(&other, "错了").await.error(), "Forbidden");
    assert_eq!(reverse(&member, "错了").await.error(), "Forbidden");
    assert_eq!(reverse(&secretary, "").await.error(), "ReasonRequired");
    assert!(reverse(&secretary, "重复申报").await.status.is_success());
    assert_eq!(reverse(&secretary, "再来").await.error(), "AlreadyDecided");
    assert_eq!(home(&app, &member).await["balance"], 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'reverse_points' AND detail = '重复申报'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_board_shows_the_top_and_ones_own_place_or_nothing_when_off() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let study = rule(&app, &member, "理论学习").await;
    let key = claim(&app, &member, &study, "学习").await;
    approve(&app, &secretary, &[key], None).await;
    let board = app
        .call(
            "points_board",
            Some(&member),
            &[("branch_id", &branch), ("period", "month")],
        )
        .await
        .json();
    assert_eq!(board["top"][0]["me"], true);
    assert_eq!(board["top"][0]["points"], 1);
    assert!(board["top"].as_array().unwrap().len() <= 10);
    assert_eq!(board["mine"]["rank"], 1);
    assert_eq!(home(&app, &member).await["rank"], 1);
    assert_eq!(
        app.call(
            "points_board",
            Some(&resident),
            &[("branch_id", &branch), ("period", "year")]
        )
        .await
        .error(),
        "Forbidden"
    );
    app::db::query("INSERT INTO branch_settings (branch_id, ranking_enabled) VALUES (?, FALSE)")
        .bind(&branch)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.call(
            "points_board",
            Some(&member),
            &[("branch_id", &branch), ("period", "month")]
        )
        .await
        .error(),
        "RankingOff"
    );
    assert!(home(&app, &member).await["rank"].is_null());
}

#[tokio::test]
async fn the_ledger_exports_as_csv_for_the_secretary() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let study = rule(&app, &member, "理论学习").await;
    let key = claim(&app, &member, &study, "学习").await;
    approve(&app, &secretary, &[key], None).await;
    let get = |cookie: &str, query: &str| {
        let path = format!("/branch/{branch}/points.csv{query}");
        let cookie = cookie.to_string();
        let app = &app;
        async move { app.get(&path, Some(&cookie)).await }
    };
    let csv = get(&secretary, "").await;
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].contains(",参加理论学习,学习,1,申报,"));
    let long_ago = get(&secretary, "?from=2020-01-01&to=2020-12-31").await;
    assert_eq!(
        long_ago
            .body
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .count(),
        1
    );
    assert_eq!(get(&member, "").await.status, 403);
}

#[tokio::test]
async fn changing_a_rule_never_changes_points_already_given() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(SECRETARY_2, PASSWORD).await;
    let study = rule(&app, &member, "理论学习").await;
    let first = claim(&app, &member, &study, "第一次学习").await;
    approve(&app, &secretary, &[first], None).await;
    let save = |cookie: &str, points: &str, cap: &str| {
        let fields = [
            ("rule[branch_id]", branch.clone()),
            ("rule[rule_id]", study.clone()),
            ("rule[name]", "参加理论学习（专题）".to_string()),
            ("rule[points]", points.to_string()),
            ("rule[category]", "study".to_string()),
            ("rule[cap_period]", "month".to_string()),
            ("rule[cap_points]", cap.to_string()),
            ("rule[active]", "on".to_string()),
        ];
        let cookie = cookie.to_string();
        let app = &app;
        async move { app.call_owned("save_rule", &cookie, &fields).await }
    };
    assert_eq!(save(&member, "3", "20").await.error(), "Forbidden");
    assert_eq!(save(&other, "3", "20").await.error(), "Forbidden");
    assert_eq!(
        save(&secretary, "-3", "20").await.error(),
        "RuleInvalid",
        "only 扣分 is negative"
    );
    assert!(save(&secretary, "3", "20").await.status.is_success());
    let second = claim(&app, &member, &study, "第二次学习").await;
    approve(&app, &secretary, &[second], None).await;
    let mine = home(&app, &member).await;
    let entries = mine["entries"].as_array().unwrap();
    assert_eq!(entries[0]["points"], 3, "the new points for the new claim");
    assert_eq!(entries[0]["title"], "参加理论学习（专题）");
    assert_eq!(entries[1]["points"], 1, "the old entry keeps its points");
    assert_eq!(entries[1]["title"], "参加理论学习");
    assert_eq!(mine["balance"], 4);
    let rules = app
        .call("branch_rules", Some(&secretary), &[("branch_id", &branch)])
        .await
        .json();
    assert!(rules
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "参加理论学习（专题）" && r["points"] == 3));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'save_point_rule'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_new_claimed_rule_without_a_cap_is_offered_to_members() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let mut fields = vec![
        ("rule[branch_id]", branch.as_str()),
        ("rule[rule_id]", ""),
        ("rule[name]", "献血"),
        ("rule[points]", ""),
        ("rule[category]", "vanguard"),
        ("rule[cap_period]", ""),
        ("rule[cap_points]", ""),
        ("rule[active]", "on"),
    ];
    assert_eq!(
        app.call("save_rule", Some(&secretary), &fields)
            .await
            .error(),
        "RuleInvalid",
        "points are required"
    );
    fields[3].1 = "10";
    let saved = app.call("save_rule", Some(&secretary), &fields).await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let offered = rule(&app, &member, "献血").await;
    claim(&app, &member, &offered, "无偿献血 400 毫升").await;
}

#[tokio::test]
async fn the_secretary_turns_rankings_off_and_sees_the_latest_entries() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let study = rule(&app, &member, "理论学习").await;
    let key = claim(&app, &member, &study, "学习").await;
    approve(&app, &secretary, &[key], None).await;
    let off = [("branch_id", branch.as_str()), ("enabled", "false")];
    assert_eq!(
        app.call("set_ranking", Some(&member), &off).await.error(),
        "Forbidden"
    );
    assert!(app
        .call("set_ranking", Some(&secretary), &off)
        .await
        .status
        .is_success());
    assert!(home(&app, &member).await["rank"].is_null());
    assert!(home(&app, &member).await["board"].is_null());
    let recent = app
        .call(
            "branch_entries",
            Some(&secretary),
            &[("branch_id", &branch)],
        )
        .await
        .json();
    assert_eq!(recent[1], false, "rankings are off");
    assert_eq!(recent[0][0]["entry"]["title"], "参加理论学习");
    assert_eq!(
        app.call("branch_entries", Some(&member), &[("branch_id", &branch)])
            .await
            .error(),
        "Forbidden"
    );
}

/// The ledger of a county that ran the schema before review points is rebuilt by the
/// migration that adds them (SQLite changes a CHECK only by copying the table): every
/// entry, reversal and sum survives, and the table is still append-only.
#[tokio::test]
async fn the_ledger_survives_the_rebuild_that_adds_review_points() {
    if on_postgres() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let county = app::db::Pool::connect(&format!("sqlite://{}", dir.join("county.db").display()))
        .await
        .unwrap();
    let app::db::Pool::Sqlite {
        readers: sqlite, ..
    } = &county
    else {
        unreachable!("a sqlite:// URL");
    };
    let before_review_points = sqlx::migrate::Migrator {
        migrations: app::db::SQLITE_MIGRATOR
            .migrations
            .iter()
            .filter(|m| m.version < 14)
            .cloned()
            .collect(),
        ignore_missing: false,
        no_tx: false,
        locking: true,
    };
    before_review_points
        .run(&mut *sqlite.take().await.unwrap())
        .await
        .unwrap();
    lived_in_county(&county, &dir).await;
    let figures = "SELECT COUNT(*), CAST(SUM(points) AS BIGINT), COUNT(reverses), COUNT(award_key),
                          CAST(SUM(LENGTH(id || title || category || source_kind)) AS BIGINT)
                   FROM point_entries";
    let before: (i64, i64, i64, i64, i64) =
        app::db::query_as(figures).fetch_one(&county).await.unwrap();
    // Indexes and triggers by name and text: the rebuild makes them again, as they were.
    let schema = "SELECT type, name, sql FROM sqlite_master
                  WHERE tbl_name = 'point_entries' AND type IN ('index', 'trigger') ORDER BY name";
    let schema_before: Vec<(String, String, Option<String>)> =
        app::db::query_as(schema).fetch_all(&county).await.unwrap();
    assert!(schema_before.len() >= 7, "{schema_before:?}");
    assert!(
        before.0 > 100 && before.2 > 0,
        "a lived-in ledger: {before:?}"
    );

    app::db::SQLITE_MIGRATOR
        .run(&mut *sqlite.take().await.unwrap())
        .await
        .unwrap();
    let after: (i64, i64, i64, i64, i64) =
        app::db::query_as(figures).fetch_one(&county).await.unwrap();
    assert_eq!(after, before);
    let schema_after: Vec<(String, String, Option<String>)> =
        app::db::query_as(schema).fetch_all(&county).await.unwrap();
    assert_eq!(schema_after, schema_before);
    let dangling: i64 =
        app::db::query_scalar("SELECT COUNT(*) FROM pragma_foreign_key_check('point_entries')")
            .fetch_one(&county)
            .await
            .unwrap();
    assert_eq!(dangling, 0);
    let changed = app::db::query("UPDATE point_entries SET points = points + 1")
        .execute(&county)
        .await;
    assert!(changed.is_err(), "still append-only");
    let deleted = app::db::query("DELETE FROM point_entries")
        .execute(&county)
        .await;
    assert!(deleted.is_err(), "still append-only");
    let taken: (String, String) =
        app::db::query_as("SELECT branch_id, user_id FROM point_entries LIMIT 1")
            .fetch_one(&county)
            .await
            .unwrap();
    app::db::query(
        "INSERT INTO point_entries (id, branch_id, user_id, points, title, category, source_kind, created_at)
         VALUES ('review-entry', ?, ?, 10, '民主评议优秀', 'vanguard', 'review', 0)",
    )
    .bind(&taken.0)
    .bind(&taken.1)
    .execute(&county)
    .await
    .expect("a review entry is accepted");
    let reversed_twice = app::db::query(
        "INSERT INTO point_entries (id, branch_id, user_id, points, title, category, source_kind, reverses, created_at)
         SELECT 'second-reversal', branch_id, user_id, -points, title, category, 'correction', reverses, 0
         FROM point_entries WHERE reverses IS NOT NULL LIMIT 1",
    )
    .execute(&county)
    .await;
    assert!(reversed_twice.is_err(), "an entry is reversed once");
}

/// The points pages only read once the branch has its catalogue: opening them takes no
/// writer's turn, so on a 主题党日 a member looking at their points waits for no branch's
/// check-ins and holds none up.
#[tokio::test]
async fn the_points_pages_wait_for_no_writer_once_the_catalogue_is_there() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    // The first look puts the catalogue in place.
    let first = home(&app, &member).await;
    let rules = |cookie: String| {
        let (app, branch) = (&app, branch.clone());
        async move {
            app.call("branch_rules", Some(&cookie), &[("branch_id", &branch)])
                .await
        }
    };
    assert!(rules(secretary.clone()).await.status.is_success());

    let held = app.pool.begin().await.unwrap();
    let wait = std::time::Duration::from_secs(5);
    let again = tokio::time::timeout(wait, home(&app, &member))
        .await
        .expect("the member's points answered while a writer holds its turn");
    assert_eq!(again["claimable"], first["claimable"]);
    let listed = tokio::time::timeout(wait, rules(secretary))
        .await
        .expect("the branch's rules answered while a writer holds its turn");
    assert!(listed.status.is_success(), "{}", listed.body);
    held.rollback().await.unwrap();
}
