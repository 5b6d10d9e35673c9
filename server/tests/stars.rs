//! 星级支部: the 党委 keeps a template, a branch's committee assesses itself, a 党委 above
//! rates it; the stars are the server's arithmetic, nobody rates their own branch, and only
//! the 党委 and the branch's committee see them.

mod support;
use support::*;

fn this_year() -> String {
    app::shell::time::shanghai_year_month(app::state::now())
        .0
        .to_string()
}

/// The demo 党工委's template: its id and how many feature items it has.
async fn template(app: &TestApp, admin: &str) -> (String, usize) {
    let reply = app.call("star_templates", Some(admin), &[]).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let json = reply.json();
    let t = &json[1][0];
    (
        t["id"].as_str().unwrap().to_string(),
        t["template"]["features"].as_array().unwrap().len(),
    )
}

/// Marks for every item: `basics` pass (1) or fail (0), each feature item `points`.
fn marks(basics: [u8; 5], features: &[i64], highlights: i64) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (i, b) in basics.iter().enumerate() {
        fields.push((format!("marks[b{i}]"), b.to_string()));
    }
    for (i, p) in features.iter().enumerate() {
        fields.push((format!("marks[f{i}]"), p.to_string()));
    }
    fields.push(("marks[h]".into(), highlights.to_string()));
    fields
}

async fn assess(
    app: &TestApp,
    cookie: &str,
    branch: &str,
    year: &str,
    kind: &str,
    template: &str,
    marks: &[(String, String)],
) -> Reply {
    let mut fields: Vec<(&str, &str)> = vec![
        ("branch_id", branch),
        ("year", year),
        ("kind", kind),
        ("template_id", template),
    ];
    fields.extend(marks.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    fields.push(("comment", "按年度考核"));
    app.call("save_star_assessment", Some(cookie), &fields)
        .await
}

async fn standing(app: &TestApp, admin: &str, branch: &str) -> serde_json::Value {
    let reply = app
        .call("star_standings", Some(admin), &[("year", &this_year())])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["branch"]["id"] == branch)
        .cloned()
        .expect("the branch is listed")
}

#[tokio::test]
async fn a_committee_rates_a_branch_and_the_stars_are_computed() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    let year = this_year();
    let (template, features) = template(&app, &admin).await;
    assert_eq!(features, 5, "the standard template's tasks");

    let before = standing(&app, &admin, &branch).await;
    assert!(before["rating"].is_null() && before["self_assessment"].is_null());

    let own = assess(
        &app,
        &secretary,
        &branch,
        &year,
        "self",
        &template,
        &marks([1; 5], &[25, 20, 25, 20, 10], 10),
    )
    .await;
    assert!(own.status.is_success(), "{}", own.body);

    // A basic item failed: four stars, however many points, and the item is named.
    let low = assess(
        &app,
        &admin,
        &branch,
        &year,
        "rating",
        &template,
        &marks([1, 1, 1, 0, 1], &[25, 20, 25, 20, 10], 10),
    )
    .await;
    assert!(low.status.is_success(), "{}", low.body);
    let s = standing(&app, &admin, &branch).await;
    assert_eq!(s["rating"]["stars"], 4);
    assert_eq!(s["rating"]["blocked_by"], "Activities");
    assert_eq!(s["self_assessment"]["stars"], 10);

    // Rated again: 5 basic stars and 60 points make 8, a 头雁.
    let high = assess(
        &app,
        &admin,
        &branch,
        &year,
        "rating",
        &template,
        &marks([1; 5], &[20, 10, 20, 10, 0], 0),
    )
    .await;
    assert!(high.status.is_success(), "{}", high.body);
    let s = standing(&app, &admin, &branch).await;
    assert_eq!(s["rating"]["stars"], 8);
    assert!(s["rating"]["blocked_by"].is_null());

    let page = app
        .call(
            "branch_stars",
            Some(&admin),
            &[("branch_id", &branch), ("year", &year)],
        )
        .await
        .json();
    let kinds: Vec<&str> = page["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["Rating", "Rating", "SelfAssessment"],
        "history kept, newest first"
    );
    assert_eq!(page["assessments"][0]["outcome"]["points"], 60);
    assert_eq!(page["can_rate"], true);
    assert_eq!(page["can_assess"], false);
    let mine = app
        .call(
            "branch_stars",
            Some(&secretary),
            &[("branch_id", &branch), ("year", &year)],
        )
        .await
        .json();
    assert_eq!(mine["can_rate"], false);
    assert_eq!(mine["can_assess"], true);
    assert_eq!(
        mine["assessments"][0]["outcome"]["stars"], 8,
        "the committee sees its rating"
    );

    let csv = app
        .get(&format!("/admin/stars.csv?year={year}"), Some(&admin))
        .await;
    assert!(csv.status.is_success(), "{}", csv.body);
    let line = csv
        .body
        .lines()
        .find(|l| l.starts_with("幸福里社区第一党支部"))
        .expect("the branch's line");
    assert!(line.contains(",8,坚强堡垒,头雁,"), "{line}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'star_rating'")
            .await,
        2
    );
}

#[tokio::test]
async fn nobody_rates_their_own_branch() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let (template, _) = template(&app, &admin).await;
    let first = app.branch_id("第一").await;
    let second = app.branch_id("第二").await;
    let year = this_year();
    let full = marks([1; 5], &[25, 20, 25, 20, 10], 10);

    for phone in [SECRETARY_1, MEMBER_1] {
        let cookie = app.login(phone, PASSWORD).await;
        let reply = assess(&app, &cookie, &first, &year, "rating", &template, &full).await;
        assert_eq!(reply.error(), "OwnBranch", "{phone}");
    }
    let other_secretary = app.login(SECRETARY_2, PASSWORD).await;
    let reply = assess(
        &app,
        &other_secretary,
        &first,
        &year,
        "rating",
        &template,
        &full,
    )
    .await;
    assert_eq!(reply.error(), "Forbidden", "a secretary is no 党委");
    let reply = assess(
        &app,
        &other_secretary,
        &first,
        &year,
        "self",
        &template,
        &full,
    )
    .await;
    assert_eq!(reply.error(), "Forbidden", "nor assesses another branch");
    let member = app.login(MEMBER_1, PASSWORD).await;
    let reply = assess(&app, &member, &first, &year, "self", &template, &full).await;
    assert_eq!(
        reply.error(),
        "Forbidden",
        "a member does not assess the branch"
    );

    // The 党委's admin who belongs to the first branch rates the second only.
    let admin_id = app.user_id(ADMIN).await;
    app::db::query(
        "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'member', 0)",
    )
    .bind(&admin_id)
    .bind(&first)
    .execute(&app.pool)
    .await
    .unwrap();
    let admin = app.login(ADMIN, PASSWORD).await;
    let reply = assess(&app, &admin, &first, &year, "rating", &template, &full).await;
    assert_eq!(reply.error(), "OwnBranch");
    let page = app
        .call(
            "branch_stars",
            Some(&admin),
            &[("branch_id", &first), ("year", &year)],
        )
        .await
        .json();
    assert_eq!(page["can_rate"], false);
    // Belonging to one of its 党小组 is belonging to the branch.
    app::db::query("DELETE FROM memberships WHERE user_id = ? AND org_id = ?")
        .bind(&admin_id)
        .bind(&first)
        .execute(&app.pool)
        .await
        .unwrap();
    app::db::query(
        "INSERT INTO memberships (user_id, org_id, role, created_at)
         SELECT ?, id, 'group_leader', 0 FROM orgs WHERE parent_id = ? AND kind = 'group' LIMIT 1",
    )
    .bind(&admin_id)
    .bind(&first)
    .execute(&app.pool)
    .await
    .unwrap();
    let reply = assess(&app, &admin, &first, &year, "rating", &template, &full).await;
    assert_eq!(reply.error(), "OwnBranch", "a group leader of the branch");
    let reply = assess(&app, &admin, &second, &year, "rating", &template, &full).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM star_assessments").await,
        1,
        "only the second branch's rating was kept"
    );
}

#[tokio::test]
async fn members_and_other_committees_see_nothing() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let (template, _) = template(&app, &admin).await;
    let branch = app.branch_id("第一").await;
    let year = this_year();
    let rated = assess(
        &app,
        &admin,
        &branch,
        &year,
        "rating",
        &template,
        &marks([1; 5], &[25, 20, 25, 20, 10], 10),
    )
    .await;
    assert!(rated.status.is_success(), "{}", rated.body);

    let member = app.login(MEMBER_1, PASSWORD).await;
    let leader = app.login(GROUP_LEADER, PASSWORD).await;
    for cookie in [&member, &leader] {
        let page = app
            .call(
                "branch_stars",
                Some(cookie),
                &[("branch_id", &branch), ("year", &year)],
            )
            .await;
        assert_eq!(page.error(), "Forbidden");
        let list = app
            .call("star_standings", Some(cookie), &[("year", &year)])
            .await;
        assert_eq!(list.error(), "Forbidden");
        let csv = app
            .get(&format!("/admin/stars.csv?year={year}"), Some(cookie))
            .await;
        assert_eq!(csv.status, 403);
    }

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
    let page = app
        .call(
            "branch_stars",
            Some(&other),
            &[("branch_id", &branch), ("year", &year)],
        )
        .await;
    assert_eq!(page.error(), "Forbidden");
    let list = app
        .call("star_standings", Some(&other), &[("year", &year)])
        .await;
    assert_eq!(
        list.json(),
        serde_json::json!([]),
        "no branch of another 党委"
    );
    let csv = app
        .get(&format!("/admin/stars.csv?year={year}"), Some(&other))
        .await;
    assert!(!csv.body.contains("幸福里"), "{}", csv.body);
    let reply = assess(
        &app,
        &other,
        &branch,
        &year,
        "rating",
        &template,
        &marks([1; 5], &[0; 5], 0),
    )
    .await;
    assert_eq!(reply.error(), "Forbidden");
    let templates = app.call("star_templates", Some(&other), &[]).await.json();
    assert_eq!(
        templates[1],
        serde_json::json!([]),
        "not the demo 党委's template"
    );

    // Another 党委's template does not apply to this branch, even chosen by its committee.
    let other_committee = templates[0][0]["id"].as_str().unwrap().to_string();
    let kept = app
        .call(
            "save_star_template",
            Some(&other),
            &[
                ("committee_id", &other_committee),
                ("field", "机关"),
                ("organisation", "组织"),
                ("team", "队伍"),
                ("system", "制度"),
                ("activities", "活动"),
                ("support", "保障"),
                ("features", "业务融合 100"),
            ],
        )
        .await;
    assert!(kept.status.is_success(), "{}", kept.body);
    let foreign = kept.json().as_str().unwrap().to_string();
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let reply = assess(
        &app,
        &secretary,
        &branch,
        &year,
        "self",
        &foreign,
        &marks([1; 5], &[100], 0),
    )
    .await;
    assert_eq!(reply.error(), "NoStarTemplate");
    let demo_committee: String =
        app::db::query_scalar("SELECT id FROM orgs WHERE kind = 'committee' AND name = ?")
            .bind(server::seed::DEMO_COMMITTEE)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let reply = app
        .call(
            "save_star_template",
            Some(&other),
            &[
                ("committee_id", &demo_committee),
                ("field", "社区"),
                ("organisation", "组织"),
                ("team", "队伍"),
                ("system", "制度"),
                ("activities", "活动"),
                ("support", "保障"),
                ("features", "任务 100"),
            ],
        )
        .await;
    assert_eq!(reply.error(), "Forbidden", "another 党委's template");
}

#[tokio::test]
async fn marks_years_and_templates_are_checked() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let (template, _) = template(&app, &admin).await;
    let branch = app.branch_id("第一").await;
    let year = this_year();
    let next_year = (year.parse::<i64>().unwrap() + 1).to_string();

    let cases = [
        (&year, marks([1; 5], &[26, 20, 25, 20, 10], 0), "StarMarks"),
        (&year, marks([1; 5], &[25, 20, 25, 20, 10], 11), "StarMarks"),
        (&year, marks([1, 1, 2, 1, 1], &[0; 5], 0), "StarMarks"),
        (&year, marks([1; 5], &[0; 4], 0), "StarMarks"),
        (&next_year, marks([1; 5], &[0; 5], 0), "StarYear"),
    ];
    for (y, m, error) in cases {
        let reply = assess(&app, &admin, &branch, y, "rating", &template, &m).await;
        assert_eq!(reply.error(), error, "{m:?}");
    }
    let reply = assess(
        &app,
        &admin,
        &branch,
        "1999",
        "rating",
        &template,
        &marks([1; 5], &[0; 5], 0),
    )
    .await;
    assert_eq!(reply.error(), "StarYear");
    let group: String = app::db::query_scalar("SELECT id FROM orgs WHERE kind = 'group' LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let reply = assess(
        &app,
        &admin,
        &group,
        &year,
        "rating",
        &template,
        &marks([1; 5], &[0; 5], 0),
    )
    .await;
    assert_eq!(reply.error(), "NotFound", "a group is not rated");
    assert_eq!(app.count("SELECT COUNT(*) FROM star_assessments").await, 0);

    // A template whose tasks do not add up to 100 is refused; a new version is kept beside
    // the old, and an assessment made on the old one still reads its items.
    let rated = assess(
        &app,
        &admin,
        &branch,
        &year,
        "rating",
        &template,
        &marks([1; 5], &[25, 20, 25, 20, 10], 0),
    )
    .await;
    assert!(rated.status.is_success(), "{}", rated.body);
    let committee: String =
        app::db::query_scalar("SELECT committee_id FROM star_templates WHERE id = ?")
            .bind(&template)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let save = |features: &'static str| {
        let app = &app;
        let admin = admin.clone();
        let committee = committee.clone();
        async move {
            app.call_owned(
                "save_star_template",
                &admin,
                &[
                    ("committee_id", committee),
                    ("field", "社区".into()),
                    ("organisation", "组织".into()),
                    ("team", "队伍".into()),
                    ("system", "制度".into()),
                    ("activities", "活动".into()),
                    ("support", "保障".into()),
                    ("features", features.into()),
                ],
            )
            .await
        }
    };
    assert_eq!(
        save("服务群众 60\n基层治理 30").await.error(),
        "StarTemplate"
    );
    let saved = save("服务群众 60\n基层治理 40").await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let (current, features) = self::template(&app, &admin).await;
    assert_ne!(current, template);
    assert_eq!(features, 2);
    let page = app
        .call(
            "branch_stars",
            Some(&admin),
            &[("branch_id", &branch), ("year", &year)],
        )
        .await
        .json();
    assert_eq!(
        page["templates"].as_array().unwrap().len(),
        1,
        "the current version only"
    );
    assert_eq!(
        page["assessments"][0]["template"]["template"]["features"]
            .as_array()
            .unwrap()
            .len(),
        5,
        "the rating keeps the items it was made on"
    );
    let stale = assess(
        &app,
        &admin,
        &branch,
        &year,
        "rating",
        &template,
        &marks([1; 5], &[25, 20, 25, 20, 10], 0),
    )
    .await;
    assert_eq!(
        stale.error(),
        "NoStarTemplate",
        "marked on a version no longer in force"
    );
    let rewrite = app::db::query("UPDATE star_assessments SET stars = 10")
        .execute(&app.pool)
        .await;
    assert!(rewrite.is_err(), "assessments are append-only");
}

#[tokio::test]
async fn the_records_back_the_items() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    let year = this_year();
    let derived = |page: &serde_json::Value| page["derived"].clone();
    let before = app
        .call(
            "branch_stars",
            Some(&admin),
            &[("branch_id", &branch), ("year", &year)],
        )
        .await
        .json();
    assert_eq!(derived(&before)["groups"], 2);
    assert_eq!(derived(&before)["meetings_held"], 0);
    assert!(derived(&before)["full_members"].as_i64().unwrap() > 10);
    assert_eq!(derived(&before)["secretaries"].as_array().unwrap().len(), 1);

    let now = app::state::now();
    let meeting = held_meeting(&app, &secretary, now - 7_200, now - 3_600).await;
    let minutes = app
        .call(
            "save_minutes",
            Some(&secretary),
            &[("meeting_id", &meeting), ("minutes", "学习了党章")],
        )
        .await;
    assert!(minutes.status.is_success(), "{}", minutes.body);
    let after = app
        .call(
            "branch_stars",
            Some(&admin),
            &[("branch_id", &branch), ("year", &year)],
        )
        .await
        .json();
    assert_eq!(derived(&after)["meetings_held"], 1);
    assert_eq!(derived(&after)["meetings_with_minutes"], 1);
}

#[tokio::test]
async fn a_general_branch_neither_rates_nor_sees() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let (template, _) = template(&app, &admin).await;
    let second = app.branch_id("第二").await;
    let year = this_year();
    // The second branch moves under a 党总支 whose admin is a member of no branch.
    let committee: String = app::db::query_scalar("SELECT parent_id FROM orgs WHERE id = ?")
        .bind(&second)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let general = app
        .call(
            "create_org",
            Some(&admin),
            &[
                ("parent_id", &committee),
                ("kind", "general_branch"),
                ("name", "幸福里党总支"),
            ],
        )
        .await;
    assert!(general.status.is_success(), "{}", general.body);
    let general = general.json().as_str().unwrap().to_string();
    app::db::query("UPDATE orgs SET parent_id = ? WHERE id = ?")
        .bind(&general)
        .bind(&second)
        .execute(&app.pool)
        .await
        .unwrap();
    let outsider = app.user_id(RESIDENT).await;
    app::db::query(
        "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'admin', 0)",
    )
    .bind(&outsider)
    .bind(&general)
    .execute(&app.pool)
    .await
    .unwrap();
    let general_admin = app.login(RESIDENT, PASSWORD).await;
    let full = marks([1; 5], &[25, 20, 25, 20, 10], 10);
    let reply = assess(
        &app,
        &general_admin,
        &second,
        &year,
        "rating",
        &template,
        &full,
    )
    .await;
    assert_eq!(reply.error(), "Forbidden", "a 党总支 does not rate");
    let page = app
        .call(
            "branch_stars",
            Some(&general_admin),
            &[("branch_id", &second), ("year", &year)],
        )
        .await;
    assert_eq!(page.error(), "Forbidden");
    // The 党委 above the 党总支 still rates the branch, with its own template.
    let reply = assess(&app, &admin, &second, &year, "rating", &template, &full).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(standing(&app, &admin, &second).await["rating"]["stars"], 10);
}

#[tokio::test]
async fn the_committee_follows_up_unmet_items_with_a_cadre() {
    let app = app().await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    let year = this_year();
    let assign = |cookie: String, phone: &'static str| {
        let app = &app;
        let branch = branch.clone();
        async move {
            app.call_owned(
                "assign_cadre",
                &cookie,
                &[("branch_id", branch), ("phone", phone.into())],
            )
            .await
        }
    };
    assert_eq!(
        assign(secretary.clone(), ADMIN).await.error(),
        "Forbidden",
        "a branch does not pick its own cadre"
    );
    assert_eq!(
        assign(admin.clone(), SECRETARY_1).await.error(),
        "NotCadre",
        "a cadre keeps the 党委 above"
    );
    assert_eq!(assign(admin.clone(), "12345").await.error(), "NotCadre");
    let assigned = assign(admin.clone(), ADMIN).await;
    assert!(assigned.status.is_success(), "{}", assigned.body);

    let add = |cookie: String, basic: &'static str, item: &'static str, due: String| {
        let app = &app;
        let branch = branch.clone();
        let year = year.clone();
        async move {
            app.call_owned(
                "add_ledger_item",
                &cookie,
                &[
                    ("branch_id", branch),
                    ("year", year),
                    ("basic", basic.into()),
                    ("item", item.into()),
                    ("due", due),
                ],
            )
            .await
        }
    };
    let yesterday = app::shell::time::format_date(app::state::now() - 86_400);
    assert_eq!(
        add(secretary.clone(), "", "补开组织生活会", yesterday.clone())
            .await
            .error(),
        "Forbidden"
    );
    assert_eq!(
        add(admin.clone(), "", "补开组织生活会", "下周".into())
            .await
            .error(),
        "DueDate"
    );
    assert_eq!(
        add(admin.clone(), "", "  ", yesterday.clone())
            .await
            .error(),
        "TextRequired"
    );
    assert_eq!(
        add(admin.clone(), "morale", "补开组织生活会", yesterday.clone())
            .await
            .error(),
        "BadPayload"
    );
    let added = add(admin.clone(), "activities", "补开组织生活会", yesterday).await;
    assert!(added.status.is_success(), "{}", added.body);
    let item = added.json().as_str().unwrap().to_string();

    let s = standing(&app, &admin, &branch).await;
    assert_eq!(s["cadre"], "郑书记（党工委）");
    assert_eq!(
        (s["open_items"].as_i64(), s["overdue_items"].as_i64()),
        (Some(1), Some(1))
    );
    let page = app
        .call(
            "branch_stars",
            Some(&secretary),
            &[("branch_id", &branch), ("year", &year)],
        )
        .await
        .json();
    assert_eq!(page["can_follow"], false);
    assert_eq!(page["ledger"][0]["item"], "补开组织生活会");
    assert_eq!(page["ledger"][0]["basic"], "Activities");
    assert_eq!(page["ledger"][0]["follow_up_by"], "郑书记（党工委）");
    let csv = app
        .get(&format!("/admin/stars.csv?year={year}"), Some(&admin))
        .await
        .body;
    let line = csv
        .lines()
        .find(|l| l.starts_with("幸福里社区第一党支部"))
        .unwrap();
    assert!(line.ends_with(",郑书记（党工委）,1,1"), "{line}");

    let finish = |cookie: String| {
        let app = &app;
        let item = item.clone();
        async move {
            app.call_owned(
                "finish_ledger_item",
                &cookie,
                &[("item_id", item), ("note", "12 月 3 日已召开".into())],
            )
            .await
        }
    };
    assert_eq!(finish(secretary.clone()).await.error(), "Forbidden");
    let done = finish(admin.clone()).await;
    assert!(done.status.is_success(), "{}", done.body);
    assert_eq!(finish(admin.clone()).await.error(), "AlreadyDecided");
    let s = standing(&app, &admin, &branch).await;
    assert_eq!(
        (s["open_items"].as_i64(), s["overdue_items"].as_i64()),
        (Some(0), Some(0))
    );
}

async fn add_photo(app: &TestApp, cookie: &str, payload: serde_json::Value) -> serde_json::Value {
    let op = uuid::Uuid::now_v7().to_string();
    app.sync_one(cookie, &op, "star.photo", payload, app::state::now())
        .await
}

async fn media(app: &TestApp, cookie: &str, id: &str) -> http::StatusCode {
    app.get(&format!("/media/{id}.jpg"), Some(cookie))
        .await
        .status
}

#[tokio::test]
async fn the_committee_keeps_photos_of_evidence_only_its_raters_see() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let year = this_year();
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other_secretary = app.login(SECRETARY_2, PASSWORD).await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let id = uuid::Uuid::now_v7().to_string();
    let photo = serde_json::json!({
        "id": id, "branch_id": branch, "year": year.parse::<i64>().unwrap(),
        "item": "activities", "data": jpeg_data_url(90),
    });

    // Members and another branch's secretary add nothing.
    for cookie in [&member, &other_secretary] {
        assert_eq!(
            add_photo(&app, cookie, photo.clone()).await["Rejected"],
            "Forbidden"
        );
    }
    let stored = add_photo(&app, &secretary, photo.clone()).await;
    assert_eq!(stored["Applied"]["id"], id.as_str(), "{stored}");
    let again = add_photo(&app, &secretary, photo.clone()).await;
    assert_eq!(again, stored, "a photo's id is stored once");
    assert_eq!(app.count("SELECT COUNT(*) FROM star_photos").await, 1);
    assert!(app.photos.read(&id).await.is_ok());

    let listed = |cookie: String| {
        let (branch, year) = (branch.clone(), year.clone());
        let app = &app;
        async move {
            app.call(
                "star_photos",
                Some(&cookie),
                &[("branch_id", &branch), ("year", &year)],
            )
            .await
        }
    };
    let photos = listed(admin.clone()).await.json();
    assert_eq!(photos[0]["id"], id.as_str());
    assert_eq!(
        photos[0]["item"],
        serde_json::json!({ "Basic": "Activities" })
    );
    assert_eq!(listed(member.clone()).await.error(), "Forbidden");

    // The 党委 and the branch's committee see it; its members and other branches do not.
    assert_eq!(media(&app, &secretary, &id).await, 200);
    assert_eq!(media(&app, &admin, &id).await, 200);
    assert_eq!(media(&app, &member, &id).await, 403);
    assert_eq!(media(&app, &other_secretary, &id).await, 403);

    // The same id for another item, a next year, an unknown item, a server-made (v5) id,
    // another record's photo id: refused.
    let with = |field: &str, value: serde_json::Value| {
        let mut changed = photo.clone();
        changed[field] = value;
        changed
    };
    // A fresh photo id, so that the payload is not taken for the stored photo.
    let fresh = |mut payload: serde_json::Value| {
        payload["id"] = uuid::Uuid::now_v7().to_string().into();
        payload
    };
    let next_year = year.parse::<i64>().unwrap() + 1;
    let v5 = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, b"claim/x/0").to_string();
    for (payload, refusal) in [
        (with("item", "team".into()), "BadPayload"),
        (fresh(with("year", next_year.into())), "StarYear"),
        (fresh(with("item", "highlights".into())), "BadPayload"),
        (with("id", v5.into()), "BadPayload"),
    ] {
        assert_eq!(
            add_photo(&app, &secretary, payload.clone()).await["Rejected"],
            refusal,
            "{payload}"
        );
    }
    let meeting_photo = uuid::Uuid::now_v7().to_string();
    app::db::query("INSERT INTO uploads (id, user_id, bytes, created_at) VALUES (?, ?, 1, 0)")
        .bind(&meeting_photo)
        .bind(app.user_id(SECRETARY_2).await)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        add_photo(&app, &secretary, with("id", meeting_photo.into())).await["Rejected"],
        "BadPayload",
        "an id another record's photo holds"
    );

    // Nor does a meeting's photo take an evidence photo's id.
    let now = app::state::now();
    let meeting = held_meeting(&app, &secretary, now - 7200, now - 3600).await;
    let taken = app
        .sync_one(
            &secretary,
            &uuid::Uuid::now_v7().to_string(),
            "meeting.photo",
            serde_json::json!({ "id": id, "meeting_id": meeting, "kind": "photo", "data": jpeg_data_url(40) }),
            now,
        )
        .await;
    assert_eq!(taken["Rejected"], "BadPayload", "{taken}");
    assert_eq!(app.count("SELECT COUNT(*) FROM meeting_files").await, 0);

    // A dozen an item a year.
    for _ in 1..12 {
        assert!(add_photo(&app, &secretary, fresh(photo.clone())).await["Applied"].is_object());
    }
    assert_eq!(
        add_photo(&app, &secretary, fresh(photo.clone())).await["Rejected"],
        "EvidencePhotosFull"
    );
    let other_item = fresh(with("item", "support".into()));
    assert!(add_photo(&app, &secretary, other_item).await["Applied"].is_object());
}
