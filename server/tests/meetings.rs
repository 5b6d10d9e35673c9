mod support;
use support::*;

use app::meetings::checkin::{code_for_slot, format_code, slot_of, Window};
use axum::body::Body;
use serde_json::{json, Value};

async fn sync_one(app: &TestApp, cookie: &str, payload: Value) -> Value {
    let op = json!({
        "op_id": uuid::Uuid::now_v7().to_string(),
        "kind": "meeting.checkin",
        "payload": payload,
        "created_at": app::state::now(),
    });
    let request = http::Request::post("/api/sync")
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("cookie", cookie)
        .body(Body::from(json!({ "ops": [op] }).to_string()))
        .unwrap();
    let reply = app.request(request).await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    reply.json()[0]["outcome"].clone()
}

async fn schedule(
    app: &TestApp,
    cookie: &str,
    org: &str,
    kind: &str,
    starts: i64,
    ends: i64,
) -> Reply {
    use app::shell::time::format_local_datetime;
    let (starts, ends) = (format_local_datetime(starts), format_local_datetime(ends));
    app.call(
        "schedule_meeting",
        Some(cookie),
        &[
            ("org_id", org),
            ("kind", kind),
            ("title", "十一月主题党日"),
            ("place", "党群服务中心"),
            ("starts_at", &starts),
            ("ends_at", &ends),
        ],
    )
    .await
}

#[tokio::test]
async fn scheduling_is_the_secretarys_and_checks_its_input() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(SECRETARY_2, PASSWORD).await;
    let now = app::state::now();
    assert_eq!(
        schedule(&app, &member, &branch, "theme_day", now, now + 3600)
            .await
            .error(),
        "Forbidden"
    );
    assert_eq!(
        schedule(&app, &other, &branch, "theme_day", now, now + 3600)
            .await
            .error(),
        "Forbidden"
    );
    assert_eq!(
        schedule(&app, &secretary, &branch, "theme_day", now, now)
            .await
            .error(),
        "MeetingTimes"
    );
    assert_eq!(
        schedule(&app, &secretary, &branch, "theme_day", now, now + 13 * 3600)
            .await
            .error(),
        "MeetingTimes"
    );
    assert_eq!(
        schedule(&app, &secretary, &branch, "group_meeting", now, now + 3600)
            .await
            .error(),
        "OrgKind"
    );
    let garbled = app
        .call(
            "schedule_meeting",
            Some(&secretary),
            &[
                ("org_id", &branch),
                ("kind", "theme_day"),
                ("title", "x"),
                ("place", ""),
                ("starts_at", "明天"),
                ("ends_at", ""),
            ],
        )
        .await;
    assert_eq!(garbled.error(), "MeetingTimes");
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);
    let ok = schedule(&app, &secretary, &branch, "theme_day", now, now + 3600).await;
    assert!(ok.status.is_success(), "{}", ok.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'schedule_meeting'")
            .await,
        1
    );
    let meeting = ok.json().as_str().unwrap().to_string();
    let key = app
        .call(
            "meeting_code_key",
            Some(&secretary),
            &[("meeting_id", &meeting)],
        )
        .await;
    assert_eq!(key.json()["secret"].as_str().unwrap().len(), 64);
    let refused = app
        .call(
            "meeting_code_key",
            Some(&member),
            &[("meeting_id", &meeting)],
        )
        .await;
    assert_eq!(refused.error(), "Forbidden", "members never see the key");
}

#[tokio::test]
async fn check_in_counts_the_proven_slot_once() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let stranger = app.login(SECRETARY_2, PASSWORD).await;
    let now = app::state::now();
    // Meetings are scheduled to the minute.
    let starts = (now - 600) / 60 * 60;
    let ends = (now + 3000) / 60 * 60;
    let reply = schedule(&app, &secretary, &branch, "theme_day", starts, ends).await;
    let meeting = reply.json().as_str().unwrap().to_string();
    let secret: String = sqlx::query_scalar("SELECT secret FROM meetings WHERE id = ?")
        .bind(&meeting)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let code_at = |slot| format_code(code_for_slot(secret.as_bytes(), &meeting, slot));
    let slot = slot_of(now);

    let first = sync_one(
        &app,
        &member,
        json!({ "meeting_id": meeting, "slot": slot, "code": code_at(slot) }),
    )
    .await;
    assert_eq!(
        first,
        json!({ "Applied": { "presence": "late", "slot": slot } }),
        "ten minutes after the start"
    );
    let again = sync_one(
        &app,
        &member,
        json!({ "meeting_id": meeting, "slot": slot + 1, "code": code_at(slot + 1) }),
    )
    .await;
    assert_eq!(again, first, "a second check-in keeps the first");
    assert_eq!(app.count("SELECT COUNT(*) FROM attendance").await, 1);

    let window = Window::for_meeting(starts, ends, 900);
    let early = window.first_slot - 1;
    let outside = sync_one(
        &app,
        &member,
        json!({ "meeting_id": meeting, "slot": early, "code": code_at(early) }),
    )
    .await;
    assert_eq!(outside, json!({ "Rejected": "CheckinOutsideWindow" }));
    let wrong = format_code((code_for_slot(secret.as_bytes(), &meeting, slot) + 1) % 1_000_000);
    let forged = sync_one(
        &app,
        &stranger,
        json!({ "meeting_id": meeting, "slot": slot, "code": wrong }),
    )
    .await;
    assert_eq!(
        forged,
        json!({ "Rejected": "NotExpected" }),
        "another branch's secretary is not on the list"
    );

    let mine = app.call("my_meetings", Some(&member), &[]).await.json();
    assert_eq!(mine[0]["id"], meeting.as_str());
    assert_eq!(mine[0]["my_presence"], "Late");
}

#[tokio::test]
async fn wrong_codes_are_refused_and_record_nothing() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let meeting = schedule(
        &app,
        &secretary,
        &branch,
        "party_lecture",
        now + 300,
        now + 3900,
    )
    .await
    .json();
    let meeting = meeting.as_str().unwrap();
    let secret: String = sqlx::query_scalar("SELECT secret FROM meetings WHERE id = ?")
        .bind(meeting)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let slot = slot_of(now);
    let wrong = format_code((code_for_slot(secret.as_bytes(), meeting, slot) + 1) % 1_000_000);
    let refused = sync_one(
        &app,
        &member,
        json!({ "meeting_id": meeting, "slot": slot, "code": wrong }),
    )
    .await;
    assert_eq!(refused, json!({ "Rejected": "CheckinWrongCode" }));
    let malformed = sync_one(
        &app,
        &member,
        json!({ "meeting_id": meeting, "slot": slot, "code": "12ab" }),
    )
    .await;
    assert_eq!(malformed, json!({ "Rejected": "CheckinMalformed" }));
    let unknown = sync_one(
        &app,
        &member,
        json!({ "meeting_id": "no-such-meeting", "slot": slot, "code": "123456" }),
    )
    .await;
    assert_eq!(unknown, json!({ "Rejected": "NotFound" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM attendance").await, 0);
}

#[tokio::test]
async fn the_compliance_calendar_is_for_the_branchs_leaders() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(SECRETARY_2, PASSWORD).await;
    let fields = [("branch_id", branch.as_str()), ("year", "2025")];
    for cookie in [&member, &other] {
        assert_eq!(
            app.call("branch_compliance", Some(cookie), &fields)
                .await
                .error(),
            "Forbidden"
        );
    }
    let calendar = app
        .call("branch_compliance", Some(&secretary), &fields)
        .await
        .json();
    assert_eq!(calendar["until_month"], 12, "a past year is judged whole");
    let checks = calendar["checks"].as_array().unwrap();
    // 12 committee + 12 theme days + 12 × 2 groups + 4 + 4 quarterly + 2 yearly.
    assert_eq!(checks.len(), 12 + 12 + 24 + 4 + 4 + 2);
    assert!(checks.iter().all(|c| c["held"] == 0));
}
