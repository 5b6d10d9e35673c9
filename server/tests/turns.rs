//! How writers take turns (`app::db::Pool::begin` and `begin_keyed`), on the engine the
//! tests run on: a keyed writer (a check-in, keyed by its branch) waits for an unkeyed one
//! and the other way round, and writers of one key take turns. On PostgreSQL writers of
//! different keys run side by side; SQLite has one writer at a time whatever the key.
//! Grouped work (`Pool::write_grouped`) shares its transaction with the work of its key
//! queued behind it, on both engines.

mod support;

use app::db::{query, query_scalar, Conn, Engine, Pool, Tx, Work};
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

/// A writer of a key that has begun, holding its turn until released.
struct Held {
    end: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Held {
    async fn begun(pool: &Pool, key: &str) -> Held {
        let (mut began, end, task) = writer(pool, Some(key));
        assert!(began_within(&mut began, AFTER_RELEASE).await);
        Held { end, task }
    }

    async fn release(self) {
        self.end.send(()).unwrap();
        self.task.await.unwrap();
    }
}

/// Work that records `n`, or fails after writing when `n` is negative. It answers with its
/// transaction's id on PostgreSQL (0 on SQLite, which has none to show).
fn add(n: i64) -> impl for<'c> FnOnce(&'c mut Conn) -> Work<'c, i64, sqlx::Error> + Send {
    move |conn| {
        Box::pin(async move {
            query("INSERT INTO t (n) VALUES (?)")
                .bind(n)
                .execute(&mut *conn)
                .await?;
            if n < 0 {
                return Err(sqlx::Error::RowNotFound);
            }
            match conn.engine() {
                Engine::Postgres => query_scalar("SELECT txid_current()").fetch_one(conn).await,
                Engine::Sqlite => Ok(0),
            }
        })
    }
}

async fn table(pool: &Pool) {
    query("CREATE TABLE t (n BIGINT)")
        .execute(pool)
        .await
        .unwrap();
}

async fn rows(pool: &Pool) -> Vec<i64> {
    query_scalar("SELECT n FROM t ORDER BY n")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Starts `add(n)` as grouped work of `key` in a task, once the work started before it
/// has been queued.
async fn grouped(
    pool: &Pool,
    key: &str,
    n: i64,
) -> tokio::task::JoinHandle<Result<i64, sqlx::Error>> {
    let pool = pool.clone();
    let key = key.to_string();
    let task = tokio::spawn(async move { pool.write_grouped(Some(&key), add(n)).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    task
}

#[tokio::test]
async fn a_branchs_crowd_queued_behind_a_writer_shares_one_transaction_committed_before_it_is_answered(
) {
    let (pool, _dir) = pool().await;
    table(&pool).await;
    let held = Held::begun(&pool, "branch-a").await;
    let mut crowd = Vec::new();
    for n in 1..=20 {
        crowd.push(grouped(&pool, "branch-a", n).await);
    }
    tokio::time::sleep(WHILE_HELD).await;
    assert!(
        crowd.iter().all(|task| !task.is_finished()),
        "they wait for the branch's turn"
    );
    held.release().await;
    let mut transactions = Vec::new();
    for task in crowd {
        let transaction = tokio::time::timeout(AFTER_RELEASE, task)
            .await
            .expect("answered")
            .unwrap()
            .unwrap();
        // Answered once committed: what it wrote is there for every reader.
        assert_eq!(rows(&pool).await, (1..=20).collect::<Vec<_>>());
        transactions.push(transaction);
    }
    if support::on_postgres() {
        transactions.dedup();
        assert_eq!(transactions.len(), 1, "one transaction for all 20");
    }
}

#[tokio::test]
async fn grouped_work_that_fails_spoils_its_own_group_only() {
    let (pool, _dir) = pool().await;
    table(&pool).await;
    let held = Held::begun(&pool, "branch-a").await;
    let first = grouped(&pool, "branch-a", 1).await;
    let failing = grouped(&pool, "branch-a", -1).await;
    let after = grouped(&pool, "branch-a", 2).await;
    held.release().await;
    assert!(matches!(
        failing.await.unwrap(),
        Err(sqlx::Error::RowNotFound)
    ));
    assert!(first.await.unwrap().is_err(), "rolled back with its group");
    // The work after the failure had not run: it is the next group's.
    assert!(after.await.unwrap().is_ok());
    assert_eq!(rows(&pool).await, vec![2]);
    assert!(pool.write_grouped(Some("branch-a"), add(3)).await.is_ok());
    assert_eq!(rows(&pool).await, vec![2, 3]);
}

#[tokio::test]
async fn grouped_work_whose_caller_left_still_commits_and_a_panic_loses_only_its_group() {
    let (pool, _dir) = pool().await;
    table(&pool).await;
    let held = Held::begun(&pool, "branch-a").await;
    let left = tokio::time::timeout(
        Duration::from_millis(50),
        pool.write_grouped(Some("branch-a"), add(1)),
    )
    .await;
    assert!(
        left.is_err(),
        "still waiting for the turn when its caller left"
    );
    held.release().await;
    // Queued behind the work whose caller left: answered, that one is done too.
    assert!(pool.write_grouped(Some("branch-a"), add(2)).await.is_ok());
    let panicked = pool
        .write_grouped(
            Some("branch-a"),
            |_: &mut Conn| -> Work<'_, i64, sqlx::Error> {
                Box::pin(async { panic!("a bug in one request") })
            },
        )
        .await;
    assert!(panicked.is_err());
    assert!(pool.write_grouped(Some("branch-a"), add(3)).await.is_ok());
    assert_eq!(rows(&pool).await, vec![1, 2, 3]);
}

/// PostgreSQL only: SQLite has one writer whatever the key.
#[tokio::test]
async fn grouped_work_of_another_branch_does_not_wait() {
    if !support::on_postgres() {
        return;
    }
    let (pool, _dir) = pool().await;
    table(&pool).await;
    let held = Held::begun(&pool, "branch-a").await;
    let same = grouped(&pool, "branch-a", 1).await;
    let other =
        tokio::time::timeout(AFTER_RELEASE, pool.write_grouped(Some("branch-b"), add(2))).await;
    assert!(other.expect("another branch's work goes").is_ok());
    assert!(!same.is_finished(), "branch-a's waits for branch-a's turn");
    held.release().await;
    assert!(same.await.unwrap().is_ok());
    assert_eq!(rows(&pool).await, vec![1, 2]);
}
