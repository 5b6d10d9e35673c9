mod support;
use support::*;

use serde_json::{json, Value};

fn op(op_id: &str, kind: &str, payload: Value) -> Value {
    json!({ "op_id": op_id, "kind": kind, "payload": payload, "created_at": app::state::now() - 30 })
}

fn suggestion(body: &str) -> Value {
    let id = uuid::Uuid::now_v7().to_string();
    op(
        &uuid::Uuid::now_v7().to_string(),
        "suggestion.submit",
        json!({ "id": id, "body": body }),
    )
}

fn outcomes(reply: &Reply) -> Vec<Value> {
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].clone())
        .collect()
}

#[tokio::test]
async fn ops_apply_once_and_replays_get_the_first_answer() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let ops = vec![
        suggestion("路灯坏了"),
        suggestion("活动室要通风"),
        suggestion("学习资料请早发"),
    ];
    let first = outcomes(&app.sync(&member, &ops).await);
    assert_eq!(first.len(), 3);
    assert!(
        first.iter().all(|o| o.get("Applied").is_some()),
        "{first:?}"
    );
    let again = outcomes(&app.sync(&member, &ops).await);
    assert_eq!(first, again, "a replay gets the same answers");
    assert_eq!(app.count("SELECT COUNT(*) FROM suggestions").await, 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM applied_ops").await, 3);

    let listed = app.call("my_suggestions", Some(&member), &[]).await.json();
    let bodies: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.contains(&"活动室要通风"));
}

#[tokio::test]
async fn the_same_op_sent_twice_at_once_is_applied_once() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let ops = vec![suggestion("两个标签页同时发送")];
    let (a, b) = tokio::join!(app.sync(&member, &ops), app.sync(&member, &ops));
    assert_eq!(outcomes(&a), outcomes(&b));
    assert!(outcomes(&a)[0].get("Applied").is_some());
    assert_eq!(app.count("SELECT COUNT(*) FROM suggestions").await, 1);
}

#[tokio::test]
async fn rejections_are_final_kept_and_change_nothing() {
    let app = app().await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;

    let not_member = vec![suggestion("居民也想提建议")];
    let first = outcomes(&app.sync(&resident, &not_member).await);
    assert_eq!(first[0], json!({ "Rejected": "NotInBranch" }));
    assert_eq!(outcomes(&app.sync(&resident, &not_member).await), first);

    let bad = vec![
        suggestion("   "),
        op(&uuid::Uuid::now_v7().to_string(), "no.such.kind", json!({})),
        op(
            &uuid::Uuid::now_v7().to_string(),
            "suggestion.submit",
            json!({ "nonsense": true }),
        ),
        op("not-a-uuid", "suggestion.submit", json!({})),
    ];
    let answers = outcomes(&app.sync(&member, &bad).await);
    assert_eq!(
        answers,
        vec![
            json!({ "Rejected": "TextRequired" }),
            json!({ "Rejected": "UnknownOp" }),
            json!({ "Rejected": "BadPayload" }),
            json!({ "Rejected": "BadPayload" }),
        ]
    );
    // Someone else's op id is not theirs to replay.
    let stolen = outcomes(&app.sync(&member, &not_member).await);
    assert_eq!(stolen[0], json!({ "Rejected": "Forbidden" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM suggestions").await, 0);

    let anonymous = app.sync("zhibu_session=nope", &not_member).await;
    assert_eq!(anonymous.status, http::StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_burst_shares_commits_without_mixing_answers() {
    let app = app().await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other = app.login(GROUP_LEADER, PASSWORD).await;
    let twice = suggestion("同一条建议从两个页面同时发出");
    let mut sends = Vec::new();
    for i in 0..60 {
        let (cookie, op) = match i {
            // The same op from two tabs at once: applied once, both hear the same answer.
            0 | 1 => (member.clone(), twice.clone()),
            // Garbage between good ops: refused alone, the others go through.
            7 => (
                member.clone(),
                op(
                    &uuid::Uuid::now_v7().to_string(),
                    "suggestion.submit",
                    json!({ "body": 5 }),
                ),
            ),
            _ if i % 2 == 0 => (member.clone(), suggestion(&format!("建议{i}"))),
            _ => (other.clone(), suggestion(&format!("小组建议{i}"))),
        };
        sends.push((cookie, op));
    }
    let replies = futures_util::future::join_all(
        sends
            .iter()
            .map(|(cookie, op)| app.sync(cookie, std::slice::from_ref(op))),
    )
    .await;
    let answers: Vec<Value> = replies.iter().map(|r| outcomes(r)[0].clone()).collect();
    assert_eq!(
        answers[0], answers[1],
        "one op sent twice at once: one answer"
    );
    assert!(answers[0].get("Applied").is_some(), "{}", answers[0]);
    assert_eq!(answers[7]["Rejected"], "BadPayload", "{}", answers[7]);
    let applied = answers
        .iter()
        .filter(|a| a.get("Applied").is_some())
        .count();
    assert_eq!(applied, 59, "{answers:?}");
    // 58 distinct suggestions landed, each once, and each under whoever sent it; the
    // refusal is kept beside them.
    assert_eq!(app.count("SELECT COUNT(*) FROM suggestions").await, 58);
    assert_eq!(app.count("SELECT COUNT(*) FROM applied_ops").await, 59);
    let other_id = app.user_id(GROUP_LEADER).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM suggestions WHERE user_id = '{other_id}'"
        ))
        .await,
        28
    );
}
