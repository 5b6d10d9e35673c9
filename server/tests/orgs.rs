mod support;
use support::*;

#[tokio::test]
async fn secretary_invites_and_a_new_member_joins() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;

    let invite = app
        .call(
            "create_invite",
            Some(&secretary),
            &[("branch_id", &branch), ("valid_days", "7")],
        )
        .await;
    assert!(invite.status.is_success(), "{}", invite.body);
    let code = invite.json()["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);

    let info = app
        .call("fetch_invite", None, &[("code", &code.to_lowercase())])
        .await
        .json();
    assert_eq!(info["branch"]["id"], branch.as_str());

    let before = app
        .count(&format!(
            "SELECT COUNT(*) FROM memberships WHERE org_id = '{branch}' AND role = 'member'"
        ))
        .await;
    let joined = app
        .call(
            "register_member",
            None,
            &[
                ("code", &code),
                ("phone", "13711112222"),
                ("name", "新党员"),
                ("password", "join2024ok"),
            ],
        )
        .await;
    assert!(joined.status.is_success(), "{}", joined.body);
    let cookie = joined.cookie.expect("logged in after joining");
    let me = app.call("current_user", Some(&cookie), &[]).await.json();
    assert_eq!(me["party_status"], "Full");
    assert!(me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["org_id"] == branch.as_str() && r["role"] == "Member"));

    let members = app
        .call(
            "branch_members",
            Some(&secretary),
            &[("branch_id", &branch)],
        )
        .await
        .json();
    assert_eq!(
        members["members"].as_array().unwrap().len() as i64,
        before + 1
    );
    assert!(members["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "新党员"));
    assert_eq!(
        app.count(&format!("SELECT uses FROM invites WHERE code = '{code}'"))
            .await,
        1
    );

    let twice = app
        .call("join_branch", Some(&cookie), &[("code", &code)])
        .await;
    assert_eq!(twice.error(), "AlreadyMember");
}

#[tokio::test]
async fn expired_and_revoked_invites_let_nobody_in() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let make = || async {
        app.call(
            "create_invite",
            Some(&secretary),
            &[("branch_id", &branch), ("valid_days", "1")],
        )
        .await
        .json()
    };
    let expired = make().await;
    app::db::query("UPDATE invites SET expires_at = expires_at - 86400 WHERE id = ?")
        .bind(expired["id"].as_str().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let revoked = make().await;
    let revoke = app
        .call(
            "revoke_invite",
            Some(&secretary),
            &[("invite_id", revoked["id"].as_str().unwrap())],
        )
        .await;
    assert!(revoke.status.is_success(), "{}", revoke.body);

    let users = app.count("SELECT COUNT(*) FROM users").await;
    for (invite, expected) in [(&expired, "InviteExpired"), (&revoked, "InviteRevoked")] {
        let code = invite["code"].as_str().unwrap();
        assert_eq!(
            app.call("fetch_invite", None, &[("code", code)])
                .await
                .error(),
            expected
        );
        let reply = app
            .call(
                "register_member",
                None,
                &[
                    ("code", code),
                    ("phone", "13722223333"),
                    ("name", "迟到者"),
                    ("password", "late2024ok"),
                ],
            )
            .await;
        assert_eq!(reply.error(), expected);
    }
    let bogus = app
        .call("fetch_invite", None, &[("code", "ZZZZZZZZ")])
        .await;
    assert_eq!(bogus.error(), "InviteNotFound");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);

    let bad_days = app
        .call(
            "create_invite",
            Some(&secretary),
            &[("branch_id", &branch), ("valid_days", "90")],
        )
        .await;
    assert_eq!(bad_days.error(), "ValidDays");
}

#[tokio::test]
async fn members_and_other_branches_are_refused() {
    let app = app().await;
    let branch1 = app.branch_id("第一").await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other_secretary = app.login(SECRETARY_2, PASSWORD).await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let target = app.user_id("13800000007").await;
    let invites_before = app.count("SELECT COUNT(*) FROM invites").await;
    let audit_before = app.count("SELECT COUNT(*) FROM audit_log").await;

    for cookie in [&member, &other_secretary, &resident] {
        for (endpoint, fields) in [
            ("branch_members", vec![("branch_id", branch1.as_str())]),
            ("list_invites", vec![("branch_id", branch1.as_str())]),
            (
                "create_invite",
                vec![("branch_id", branch1.as_str()), ("valid_days", "7")],
            ),
            (
                "remove_member",
                vec![
                    ("branch_id", branch1.as_str()),
                    ("user_id", target.as_str()),
                ],
            ),
            (
                "set_party_status",
                vec![
                    ("branch_id", branch1.as_str()),
                    ("user_id", target.as_str()),
                    ("status", "probationary"),
                ],
            ),
            (
                "set_member_group",
                vec![
                    ("branch_id", branch1.as_str()),
                    ("user_id", target.as_str()),
                    ("group_id", ""),
                ],
            ),
            (
                "appoint_secretary",
                vec![("branch_id", branch1.as_str()), ("phone", MEMBER_1)],
            ),
            (
                "create_org",
                vec![
                    ("parent_id", branch1.as_str()),
                    ("kind", "group"),
                    ("name", "偷建小组"),
                ],
            ),
            ("admin_overview", vec![]),
        ] {
            let reply = app.call(endpoint, Some(cookie), &fields).await;
            assert_eq!(reply.error(), "Forbidden", "{endpoint}");
            assert_eq!(reply.status, http::StatusCode::FORBIDDEN, "{endpoint}");
        }
    }
    let anonymous = app
        .call("branch_members", None, &[("branch_id", &branch1)])
        .await;
    assert_eq!(anonymous.error(), "NotLoggedIn");
    assert_eq!(anonymous.status, http::StatusCode::UNAUTHORIZED);

    assert_eq!(
        app.count("SELECT COUNT(*) FROM invites").await,
        invites_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM memberships WHERE user_id = '{target}' AND org_id = '{branch1}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn secretary_manages_groups_and_status_with_an_audit_trail() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let target = app.user_id("13800000007").await;

    let group = app
        .call(
            "create_org",
            Some(&secretary),
            &[
                ("parent_id", &branch),
                ("kind", "group"),
                ("name", "青年党小组"),
            ],
        )
        .await;
    assert!(group.status.is_success(), "{}", group.body);
    let group_id = group.json().as_str().unwrap().to_string();
    let moved = app
        .call(
            "set_member_group",
            Some(&secretary),
            &[
                ("branch_id", &branch),
                ("user_id", &target),
                ("group_id", &group_id),
            ],
        )
        .await;
    assert!(moved.status.is_success(), "{}", moved.body);
    let list = app
        .call(
            "branch_members",
            Some(&secretary),
            &[("branch_id", &branch)],
        )
        .await
        .json();
    let row = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == target.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["group"]["name"], "青年党小组");

    let other_branch_group: String =
        app::db::query_scalar("SELECT id FROM orgs WHERE name = '第三党小组'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let wrong = app
        .call(
            "set_member_group",
            Some(&secretary),
            &[
                ("branch_id", &branch),
                ("user_id", &target),
                ("group_id", &other_branch_group),
            ],
        )
        .await;
    assert_eq!(wrong.error(), "GroupNotInBranch");

    let status = app
        .call(
            "set_party_status",
            Some(&secretary),
            &[
                ("branch_id", &branch),
                ("user_id", &target),
                ("status", "probationary"),
            ],
        )
        .await;
    assert!(status.status.is_success());
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = '{target}' AND party_status = 'probationary'"
        ))
        .await,
        1
    );
    let nested = app
        .call(
            "create_org",
            Some(&secretary),
            &[
                ("parent_id", &branch),
                ("kind", "branch"),
                ("name", "支部里的支部"),
            ],
        )
        .await;
    assert_eq!(nested.error(), "Forbidden");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('create_org', 'set_member_group', 'set_party_status')").await,
        3
    );
    let tamper = app::db::query("DELETE FROM audit_log")
        .execute(&app.pool)
        .await;
    assert!(tamper.is_err(), "the audit log is append-only");
    if on_postgres() {
        let emptied = app::db::query("TRUNCATE audit_log")
            .execute(&app.pool)
            .await;
        assert!(emptied.is_err(), "nor may it be emptied at once");
    }
    assert!(app.count("SELECT COUNT(*) FROM audit_log").await >= 3);
}

#[tokio::test]
async fn admin_keeps_the_tree_and_appoints_secretaries() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let committee: String = app::db::query_scalar("SELECT id FROM orgs WHERE kind = 'committee'")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let bad = app
        .call(
            "create_org",
            Some(&admin),
            &[
                ("parent_id", &committee),
                ("kind", "group"),
                ("name", "小组"),
            ],
        )
        .await;
    assert_eq!(bad.error(), "OrgKind");
    let created = app
        .call(
            "create_org",
            Some(&admin),
            &[
                ("parent_id", &committee),
                ("kind", "branch"),
                ("name", "新成立党支部"),
            ],
        )
        .await;
    assert!(created.status.is_success(), "{}", created.body);
    let branch = created.json().as_str().unwrap().to_string();

    let unknown = app
        .call(
            "appoint_secretary",
            Some(&admin),
            &[("branch_id", &branch), ("phone", "13699998888")],
        )
        .await;
    assert_eq!(unknown.error(), "UserNotFound");
    let appoint = app
        .call(
            "appoint_secretary",
            Some(&admin),
            &[("branch_id", &branch), ("phone", MEMBER_1)],
        )
        .await;
    assert!(appoint.status.is_success(), "{}", appoint.body);

    let new_secretary = app.login(MEMBER_1, PASSWORD).await;
    let invite = app
        .call(
            "create_invite",
            Some(&new_secretary),
            &[("branch_id", &branch), ("valid_days", "3")],
        )
        .await;
    assert!(invite.status.is_success(), "{}", invite.body);

    let overview = app.call("admin_overview", Some(&admin), &[]).await.json();
    let node = overview["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == branch.as_str())
        .unwrap()
        .clone();
    assert_eq!(node["secretaries"].as_array().unwrap().len(), 1);
    assert_eq!(overview["communities"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn party_members_report_to_one_community_at_a_time() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let community = |name: &str| {
        let sql = format!("SELECT id FROM communities WHERE name = '{name}'");
        let pool = app.pool.clone();
        async move {
            app::db::query_scalar::<String>(&sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let xingfu = community("幸福里社区").await;
    let heping = community("和平路社区").await;
    // 和平路 is paired with the second branch only: the first branch's member may not
    // report there (reporting opens its residents' wishes and, pledged, their contacts).
    let unpaired = app
        .call(
            "report_to_community",
            Some(&member),
            &[("community_id", &heping)],
        )
        .await;
    assert_eq!(unpaired.error(), "NotPaired");
    let offered = app
        .call("report_communities", Some(&member), &[])
        .await
        .json();
    assert_eq!(
        offered,
        serde_json::json!([{ "id": xingfu, "name": "幸福里社区" }])
    );
    let branch = app.branch_id("第一").await;
    app::db::query(
        "INSERT INTO branch_communities (branch_id, community_id, created_at) VALUES (?, ?, 0)",
    )
    .bind(&branch)
    .bind(&heping)
    .execute(&app.pool)
    .await
    .unwrap();
    let reported = app
        .call(
            "report_to_community",
            Some(&member),
            &[("community_id", &heping)],
        )
        .await;
    assert_eq!(reported.json()["name"], "和平路社区");
    let changed = app
        .call(
            "report_to_community",
            Some(&member),
            &[("community_id", &xingfu)],
        )
        .await;
    assert_eq!(changed.json()["name"], "幸福里社区");
    let member_id = app.user_id(MEMBER_1).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = '{member_id}' AND community_id = '{xingfu}'"
        ))
        .await,
        1,
        "one community at a time: the last report counts"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'report_to_community'")
            .await,
        2
    );
    assert_eq!(
        app.call(
            "report_to_community",
            Some(&member),
            &[("community_id", "nowhere")]
        )
        .await
        .error(),
        "NotFound"
    );
    assert_eq!(
        app.call(
            "report_to_community",
            Some(&resident),
            &[("community_id", &heping)]
        )
        .await
        .error(),
        "NotInBranch",
        "residents live in their community; reporting is for party members"
    );
    let me = app.call("current_user", Some(&member), &[]).await.json();
    assert_eq!(me["community"]["name"], "幸福里社区");
}
