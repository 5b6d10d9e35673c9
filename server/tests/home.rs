//! The home page tells each person what to do today, from the records already kept.

mod support;
use support::*;

use app::meetings::checkin::slot_of;
use serde_json::{json, Value};

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn home(app: &TestApp, cookie: &str) -> Value {
    let reply = app.call("home_overview", Some(cookie), &[]).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn a_member_sees_the_next_meeting_with_check_in_open_and_what_waits() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let before = home(&app, &member).await;
    assert_eq!(before["member"]["next_meeting"], Value::Null);
    assert_eq!(before["member"]["refused"], json!([]));
    assert_eq!(before["resident"], Value::Null);

    // A meeting on now, and one next week the member asked leave for and was refused.
    let on_now = held_meeting(&app, &secretary, now - 300, now + 3600).await;
    let next_week = held_meeting(&app, &secretary, now + 7 * 86_400, now + 7 * 86_400 + 3600).await;
    app.sync_one(
        &member,
        &new_id(),
        "meeting.leave",
        json!({ "meeting_id": next_week, "kind": "Personal", "reason": "出差" }),
        now,
    )
    .await;
    let member_id = app.user_id(MEMBER_1).await;
    let refused = app
        .call(
            "decide_leave",
            Some(&secretary),
            &[
                ("meeting_id", &next_week),
                ("user_id", &member_id),
                ("decision", "refuse"),
                ("note", "本次会议很重要，请调整行程"),
            ],
        )
        .await;
    assert!(refused.status.is_success(), "{}", refused.body);

    let day = home(&app, &member).await["member"].clone();
    assert_eq!(day["next_meeting"]["summary"]["id"], on_now.as_str());
    let window = &day["next_meeting"];
    assert!(window["checkin_opens_at"].as_i64().unwrap() <= now);
    assert!(now < window["checkin_closes_at"].as_i64().unwrap());
    let refusal = &day["refused"][0];
    assert_eq!(refusal["what"], "请假：主题党日");
    assert_eq!(refusal["note"], "出差");
    assert_eq!(refusal["reason"], "本次会议很重要，请调整行程");
    assert_eq!(refusal["href"], format!("/meetings/{next_week}"));

    // Checked in: the meeting shows as attended, and the button goes.
    let secret: String = app::db::query_scalar("SELECT secret FROM meetings WHERE id = ?")
        .bind(&on_now)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let slot = slot_of(now);
    let code = app::meetings::checkin::format_code(app::meetings::checkin::code_for_slot(
        secret.as_bytes(),
        &on_now,
        slot,
    ));
    app.sync_one(
        &member,
        &new_id(),
        "meeting.checkin",
        json!({ "meeting_id": on_now, "slot": slot, "code": code }),
        now,
    )
    .await;
    let day = home(&app, &member).await["member"].clone();
    assert_eq!(day["next_meeting"]["summary"]["my_presence"], "Late");
}

#[tokio::test]
async fn a_secretary_sees_the_queues_of_the_branch_and_what_turns_red_this_month() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    // One claim, one leave request waiting; the demo has one wish waiting for review.
    app.call("points_home", Some(&member), &[]).await;
    let rule: String = app::db::query_scalar(
        "SELECT id FROM point_rules WHERE auto_source IS NULL AND name LIKE '%志愿服务%' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    app.sync_one(
        &member,
        &new_id(),
        "points.claim",
        json!({ "id": new_id(), "rule_id": rule, "note": "清扫楼道", "photos": [] }),
        now,
    )
    .await;
    let ahead = held_meeting(&app, &secretary, now + 86_400, now + 90_000).await;
    app.sync_one(
        &member,
        &new_id(),
        "meeting.leave",
        json!({ "meeting_id": ahead, "kind": "Sick", "reason": "住院" }),
        now,
    )
    .await;

    let desks = home(&app, &secretary).await["desks"].clone();
    assert_eq!(
        desks.as_array().unwrap().len(),
        1,
        "secretary of one branch"
    );
    let desk = &desks[0];
    assert_eq!(desk["branch"]["name"], "幸福里社区第一党支部");
    assert_eq!(desk["points_waiting"], 1);
    assert_eq!(desk["wishes_waiting"], 1);
    assert_eq!(desk["leave_waiting"], 1);
    assert_eq!(desk["leave_meeting"], ahead.as_str());
    let due: Vec<&str> = desk["due_this_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(
        due.contains(&"Committee") && due.contains(&"ThemeDay"),
        "{due:?}"
    );
    // Another branch's secretary sees their own branch only.
    let other = app.login(SECRETARY_2, PASSWORD).await;
    let theirs = home(&app, &other).await["desks"].clone();
    assert_eq!(theirs[0]["branch"]["name"], "幸福里社区第二党支部");
    assert_eq!(theirs[0]["points_waiting"], 0);
}

#[tokio::test]
async fn a_resident_sees_their_wishes_and_the_party_committee_its_red_branches() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let day = home(&app, &resident).await;
    assert_eq!(day["member"], Value::Null);
    let titles: Vec<&str> = day["resident"]["wishes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["card"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles.len(),
        2,
        "the demo's two wishes of 孙大妈: {titles:?}"
    );

    let admin = app.login(ADMIN, PASSWORD).await;
    let overview = home(&app, &admin).await;
    assert_eq!(
        overview["member"],
        Value::Null,
        "the 党委 is not told to join a branch"
    );
    let month = app::shell::time::shanghai_year_month(app::state::now()).1;
    let red = overview["red_branches"].as_array().unwrap();
    if month > 1 {
        // Nothing held this year in the bare demo: both branches have red months.
        assert_eq!(red.len(), 2);
    } else {
        assert!(red.is_empty(), "no month of the year is over yet");
    }
    // A member is not a 党委: no such list.
    let member = app.login(MEMBER_1, PASSWORD).await;
    assert_eq!(home(&app, &member).await["red_branches"], Value::Null);
}
