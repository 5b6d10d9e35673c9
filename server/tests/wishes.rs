//! 微心愿 end to end through the router: posting (offline op), review, pledges in parts,
//! fulfilment with proof, confirmation and its points, the timer, privacy of the contact,
//! and two members racing for the last part.

mod support;
use support::*;

use serde_json::{json, Value};

/// Members of branch 1, reported to 幸福里社区 (the seed's pairing).
const MEMBER_2: &str = "13800000007";
/// A member of branch 2, reported to 和平路社区.
const OTHER_MEMBER: &str = "13800000020";
const ADDRESS: &str = "幸福里小区 9 栋 901 室";

fn photo() -> String {
    jpeg_data_url(90)
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn op(app: &TestApp, cookie: &str, kind: &str, payload: Value) -> Value {
    app.sync_one(cookie, &new_id(), kind, payload, app::state::now())
        .await
}

fn in_days(days: i64) -> String {
    app::shell::time::format_date(app::state::now() + days * 86_400)
}

async fn community(app: &TestApp, name: &str) -> String {
    app::db::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A resident's wish, sent as the phone's outbox sends it; returns its id.
async fn post(app: &TestApp, resident: &str, title: &str, target: &str, unit: &str) -> String {
    let id = new_id();
    let outcome = op(
        app,
        resident,
        "wish.post",
        json!({
            "id": id, "community_id": community(app, "幸福里社区").await, "title": title,
            "story": "楼里几位老人需要帮忙", "category": "elderly", "needed_by": in_days(10),
            "target": target, "unit": unit, "address": ADDRESS, "on_behalf_of": null,
            "contact_phone": null, "photos": [photo()],
        }),
    )
    .await;
    assert_eq!(outcome, json!({ "Applied": { "wish": id } }));
    id
}

/// A resident's wish, approved to the wall by the paired secretary.
async fn published(
    app: &TestApp,
    resident: &str,
    secretary: &str,
    title: &str,
    target: &str,
    unit: &str,
) -> String {
    let wish = post(app, resident, title, target, unit).await;
    approve(app, secretary, &wish).await;
    wish
}

async fn approve(app: &TestApp, secretary: &str, wish: &str) {
    let reply = app
        .call("approve_wish", Some(secretary), &[("wish_id", wish)])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
}

async fn pledge(app: &TestApp, cookie: &str, wish: &str, quantity: u32) -> (String, Value) {
    let id = new_id();
    let outcome = op(
        app,
        cookie,
        "wish.pledge",
        json!({ "id": id, "wish_id": wish, "quantity": quantity, "branch_id": null }),
    )
    .await;
    (id, outcome)
}

async fn detail(app: &TestApp, cookie: &str, wish: &str) -> Reply {
    app.call("wish_detail", Some(cookie), &[("id", wish)]).await
}

async fn wall(app: &TestApp, cookie: &str) -> Value {
    let reply = app
        .call(
            "wish_wall",
            Some(cookie),
            &[
                ("community_id", ""),
                ("category", ""),
                ("status", ""),
                ("urgent", "false"),
            ],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json()
}

async fn status(app: &TestApp, wish: &str) -> String {
    app::db::query_scalar("SELECT status FROM wishes WHERE id = ?")
        .bind(wish)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn balance(app: &TestApp, phone: &str) -> i64 {
    app.count(&format!(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries WHERE user_id = '{}'",
        app.user_id(phone).await
    ))
    .await
}

#[tokio::test]
async fn a_crowdfunded_wish_goes_from_post_to_confirmed_and_pays_each_claimer_once() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let other_secretary = app.login(SECRETARY_2, PASSWORD).await;
    let a = app.login(MEMBER_1, PASSWORD).await;
    let b = app.login(MEMBER_2, PASSWORD).await;
    let before = wall(&app, &a).await["counts"].clone();

    let wish = post(&app, &resident, "二十套冬季校服", "20", "套").await;
    assert_eq!(status(&app, &wish).await, "pending");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM wish_photos WHERE wish_id = '{wish}'"
        ))
        .await,
        1
    );
    // Pending: the resident and the paired secretary see it, members do not.
    assert_eq!(detail(&app, &a, &wish).await.error(), "NotFound");
    let queue = app.call("wish_reviews", Some(&secretary), &[]).await.json();
    assert!(queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["card"]["id"] == wish));
    // Branch 2 is paired with 和平路, not 幸福里.
    assert!(app
        .call("wish_reviews", Some(&other_secretary), &[])
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["card"]["id"] != wish));
    assert_eq!(
        app.call(
            "approve_wish",
            Some(&other_secretary),
            &[("wish_id", &wish)]
        )
        .await
        .error(),
        "Forbidden"
    );
    assert_eq!(
        app.call("approve_wish", Some(&a), &[("wish_id", &wish)])
            .await
            .error(),
        "Forbidden"
    );
    approve(&app, &secretary, &wish).await;
    assert_eq!(
        app.call("approve_wish", Some(&secretary), &[("wish_id", &wish)])
            .await
            .error(),
        "WishIllegal",
        "reviewed once"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'approve_wish'")
            .await,
        1
    );
    // 结对共建: pairing gives the residents' contacts, so a secretary cannot join a community
    // another branch already serves; the admin over the branch can.
    let branch_2 = app.branch_id("第二").await;
    let pair = |cookie: String| {
        let branch_2 = branch_2.clone();
        let app = &app;
        async move {
            app.call_owned(
                "create_community",
                &cookie,
                &[("branch_id", branch_2), ("name", "幸福里社区".to_string())],
            )
            .await
        }
    };
    assert_eq!(
        pair(other_secretary.clone()).await.error(),
        "PairingNeedsAdmin"
    );
    let admin = app.login(ADMIN, PASSWORD).await;
    let paired = pair(admin).await;
    assert!(paired.status.is_success(), "{}", paired.body);
    let settings = app
        .call("wish_reviews", Some(&other_secretary), &[])
        .await
        .json();
    let communities: Vec<&str> = settings["branches"][0]["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(communities, ["和平路社区", "幸福里社区"]);
    let after = wall(&app, &a).await;
    assert!(after["wishes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["id"] == wish));
    assert_eq!(
        after["counts"]["published"],
        before["published"].as_i64().unwrap() + 1
    );
    assert_eq!(
        after["counts"]["crowdfunded_published"],
        before["crowdfunded_published"].as_i64().unwrap() + 1
    );

    // 12 + 8 of 20; 9 would be more than is left.
    let (pa, outcome) = pledge(&app, &a, &wish, 12).await;
    assert_eq!(outcome["Applied"]["wish_status"], "published");
    let pledged = wall(&app, &a).await["pledged"].clone();
    assert_eq!(pledged[0]["card"]["id"], wish, "A finds what they took on");
    assert_eq!(pledged[0]["quantity"], 12);
    let (_, outcome) = pledge(&app, &b, &wish, 9).await;
    assert_eq!(outcome, json!({ "Rejected": "WishOverPledged" }));
    let (pb, outcome) = pledge(&app, &b, &wish, 8).await;
    assert_eq!(outcome["Applied"]["wish_status"], "claimed");
    let (_, outcome) = pledge(&app, &a, &wish, 1).await;
    assert_eq!(outcome, json!({ "Rejected": "WishOverPledged" }));

    // Done needs a proof photo and a note; only the claimer can mark it.
    let fulfil = |pledge: &str, photos: Vec<String>| json!({ "pledge_id": pledge, "note": "已送到社区小学", "photos": photos });
    assert_eq!(
        op(&app, &a, "wish.fulfil", fulfil(&pa, vec![])).await,
        json!({ "Rejected": "ProofRequired" })
    );
    assert_eq!(
        op(&app, &b, "wish.fulfil", fulfil(&pa, vec![photo()])).await,
        json!({ "Rejected": "Forbidden" })
    );
    assert_eq!(
        op(&app, &a, "wish.fulfil", fulfil(&pa, vec![photo()])).await["Applied"]["wish_status"],
        "claimed"
    );
    assert_eq!(
        op(&app, &b, "wish.fulfil", fulfil(&pb, vec![photo()])).await["Applied"]["wish_status"],
        "fulfilled"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM wish_photos WHERE wish_id = '{wish}' AND pledge_id IS NOT NULL"
        ))
        .await,
        2
    );

    let mine = wall(&app, &resident).await["mine"].clone();
    let posted = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["card"]["id"] == wish)
        .unwrap();
    assert_eq!(posted["awaiting"], 2, "two parts wait for the resident");

    // The resident confirms A's part and thanks; A's points rise once.
    let (a_before, b_before) = (balance(&app, MEMBER_1).await, balance(&app, MEMBER_2).await);
    let confirm = |pledge: &str| json!({ "pledge_id": pledge, "thanks": "谢谢你们！" });
    assert_eq!(
        op(&app, &a, "wish.confirm", confirm(&pa)).await,
        json!({ "Rejected": "Forbidden" })
    );
    assert_eq!(
        op(&app, &resident, "wish.confirm", confirm(&pa)).await["Applied"]["wish_status"],
        "fulfilled"
    );
    assert_eq!(
        op(&app, &resident, "wish.confirm", confirm(&pa)).await,
        json!({ "Rejected": "WishIllegal" })
    );
    assert_eq!(balance(&app, MEMBER_1).await, a_before + 5);
    assert!(
        wall(&app, &a).await["pledged"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["card"]["id"] != wish),
        "a confirmed part leaves A's list"
    );
    let thanks: Option<String> =
        app::db::query_scalar("SELECT thanks FROM wish_pledges WHERE id = ?")
            .bind(&pa)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(thanks.as_deref(), Some("谢谢你们！"));

    // B's part: the resident does not answer; the branch's 7 days pass.
    let (_, confirmed) = app::wishes::service::tick(&app.pool).await.unwrap();
    assert_eq!(confirmed, 0, "not before the period");
    app::db::query("UPDATE wish_pledges SET done_at = done_at - 7 * 86400 WHERE id = ?")
        .bind(&pb)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app::wishes::service::tick(&app.pool).await.unwrap().1, 1);
    assert_eq!(app::wishes::service::tick(&app.pool).await.unwrap().1, 0);
    assert_eq!(status(&app, &wish).await, "confirmed");
    assert_eq!(balance(&app, MEMBER_2).await, b_before + 5);
    assert_eq!(
        balance(&app, MEMBER_1).await,
        a_before + 5,
        "once per claimer"
    );
    let counts = wall(&app, &a).await["counts"].clone();
    assert_eq!(
        counts["fulfilled"],
        before["fulfilled"].as_i64().unwrap() + 1
    );
    assert_eq!(
        counts["crowdfunded_fulfilled"],
        before["crowdfunded_fulfilled"].as_i64().unwrap() + 1
    );
    let shown = detail(&app, &resident, &wish).await.json();
    assert_eq!(shown["pledges"][1]["confirmed_how"], "auto");
    assert_eq!(shown["pledges"][0]["thanks"], "谢谢你们！");
}

/// The poster's contact is in no answer a member gets before they claim, or after they
/// let the claim go.
#[tokio::test]
async fn the_contact_is_only_for_the_poster_reviewers_and_active_claimers() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(OTHER_MEMBER, PASSWORD).await;
    let wish = published(&app, &resident, &secretary, "想借一台轮椅", "", "").await;
    let leaks = |body: &str| body.contains(ADDRESS) || body.contains(RESIDENT);

    // Every wish read a member can make, with every filter.
    let community = community(&app, "幸福里社区").await;
    let mut answers = Vec::new();
    for (category, status, urgent) in [
        ("", "", "false"),
        ("elderly", "published", "true"),
        ("", "claimed", "false"),
    ] {
        answers.push(
            app.call(
                "wish_wall",
                Some(&member),
                &[
                    ("community_id", &community),
                    ("category", category),
                    ("status", status),
                    ("urgent", urgent),
                ],
            )
            .await,
        );
    }
    answers.push(detail(&app, &member, &wish).await);
    answers.push(app.call("wish_reviews", Some(&member), &[]).await);
    answers.push(
        app.call("approve_wish", Some(&member), &[("wish_id", &wish)])
            .await,
    );
    answers.push(
        app.call(
            "reject_wish",
            Some(&member),
            &[("wish_id", &wish), ("reason", "x")],
        )
        .await,
    );
    answers.push(app.call("points_home", Some(&member), &[]).await);
    answers.push(app.call("current_user", Some(&member), &[]).await);
    answers.push(detail(&app, &other, &wish).await);
    answers.push(
        app.call(
            "wish_wall",
            Some(&other),
            &[
                ("community_id", &community),
                ("category", ""),
                ("status", ""),
                ("urgent", "false"),
            ],
        )
        .await,
    );
    for answer in &answers {
        assert!(!leaks(&answer.body), "leaked: {}", answer.body);
    }
    assert_eq!(
        detail(&app, &member, &wish).await.json()["contact"],
        Value::Null
    );
    assert_eq!(
        detail(&app, &other, &wish).await.error(),
        "NotFound",
        "another community's member"
    );
    assert_eq!(
        answers.last().unwrap().error(),
        "Forbidden",
        "another community's wall"
    );

    // The poster and the reviewer see it.
    assert_eq!(
        detail(&app, &resident, &wish).await.json()["contact"]["address"],
        ADDRESS
    );
    assert_eq!(
        detail(&app, &secretary, &wish).await.json()["contact"]["phone"],
        RESIDENT
    );

    // A claimer sees it while the claim is active, and not after releasing it.
    let (pledge_id, outcome) = pledge(&app, &member, &wish, 1).await;
    assert_eq!(outcome["Applied"]["wish_status"], "claimed");
    let sync_reply = outcome.to_string();
    assert!(!leaks(&sync_reply), "the op's answer carries no contact");
    assert_eq!(
        detail(&app, &member, &wish).await.json()["contact"]["address"],
        ADDRESS
    );
    assert_eq!(
        op(
            &app,
            &member,
            "wish.release",
            json!({ "pledge_id": pledge_id })
        )
        .await["Applied"]["wish_status"],
        "published",
        "a released claim puts the wish back on the wall"
    );
    let after = detail(&app, &member, &wish).await;
    assert!(!leaks(&after.body), "leaked after release: {}", after.body);

    // Photos follow the wish: the other community's member and anonymous get nothing.
    let photo_id: String = app::db::query_scalar("SELECT id FROM wish_photos WHERE wish_id = ?")
        .bind(&wish)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let path = format!("/media/{photo_id}.jpg");
    assert_eq!(app.get(&path, Some(&member)).await.status, 200);
    assert_eq!(app.get(&path, Some(&other)).await.status, 403);
    assert_eq!(app.get(&path, None).await.status, 401);
}

/// Two members take the last part at the same moment: one wins, the other is told.
#[tokio::test]
async fn two_members_racing_for_the_last_part_one_wins() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let a = app.login(MEMBER_1, PASSWORD).await;
    let b = app.login(MEMBER_2, PASSWORD).await;
    let c = app.login("13800000008", PASSWORD).await;

    // An ordinary wish: one part.
    let wish = published(&app, &resident, &secretary, "帮忙换灯泡", "", "").await;
    let (one, two) = tokio::join!(pledge(&app, &a, &wish, 1), pledge(&app, &b, &wish, 1));
    let outcomes = [one.1, two.1];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| o.get("Applied").is_some())
            .count(),
        1,
        "{outcomes:?}"
    );
    let loser = outcomes
        .iter()
        .find(|o| o.get("Applied").is_none())
        .unwrap();
    assert_eq!(loser, &json!({ "Rejected": "WishOverPledged" }));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM wish_pledges WHERE wish_id = '{wish}'"
        ))
        .await,
        1
    );

    // A crowdfunded wish with 5 of 20 left; two members ask for 5 each at once.
    let funded = published(&app, &resident, &secretary, "二十本字典", "20", "本").await;
    assert!(pledge(&app, &c, &funded, 15)
        .await
        .1
        .get("Applied")
        .is_some());
    let (one, two) = tokio::join!(pledge(&app, &a, &funded, 5), pledge(&app, &b, &funded, 5));
    let outcomes = [one.1, two.1];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| o.get("Applied").is_some())
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT CAST(SUM(quantity) AS BIGINT) FROM wish_pledges WHERE wish_id = '{funded}' AND status <> 'released'"
        ))
        .await,
        20
    );
    assert_eq!(status(&app, &funded).await, "claimed");
}

#[tokio::test]
async fn posting_review_withdrawal_and_expiry_follow_the_rules() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(OTHER_MEMBER, PASSWORD).await;
    let xingfu = community(&app, "幸福里社区").await;
    let base = json!({
        "id": "", "community_id": xingfu, "title": "修自行车", "story": "车胎破了",
        "category": "living", "needed_by": in_days(3), "target": "", "unit": "",
        "address": ADDRESS, "on_behalf_of": null, "contact_phone": null, "photos": [],
    });
    let attempt = |cookie: String, changes: Value| {
        let mut payload = base.clone();
        payload["id"] = json!(new_id());
        for (k, v) in changes.as_object().unwrap() {
            payload[k] = v.clone();
        }
        let app = &app;
        async move { op(app, &cookie, "wish.post", payload).await }
    };
    for (changes, error) in [
        (json!({ "title": " " }), "WishTitle"),
        (json!({ "story": "" }), "WishStory"),
        (json!({ "category": "pets" }), "WishCategory"),
        (json!({ "needed_by": in_days(-1) }), "WishNeededBy"),
        (json!({ "needed_by": "下周" }), "WishNeededBy"),
        (json!({ "target": "20", "unit": "" }), "WishUnit"),
        (json!({ "target": "0", "unit": "套" }), "WishTarget"),
        (json!({ "address": "" }), "WishAddress"),
        (
            json!({ "community_id": community(&app, "和平路社区").await }),
            "Forbidden",
        ),
    ] {
        assert_eq!(
            attempt(resident.clone(), changes.clone()).await,
            json!({ "Rejected": error }),
            "{changes}"
        );
    }
    // A party member does not post for themselves; a paired secretary posts for a resident.
    assert_eq!(
        attempt(member.clone(), json!({})).await,
        json!({ "Rejected": "Forbidden" })
    );
    assert_eq!(
        attempt(
            secretary.clone(),
            json!({ "on_behalf_of": "吴奶奶", "contact_phone": "12" })
        )
        .await,
        json!({ "Rejected": "PhoneInvalid" })
    );
    let for_resident = attempt(
        secretary.clone(),
        json!({ "on_behalf_of": "吴奶奶", "contact_phone": "13912345678" }),
    )
    .await;
    let worker_wish = for_resident["Applied"]["wish"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.call(
            "approve_wish",
            Some(&secretary),
            &[("wish_id", &worker_wish)]
        )
        .await
        .error(),
        "OwnWish",
        "what a secretary posts, someone else reviews"
    );
    let shown = detail(&app, &secretary, &worker_wish).await.json();
    assert_eq!(shown["on_behalf_of"], "吴奶奶");
    assert_eq!(shown["contact"]["phone"], "13912345678");

    // Rejected with a reason the resident reads; a reason is required.
    let wish = post(&app, &resident, "想要一台电视", "", "").await;
    assert_eq!(
        app.call(
            "reject_wish",
            Some(&secretary),
            &[("wish_id", &wish), ("reason", " ")]
        )
        .await
        .error(),
        "ReasonRequired"
    );
    let reply = app
        .call(
            "reject_wish",
            Some(&secretary),
            &[
                ("wish_id", &wish),
                ("reason", "超出微心愿范围，可申请民政救助"),
            ],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let mine = wall(&app, &resident).await["mine"].clone();
    let rejected = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["card"]["id"] == wish)
        .unwrap();
    assert_eq!(rejected["card"]["status"], "Rejected");
    assert_eq!(rejected["reject_reason"], "超出微心愿范围，可申请民政救助");
    assert_eq!(detail(&app, &member, &wish).await.error(), "NotFound");

    // Members of another community cannot pledge; the poster withdraws an open wish only.
    let open = published(&app, &resident, &secretary, "借一把梯子", "", "").await;
    assert_eq!(
        pledge(&app, &other, &open, 1).await.1,
        json!({ "Rejected": "NotReported" })
    );
    assert_eq!(
        pledge(&app, &resident, &open, 1).await.1,
        json!({ "Rejected": "Forbidden" })
    );
    assert_eq!(
        pledge(&app, &member, &open, 2).await.1,
        json!({ "Rejected": "WishQuantity" })
    );
    let (_, taken) = pledge(&app, &member, &open, 1).await;
    assert!(taken.get("Applied").is_some());
    assert_eq!(
        op(&app, &resident, "wish.withdraw", json!({ "wish_id": open })).await,
        json!({ "Rejected": "WishIllegal" })
    );
    let lonely = published(&app, &resident, &secretary, "借一台缝纫机", "", "").await;
    assert_eq!(
        op(&app, &member, "wish.withdraw", json!({ "wish_id": lonely })).await,
        json!({ "Rejected": "Forbidden" })
    );
    assert!(op(
        &app,
        &resident,
        "wish.withdraw",
        json!({ "wish_id": lonely })
    )
    .await
    .get("Applied")
    .is_some());
    assert_eq!(status(&app, &lonely).await, "withdrawn");

    // Past the needed-by day: open wishes expire, claimed ones stay.
    let stale = published(&app, &resident, &secretary, "借一个轮椅坡道", "", "").await;
    app::db::query("UPDATE wishes SET needed_by = ? WHERE id IN (?, ?)")
        .bind(app::state::now() - 1)
        .bind(&stale)
        .bind(&open)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(app::wishes::service::tick(&app.pool).await.unwrap().0 >= 1);
    assert_eq!(status(&app, &stale).await, "expired");
    assert_eq!(status(&app, &open).await, "claimed");
    assert!(wall(&app, &member).await["wishes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["id"] != stale));

    // The auto-confirm period is the paired branch's, 1–60 days.
    let branch = app.branch_id("第一").await;
    for (days, ok) in [("0", false), ("61", false), ("3", true)] {
        let reply = app
            .call(
                "wish_confirm_days",
                Some(&secretary),
                &[("branch_id", &branch), ("days", days)],
            )
            .await;
        assert_eq!(reply.status.is_success(), ok, "{days}: {}", reply.body);
    }
    assert_eq!(
        app.call(
            "wish_confirm_days",
            Some(&member),
            &[("branch_id", &branch), ("days", "3")]
        )
        .await
        .error(),
        "Forbidden"
    );
    assert_eq!(detail(&app, &member, &open).await.json()["confirm_days"], 3);
}

/// 单位认领: the secretary pledges for their paired branch; the part is the branch's, so
/// confirming it pays nobody personally.
#[tokio::test]
async fn a_paired_branch_pledges_as_a_unit() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let other_secretary = app.login(SECRETARY_2, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let branch = app.branch_id("第一").await;
    let wish = published(&app, &resident, &secretary, "十本新华字典", "10", "本").await;
    let unit = |quantity: u32| json!({ "id": new_id(), "wish_id": wish, "quantity": quantity, "branch_id": branch });
    assert_eq!(
        op(&app, &member, "wish.pledge", unit(6)).await,
        json!({ "Rejected": "Forbidden" })
    );
    assert_eq!(
        op(&app, &other_secretary, "wish.pledge", unit(6)).await,
        json!({ "Rejected": "Forbidden" }),
        "branch 2 does not lead branch 1"
    );
    let pledged = unit(6);
    let pledge_id = pledged["id"].as_str().unwrap().to_string();
    assert_eq!(
        op(&app, &secretary, "wish.pledge", pledged).await["Applied"]["wish_status"],
        "published"
    );
    let shown = detail(&app, &secretary, &wish).await.json();
    assert_eq!(shown["pledges"][0]["unit_pledge"], true);
    assert_eq!(shown["pledges"][0]["name"], "幸福里社区第一党支部");
    assert_eq!(shown["pledges"][0]["mine"], true);
    assert_eq!(
        detail(&app, &member, &wish).await.json()["pledges"][0]["mine"],
        false
    );

    let before = balance(&app, SECRETARY_1).await;
    let done = json!({ "pledge_id": pledge_id, "note": "支部买好送到了", "photos": [photo()] });
    assert_eq!(
        op(&app, &member, "wish.fulfil", done.clone()).await,
        json!({ "Rejected": "Forbidden" })
    );
    assert!(op(&app, &secretary, "wish.fulfil", done)
        .await
        .get("Applied")
        .is_some());
    let confirm = json!({ "pledge_id": pledge_id, "thanks": "" });
    assert!(op(&app, &resident, "wish.confirm", confirm)
        .await
        .get("Applied")
        .is_some());
    assert_eq!(
        balance(&app, SECRETARY_1).await,
        before,
        "a unit's part pays nobody personally"
    );
    assert_eq!(status(&app, &wish).await, "published", "4 of 10 still open");
}

/// Past its needed-by day a wish takes no more pledges; a crowdfunded one partly pledged
/// closes the part nobody took and goes on with the rest.
#[tokio::test]
async fn the_needed_by_day_closes_what_nobody_took() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let a = app.login(MEMBER_1, PASSWORD).await;
    let b = app.login(MEMBER_2, PASSWORD).await;
    let wish = published(&app, &resident, &secretary, "二十个书包", "20", "个").await;
    let (part, _) = pledge(&app, &a, &wish, 12).await;
    app::db::query("UPDATE wishes SET needed_by = ? WHERE id = ?")
        .bind(app::state::now() - 1)
        .bind(&wish)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        pledge(&app, &b, &wish, 8).await.1,
        json!({ "Rejected": "WishOverdue" })
    );
    assert_eq!(app::wishes::service::tick(&app.pool).await.unwrap().0, 1);
    let shown = detail(&app, &a, &wish).await.json();
    assert_eq!(shown["card"]["status"], "Claimed");
    assert_eq!(shown["card"]["target"], 12);
    assert_eq!(shown["card"]["target_asked"], 20);
    let done = json!({ "pledge_id": part, "note": "书包送到了", "photos": [photo()] });
    assert_eq!(
        op(&app, &a, "wish.fulfil", done).await["Applied"]["wish_status"],
        "fulfilled"
    );

    // The timer confirmed it before the resident's offline thanks arrived: the thanks stay.
    app::db::query("UPDATE wish_pledges SET done_at = done_at - 30 * 86400 WHERE id = ?")
        .bind(&part)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app::wishes::service::tick(&app.pool).await.unwrap().1, 1);
    let thanks = json!({ "pledge_id": part, "thanks": "谢谢，孩子们背上了" });
    assert!(op(&app, &resident, "wish.confirm", thanks)
        .await
        .get("Applied")
        .is_some());
    let shown = detail(&app, &a, &wish).await.json();
    assert_eq!(shown["card"]["status"], "Confirmed");
    assert_eq!(shown["pledges"][0]["thanks"], "谢谢，孩子们背上了");
}

/// A pledge may carry any id its phone made, even a wish's; its proof photo still cannot
/// replace the wish's own photo.
#[tokio::test]
async fn a_pledge_named_like_a_wish_does_not_overwrite_its_photo() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let wish = published(&app, &resident, &secretary, "借一台婴儿车", "", "").await;
    let photo_id: String = app::db::query_scalar("SELECT id FROM wish_photos WHERE wish_id = ?")
        .bind(&wish)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let before = app
        .get(&format!("/media/{photo_id}.jpg"), Some(&member))
        .await
        .body;
    let outcome = op(
        &app,
        &member,
        "wish.pledge",
        json!({ "id": wish, "wish_id": wish, "quantity": 1, "branch_id": null }),
    )
    .await;
    assert!(outcome.get("Applied").is_some(), "{outcome}");
    let other = jpeg_data_url(250);
    let done = json!({ "pledge_id": wish, "note": "送到了", "photos": [other] });
    assert!(op(&app, &member, "wish.fulfil", done)
        .await
        .get("Applied")
        .is_some());
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM wish_photos WHERE wish_id = '{wish}'"
        ))
        .await,
        2
    );
    let after = app
        .get(&format!("/media/{photo_id}.jpg"), Some(&member))
        .await
        .body;
    assert_eq!(before, after);
}

/// Every server function the app registers, called by a member who has not claimed the
/// wish with every field a wish read takes, answers without the poster's contact; the same
/// member sees it once they claim.
#[tokio::test]
async fn no_server_function_gives_the_contact_to_a_member_who_has_not_claimed() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let wish = published(&app, &resident, &secretary, "想请人陪同去医院", "", "").await;
    let community = community(&app, "幸福里社区").await;
    let branch = app.branch_id("第一").await;
    let fields: Vec<(&str, String)> = vec![
        ("id", wish.clone()),
        ("wish_id", wish.clone()),
        ("community_id", community),
        ("branch_id", branch),
        ("category", String::new()),
        ("status", String::new()),
        ("urgent", "false".to_string()),
        ("oldest_first", "false".to_string()),
        ("period", "month".to_string()),
        ("year", "2026".to_string()),
    ];
    let leaks = |body: &str| body.contains(ADDRESS) || body.contains(RESIDENT);
    // Logging out would end the member's session for the rest of the sweep.
    let mut endpoints: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/"))
        .filter(|endpoint| *endpoint != "logout")
        .collect();
    endpoints.sort_unstable();
    assert!(
        endpoints.len() >= 40,
        "the sweep sees the app's server functions: {endpoints:?}"
    );
    for endpoint in &endpoints {
        let reply = app.call_owned(endpoint, &member, &fields).await;
        assert!(!leaks(&reply.body), "{endpoint} leaked: {}", reply.body);
    }
    let (_, outcome) = pledge(&app, &member, &wish, 1).await;
    assert!(outcome.get("Applied").is_some(), "{outcome}");
    assert!(
        leaks(&app.call_owned("wish_detail", &member, &fields).await.body),
        "the claimer sees it, so the sweep would have noticed"
    );
}

#[tokio::test]
async fn a_fulfilment_dated_back_by_the_phone_waits_the_full_period() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let wish = published(&app, &resident, &secretary, "修水龙头", "", "").await;
    let (pledge_id, _) = pledge(&app, &member, &wish, 1).await;
    // The claimer marks it done with the phone's clock set eight days back.
    let now = app::state::now();
    let outcome = app
        .sync_one(
            &member,
            &new_id(),
            "wish.fulfil",
            json!({ "pledge_id": pledge_id, "note": "修好了", "photos": [photo()] }),
            now - 8 * 86_400,
        )
        .await;
    assert!(outcome.get("Applied").is_some(), "{outcome}");
    let done_at: i64 = app::db::query_scalar("SELECT done_at FROM wish_pledges WHERE id = ?")
        .bind(&pledge_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        done_at >= now,
        "the server's receipt, not the phone's claim: {done_at}"
    );
    // The timer does not confirm it for the resident, nor pay the claimer.
    let before = balance(&app, MEMBER_1).await;
    app::wishes::service::tick(&app.pool).await.unwrap();
    let status: String = app::db::query_scalar("SELECT status FROM wish_pledges WHERE id = ?")
        .bind(&pledge_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "done", "still waiting for the resident");
    assert_eq!(balance(&app, MEMBER_1).await, before);
}

#[tokio::test]
async fn only_members_of_a_paired_branch_report_pledge_and_see_contacts_and_each_reveal_is_audited()
{
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let wish = published(&app, &resident, &secretary, "帮忙取药", "", "").await;
    let xingfu = community(&app, "幸福里社区").await;

    // A member of the second branch (paired with 和平路 only) cannot report to 幸福里, and
    // one who reported there before the rule (or was moved) still cannot pledge.
    let outsider = app.login(OTHER_MEMBER, PASSWORD).await;
    let report = app
        .call(
            "report_to_community",
            Some(&outsider),
            &[("community_id", &xingfu)],
        )
        .await;
    assert_eq!(report.error(), "NotPaired");
    app::db::query("UPDATE users SET community_id = ? WHERE phone = ?")
        .bind(&xingfu)
        .bind(OTHER_MEMBER)
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, refused) = pledge(&app, &outsider, &wish, 1).await;
    assert_eq!(refused, json!({ "Rejected": "NotPaired" }));

    // A member removed from the first branch keeps their report but loses the right.
    let branch = app.branch_id("第一").await;
    let removed_id = app.user_id(MEMBER_2).await;
    let removed = app
        .call(
            "remove_member",
            Some(&secretary),
            &[("branch_id", &branch), ("user_id", &removed_id)],
        )
        .await;
    assert!(removed.status.is_success(), "{}", removed.body);
    let removed_member = app.login(MEMBER_2, PASSWORD).await;
    let (_, refused) = pledge(&app, &removed_member, &wish, 1).await;
    assert_eq!(refused, json!({ "Rejected": "NotPaired" }));
    assert!(!detail(&app, &removed_member, &wish)
        .await
        .body
        .contains(ADDRESS));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM wish_pledges").await,
        0,
        "nobody outside got a pledge, so nobody saw the contact"
    );

    // A member of the paired branch pledges and reads the contact: audited, each time.
    let member = app.login(MEMBER_1, PASSWORD).await;
    let member_id = app.user_id(MEMBER_1).await;
    let (_, taken) = pledge(&app, &member, &wish, 1).await;
    assert!(taken.get("Applied").is_some(), "{taken}");
    let reveals = |who: String| {
        let sql = format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal_contact' AND actor_id = '{who}' AND target = '{wish}'"
        );
        let app = &app;
        async move { app.count(&sql).await }
    };
    assert_eq!(reveals(member_id.clone()).await, 0);
    assert!(detail(&app, &member, &wish).await.body.contains(ADDRESS));
    assert!(detail(&app, &member, &wish).await.body.contains(ADDRESS));
    assert_eq!(
        reveals(member_id).await,
        2,
        "who, when, which wish: every time"
    );
    // The reviewer's queue shows contacts too, and says so in the log.
    let pending = post(&app, &resident, "换灯泡", "", "").await;
    let secretary_id = app.user_id(SECRETARY_1).await;
    let queue = app.call("wish_reviews", Some(&secretary), &[]).await;
    assert!(queue.body.contains(ADDRESS));
    let sql = format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal_contact' AND actor_id = '{secretary_id}' AND target = '{pending}'"
    );
    assert_eq!(app.count(&sql).await, 1);
    // The poster reading their own wish is not a reveal.
    detail(&app, &resident, &wish).await;
    let resident_id = app.user_id(RESIDENT).await;
    assert_eq!(reveals(resident_id).await, 0);
}

#[tokio::test]
async fn pledging_and_releasing_over_and_over_is_stopped() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let mut wishes = Vec::new();
    for n in 0..4 {
        wishes.push(published(&app, &resident, &secretary, &format!("心愿{n}"), "", "").await);
    }
    for wish in &wishes[..3] {
        let (pledge_id, taken) = pledge(&app, &member, wish, 1).await;
        assert!(taken.get("Applied").is_some(), "{taken}");
        let released = op(
            &app,
            &member,
            "wish.release",
            json!({ "pledge_id": pledge_id }),
        )
        .await;
        assert!(released.get("Applied").is_some(), "{released}");
    }
    let (_, fourth) = pledge(&app, &member, &wishes[3], 1).await;
    assert_eq!(fourth, json!({ "Rejected": "PledgeLimit" }));
    // Others are not held back by one member's cycling.
    let other = app.login("13800000008", PASSWORD).await;
    let (_, taken) = pledge(&app, &other, &wishes[3], 1).await;
    assert!(taken.get("Applied").is_some(), "{taken}");
}

#[tokio::test]
async fn a_resident_posts_five_wishes_a_day_and_photos_have_a_daily_quota() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    for n in 0..5 {
        post(&app, &resident, &format!("第{n}个心愿"), "", "").await;
    }
    let id = new_id();
    let fourth = op(
        &app,
        &resident,
        "wish.post",
        json!({
            "id": id, "community_id": community(&app, "幸福里社区").await, "title": "第六个",
            "story": "再发一个", "category": "elderly", "needed_by": in_days(10),
            "target": "", "unit": "", "address": ADDRESS, "on_behalf_of": null,
            "contact_phone": null, "photos": [],
        }),
    )
    .await;
    assert_eq!(fourth, json!({ "Rejected": "WishQuota" }));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM uploads").await,
        5,
        "each photo kept is counted for its uploader"
    );
    // The photo quota: sixty a day, then refused, and nothing of the refused op stays.
    let neighbour = app.login("13900000002", PASSWORD).await;
    let neighbour_id = app.user_id("13900000002").await;
    for n in 0..60 {
        app::db::query("INSERT INTO uploads (id, user_id, bytes, created_at) VALUES (?, ?, 1, ?)")
            .bind(format!("earlier-{n}"))
            .bind(&neighbour_id)
            .bind(app::state::now())
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let over = op(
        &app,
        &neighbour,
        "wish.post",
        json!({
            "id": new_id(), "community_id": community(&app, "幸福里社区").await, "title": "照片太多",
            "story": "第六十一张", "category": "elderly", "needed_by": in_days(10),
            "target": "", "unit": "", "address": ADDRESS, "on_behalf_of": null,
            "contact_phone": null, "photos": [jpeg_data_url(7)],
        }),
    )
    .await;
    assert_eq!(over, json!({ "Rejected": "PhotoQuota" }));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM wishes WHERE poster_id = '{neighbour_id}' AND title = '照片太多'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_member_holds_five_pledges_at_work_at_most() {
    let app = app().await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let mut wishes = Vec::new();
    for (n, resident) in [
        RESIDENT,
        RESIDENT,
        RESIDENT,
        "13900000002",
        "13900000002",
        "13900000002",
    ]
    .into_iter()
    .enumerate()
    {
        let cookie = app.login(resident, PASSWORD).await;
        wishes.push(published(&app, &cookie, &secretary, &format!("心愿{n}"), "", "").await);
    }
    for wish in &wishes[..5] {
        let (_, taken) = pledge(&app, &member, wish, 1).await;
        assert!(taken.get("Applied").is_some(), "{taken}");
    }
    let (_, sixth) = pledge(&app, &member, &wishes[5], 1).await;
    assert_eq!(sixth, json!({ "Rejected": "TooManyPledges" }));
}
