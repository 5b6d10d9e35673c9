mod support;
use support::*;

#[tokio::test]
async fn resident_registers_logs_out_and_back_in() {
    let app = app().await;
    let community: String =
        app::db::query_scalar("SELECT id FROM communities WHERE name = '幸福里社区'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let reply = app
        .call(
            "register",
            None,
            &[
                ("phone", "139 1234 5678"),
                ("name", "新居民"),
                ("password", "safe2024pw"),
                ("community_id", &community),
            ],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let cookie = reply.cookie.expect("registration logs the resident in");

    let me = app.call("current_user", Some(&cookie), &[]).await.json();
    assert_eq!(me["phone"], "13912345678");
    assert_eq!(me["community"]["name"], "幸福里社区");
    assert_eq!(me["party_status"], serde_json::Value::Null);
    assert_eq!(me["roles"].as_array().unwrap().len(), 0);

    let out = app.call("logout", Some(&cookie), &[]).await;
    assert!(out.status.is_success());
    assert_eq!(
        app.call("current_user", Some(&cookie), &[]).await.json(),
        serde_json::Value::Null
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE phone = '13912345678')").await, 0);

    let again = app.login("13912345678", "safe2024pw").await;
    assert_eq!(
        app.call("current_user", Some(&again), &[]).await.json()["name"],
        "新居民"
    );
}

#[tokio::test]
async fn bad_registrations_change_nothing() {
    let app = app().await;
    let community: String = app::db::query_scalar("SELECT id FROM communities LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let before = app.count("SELECT COUNT(*) FROM users").await;
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("", "甲", "safe2024pw", &community, "PhoneRequired"),
        ("1234", "甲", "safe2024pw", &community, "PhoneInvalid"),
        ("13912340000", "", "safe2024pw", &community, "NameRequired"),
        (
            "13912340000",
            "甲",
            "short1",
            &community,
            "PasswordTooShort",
        ),
        (
            "13912340000",
            "甲",
            "onlyletters",
            &community,
            "PasswordWeak",
        ),
        ("13912340000", "甲", "safe2024pw", "", "CommunityRequired"),
        (
            "13912340000",
            "甲",
            "safe2024pw",
            "no-such-community",
            "CommunityRequired",
        ),
        (RESIDENT, "甲", "safe2024pw", &community, "PhoneTaken"),
    ];
    for (phone, name, password, community_id, expected) in cases {
        let reply = app
            .call(
                "register",
                None,
                &[
                    ("phone", phone),
                    ("name", name),
                    ("password", password),
                    ("community_id", community_id),
                ],
            )
            .await;
        assert_eq!(reply.error(), *expected, "phone={phone} name={name}");
        assert!(reply.cookie.is_none());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before);
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited_per_phone() {
    let app = app().await;
    for _ in 0..5 {
        let reply = app
            .call(
                "login",
                None,
                &[("phone", MEMBER_1), ("password", "wrong-pass1")],
            )
            .await;
        assert_eq!(reply.error(), "WrongCredentials");
    }
    let blocked = app
        .call(
            "login",
            None,
            &[("phone", MEMBER_1), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(blocked.error(), "RateLimited");
    assert_eq!(blocked.status, http::StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.cookie.is_none());
    // Another phone from the same place is still let in.
    app.login(SECRETARY_1, PASSWORD).await;
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = app().await;
    let phone_a = app.login(MEMBER_1, PASSWORD).await;
    let laptop = app.login(MEMBER_1, PASSWORD).await;

    let wrong = app
        .call(
            "change_password",
            Some(&phone_a),
            &[
                ("old_password", "nope1234"),
                ("new_password", "newpass2025"),
            ],
        )
        .await;
    assert_eq!(wrong.error(), "WrongPassword");
    let weak = app
        .call(
            "change_password",
            Some(&phone_a),
            &[("old_password", PASSWORD), ("new_password", "short")],
        )
        .await;
    assert_eq!(weak.error(), "PasswordTooShort");

    let ok = app
        .call(
            "change_password",
            Some(&phone_a),
            &[("old_password", PASSWORD), ("new_password", "newpass2025")],
        )
        .await;
    assert!(ok.status.is_success(), "{}", ok.body);
    let fresh = ok
        .cookie
        .expect("the device that changed it stays logged in");
    assert_eq!(
        app.call("current_user", Some(&laptop), &[]).await.json(),
        serde_json::Value::Null
    );
    assert_eq!(
        app.call("current_user", Some(&fresh), &[]).await.json()["phone"],
        MEMBER_1
    );
    let old = app
        .call(
            "login",
            None,
            &[("phone", MEMBER_1), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.error(), "WrongCredentials");
    app.login(MEMBER_1, "newpass2025").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'change_password'")
            .await,
        1
    );
}

#[tokio::test]
async fn session_cookie_is_http_only_and_lax() {
    let app = app().await;
    let request = http::Request::post("/api/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(axum::body::Body::from(format!(
            "phone={MEMBER_1}&password={PASSWORD}"
        )))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("zhibu_session=");
    assert_eq!(token.len(), 64, "256 random bits, hex");
    let stored: String = app::db::query_scalar("SELECT token_hash FROM sessions LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored, token, "the database keeps only a hash of the token");
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_health_answers() {
    let app = app().await;
    let request = http::Request::post("/api/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://evil.example")
        .body(axum::body::Body::from(format!(
            "phone={MEMBER_1}&password={PASSWORD}"
        )))
        .unwrap();
    let reply = app.request(request).await;
    assert_eq!(reply.status, http::StatusCode::FORBIDDEN);
    assert!(reply.cookie.is_none());

    let health = app
        .request(
            http::Request::get("/healthz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(health.status, http::StatusCode::OK);
}

#[tokio::test]
async fn backup_is_a_consistent_readable_copy() {
    let app = app().await;
    let target = app.dir.join("backup.db");
    if on_postgres() {
        assert!(
            server::backup(&app.pool, &target).await.is_err(),
            "PostgreSQL is backed up with pg_dump, not copied as a file"
        );
        return;
    }
    server::backup(&app.pool, &target).await.unwrap();
    let copy = app::db::Pool::open(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    let users: i64 = app::db::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&copy)
        .await
        .unwrap();
    assert_eq!(users, app.count("SELECT COUNT(*) FROM users").await);
    assert!(
        server::backup(&app.pool, &target).await.is_err(),
        "never overwrites"
    );
}
