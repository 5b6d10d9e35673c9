//! Records nobody can forge and limits that hold in a real deployment: each test is what an
//! attacker, or a careless secretary, would try (issue: rights never hang on a phone's
//! clock). Check-in has its own file; contacts and quotas of wishes are in `wishes.rs`.

mod support;
use support::*;

use http::header;
use serde_json::{json, Value};
use tower::ServiceExt;

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tokio::test]
async fn leave_asked_after_the_start_is_late_whatever_the_phone_says() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let now = app::state::now();
    let meeting = held_meeting(&app, &secretary, now - 3600, now + 3600).await;
    // A member who skipped the meeting asks for leave afterwards, phone set to yesterday.
    let outcome = app
        .sync_one(
            &member,
            &new_id(),
            "meeting.leave",
            json!({ "meeting_id": meeting, "kind": "Sick", "reason": "发烧" }),
            now - 86_400,
        )
        .await;
    assert_eq!(outcome, json!({ "Rejected": "LeaveTooLate" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM leave_requests").await, 0);
    // The phone's time is kept as information beside the receipt.
    let made_at: i64 =
        app::db::query_scalar("SELECT made_at FROM applied_ops WHERE kind = 'meeting.leave'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(made_at, now - 86_400);
}

#[tokio::test]
async fn a_secretary_never_decides_on_their_own_record() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let secretary_id = app.user_id(SECRETARY_1).await;
    let now = app::state::now();
    // The secretary is a member of the branch, so expected at its meetings.
    let ahead = held_meeting(&app, &secretary, now + 7200, now + 10_800).await;
    let asked = app
        .sync_one(
            &secretary,
            &new_id(),
            "meeting.leave",
            json!({ "meeting_id": ahead, "kind": "Personal", "reason": "出差" }),
            now,
        )
        .await;
    assert_eq!(asked, json!({ "Applied": { "status": "pending" } }));
    let approve = app
        .call(
            "decide_leave",
            Some(&secretary),
            &[
                ("meeting_id", &ahead),
                ("user_id", &secretary_id),
                ("decision", "approve"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(approve.error(), "OwnRecord");

    let held = held_meeting(&app, &secretary, now - 7200, now - 3600).await;
    let corrected = app
        .call(
            "correct_attendance",
            Some(&secretary),
            &[
                ("meeting_id", &held),
                ("user_id", &secretary_id),
                ("reason", "我当时在场"),
            ],
        )
        .await;
    assert_eq!(corrected.error(), "OwnRecord");
    assert_eq!(app.count("SELECT COUNT(*) FROM attendance").await, 0);

    // The meeting's points: the absent secretary's −3 stands until someone else reverses it.
    app::points::service::award_ended_meetings(&app.pool)
        .await
        .unwrap();
    let entry: String = app::db::query_scalar(
        "SELECT id FROM point_entries WHERE user_id = ? AND points < 0 AND reverses IS NULL",
    )
    .bind(&secretary_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let reverse = app
        .call(
            "reverse_entry",
            Some(&secretary),
            &[("entry_id", &entry), ("reason", "不算缺席")],
        )
        .await;
    assert_eq!(reverse.error(), "OwnRecord");
    // The 党工委 may.
    let admin = app.login(ADMIN, PASSWORD).await;
    let by_admin = app
        .call(
            "reverse_entry",
            Some(&admin),
            &[("entry_id", &entry), ("reason", "公出，党委核实")],
        )
        .await;
    assert!(by_admin.status.is_success(), "{}", by_admin.body);
}

async fn login_status(app: &TestApp, phone: &str, password: &str) -> Result<(), String> {
    let reply = app
        .call("login", None, &[("phone", phone), ("password", password)])
        .await;
    if reply.status.is_success() {
        Ok(())
    } else {
        Err(reply.error())
    }
}

#[tokio::test]
async fn wrong_passwords_lock_one_phone_never_the_venue() {
    let app = app().await;
    // Thirty members behind one carrier address each mistype their password once.
    for n in 0..30 {
        let phone = format!("1370000{n:04}");
        assert_eq!(
            login_status(&app, &phone, "wrong-pass-1").await,
            Err("WrongCredentials".into())
        );
    }
    assert_eq!(login_status(&app, MEMBER_1, PASSWORD).await, Ok(()));
    // One phone, five wrong tries: that phone waits, the others do not.
    for _ in 0..5 {
        assert_eq!(
            login_status(&app, "13800000007", "wrong-pass-1").await,
            Err("WrongCredentials".into())
        );
    }
    assert_eq!(
        login_status(&app, "13800000007", PASSWORD).await,
        Err("RateLimited".into())
    );
    assert_eq!(login_status(&app, "13800000008", PASSWORD).await, Ok(()));
    // A successful login counts for nothing.
    for _ in 0..6 {
        assert_eq!(login_status(&app, MEMBER_1, PASSWORD).await, Ok(()));
    }
}

#[tokio::test]
async fn registration_counts_only_numbers_that_exist_per_client_behind_a_trusted_proxy() {
    let app = app_with(|s| s.trusted_proxy_header = Some("x-forwarded-for".into())).await;
    let community: String = app::db::query_scalar("SELECT id FROM communities LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let register = |client: &'static str, phone: String| {
        let mut request = form_request(
            "register",
            None,
            &[
                ("phone", &phone),
                ("name", "新居民"),
                ("password", "zhibu2024x"),
                ("community_id", &community),
            ],
        );
        request.headers_mut().insert(
            "x-forwarded-for",
            http::HeaderValue::from_str(&format!("203.0.113.9, {client}")).unwrap(),
        );
        let app = &app;
        async move { app.request(request).await }
    };
    // Successful registrations from one venue are not failures.
    for n in 0..3 {
        let reply = register("10.0.0.1", format!("1360000{n:04}")).await;
        assert!(reply.status.is_success(), "{}", reply.body);
    }
    // Asking whether numbers exist is: thirty times, then this client waits.
    for _ in 0..30 {
        assert_eq!(
            register("10.0.0.1", RESIDENT.into()).await.error(),
            "PhoneTaken"
        );
    }
    assert_eq!(
        register("10.0.0.1", RESIDENT.into()).await.error(),
        "RateLimited"
    );
    // Another client of the same proxy is another address.
    assert_eq!(
        register("10.0.0.2", RESIDENT.into()).await.error(),
        "PhoneTaken"
    );
}

#[tokio::test]
async fn without_a_configured_proxy_the_forwarded_header_is_ignored() {
    let app = app().await;
    let community: String = app::db::query_scalar("SELECT id FROM communities LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for n in 0..31 {
        let mut request = form_request(
            "register",
            None,
            &[
                ("phone", RESIDENT),
                ("name", "新居民"),
                ("password", "zhibu2024x"),
                ("community_id", &community),
            ],
        );
        // A client making up a new address each time.
        request.headers_mut().insert(
            "x-forwarded-for",
            http::HeaderValue::from_str(&format!("10.9.0.{n}")).unwrap(),
        );
        let reply = app.request(request).await;
        let expected = if n < 30 { "PhoneTaken" } else { "RateLimited" };
        assert_eq!(reply.error(), expected, "attempt {n}");
    }
}

#[tokio::test]
async fn two_hundred_simultaneous_wrong_logins_for_one_phone_check_at_most_the_limit() {
    let app = app().await;
    let mut crowd = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let router = app.router.clone();
        let request = form_request(
            "login",
            None,
            &[("phone", MEMBER_1), ("password", "wrong-pass-1")],
        );
        crowd.spawn(async move {
            let response = router.oneshot(request).await.unwrap();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
                .await
                .unwrap();
            String::from_utf8_lossy(&bytes).into_owned()
        });
    }
    let mut checked = 0;
    let mut limited = 0;
    while let Some(body) = crowd.join_next().await {
        let body = body.unwrap();
        if body.contains("WrongCredentials") {
            checked += 1;
        } else if body.contains("RateLimited") {
            limited += 1;
        } else {
            panic!("unexpected answer {body}");
        }
    }
    assert_eq!(checked, 5, "each checked try was counted before the check");
    assert_eq!(limited, 195);
    assert_eq!(
        login_status(&app, MEMBER_1, PASSWORD).await,
        Err("RateLimited".into())
    );
}

/// Members log in on a 主题党日 while others check in: a try is counted in the turn of
/// that phone's tries alone (above: still at most the limit at once), so on PostgreSQL
/// an open check-in holds no login up. (SQLite has one writer at a time.)
#[tokio::test]
async fn a_login_waits_for_no_branchs_check_in() {
    if !on_postgres() {
        return;
    }
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let check_in = app.pool.begin_keyed(&branch).await.unwrap();
    let login = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        login_status(&app, MEMBER_1, PASSWORD),
    )
    .await;
    check_in.commit().await.unwrap();
    assert_eq!(
        login.expect("a login does not wait for a branch's open check-in"),
        Ok(())
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_unless_the_site_is_on_loopback() {
    let app = app().await;
    let set_cookie = |host: &'static str| {
        let router = app.router.clone();
        async move {
            let request = form_request_to(
                host,
                "login",
                None,
                &[("phone", MEMBER_1), ("password", PASSWORD)],
            );
            let response = router.oneshot(request).await.unwrap();
            assert!(response.status().is_success());
            response
                .headers()
                .get(header::SET_COOKIE)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        }
    };
    assert!(set_cookie("zhibu.example.org").await.contains("; Secure"));
    assert!(set_cookie("192.168.1.20:3000").await.contains("; Secure"));
    assert!(!set_cookie("127.0.0.1:3000").await.contains("Secure"));
    assert!(!set_cookie("localhost:3000").await.contains("Secure"));
}

#[tokio::test]
async fn pages_cannot_be_framed_and_scripts_come_from_the_site() {
    let app = app().await;
    let page = app.router.clone().oneshot(
        http::Request::get("/login")
            .header(header::HOST, "127.0.0.1:3000")
            .body(axum::body::Body::empty())
            .unwrap(),
    );
    let response = page.await.unwrap();
    let csp = response
        .headers()
        .get("content-security-policy")
        .expect("a content security policy")
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(
        response.headers().get(header::X_FRAME_OPTIONS).unwrap(),
        "DENY"
    );
}

#[tokio::test]
async fn an_unknown_op_is_answered_and_not_kept() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let op_id = new_id();
    let outcome = app
        .sync_one(&member, &op_id, "meeting.teleport", json!({}), 0)
        .await;
    assert_eq!(outcome, json!({ "Rejected": "UnknownOp" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM applied_ops").await, 0);
}

#[tokio::test]
async fn the_points_export_keeps_deductions_as_numbers() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    held_meeting(&app, &secretary, now - 7200, now - 3600).await;
    app::points::service::award_ended_meetings(&app.pool)
        .await
        .unwrap();
    let branch = app.branch_id("第一").await;
    let csv = app
        .get(&format!("/branch/{branch}/points.csv"), Some(&secretary))
        .await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let deduction = csv
        .body
        .lines()
        .find(|l| l.contains("无故缺席"))
        .expect("an absence line");
    assert!(deduction.contains(",-3,"), "{deduction}");
    assert!(!deduction.contains("'-3"), "{deduction}");
}

#[tokio::test]
async fn the_board_lists_only_members_with_points_and_a_refused_claim_shows_its_note() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let home = app.call("points_home", Some(&member), &[]).await.json();
    assert_eq!(
        home["board"]["top"],
        json!([]),
        "nobody has points yet: no board of zeros"
    );
    let rule = volunteering_rule(&app, &member).await;
    let mut claims = Vec::new();
    for note in ["周六清扫楼道", "周日陪护老人", "周一发放传单"] {
        let id = new_id();
        let outcome = app
            .sync_one(
                &member,
                &new_id(),
                "points.claim",
                json!({ "id": id, "rule_id": rule, "note": note, "photos": [] }),
                now(),
            )
            .await;
        assert!(outcome.get("Applied").is_some(), "{outcome}");
        claims.push(id);
    }
    let refused = app
        .call(
            "reject_points",
            Some(&secretary),
            &[
                ("key", &format!("claim:{}", claims[1])),
                ("reason", "没有活动记录"),
            ],
        )
        .await;
    assert!(refused.status.is_success(), "{}", refused.body);
    let home = app.call("points_home", Some(&member), &[]).await.json();
    let requests = home["requests"].as_array().unwrap();
    let rejected: Vec<&Value> = requests
        .iter()
        .filter(|r| r["status"] == "rejected")
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["note"], "周日陪护老人");
    assert_eq!(rejected[0]["reason"], "没有活动记录");
}

fn now() -> i64 {
    app::state::now()
}

#[tokio::test]
async fn a_meeting_already_over_is_recorded_only_with_a_reason_and_says_so() {
    use app::shell::time::format_local_datetime;
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    let last_month = now() - 40 * 86_400;
    let schedule = |reason: &'static str| {
        let (starts, ends) = (
            format_local_datetime(last_month),
            format_local_datetime(last_month + 3600),
        );
        let fields = vec![
            ("org_id", branch.clone()),
            ("kind", "committee".to_string()),
            ("title", "支委会".to_string()),
            ("agenda", String::new()),
            ("place", String::new()),
            ("starts_at", starts),
            ("ends_at", ends),
            ("past_reason", reason.to_string()),
        ];
        let app = &app;
        let cookie = secretary.clone();
        async move { app.call_owned("schedule_meeting", &cookie, &fields).await }
    };
    assert_eq!(schedule("").await.error(), "MeetingInPast");
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);
    let recorded = schedule("当月会议记录本补录进系统").await;
    assert!(recorded.status.is_success(), "{}", recorded.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'record_past_meeting'")
            .await,
        1
    );
    let (year, month) = app::shell::time::shanghai_year_month(last_month);
    let calendar = app
        .call(
            "branch_compliance",
            Some(&secretary),
            &[("branch_id", &branch), ("year", &year.to_string())],
        )
        .await
        .json();
    let cell = calendar["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Committee" && c["period"] == month)
        .unwrap()
        .clone();
    assert_eq!(
        (cell["held"].as_i64(), cell["recorded_later"].as_i64()),
        (Some(1), Some(1))
    );
    let csv = app
        .get(
            &format!("/branch/{branch}/meetings.csv?year={year}"),
            Some(&secretary),
        )
        .await;
    assert!(
        csv.body.contains("补记：当月会议记录本补录进系统"),
        "{}",
        csv.body
    );

    // It takes no check-ins (no code was ever shown), and docks nobody for absence.
    let meeting: String = recorded.json().as_str().unwrap().to_string();
    let key = app
        .call(
            "meeting_code_key",
            Some(&secretary),
            &[("meeting_id", &meeting)],
        )
        .await;
    assert_eq!(key.error(), "MeetingRecordedLater");
    let member = app.login(MEMBER_1, PASSWORD).await;
    let outcome = app
        .sync_one(
            &member,
            &new_id(),
            "meeting.checkin",
            json!({ "meeting_id": meeting, "slot": last_month / 30, "code": "123456" }),
            last_month,
        )
        .await;
    assert_eq!(outcome, json!({ "Rejected": "MeetingRecordedLater" }));
    app::points::service::award_ended_meetings(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM point_entries WHERE source_id = '{meeting}'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn text_typed_by_secretaries_has_limits() {
    use app::shell::time::format_local_datetime;
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    let place = "会".repeat(101);
    let reply = app
        .call(
            "schedule_meeting",
            Some(&secretary),
            &[
                ("org_id", &branch),
                ("kind", "theme_day"),
                ("title", "主题党日"),
                ("agenda", ""),
                ("place", &place),
                ("starts_at", &format_local_datetime(now() + 86_400)),
                ("ends_at", &format_local_datetime(now() + 90_000)),
            ],
        )
        .await;
    assert_eq!(reply.error(), "PlaceTooLong");
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let ahead = held_meeting(&app, &secretary, now() + 7200, now() + 10_800).await;
    app.sync_one(
        &member,
        &new_id(),
        "meeting.leave",
        json!({ "meeting_id": ahead, "kind": "Sick", "reason": "发烧" }),
        now(),
    )
    .await;
    let note = "好".repeat(201);
    let approve = app
        .call(
            "decide_leave",
            Some(&secretary),
            &[
                ("meeting_id", &ahead),
                ("user_id", &member_id),
                ("decision", "approve"),
                ("note", &note),
            ],
        )
        .await;
    assert_eq!(approve.error(), "ReasonRequired");
}

#[tokio::test]
async fn a_secretary_appointed_from_outside_the_branch_can_be_removed() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    // A secretary of the second branch is made secretary of the first too (no member's place).
    let outsider_id = app.user_id(SECRETARY_2).await;
    app::db::query(
        "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'secretary', 0)",
    )
    .bind(&outsider_id)
    .bind(&branch)
    .execute(&app.pool)
    .await
    .unwrap();
    let members = app
        .call("branch_members", Some(&admin), &[("branch_id", &branch)])
        .await
        .json();
    assert!(
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["user_id"] == outsider_id.as_str()),
        "listed, so it can be removed"
    );
    let removed = app
        .call(
            "remove_member",
            Some(&admin),
            &[("branch_id", &branch), ("user_id", &outsider_id)],
        )
        .await;
    assert!(removed.status.is_success(), "{}", removed.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM memberships WHERE user_id = '{outsider_id}' AND org_id = '{branch}'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_photo_claiming_more_than_24_megapixels_is_refused_before_decoding() {
    use base64::Engine;
    // A 6000×5000 PNG: 30 MP, a few kilobytes of file.
    let image = image::GrayImage::new(6000, 5000);
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert!(png.len() < 200_000, "{}", png.len());
    assert_eq!(
        app::uploads::photos::reencode(&png).err(),
        Some(app::error::AppError::PhotoInvalid)
    );
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let meeting = held_meeting(&app, &secretary, now() - 600, now() + 3600).await;
    let data = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&png)
    );
    let outcome = app
        .sync_one(
            &secretary,
            &new_id(),
            "meeting.photo",
            json!({ "id": new_id(), "meeting_id": meeting, "kind": "photo", "data": data }),
            now(),
        )
        .await;
    assert_eq!(outcome, json!({ "Rejected": "PhotoInvalid" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM meeting_files").await, 0);
}

#[tokio::test]
async fn a_refused_read_of_a_meeting_writes_nothing() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let stranger = app.login(SECRETARY_2, PASSWORD).await;
    let started = held_meeting(&app, &secretary, now() - 600, now() + 3600).await;
    let read = app
        .call(
            "meeting_detail",
            Some(&stranger),
            &[("meeting_id", &started)],
        )
        .await;
    assert_eq!(read.error(), "Forbidden");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM meetings WHERE frozen_at IS NOT NULL")
            .await,
        0,
        "应到 is frozen by those who may see it, not by a stranger's refused read"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM meeting_expected").await, 0);
}

#[tokio::test]
async fn a_refused_op_leaves_no_photo_on_disk() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let rule = volunteering_rule(&app, &member).await;
    // Two good photos, then one that is not: the claim is refused, and with it every file.
    let outcome = app
        .sync_one(
            &member,
            &new_id(),
            "points.claim",
            json!({ "id": new_id(), "rule_id": rule, "note": "清扫楼道",
                    "photos": [jpeg_data_url(1), jpeg_data_url(2), "data:image/png;base64,AAAA"] }),
            now(),
        )
        .await;
    assert_eq!(outcome, json!({ "Rejected": "PhotoInvalid" }));
    let files = app.photos.ids().await.unwrap().len();
    assert_eq!(files, 0, "nothing of a refused op is stored");
    assert_eq!(app.count("SELECT COUNT(*) FROM uploads").await, 0);
}

#[tokio::test]
async fn one_request_decodes_sixteen_photos_at_most_the_rest_come_again() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let rule = volunteering_rule(&app, &member).await;
    let ops: Vec<Value> = (0..17u8)
        .map(|n| {
            json!({
                "op_id": new_id(), "kind": "points.claim", "created_at": now(),
                "payload": { "id": new_id(), "rule_id": rule, "note": format!("第{n}次"), "photos": [jpeg_data_url(n)] },
            })
        })
        .collect();
    let replies = app.sync(&member, &ops).await.json();
    let replies = replies.as_array().unwrap();
    assert_eq!(replies.len(), 17);
    assert!(replies[..16]
        .iter()
        .all(|r| r["outcome"].get("Applied").is_some()));
    assert_eq!(replies[16]["outcome"], json!({ "Retry": "RateLimited" }));
    // Sent again, it goes.
    let again = app.sync(&member, &ops[16..]).await.json();
    assert!(again[0]["outcome"].get("Applied").is_some(), "{again}");
}

/// The branch's claimed rule for volunteering (its catalogue is made on the member's first
/// visit to the points tab).
async fn volunteering_rule(app: &TestApp, member: &str) -> String {
    app.call("points_home", Some(member), &[]).await;
    app::db::query_scalar(
        "SELECT id FROM point_rules WHERE auto_source IS NULL AND name LIKE '%志愿服务%' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}
