//! Upward review of meeting records: the 党委 above reviews or returns, the secretary sees
//! the returned record first and revises it.

mod support;
use support::*;

/// The record's review as the meeting page shows it to `cookie`.
async fn status(app: &TestApp, cookie: &str, meeting: &str) -> serde_json::Value {
    let reply = app
        .call("meeting_detail", Some(cookie), &[("meeting_id", meeting)])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json()["record_review"].clone()
}

async fn verdict(
    app: &TestApp,
    cookie: &str,
    meeting: &str,
    verdict: &str,
    comment: &str,
) -> Reply {
    app.call(
        "review_record",
        Some(cookie),
        &[
            ("meeting_id", meeting),
            ("verdict", verdict),
            ("comment", comment),
        ],
    )
    .await
}

fn this_year() -> String {
    app::shell::time::shanghai_year_month(app::state::now())
        .0
        .to_string()
}

#[tokio::test]
async fn the_committee_returns_a_record_and_the_secretary_revises_it() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    let meeting = held_meeting(&app, &secretary, now - 7_200, now - 3_600).await;
    let saved = app
        .call(
            "save_minutes",
            Some(&secretary),
            &[("meeting_id", &meeting), ("minutes", "学习党章")],
        )
        .await;
    assert!(saved.status.is_success(), "{}", saved.body);

    let seen = status(&app, &admin, &meeting).await;
    assert_eq!(seen["status"], "Waiting");
    assert_eq!(seen["can_review"], true);
    let own = status(&app, &secretary, &meeting).await;
    assert_eq!(own["can_review"], false, "a branch does not review itself");
    let member = app.login(MEMBER_1, PASSWORD).await;
    assert!(
        status(&app, &member, &meeting).await.is_null(),
        "a member's page shows no review"
    );
    for cookie in [&secretary, &member] {
        assert_eq!(
            verdict(&app, cookie, &meeting, "reviewed", "")
                .await
                .error(),
            "Forbidden"
        );
    }
    let list = app
        .call(
            "records_to_review",
            Some(&secretary),
            &[("year", &this_year())],
        )
        .await;
    assert_eq!(list.error(), "Forbidden");

    assert_eq!(
        verdict(&app, &admin, &meeting, "returned", " ")
            .await
            .error(),
        "ReasonRequired"
    );
    assert_eq!(
        verdict(&app, &admin, &meeting, "approved", "")
            .await
            .error(),
        "BadPayload"
    );
    let returned = verdict(&app, &admin, &meeting, "returned", "缺少参会人员发言要点").await;
    assert!(returned.status.is_success(), "{}", returned.body);
    let own = status(&app, &secretary, &meeting).await;
    assert_eq!(own["status"], "Returned");
    assert_eq!(own["latest"]["comment"], "缺少参会人员发言要点");
    let desk = app
        .call("home_overview", Some(&secretary), &[])
        .await
        .json()["desks"][0]
        .clone();
    assert_eq!(desk["returned_records"][0]["id"], meeting.as_str());

    let list = app
        .call("records_to_review", Some(&admin), &[("year", &this_year())])
        .await
        .json();
    let line = list
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["meeting"]["id"] == meeting.as_str())
        .unwrap()
        .clone();
    assert_eq!(line["status"], "Returned");
    assert_eq!(line["has_minutes"], true);

    // Saved again after the return (a second later), the record waits for another look.
    let rewrite = app::db::query("UPDATE minutes_reviews SET reviewed_at = reviewed_at - 10")
        .execute(&app.pool)
        .await;
    assert!(rewrite.is_err(), "reviews are append-only");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let revised = app
        .call(
            "save_minutes",
            Some(&secretary),
            &[
                ("meeting_id", &meeting),
                ("minutes", "学习党章；张三、李四发言"),
            ],
        )
        .await;
    assert!(revised.status.is_success(), "{}", revised.body);
    assert_eq!(status(&app, &admin, &meeting).await["status"], "Revised");
    let desk = app
        .call("home_overview", Some(&secretary), &[])
        .await
        .json()["desks"][0]
        .clone();
    assert_eq!(desk["returned_records"], serde_json::json!([]));
    let list = app
        .call("records_to_review", Some(&admin), &[("year", &this_year())])
        .await
        .json();
    assert_eq!(
        list[0]["meeting"]["id"],
        meeting.as_str(),
        "waiting ones first"
    );

    let reviewed = verdict(&app, &admin, &meeting, "reviewed", "").await;
    assert!(reviewed.status.is_success(), "{}", reviewed.body);
    assert_eq!(
        status(&app, &secretary, &meeting).await["status"],
        "Reviewed"
    );
}

#[tokio::test]
async fn only_held_meetings_of_branches_below_are_reviewed() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    let coming = held_meeting(&app, &secretary, now + 3_600, now + 7_200).await;
    assert_eq!(
        verdict(&app, &admin, &coming, "reviewed", "").await.error(),
        "MeetingNotStarted"
    );
    let held = held_meeting(&app, &secretary, now - 7_200, now - 3_600).await;
    server::seed::create_admin(
        &app.pool,
        "13700000099",
        "邻街道管理员",
        "邻街道党工委",
        "another2024".into(),
    )
    .await
    .unwrap();
    let other = app.login("13700000099", "another2024").await;
    assert_eq!(
        verdict(&app, &other, &held, "reviewed", "").await.error(),
        "Forbidden"
    );
    let list = app
        .call("records_to_review", Some(&other), &[("year", &this_year())])
        .await
        .json();
    assert_eq!(list, serde_json::json!([]));
}
