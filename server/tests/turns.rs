//! How writers take turns (`app::db::Pool::begin` and `begin_keyed`), on the engine the
//! tests run on: a keyed writer (a check-in, keyed by its branch) waits for an unkeyed one
//! and the other way round, and writers of one key take turns. On PostgreSQL writers of
//! different keys run side by side; SQLite has one writer at a time whatever the key.

mod support;

use app::db::{Pool, Tx};
use std::time::Duration;

async fn pool() -> (Pool, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = support::fresh_database_url(&dir).await;
    (Pool::open(&url).await.unwrap(), dir)
}

/// Starts `begin` in a task; the task holds the transaction it got until told to end it.
fn writer(
    pool: &Pool,
    key: Option<&str>,
) -> (
    tokio::sync::oneshot::Receiver<()>,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (began, began_rx) = tokio::sync::oneshot::channel();
    let (end, end_rx) = tokio::sync::oneshot::channel::<()>();
    let pool = pool.clone();
    let key = key.map(str::to_string);
    let task = tokio::spawn(async move {
        let tx: Tx = match &key {
            Some(key) => pool.begin_keyed(key).await.unwrap(),
            None => pool.begin().await.unwrap(),
        };
        let _ = began.send(());
        let _ = end_rx.await;
        tx.commit().await.unwrap();
    });
    (began_rx, end, task)
}

async fn began_within(rx: &mut tokio::sync::oneshot::Receiver<()>, wait: Duration) -> bool {
    tokio::time::timeout(wait, rx).await.is_ok()
}

const WHILE_HELD: Duration = Duration::from_millis(300);
const AFTER_RELEASE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_check_in_and_any_other_writer_wait_for_each_other() {
    let (pool, _dir) = pool().await;
    // An unkeyed writer holds: a keyed one waits, then goes.
    let (mut first, end_first, first_task) = writer(&pool, None);
    assert!(began_within(&mut first, AFTER_RELEASE).await);
    let (mut keyed, end_keyed, keyed_task) = writer(&pool, Some("branch-a"));
    assert!(!began_within(&mut keyed, WHILE_HELD).await);
    end_first.send(()).unwrap();
    first_task.await.unwrap();
    assert!(began_within(&mut keyed, AFTER_RELEASE).await);
    // A keyed writer holds: an unkeyed one waits, then goes.
    let (mut unkeyed, end_unkeyed, unkeyed_task) = writer(&pool, None);
    assert!(!began_within(&mut unkeyed, WHILE_HELD).await);
    end_keyed.send(()).unwrap();
    keyed_task.await.unwrap();
    assert!(began_within(&mut unkeyed, AFTER_RELEASE).await);
    end_unkeyed.send(()).unwrap();
    unkeyed_task.await.unwrap();
}

#[tokio::test]
async fn check_ins_of_one_branch_take_turns_and_of_two_branches_need_not() {
    let (pool, _dir) = pool().await;
    let (mut first, end_first, first_task) = writer(&pool, Some("branch-a"));
    assert!(began_within(&mut first, AFTER_RELEASE).await);
    let (mut same, end_same, same_task) = writer(&pool, Some("branch-a"));
    assert!(!began_within(&mut same, WHILE_HELD).await);
    if support::on_postgres() {
        let (mut other, end_other, other_task) = writer(&pool, Some("branch-b"));
        assert!(
            began_within(&mut other, AFTER_RELEASE).await,
            "another branch's check-in goes while branch-a's is open"
        );
        end_other.send(()).unwrap();
        other_task.await.unwrap();
    }
    end_first.send(()).unwrap();
    first_task.await.unwrap();
    assert!(began_within(&mut same, AFTER_RELEASE).await);
    end_same.send(()).unwrap();
    same_task.await.unwrap();
}
