mod support;
use support::*;

use app::meetings::checkin::{code_for_slot, format_code, slot_of, Window};
use serde_json::{json, Value};

async fn sync_one(app: &TestApp, cookie: &str, payload: Value) -> Value {
    sync_op(app, cookie, "meeting.checkin", payload, app::state::now()).await
}

async fn sync_op(
    app: &TestApp,
    cookie: &str,
    kind: &str,
    payload: Value,
    created_at: i64,
) -> Value {
    let op_id = uuid::Uuid::now_v7().to_string();
    app.sync_one(cookie, &op_id, kind, payload, created_at)
        .await
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
            ("agenda", "学习党章"),
            ("place", "党群服务中心"),
            ("starts_at", &starts),
            ("ends_at", &ends),
            // Ignored for a meeting still to come; one already over is a record (补记).
            ("past_reason", "按纸质签到表补记"),
        ],
    )
    .await
}

/// A general meeting of `org` that began five minutes before `now` and runs an hour: its id.
async fn begun_meeting(app: &TestApp, cookie: &str, org: &str, now: i64) -> String {
    let meeting = schedule(
        app,
        cookie,
        org,
        "general_meeting",
        minute(now - 300),
        minute(now + 3300),
    )
    .await
    .json();
    meeting.as_str().unwrap().to_string()
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
                ("agenda", ""),
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
    let secret: String = app::db::query_scalar("SELECT secret FROM meetings WHERE id = ?")
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
        first["Applied"]["presence"], "late",
        "ten minutes after the start: {first}"
    );
    assert_eq!(first["Applied"]["slot"], slot);
    assert_eq!(first["Applied"]["arrival"], "online");
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
    let not_yet_in = app.login("13800000007", PASSWORD).await;
    let outside = sync_one(
        &app,
        &not_yet_in,
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
    let secret: String = app::db::query_scalar("SELECT secret FROM meetings WHERE id = ?")
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

/// Seconds of an hour ago and in an hour, to the minute (datetime-local has minutes).
fn minute(t: i64) -> i64 {
    t / 60 * 60
}

async fn sheet(app: &TestApp, cookie: &str, meeting: &str) -> Value {
    let reply = app
        .call("meeting_detail", Some(cookie), &[("meeting_id", meeting)])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json()
}

fn line<'a>(detail: &'a Value, user_id: &str) -> &'a Value {
    detail["sheet"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == user_id)
        .unwrap_or_else(|| panic!("{user_id} not on the sheet"))
}

#[tokio::test]
async fn leave_is_asked_before_the_start_and_decided_by_the_secretary() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let now = app::state::now();
    let meeting = schedule(
        &app,
        &secretary,
        &branch,
        "theme_day",
        minute(now + 7200),
        minute(now + 10800),
    )
    .await
    .json();
    let meeting = meeting.as_str().unwrap();
    let ask = |reason: &str| json!({ "meeting_id": meeting, "kind": "Sick", "reason": reason });
    assert_eq!(
        sync_op(&app, &member, "meeting.leave", ask("  "), now).await,
        json!({ "Rejected": "ReasonRequired" })
    );
    assert_eq!(
        sync_op(&app, &member, "meeting.leave", ask("发烧"), now).await,
        json!({ "Applied": { "status": "pending" } })
    );
    let outsider = app.login(SECRETARY_2, PASSWORD).await;
    assert_eq!(
        sync_op(&app, &outsider, "meeting.leave", ask("出差"), now).await,
        json!({ "Rejected": "NotExpected" })
    );

    let decide = |cookie: &str, decision: &str, note: &str| {
        let cookie = cookie.to_string();
        let fields = [
            ("meeting_id", meeting.to_string()),
            ("user_id", member_id.clone()),
            ("decision", decision.to_string()),
            ("note", note.to_string()),
        ];
        let app = &app;
        async move { app.call_owned("decide_leave", &cookie, &fields).await }
    };
    assert_eq!(decide(&member, "approve", "").await.error(), "Forbidden");
    assert_eq!(decide(&outsider, "approve", "").await.error(), "Forbidden");
    assert_eq!(
        decide(&secretary, "refuse", "").await.error(),
        "ReasonRequired",
        "a refusal says why"
    );
    assert!(decide(&secretary, "refuse", "本次会议要表决，请尽量参加")
        .await
        .status
        .is_success());
    let mine = sheet(&app, &member, meeting).await;
    assert_eq!(mine["my_leave"]["status"], "Refused");
    assert_eq!(mine["my_leave"]["note"], "本次会议要表决，请尽量参加");
    assert!(mine["sheet"].is_null(), "members do not get the sheet");

    // Asked again with a better reason, then approved: 请假, and it stays approved.
    sync_op(&app, &member, "meeting.leave", ask("住院"), now).await;
    assert!(decide(&secretary, "approve", "").await.status.is_success());
    assert_eq!(
        sync_op(&app, &member, "meeting.leave", ask("改主意"), now).await,
        json!({ "Applied": { "status": "approved" } })
    );
    let detail = sheet(&app, &secretary, meeting).await;
    assert_eq!(line(&detail, &member_id)["presence"], "Leave");
    assert_eq!(line(&detail, &member_id)["leave"]["reason"], "住院");
    assert_eq!(detail["sheet"]["totals"]["leave"], 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('approve_leave', 'refuse_leave')"
        )
        .await,
        2
    );

    // Asked after the start (by the phone's recorded time): refused.
    let started = schedule(
        &app,
        &secretary,
        &branch,
        "committee",
        minute(now - 600),
        minute(now + 3000),
    )
    .await
    .json();
    let started = started.as_str().unwrap();
    assert_eq!(
        sync_op(
            &app,
            &secretary,
            "meeting.leave",
            json!({ "meeting_id": started, "kind": "Official", "reason": "开会" }),
            now
        )
        .await,
        json!({ "Rejected": "LeaveTooLate" })
    );
}

#[tokio::test]
async fn corrections_need_a_reason_are_marked_and_audited() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let now = app::state::now();
    let future = schedule(
        &app,
        &secretary,
        &branch,
        "theme_day",
        minute(now + 3600),
        minute(now + 7200),
    )
    .await
    .json();
    let correct = |meeting: &str, user: &str, reason: &str, cookie: &str| {
        let fields = [
            ("meeting_id", meeting.to_string()),
            ("user_id", user.to_string()),
            ("reason", reason.to_string()),
        ];
        let cookie = cookie.to_string();
        let app = &app;
        async move { app.call_owned("correct_attendance", &cookie, &fields).await }
    };
    assert_eq!(
        correct(future.as_str().unwrap(), &member_id, "手机没电", &secretary)
            .await
            .error(),
        "MeetingNotStarted"
    );
    let past = schedule(
        &app,
        &secretary,
        &branch,
        "theme_day",
        minute(now - 7200),
        minute(now - 3600),
    )
    .await
    .json();
    let past = past.as_str().unwrap();
    assert_eq!(
        correct(past, &member_id, " ", &secretary).await.error(),
        "ReasonRequired"
    );
    assert_eq!(
        correct(past, &member_id, "手机没电", &member).await.error(),
        "Forbidden"
    );
    assert!(
        correct(past, &member_id, "手机没电，签到表上有签名", &secretary)
            .await
            .status
            .is_success()
    );
    assert_eq!(
        correct(past, &member_id, "再来一次", &secretary)
            .await
            .error(),
        "AlreadyPresent"
    );
    let stranger = app.user_id(SECRETARY_2).await;
    assert_eq!(
        correct(past, &stranger, "路过", &secretary).await.error(),
        "NotExpected"
    );

    let detail = sheet(&app, &secretary, past).await;
    let row = line(&detail, &member_id);
    assert_eq!(row["presence"], "Corrected");
    assert_eq!(row["correction"], "手机没电，签到表上有签名");
    let totals = &detail["sheet"]["totals"];
    assert_eq!(totals["corrected"], 1);
    assert_eq!(totals["present"], 1);
    assert_eq!(
        totals["absent"],
        totals["expected"].as_i64().unwrap() - 1,
        "the meeting is over"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'correct_attendance' AND detail = '手机没电，签到表上有签名'")
            .await,
        1
    );
    let mine = app.call("my_meetings", Some(&member), &[]).await.json();
    let past_line = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == past)
        .unwrap();
    assert_eq!(past_line["my_presence"], "Corrected");
}

/// The timer's freeze takes turns as a check-in of its branch does: a thousand meetings
/// starting at once must not stop every branch's check-ins a thousand times over.
#[tokio::test]
async fn the_timers_freeze_takes_turns_with_its_own_branch_only() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    let started = || begun_meeting(&app, &secretary, &branch, now);
    started().await;
    let freeze = |pool: app::db::Pool| async move {
        app::meetings::service::freeze_started(&pool).await.unwrap()
    };

    let branch_writer = app.pool.begin_keyed(&branch).await.unwrap();
    let waiting = tokio::spawn(freeze(app.pool.clone()));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the freeze waits for its branch's open check-in"
    );
    branch_writer.commit().await.unwrap();
    let frozen = tokio::time::timeout(std::time::Duration::from_secs(10), waiting).await;
    assert_eq!(frozen.unwrap().unwrap(), 1);

    if on_postgres() {
        started().await;
        let other_branch = app.pool.begin_keyed("another-branch").await.unwrap();
        let frozen =
            tokio::time::timeout(std::time::Duration::from_secs(5), freeze(app.pool.clone())).await;
        assert_eq!(
            frozen.ok(),
            Some(1),
            "another branch's open check-in does not hold the freeze up"
        );
        other_branch.commit().await.unwrap();
    }
}

/// A page opened after the start, before the timer came by, freezes 应到 itself, in the
/// meeting's branch's turn as the timer does: it waits for that branch's open check-in,
/// and on PostgreSQL not for another branch's (as a 主题党日 begins, a thousand meetings'
/// pages are opened before their first check-ins).
#[tokio::test]
async fn a_page_that_freezes_takes_turns_with_its_own_branch_only() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    let started = || begun_meeting(&app, &secretary, &branch, now);
    let meeting = started().await;
    let branch_writer = app.pool.begin_keyed(&branch).await.unwrap();
    let page = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        sheet(&app, &secretary, &meeting),
    )
    .await;
    assert!(
        page.is_err(),
        "the page waits for its branch's open check-in"
    );
    branch_writer.commit().await.unwrap();
    assert_eq!(
        sheet(&app, &secretary, &meeting).await["sheet"]["frozen"],
        true
    );

    if on_postgres() {
        let meeting = started().await;
        let other_branch = app.pool.begin_keyed("another-branch").await.unwrap();
        let page = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            sheet(&app, &secretary, &meeting),
        )
        .await
        .expect("another branch's open check-in does not hold the page up");
        assert_eq!(page["sheet"]["frozen"], true);
        other_branch.commit().await.unwrap();
    }
}

#[tokio::test]
async fn the_expected_list_is_frozen_at_the_start() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    let meeting = begun_meeting(&app, &secretary, &branch, now).await;
    let meeting = meeting.as_str();
    assert_eq!(app.count("SELECT COUNT(*) FROM meeting_expected").await, 0);
    assert_eq!(
        app::meetings::service::freeze_started(&app.pool)
            .await
            .unwrap(),
        1
    );
    let frozen = app.count("SELECT COUNT(*) FROM meeting_expected").await;
    let members = app
        .count(&format!(
            "SELECT COUNT(*) FROM memberships WHERE org_id = '{branch}' AND role = 'member'"
        ))
        .await;
    assert_eq!(frozen, members);
    assert_eq!(
        app::meetings::service::freeze_started(&app.pool)
            .await
            .unwrap(),
        0
    );

    // Someone added to the branch after the start is not expected and cannot check in.
    let late_joiner = app.user_id(SECRETARY_2).await;
    app::db::query(
        "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'member', 0)",
    )
    .bind(&late_joiner)
    .bind(&branch)
    .execute(&app.pool)
    .await
    .unwrap();
    let detail = sheet(&app, &secretary, meeting).await;
    assert_eq!(detail["sheet"]["frozen"], true);
    assert_eq!(detail["sheet"]["totals"]["expected"].as_i64(), Some(frozen));
    assert_eq!(
        detail["sheet"]["totals"]["awaiting"].as_i64(),
        Some(frozen),
        "nobody in yet"
    );
    let voting = app
        .count(&format!(
            "SELECT COUNT(*) FROM memberships ms JOIN users u ON u.id = ms.user_id
             WHERE ms.org_id = '{branch}' AND ms.role = 'member' AND u.party_status = 'full' AND ms.user_id <> '{late_joiner}'"
        ))
        .await;
    assert_eq!(
        detail["sheet"]["totals"]["voting_expected"].as_i64(),
        Some(voting)
    );
    let joiner = app.login(SECRETARY_2, PASSWORD).await;
    let secret: String = app::db::query_scalar("SELECT secret FROM meetings WHERE id = ?")
        .bind(meeting)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let slot = slot_of(now);
    let code = format_code(code_for_slot(secret.as_bytes(), meeting, slot));
    assert_eq!(
        sync_one(
            &app,
            &joiner,
            json!({ "meeting_id": meeting, "slot": slot, "code": code })
        )
        .await,
        json!({ "Rejected": "NotExpected" })
    );
}

#[tokio::test]
async fn committee_meetings_expect_the_committee_and_cancelling_needs_a_reason() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let meeting = schedule(
        &app,
        &secretary,
        &branch,
        "committee",
        minute(now + 3600),
        minute(now + 7200),
    )
    .await
    .json();
    let meeting = meeting.as_str().unwrap();
    let detail = sheet(&app, &secretary, meeting).await;
    let committee = app
        .count(&format!(
            "SELECT COUNT(*) FROM memberships WHERE org_id = '{branch}' AND role = 'secretary'"
        ))
        .await;
    assert_eq!(
        detail["sheet"]["totals"]["expected"].as_i64(),
        Some(committee)
    );
    assert_eq!(detail["sheet"]["frozen"], false);
    let listed = app.call("my_meetings", Some(&member), &[]).await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != meeting),
        "an ordinary member is not expected at a 支委会"
    );
    assert!(sheet(&app, &member, meeting).await["expected"] == false);
    let other_branch = app.login(SECRETARY_2, PASSWORD).await;
    assert_eq!(
        app.call(
            "meeting_detail",
            Some(&other_branch),
            &[("meeting_id", meeting)]
        )
        .await
        .error(),
        "Forbidden"
    );

    let cancel = |reason: &str| {
        let reason = reason.to_string();
        let app = &app;
        let secretary = secretary.clone();
        async move {
            app.call(
                "cancel_meeting",
                Some(&secretary),
                &[("meeting_id", meeting), ("reason", &reason)],
            )
            .await
        }
    };
    assert_eq!(cancel("").await.error(), "ReasonRequired");
    assert!(cancel("书记出差，改期").await.status.is_success());
    let detail = sheet(&app, &secretary, meeting).await;
    assert_eq!(detail["cancel_reason"], "书记出差，改期");
    assert_eq!(detail["summary"]["cancelled"], true);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'cancel_meeting'")
            .await,
        1
    );
}

#[tokio::test]
async fn times_cannot_move_once_a_meeting_has_started() {
    use app::shell::time::format_local_datetime;
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    let (starts, ends) = (minute(now - 600), minute(now + 3000));
    let meeting = schedule(&app, &secretary, &branch, "party_lecture", starts, ends)
        .await
        .json();
    let meeting = meeting.as_str().unwrap();
    let edit = |starts: i64, reason: &str| {
        let fields = [
            ("meeting_id", meeting.to_string()),
            ("title", "党课：新时代的支部工作".to_string()),
            ("agenda", "一、学习；二、讨论".to_string()),
            ("place", "二楼会议室".to_string()),
            ("starts_at", format_local_datetime(starts)),
            ("ends_at", format_local_datetime(ends)),
            ("reason", reason.to_string()),
        ];
        let app = &app;
        let secretary = secretary.clone();
        async move { app.call_owned("edit_meeting", &secretary, &fields).await }
    };
    assert_eq!(edit(starts, "").await.error(), "ReasonRequired");
    assert_eq!(edit(starts + 60, "推迟").await.error(), "MeetingStarted");
    assert!(edit(starts, "换会议室").await.status.is_success());
    let detail = sheet(&app, &secretary, meeting).await;
    assert_eq!(detail["summary"]["place"], "二楼会议室");
    assert_eq!(detail["agenda"], "一、学习；二、讨论");
}

#[tokio::test]
async fn the_csv_export_lists_every_expected_member_for_the_branchs_leaders() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(SECRETARY_2, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let now = app::state::now();
    let meeting = schedule(
        &app,
        &secretary,
        &branch,
        "theme_day",
        minute(now - 7200),
        minute(now - 3600),
    )
    .await
    .json();
    let meeting = meeting.as_str().unwrap();
    app.call(
        "correct_attendance",
        Some(&secretary),
        &[
            ("meeting_id", meeting),
            ("user_id", &member_id),
            ("reason", "=手机没电, 有签名"),
        ],
    )
    .await;
    let year = app::shell::time::shanghai_year_month(minute(now - 7200)).0;
    let path = format!("/branch/{branch}/meetings.csv?year={year}");
    let csv = app.get(&path, Some(&secretary)).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("\u{feff}开始,结束,会议类型"));
    let expected = app
        .count(&format!(
            "SELECT COUNT(*) FROM meeting_expected WHERE meeting_id = '{meeting}'"
        ))
        .await;
    assert_eq!(
        lines.len() as i64,
        1 + expected,
        "one line per expected member"
    );
    let corrected: Vec<&&str> = lines.iter().filter(|l| l.contains(",补录,")).collect();
    assert_eq!(corrected.len(), 1);
    assert!(
        corrected[0].ends_with(",\"'=手机没电, 有签名\""),
        "quoted and defused: {}",
        corrected[0]
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains(",缺席,")).count() as i64,
        expected - 1
    );
    let other_year = app
        .get(
            &format!("/branch/{branch}/meetings.csv?year={}", year - 1),
            Some(&secretary),
        )
        .await;
    assert_eq!(
        other_year
            .body
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .count(),
        1,
        "header only"
    );

    assert_eq!(app.get(&path, Some(&member)).await.status, 403);
    assert_eq!(app.get(&path, Some(&other)).await.status, 403);
    assert_eq!(app.get(&path, None).await.status, 401);
}

#[tokio::test]
async fn the_admin_sees_every_branch_of_the_subtree() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let years = app
        .call("subtree_compliance", Some(&admin), &[("year", "2025")])
        .await
        .json();
    let names: Vec<&str> = years
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["branch"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.contains("党支部")));
    for year in years.as_array().unwrap() {
        assert_eq!(year["until_month"], 12);
        assert_eq!(
            year["short_months"].as_array().unwrap().len(),
            12,
            "nothing held in 2025"
        );
    }
    assert_eq!(
        app.call("subtree_compliance", Some(&secretary), &[("year", "2025")])
            .await
            .error(),
        "Forbidden"
    );
}

/// A 主题党日 of `branch` that began five minutes before `now`: its id and the key its
/// codes come from.
async fn theme_day_begun(
    app: &TestApp,
    secretary: &str,
    branch: &str,
    now: i64,
) -> (String, String) {
    let meeting = schedule(
        app,
        secretary,
        branch,
        "theme_day",
        minute(now - 300),
        minute(now + 3300),
    )
    .await
    .json();
    let meeting = meeting.as_str().unwrap().to_string();
    let secret = app::db::query_scalar("SELECT secret FROM meetings WHERE id = ?")
        .bind(&meeting)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (meeting, secret)
}

/// On SQLite the check-ins of a crowd share their transactions (a group commit), where an
/// op that fails would take the others down with it. A member who guessed their way into
/// the limit keeps sending among them: their tries are put off, leaving nothing behind,
/// and everyone else is recorded.
#[tokio::test]
async fn a_guesser_in_the_crowd_does_not_spoil_the_others_check_ins() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let guesser = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let (meeting, secret) = theme_day_begun(&app, &secretary, &branch, now).await;
    let meeting = meeting.as_str();
    let slot = slot_of(now);
    let right = code_for_slot(secret.as_bytes(), meeting, slot);
    for guess in 1..=10 {
        let wrong = format_code((right + guess) % 1_000_000);
        sync_one(
            &app,
            &guesser,
            json!({ "meeting_id": meeting, "slot": slot, "code": wrong }),
        )
        .await;
    }
    let mut crowd = Vec::new();
    for n in 7..=14 {
        crowd.push(app.login(&format!("138000000{n:02}"), PASSWORD).await);
    }
    let right = json!({ "meeting_id": meeting, "slot": slot, "code": format_code(right) });
    let tries = crowd
        .iter()
        .flat_map(|member| [member, &guesser])
        .map(|cookie| sync_one(&app, cookie, right.clone()));
    let outcomes = futures_util::future::join_all(tries).await;
    for (n, outcome) in outcomes.iter().enumerate() {
        if n % 2 == 0 {
            assert!(outcome["Applied"]["presence"].is_string(), "{outcome}");
        } else {
            assert_eq!(outcome, &json!({ "Retry": "RateLimited" }));
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM attendance").await,
        crowd.len() as i64
    );
    let guesser_id = app.user_id(MEMBER_1).await;
    assert_eq!(
        app::db::query_scalar::<i64>("SELECT COUNT(*) FROM applied_ops WHERE user_id = ?")
            .bind(&guesser_id)
            .fetch_one(&app.pool)
            .await
            .unwrap(),
        10,
        "only the wrong codes are kept: the put-off tries can be sent again"
    );
}

#[tokio::test]
async fn guessing_codes_is_slowed_down() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let (meeting, secret) = theme_day_begun(&app, &secretary, &branch, now).await;
    let meeting = meeting.as_str();
    let slot = slot_of(now);
    let right = code_for_slot(secret.as_bytes(), meeting, slot);
    for guess in 1..=10 {
        let wrong = format_code((right + guess) % 1_000_000);
        assert_eq!(
            sync_one(
                &app,
                &member,
                json!({ "meeting_id": meeting, "slot": slot, "code": wrong })
            )
            .await,
            json!({ "Rejected": "CheckinWrongCode" })
        );
    }
    let honest = sync_one(
        &app,
        &member,
        json!({ "meeting_id": meeting, "slot": slot, "code": format_code(right) }),
    )
    .await;
    assert_eq!(
        honest,
        json!({ "Retry": "RateLimited" }),
        "kept in the outbox for later"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM attendance").await, 0);
    let other = app.login("13800000007", PASSWORD).await;
    assert_eq!(
        sync_one(
            &app,
            &other,
            json!({ "meeting_id": meeting, "slot": slot, "code": format_code(right) })
        )
        .await["Applied"]["presence"],
        json!("late"),
        "one member's guessing does not block the others"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM checkin_refusals WHERE reason = 'wrong_code'")
            .await,
        10,
        "the limit counts typed refusals, not stored answers"
    );
}
