//! Check-in proves presence: the slot the code proves, the phone's corrected scan time and
//! the server's receipt time must agree (DESIGN, check-in). Each test sends what a phone, or
//! someone who forwards a code, would send, over the real router.

mod support;
use support::*;

use app::meetings::checkin::{code_for_slot, format_code, slot_of, slot_start};
use serde_json::{json, Value};

struct Meeting {
    id: String,
    secret: String,
    starts: i64,
}

impl Meeting {
    fn code(&self, slot: i64) -> String {
        format_code(code_for_slot(self.secret.as_bytes(), &self.id, slot))
    }

    fn checkin(&self, slot: i64) -> Value {
        json!({ "meeting_id": self.id, "slot": slot, "code": self.code(slot) })
    }
}

/// A 主题党日 held from `starts` to `ends`, with the key its codes come from.
async fn meeting(app: &TestApp, secretary: &str, starts: i64, ends: i64) -> Meeting {
    let id = held_meeting(app, secretary, starts, ends).await;
    let secret: String = app::db::query_scalar("SELECT secret FROM meetings WHERE id = ?")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    Meeting { id, secret, starts }
}

/// Sends one check-in as the outbox does: made at `made_at` by the phone's clock, with the
/// clock offset the outbox measured (`None`: never measured).
async fn send(
    app: &TestApp,
    cookie: &str,
    payload: Value,
    made_at: i64,
    clock_offset: Option<i64>,
) -> Value {
    let op = json!({
        "op_id": uuid::Uuid::now_v7().to_string(),
        "kind": "meeting.checkin",
        "payload": payload,
        "created_at": made_at,
        "clock_offset": clock_offset,
    });
    let reply = app.sync(cookie, &[op]).await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    reply.json()[0]["outcome"].clone()
}

async fn detail(app: &TestApp, cookie: &str, meeting: &str) -> Value {
    let reply = app
        .call("meeting_detail", Some(cookie), &[("meeting_id", meeting)])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json()
}

fn row<'a>(detail: &'a Value, user_id: &str) -> &'a Value {
    detail["sheet"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == user_id)
        .unwrap_or_else(|| panic!("{user_id} not on the sheet"))
}

async fn balance(app: &TestApp, user_id: &str) -> i64 {
    app::db::query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_room_with_no_signal_synced_three_hours_later_counts_as_offline() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 5 * 3600, now - 3 * 3600).await;
    // Scanned five minutes in; the phone runs two minutes fast and knew it.
    let slot = slot_of(m.starts + 300);
    let outcome = send(
        &app,
        &member,
        m.checkin(slot),
        slot_start(slot) + 10 + 120,
        Some(-120),
    )
    .await;
    assert_eq!(outcome["Applied"]["presence"], "late", "{outcome}");
    assert_eq!(outcome["Applied"]["arrival"], "offline");
    assert_eq!(outcome["Applied"]["slot"], slot);

    let sheet = detail(&app, &secretary, &m.id).await;
    let line = row(&sheet, &member_id);
    assert_eq!(line["presence"], "Late");
    assert_eq!(line["checkin"]["offline"], true);
    assert_eq!(line["checkin"]["at"], slot_start(slot));
    assert_eq!(line["checkin"]["scanned_at"], slot_start(slot) + 10);
    let delay = line["checkin"]["received_at"].as_i64().unwrap() - (slot_start(slot) + 10);
    let expected = now - (slot_start(slot) + 10);
    assert!(
        (expected..expected + 30).contains(&delay),
        "received when sent, almost five hours after the scan: {delay}"
    );
    let mine = detail(&app, &member, &m.id).await;
    assert_eq!(mine["my_checkin"]["offline"], true);
    // The check-in page's own read: the same head and proof, nothing of the sheet, and
    // nothing for someone the meeting is not shown to.
    let page = app
        .call(
            "checkin_view",
            Some(&member),
            &[("meeting_id", m.id.as_str())],
        )
        .await;
    assert!(page.status.is_success(), "{}", page.body);
    let page = page.json();
    assert_eq!(page["summary"], mine["summary"]);
    assert_eq!(page["my_checkin"], mine["my_checkin"]);
    assert!(page.get("sheet").is_none(), "{page}");
    let other_branch = app.login(SECRETARY_2, PASSWORD).await;
    let refused = app
        .call(
            "checkin_view",
            Some(&other_branch),
            &[("meeting_id", m.id.as_str())],
        )
        .await;
    assert_eq!(refused.error(), "Forbidden");
    let year = app::shell::time::shanghai_year_month(m.starts).0;
    let branch = app.branch_id("第一").await;
    let csv = app
        .get(
            &format!("/branch/{branch}/meetings.csv?year={year}"),
            Some(&secretary),
        )
        .await;
    assert!(
        csv.body.contains("迟到（离线签到）"),
        "the export says how it came: {}",
        csv.body
    );

    // The same room's phone that never measured its clock is judged by its own clock.
    let other = app.login("13800000007", PASSWORD).await;
    let outcome = send(&app, &other, m.checkin(slot), slot_start(slot) + 5, None).await;
    assert_eq!(outcome["Applied"]["arrival"], "offline", "{outcome}");
}

#[tokio::test]
async fn a_forwarded_code_opened_five_minutes_later_is_refused_and_shown_on_the_sheet() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 1800, now + 1800).await;
    let ten_slots_ago = slot_of(now) - 10;

    // The request: a valid code ten slots old, made now, sent now.
    let outcome = send(&app, &member, m.checkin(ten_slots_ago), now, Some(0)).await;
    assert_eq!(outcome, json!({ "Rejected": "CheckinExpired" }));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM attendance").await,
        0,
        "no line of presence"
    );
    // Nor with an old phone that never measured its clock.
    let outcome = send(&app, &member, m.checkin(ten_slots_ago), now, None).await;
    assert_eq!(outcome, json!({ "Rejected": "CheckinExpired" }));

    // The refusal waits on the sheet beside the member, typed, for the secretary.
    let sheet = detail(&app, &secretary, &m.id).await;
    let line = row(&sheet, &member_id);
    assert_eq!(line["presence"], Value::Null);
    assert_eq!(line["refused"]["error"], "CheckinExpired");
    assert_eq!(line["refused"]["scanned_at"], now);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM checkin_refusals WHERE reason = 'expired'")
            .await,
        2
    );

    // The secretary turns it into 补录 with a reason; the refusal no longer shows.
    let corrected = app
        .call(
            "correct_attendance",
            Some(&secretary),
            &[
                ("meeting_id", &m.id),
                ("user_id", &member_id),
                ("reason", "在会场，手机没电"),
            ],
        )
        .await;
    assert!(corrected.status.is_success(), "{}", corrected.body);
    let sheet = detail(&app, &secretary, &m.id).await;
    let line = row(&sheet, &member_id);
    assert_eq!(line["presence"], "Corrected");
    assert_eq!(line["refused"], Value::Null);
    assert_eq!(line["checkin"], Value::Null, "补录 has no proof of time");

    // A code of the current slot, received at once, still counts for the others.
    let other = app.login("13800000007", PASSWORD).await;
    let slot = slot_of(now);
    let outcome = send(&app, &other, m.checkin(slot), now, Some(0)).await;
    assert_eq!(outcome["Applied"]["arrival"], "online", "{outcome}");
}

#[tokio::test]
async fn a_forward_after_the_meeting_with_the_phone_clock_set_back_is_refused() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 2 * 86_400, now - 2 * 86_400 + 7200).await;
    let slot = slot_of(m.starts + 60);
    // The phone says the scan happened in the meeting, and its stale offset agrees.
    let outcome = send(
        &app,
        &member,
        m.checkin(slot),
        slot_start(slot) + 5,
        Some(0),
    )
    .await;
    assert_eq!(outcome, json!({ "Rejected": "CheckinSyncedTooLate" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM attendance").await, 0);
}

#[tokio::test]
async fn a_code_of_a_slot_not_yet_begun_is_refused() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 600, now + 3600).await;
    let ahead = slot_of(now) + 10;
    let outcome = send(&app, &member, m.checkin(ahead), now, Some(0)).await;
    assert_eq!(outcome, json!({ "Rejected": "CheckinFutureCode" }));
    // Even when the phone claims it scanned then.
    let outcome = send(&app, &member, m.checkin(ahead), slot_start(ahead), Some(0)).await;
    assert_eq!(outcome, json!({ "Rejected": "CheckinFutureCode" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM attendance").await, 0);
}

#[tokio::test]
async fn an_offline_check_in_after_the_points_were_given_puts_the_ledger_right() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 3 * 3600, now - 3600).await;
    let before = balance(&app, &member_id).await;
    // The timer froze 应到 and gave the meeting's points: the member was absent.
    app::points::service::award_ended_meetings(&app.pool)
        .await
        .unwrap();
    assert_eq!(balance(&app, &member_id).await, before - 3, "无故缺席 −3");
    let sheet = detail(&app, &secretary, &m.id).await;
    assert_eq!(row(&sheet, &member_id)["presence"], "Absent");

    // On the way home the phone finds signal: scanned at the start, on time.
    let slot = slot_of(m.starts);
    let outcome = send(
        &app,
        &member,
        m.checkin(slot),
        slot_start(slot) + 3,
        Some(0),
    )
    .await;
    assert_eq!(outcome["Applied"]["presence"], "on_time", "{outcome}");
    let sheet = detail(&app, &secretary, &m.id).await;
    assert_eq!(row(&sheet, &member_id)["presence"], "OnTime");
    // The sheet and the ledger agree: the deduction reversed, 参加主题党日 +5 given.
    assert_eq!(balance(&app, &member_id).await, before + 5);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM point_entries WHERE reverses IS NOT NULL AND reason = '离线签到已同步'"
        )
        .await,
        1
    );
    // A replay of the op, or the timer again, changes nothing.
    app::points::service::award_ended_meetings(&app.pool)
        .await
        .unwrap();
    let again = send(
        &app,
        &member,
        m.checkin(slot),
        slot_start(slot) + 3,
        Some(0),
    )
    .await;
    assert_eq!(again["Applied"]["presence"], "on_time");
    assert_eq!(balance(&app, &member_id).await, before + 5);
}

#[tokio::test]
async fn an_op_is_sent_only_by_the_session_of_the_one_who_made_it() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let a = app.login(MEMBER_1, PASSWORD).await;
    let a_id = app.user_id(MEMBER_1).await;
    let b = app.login("13800000007", PASSWORD).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 600, now + 3600).await;
    let op = json!({
        "op_id": uuid::Uuid::now_v7().to_string(),
        "kind": "meeting.checkin",
        "payload": m.checkin(slot_of(now)),
        "created_at": now,
        "clock_offset": 0,
        "user_id": a_id,
    });
    // B signed in on A's phone: A's check-in is not B's to send, and is not used up.
    let reply = app.sync(&b, std::slice::from_ref(&op)).await;
    assert_eq!(
        reply.json()[0]["outcome"],
        json!({ "Retry": "OpOfAnotherUser" })
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM attendance").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM applied_ops").await, 0);
    // A signs in again and it lands as A's.
    let reply = app.sync(&a, &[op]).await;
    assert_eq!(reply.json()[0]["outcome"]["Applied"]["presence"], "late");
    let owner: String = app::db::query_scalar("SELECT user_id FROM attendance")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(owner, a_id);
}

#[tokio::test]
async fn a_refusal_carries_its_reason_in_words() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 1800, now + 1800).await;
    let op = json!({
        "op_id": uuid::Uuid::now_v7().to_string(),
        "kind": "meeting.checkin",
        "payload": m.checkin(slot_of(now) - 10),
        "created_at": now,
    });
    let reply = app.sync(&member, &[op]).await.json();
    assert_eq!(reply[0]["outcome"], json!({ "Rejected": "CheckinExpired" }));
    assert_eq!(
        reply[0]["message"],
        "签到码已过期，请在会场扫码；不在会场请联系书记补录"
    );
}

#[tokio::test]
async fn no_code_proves_a_moment_before_the_meeting_was_scheduled() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let m = meeting(&app, &secretary, now - 1800, now + 1800).await;
    // Scheduled only now, though it began half an hour ago: the key computes codes for the
    // earlier slots, but none was ever shown.
    app::db::query("UPDATE meetings SET created_at = ? WHERE id = ?")
        .bind(now)
        .bind(&m.id)
        .execute(&app.pool)
        .await
        .unwrap();
    let before = slot_of(now) - 20;
    let outcome = send(
        &app,
        &member,
        m.checkin(before),
        slot_start(before) + 5,
        Some(0),
    )
    .await;
    assert_eq!(outcome, json!({ "Rejected": "CheckinOutsideWindow" }));
    let outcome = send(&app, &member, m.checkin(slot_of(now)), now, Some(0)).await;
    assert_eq!(outcome["Applied"]["arrival"], "online", "{outcome}");
}

/// Anyone signed in can send check-ins naming meetings that do not exist, hundreds a
/// batch. Each is answered at once, without waiting for a writer's turn (queued for one,
/// they would hold up every branch's crowd on a 主题党日), and leaves nothing behind.
#[tokio::test]
async fn a_check_in_of_a_meeting_that_does_not_exist_waits_for_no_writer_and_is_not_kept() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let forged = |meeting: String| {
        json!({
            "op_id": uuid::Uuid::now_v7().to_string(),
            "kind": "meeting.checkin",
            "payload": { "meeting_id": meeting, "slot": slot_of(now), "code": "123456" },
            "created_at": now,
            "clock_offset": 0,
        })
    };
    let ops: Vec<Value> = (0..50)
        .map(|_| forged(uuid::Uuid::now_v7().to_string()))
        .chain([forged("../../etc/passwd".into()), forged("x".repeat(4000))])
        .collect();
    // Another writer holds its turn meanwhile (a secretary's change, a timer's tick).
    let held = app.pool.begin().await.unwrap();
    let reply = tokio::time::timeout(std::time::Duration::from_secs(5), app.sync(&member, &ops))
        .await
        .expect("answered while another writer holds its turn");
    held.rollback().await.unwrap();
    let replies = reply.json();
    assert_eq!(replies.as_array().unwrap().len(), ops.len());
    for reply in replies.as_array().unwrap() {
        assert_eq!(
            reply["outcome"],
            json!({ "Rejected": "NotFound" }),
            "{reply}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM applied_ops").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM checkin_refusals").await, 0);
    // Sent again, the same answer.
    let again = app.sync(&member, &ops[..1]).await.json();
    assert_eq!(again[0]["outcome"], json!({ "Rejected": "NotFound" }));
}

/// The op log's promise, attacked: one op id sent twice at the same moment with two
/// payloads, the right code for the member's meeting and a wrong one for a meeting of
/// another branch that expects them too (so on PostgreSQL the two take different turns
/// and race), again and again. Each op is recorded once, with the answer both requests
/// get, and only that answer's effects are there: a refusal row for each refusal, none
/// for a payload that lost.
#[tokio::test]
async fn one_op_id_raced_with_two_branches_meetings_is_recorded_once_with_one_answer() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let now = app::state::now();
    let own = meeting(&app, &secretary, now - 300, now + 3300).await;
    let other = meeting(&app, &secretary, now - 300, now + 3300).await;
    app::db::query("UPDATE meetings SET org_id = ?, frozen_at = ? WHERE id = ?")
        .bind(app.branch_id("第二").await)
        .bind(now)
        .bind(&other.id)
        .execute(&app.pool)
        .await
        .unwrap();
    app::db::query("INSERT INTO meeting_expected (meeting_id, user_id, voting) VALUES (?, ?, ?)")
        .bind(&other.id)
        .bind(&member_id)
        .bind(true)
        .execute(&app.pool)
        .await
        .unwrap();
    let slot = slot_of(now);
    let wrong = json!({ "meeting_id": other.id, "slot": slot, "code": format_code(
        (code_for_slot(other.secret.as_bytes(), &other.id, slot) + 1) % 1_000_000) });
    let op = |op_id: &str, payload: Value| json!({ "op_id": op_id, "kind": "meeting.checkin", "payload": payload, "created_at": now });
    let mut refused = 0;
    // Fewer rounds than wrong codes it takes to be slowed down.
    for round in 0..8 {
        let op_id = uuid::Uuid::now_v7().to_string();
        let mine = [op(&op_id, own.checkin(slot))];
        let theirs = [op(&op_id, wrong.clone())];
        // Which one goes first alternates, as the two requests' order on the wire would.
        let (first, second) = if round % 2 == 0 {
            (&mine, &theirs)
        } else {
            (&theirs, &mine)
        };
        let (a, b) = tokio::join!(app.sync(&member, first), app.sync(&member, second));
        let (a, b) = (
            a.json()[0]["outcome"].clone(),
            b.json()[0]["outcome"].clone(),
        );
        assert_eq!(a, b, "both requests get the one recorded answer");
        let kept: Vec<String> =
            app::db::query_scalar("SELECT outcome FROM applied_ops WHERE op_id = ?")
                .bind(&op_id)
                .fetch_all(&app.pool)
                .await
                .unwrap();
        assert_eq!(kept.len(), 1, "recorded once");
        assert_eq!(serde_json::from_str::<Value>(&kept[0]).unwrap(), a);
        if a.get("Applied").is_none() {
            assert_eq!(a, json!({ "Rejected": "CheckinWrongCode" }), "{a}");
            refused += 1;
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM checkin_refusals").await,
        refused,
        "a refusal row for each refusal answered, none for a payload that lost"
    );
    let line = app::db::query_scalar::<i64>(
        "SELECT COUNT(*) FROM attendance WHERE meeting_id = ? AND user_id = ?",
    )
    .bind(&own.id)
    .bind(&member_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(line, i64::from(refused < 8));
}

/// A refused check-in whose answer was lost on the way is sent again by the outbox: it
/// gets its recorded answer, even once its member's guesses are being slowed down.
#[tokio::test]
async fn a_refused_check_in_sent_again_while_its_member_is_slowed_down_gets_its_answer() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let held = meeting(&app, &secretary, now - 300, now + 3300).await;
    let slot = slot_of(now);
    let right = code_for_slot(held.secret.as_bytes(), &held.id, slot);
    let wrong = |n| json!({ "meeting_id": held.id, "slot": slot, "code": format_code((right + n) % 1_000_000) });
    let first_id = uuid::Uuid::now_v7().to_string();
    let first = app
        .sync_one(&member, &first_id, "meeting.checkin", wrong(1), now)
        .await;
    assert_eq!(first, json!({ "Rejected": "CheckinWrongCode" }));
    for n in 2..=10 {
        send(&app, &member, wrong(n), now, None).await;
    }
    assert_eq!(
        send(&app, &member, wrong(11), now, None).await,
        json!({ "Retry": "RateLimited" })
    );
    assert_eq!(
        app.sync_one(&member, &first_id, "meeting.checkin", wrong(1), now)
            .await,
        first
    );
}
