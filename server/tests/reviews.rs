//! 民主评议党员: marks through the outbox, anonymous to everyone, decided by the committee,
//! each member seeing only their own result.

mod support;
use serde_json::json;
use support::*;

const PROBATIONARY: &str = "13800000005";
const MEMBER_2: &str = "13800000007";
const MEMBER_3: &str = "13800000008";

fn op_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn open(app: &TestApp, secretary: &str, branch: &str) -> String {
    let reply = app
        .call(
            "open_review",
            Some(secretary),
            &[("branch_id", branch), ("excellent_cap", "30")],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json().as_str().unwrap().to_string()
}

async fn write_self(app: &TestApp, cookie: &str, review: &str, text: &str) -> serde_json::Value {
    app.sync_one(
        cookie,
        &op_id(),
        "review.self",
        json!({ "review_id": review, "text": text }),
        app::state::now(),
    )
    .await
}

async fn cast(
    app: &TestApp,
    cookie: &str,
    review: &str,
    marks: &[(&str, &str)],
) -> serde_json::Value {
    let marks: Vec<serde_json::Value> = marks
        .iter()
        .map(|(who, grade)| json!([who, grade]))
        .collect();
    app.sync_one(
        cookie,
        &op_id(),
        "review.marks",
        json!({ "review_id": review, "marks": marks }),
        app::state::now(),
    )
    .await
}

async fn decide(
    app: &TestApp,
    cookie: &str,
    review: &str,
    user: &str,
    grade: &str,
    reason: &str,
) -> Reply {
    app.call(
        "decide_review",
        Some(cookie),
        &[
            ("review_id", review),
            ("user_id", user),
            ("grade", &grade.to_lowercase()),
            ("reason", reason),
        ],
    )
    .await
}

fn board_row<'a>(board: &'a serde_json::Value, user: &str) -> &'a serde_json::Value {
    board["review"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["member"]["user_id"] == user)
        .expect("a participant")
}

#[tokio::test]
async fn members_mark_offline_and_each_sees_only_their_own_result() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let review = open(&app, &secretary, &branch).await;
    let again = app
        .call(
            "open_review",
            Some(&secretary),
            &[("branch_id", &branch), ("excellent_cap", "30")],
        )
        .await;
    assert_eq!(again.error(), "ReviewExists");

    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let member_2 = app.user_id(MEMBER_2).await;
    let probationary_id = app.user_id(PROBATIONARY).await;
    let secretary_id = app.user_id(SECRETARY_1).await;
    let home = app.call("home_overview", Some(&member), &[]).await.json();
    assert_eq!(home["member"]["review_to_write"], true);

    assert!(
        write_self(&app, &member, &review, "按时参加组织生活，带头服务群众").await["Applied"]
            .is_null()
    );
    let home = app.call("home_overview", Some(&member), &[]).await.json();
    assert_eq!(home["member"]["review_to_write"], false);
    let marked = cast(
        &app,
        &member,
        &review,
        &[(&member_2, "Excellent"), (&probationary_id, "Qualified")],
    )
    .await;
    assert_eq!(marked["Applied"]["marked"], 2, "{marked}");
    // A later ballot replaces the marks it names.
    cast(&app, &member, &review, &[(&member_2, "Basic")]).await;
    let other = app.login(MEMBER_2, PASSWORD).await;
    cast(&app, &other, &review, &[(&member_id, "Excellent")]).await;

    // Refused: oneself, an outsider, a probationary member's marks, an empty self-assessment.
    let resident = app.user_id(RESIDENT).await;
    assert_eq!(
        cast(&app, &member, &review, &[(&member_id, "Excellent")]).await["Rejected"],
        "BadPayload"
    );
    assert_eq!(
        cast(&app, &member, &review, &[(&resident, "Excellent")]).await["Rejected"],
        "BadPayload"
    );
    let probationary = app.login(PROBATIONARY, PASSWORD).await;
    assert_eq!(
        cast(&app, &probationary, &review, &[(&member_id, "Excellent")]).await["Rejected"],
        "NotInReview"
    );
    assert!(write_self(&app, &probationary, &review, "转正前认真学习").await["Applied"].is_null());
    assert_eq!(
        write_self(&app, &member, &review, "  ").await["Rejected"],
        "TextRequired"
    );
    let outsider = app.login(SECRETARY_2, PASSWORD).await;
    assert_eq!(
        write_self(&app, &outsider, &review, "我不在这个支部").await["Rejected"],
        "NotInReview"
    );

    // A third ballot; an empty one is refused.
    let third = app.login(MEMBER_3, PASSWORD).await;
    assert_eq!(
        cast(&app, &third, &review, &[]).await["Rejected"],
        "BallotEmpty"
    );
    cast(&app, &third, &review, &[(&member_2, "Qualified")]).await;

    // While marks still arrive the committee sees who has written and how many ballots
    // came, and no count: a count that moves would betray the ballot that moved it.
    let board_now = || async {
        let board = app
            .call(
                "review_board",
                Some(&secretary),
                &[("branch_id", &branch), ("year", &this_year())],
            )
            .await;
        assert!(board.status.is_success(), "{}", board.body);
        board.json()
    };
    let board = board_now().await;
    assert_eq!(board["review"]["ballots"], 3);
    assert!(board["review"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["tally"].is_null()));
    assert_eq!(
        board_row(&board, &probationary_id)["member"]["voting"],
        false
    );
    assert_eq!(board_row(&board, &secretary_id)["can_decide"], false);
    for row in board["review"]["rows"].as_array().unwrap() {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["can_decide", "member", "result", "self_text", "tally"],
            "nothing of who marked"
        );
    }

    // Decisions: a reason below 合格, never one's own, 优秀 within the cap.
    assert_eq!(
        decide(&app, &secretary, &review, &member_2, "Basic", "")
            .await
            .error(),
        "ReasonRequired"
    );
    let basic = decide(
        &app,
        &secretary,
        &review,
        &member_2,
        "Basic",
        "多次无故缺席主题党日",
    )
    .await;
    assert!(basic.status.is_success(), "{}", basic.body);
    assert_eq!(
        decide(&app, &secretary, &review, &secretary_id, "Excellent", "")
            .await
            .error(),
        "OwnRecord"
    );
    let people: Vec<String> = board["review"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["member"]["user_id"].as_str().unwrap().to_string())
        .filter(|id| id != &secretary_id && id != &member_2)
        .collect();
    let allowed = board["review"]["excellent_allowed"].as_u64().unwrap() as usize;
    let taking_part = board["review"]["rows"].as_array().unwrap().len();
    assert_eq!(taking_part, 16, "the first branch's members");
    assert_eq!(allowed, 4, "30% of everyone taking part, rounded down");
    for id in &people[..allowed] {
        let given = decide(&app, &secretary, &review, id, "Excellent", "").await;
        assert!(given.status.is_success(), "{}", given.body);
    }
    assert_eq!(
        decide(&app, &secretary, &review, &people[allowed], "Excellent", "")
            .await
            .error(),
        "ExcellentCapReached"
    );
    let qualified = decide(&app, &secretary, &review, &people[allowed], "Qualified", "").await;
    assert!(qualified.status.is_success(), "{}", qualified.body);

    // Nobody sees a result while the committee may still change it.
    let mine = app.call("my_reviews", Some(&other), &[]).await.json();
    assert!(mine[0]["result"].is_null(), "{mine}");

    // Closed: the counts show (three ballots came), marks arriving afterwards are refused,
    // results can still be decided, and each member sees their own.
    let closed = app
        .call("close_review", Some(&secretary), &[("review_id", &review)])
        .await;
    assert!(closed.status.is_success(), "{}", closed.body);
    let board = board_now().await;
    assert_eq!(board_row(&board, &member_2)["tally"], json!([0, 1, 1, 0]));
    assert_eq!(board_row(&board, &member_id)["tally"], json!([1, 0, 0, 0]));
    assert_eq!(
        board_row(&board, &probationary_id)["tally"],
        json!([0, 1, 0, 0])
    );
    assert_eq!(
        cast(&app, &member, &review, &[(&member_2, "Qualified")]).await["Rejected"],
        "ReviewClosed"
    );
    assert_eq!(
        write_self(&app, &member, &review, "补写").await["Rejected"],
        "ReviewClosed"
    );

    let mine = app.call("my_reviews", Some(&other), &[]).await.json();
    assert_eq!(mine[0]["result"], json!(["Basic", "多次无故缺席主题党日"]));
    assert!(mine[0]["others"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o.get("result").is_none()));
    assert_eq!(
        mine[0]["marks"],
        json!([[member_id, "Excellent"]]),
        "their own marks"
    );
    let mut without_own_marks = mine[0].clone();
    without_own_marks["marks"] = json!(null);
    assert!(
        !without_own_marks.to_string().contains("Excellent"),
        "no one else's 优秀 in {mine}"
    );
    let mine = app.call("my_reviews", Some(&member), &[]).await.json();
    assert_eq!(
        mine[0]["marks"].as_array().unwrap().len(),
        2,
        "their own marks, to change"
    );
    assert!(
        !mine
            .to_string()
            .contains(&format!("\"{member_id}\",\"Excellent\"")),
        "not the marks they received"
    );
    let late = decide(&app, &secretary, &review, &member_2, "Qualified", "").await;
    assert!(late.status.is_success(), "{}", late.body);
}

#[tokio::test]
async fn too_few_ballots_show_no_count() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let review = open(&app, &secretary, &branch).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_2 = app.user_id(MEMBER_2).await;
    cast(&app, &member, &review, &[(&member_2, "Unqualified")]).await;
    cast(&app, &secretary, &review, &[(&member_2, "Qualified")]).await;
    app.call("close_review", Some(&secretary), &[("review_id", &review)])
        .await;
    let board = app
        .call(
            "review_board",
            Some(&secretary),
            &[("branch_id", &branch), ("year", &this_year())],
        )
        .await
        .json();
    assert_eq!(board["review"]["ballots"], 2);
    assert!(
        board_row(&board, &member_2)["tally"].is_null(),
        "the secretary's own ballot taken away would leave the other one bare"
    );
    // A past year's board has nothing to open.
    let last_year = (this_year().parse::<i64>().unwrap() - 1).to_string();
    let past = app
        .call(
            "review_board",
            Some(&secretary),
            &[("branch_id", &branch), ("year", &last_year)],
        )
        .await
        .json();
    assert_eq!(past["can_open"], false);
    assert!(past["review"].is_null());
}

fn this_year() -> String {
    app::shell::time::shanghai_year_month(app::state::now())
        .0
        .to_string()
}

#[tokio::test]
async fn only_the_committee_runs_a_review() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other_secretary = app.login(SECRETARY_2, PASSWORD).await;
    for cookie in [&member, &other_secretary] {
        let reply = app
            .call(
                "open_review",
                Some(cookie),
                &[("branch_id", &branch), ("excellent_cap", "30")],
            )
            .await;
        assert_eq!(reply.error(), "Forbidden");
        let board = app
            .call(
                "review_board",
                Some(cookie),
                &[("branch_id", &branch), ("year", &this_year())],
            )
            .await;
        assert_eq!(board.error(), "Forbidden");
    }
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    for cap in ["0", "101", "三成"] {
        let reply = app
            .call(
                "open_review",
                Some(&secretary),
                &[("branch_id", &branch), ("excellent_cap", cap)],
            )
            .await;
        assert_eq!(reply.error(), "ReviewCap", "{cap}");
    }
    let group: String =
        app::db::query_scalar("SELECT id FROM orgs WHERE kind = 'group' AND parent_id = ? LIMIT 1")
            .bind(&branch)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let admin = app.login(ADMIN, PASSWORD).await;
    let reply = app
        .call(
            "open_review",
            Some(&admin),
            &[("branch_id", &group), ("excellent_cap", "30")],
        )
        .await;
    assert_eq!(
        reply.error(),
        "NotFound",
        "a group holds no review of its own"
    );
    let review = open(&app, &secretary, &branch).await;
    let member_2 = app.user_id(MEMBER_2).await;
    for cookie in [&member, &other_secretary] {
        assert_eq!(
            decide(&app, cookie, &review, &member_2, "Qualified", "")
                .await
                .error(),
            "Forbidden"
        );
        let close = app
            .call("close_review", Some(cookie), &[("review_id", &review)])
            .await;
        assert_eq!(close.error(), "Forbidden");
    }
    // The 党委 above follows it too.
    let board = app
        .call(
            "review_board",
            Some(&admin),
            &[("branch_id", &branch), ("year", &this_year())],
        )
        .await;
    assert!(board.status.is_success(), "{}", board.body);
    let resident = app.user_id(RESIDENT).await;
    assert_eq!(
        decide(&app, &admin, &review, &resident, "Qualified", "")
            .await
            .error(),
        "NotInReview"
    );
    // The stars page's 基本队伍 reads the results.
    let decided = decide(
        &app,
        &admin,
        &review,
        &member_2,
        "Unqualified",
        "长期不参加组织生活",
    )
    .await;
    assert!(decided.status.is_success(), "{}", decided.body);
    let stars = app
        .call(
            "branch_stars",
            Some(&admin),
            &[("branch_id", &branch), ("year", &this_year())],
        )
        .await
        .json();
    assert_eq!(stars["derived"]["review_results"], json!([0, 0, 0, 1]));
}

/// The live review points of a member: what they were given less what was taken back.
async fn review_points(app: &TestApp, user: &str, review: &str) -> i64 {
    app::db::query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries
         WHERE user_id = ? AND source_id = ? AND source_kind IN ('review', 'correction')",
    )
    .bind(user)
    .bind(review)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_branch_may_turn_on_points_for_results() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    // A branch whose catalogue was made before these rules were offered gets them, off.
    app.call("branch_rules", Some(&secretary), &[("branch_id", &branch)])
        .await;
    app::db::query("DELETE FROM point_rules WHERE branch_id = ? AND auto_source LIKE 'review:%'")
        .bind(&branch)
        .execute(&app.pool)
        .await
        .unwrap();
    let rules = app
        .call("branch_rules", Some(&secretary), &[("branch_id", &branch)])
        .await
        .json();
    let offered: Vec<&serde_json::Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["auto"].get("ReviewResult").is_some())
        .collect();
    assert_eq!(offered.len(), 2, "{rules}");
    assert!(offered.iter().all(|r| r["active"] == false));
    let excellent = offered
        .iter()
        .find(|r| r["auto"]["ReviewResult"] == "Excellent")
        .unwrap();
    let turned_on = app
        .call(
            "save_rule",
            Some(&secretary),
            &[
                ("rule[branch_id]", branch.as_str()),
                ("rule[rule_id]", excellent["id"].as_str().unwrap()),
                ("rule[name]", "民主评议优秀"),
                ("rule[points]", "10"),
                ("rule[category]", "vanguard"),
                ("rule[cap_period]", ""),
                ("rule[cap_points]", ""),
                ("rule[active]", "on"),
            ],
        )
        .await;
    assert!(turned_on.status.is_success(), "{}", turned_on.body);

    let review = open(&app, &secretary, &branch).await;
    let member = app.user_id(MEMBER_1).await;
    let other = app.user_id(MEMBER_2).await;
    for (who, grade, reason) in [
        (&member, "Excellent", ""),
        (&other, "Unqualified", "长期不参加组织生活"),
    ] {
        let decided = decide(&app, &secretary, &review, who, grade, reason).await;
        assert!(decided.status.is_success(), "{}", decided.body);
    }
    assert_eq!(
        review_points(&app, &member, &review).await,
        0,
        "nothing before the review closes: the committee may still change its mind"
    );
    app.call("close_review", Some(&secretary), &[("review_id", &review)])
        .await;
    assert_eq!(review_points(&app, &member, &review).await, 10);
    assert_eq!(
        review_points(&app, &other, &review).await,
        0,
        "the 不合格 rule stayed off"
    );
    let statement = app
        .call(
            "points_home",
            Some(&app.login(MEMBER_1, PASSWORD).await),
            &[],
        )
        .await;
    assert!(
        statement
            .body
            .contains(&format!("民主评议优秀（{}年）", this_year())),
        "{}",
        statement.body
    );

    // Closing again gives nothing twice; a result changed afterwards takes back what the
    // old one gave, and changed back gives it again.
    app.call("close_review", Some(&secretary), &[("review_id", &review)])
        .await;
    assert_eq!(review_points(&app, &member, &review).await, 10);
    decide(&app, &secretary, &review, &member, "Qualified", "").await;
    assert_eq!(review_points(&app, &member, &review).await, 0);
    decide(&app, &secretary, &review, &member, "Qualified", "").await;
    decide(&app, &secretary, &review, &member, "Excellent", "").await;
    assert_eq!(review_points(&app, &member, &review).await, 10);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM point_entries WHERE user_id = '{member}' AND source_kind = 'review'"
        ))
        .await,
        2,
        "one award per result given"
    );

    // A correction by a person stands: neither closing again nor saving the same result
    // again (its reason reworded, the rule since turned off) gives or takes anything.
    let live: String = app::db::query_scalar(
        "SELECT e.id FROM point_entries e WHERE e.user_id = ? AND e.source_kind = 'review'
         AND NOT EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id)",
    )
    .bind(&member)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let corrected = app
        .call(
            "reverse_entry",
            Some(&secretary),
            &[
                ("entry_id", live.as_str()),
                ("reason", "评议程序不完整，撤销"),
            ],
        )
        .await;
    assert!(corrected.status.is_success(), "{}", corrected.body);
    app.call("close_review", Some(&secretary), &[("review_id", &review)])
        .await;
    decide(&app, &secretary, &review, &member, "Excellent", "").await;
    assert_eq!(review_points(&app, &member, &review).await, 0);
}
