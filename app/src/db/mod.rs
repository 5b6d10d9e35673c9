//! The database layer: one pool type over the two engines Zhibu runs on, embedded SQLite
//! (a county on one machine) and PostgreSQL (a province on many servers). Queries are
//! written once, in the SQL both engines agree on, with `?` or `?N` placeholders (turned
//! into `$N` for PostgreSQL); rows decode into the same structs on both. No pool or
//! connection type of sqlx appears outside this module.

pub mod move_up;
mod query;

pub use query::{query, query_as, query_scalar, Arg, Done, Exec, Query, Record, Scalar};

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// SQLite's schema history; PostgreSQL's has the same versions, in its own dialect.
pub static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which engine a database runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub enum Pool {
    /// SQLite lets one writer in at a time and makes the others poll with growing sleeps
    /// (up to 100 ms a try). So the writers of this process share one connection of their
    /// own, [`Writer`], in arrival order, and reads have the pool.
    Sqlite {
        readers: SqlitePool,
        writer: Writer,
    },
    Postgres(PgPool),
}

/// This process's SQLite writer connection, held in turn. Not a pool of one: a pool tests
/// a connection as it is handed back and again as it is handed out, and hands it back from
/// a task of its own; under a crowd of check-ins those steps took longer than the writes.
#[derive(Clone, Debug)]
pub struct Writer(std::sync::Arc<tokio::sync::Mutex<WriterConn>>);

#[derive(Debug)]
pub struct WriterConn {
    conn: sqlx::SqliteConnection,
    /// A transaction was begun and not yet ended.
    open: bool,
}

/// How long a writer waits for its turn before giving up, as SQLite's busy timeout would.
const WRITER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

impl Writer {
    /// A write transaction in this process's turn. IMMEDIATE: it takes SQLite's write lock
    /// at once, so a transaction that reads and then writes cannot fail at the write
    /// because another process (or a statement outside any transaction) wrote in between.
    async fn begin(&self) -> Result<WriterTurn, sqlx::Error> {
        let mut turn = tokio::time::timeout(WRITER_PATIENCE, self.0.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        // A transaction dropped while its rollback could not run.
        if turn.open {
            sqlx::query("ROLLBACK").execute(&mut turn.conn).await?;
            turn.open = false;
        }
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut turn.conn)
            .await?;
        turn.open = true;
        Ok(WriterTurn(Some(turn)))
    }
}

/// The writer connection in a transaction; dropped unended, the transaction rolls back
/// before the next writer's turn.
#[derive(Debug)]
pub struct WriterTurn(Option<tokio::sync::OwnedMutexGuard<WriterConn>>);

impl WriterTurn {
    fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.0.as_mut().expect("a turn in progress").conn
    }

    async fn end(mut self, statement: &str) -> Result<(), sqlx::Error> {
        let mut turn = self.0.take().expect("a turn in progress");
        // Ended either way: a failed COMMIT leaves SQLite's transaction open, and the next
        // turn rolls it back.
        sqlx::query(statement).execute(&mut turn.conn).await?;
        turn.open = false;
        Ok(())
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        if let Some(mut turn) = self.0.take() {
            if turn.open {
                tokio::spawn(async move {
                    if sqlx::query("ROLLBACK")
                        .execute(&mut turn.conn)
                        .await
                        .is_ok()
                    {
                        turn.open = false;
                    }
                });
            }
        }
    }
}

/// Writers of one database queue on this advisory lock (PostgreSQL), as SQLite's writers
/// do: every transaction sees the world as if it ran alone, the rule the capabilities'
/// check-then-write code was written under. A writer that names its key
/// ([`Pool::begin_keyed`]) holds it shared instead, so writers of different keys run side
/// by side while every other writer still waits for all of them.
const WRITE_LOCK: i64 = 0x007a_6869_6275; // "zhibu"

/// The class of the two-part advisory locks taken per key (PostgreSQL keeps one-part and
/// two-part advisory keys apart, so these never meet [`WRITE_LOCK`]).
const KEYED_LOCK_CLASS: i32 = 0x7a68; // "zh"

impl Pool {
    /// Opens the database at `url` (`sqlite://…` or `postgres://…`) and brings its schema
    /// up to date.
    pub async fn open(url: &str) -> Result<Pool, sqlx::Error> {
        let pool = Pool::connect(url).await?;
        match &pool {
            Pool::Sqlite { readers, .. } => SQLITE_MIGRATOR.run(readers).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATOR.run(p).await?,
        }
        Ok(pool)
    }

    /// Connects to the database at `url` as it is, schema untouched.
    pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
        match engine_of(url) {
            Some(Engine::Sqlite) => connect_sqlite(url).await,
            Some(Engine::Postgres) => connect_postgres(url).await,
            None => Err(sqlx::Error::Configuration(
                format!("unsupported DATABASE_URL {url}: use sqlite://… or postgres://…").into(),
            )),
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Pool::Sqlite { .. } => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// A transaction that takes turns with every other writer, so one that reads and then
    /// writes never acts on what another changed meanwhile.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self {
            Pool::Sqlite { writer, .. } => Ok(Tx(Conn::SqliteWriter(writer.begin().await?))),
            Pool::Postgres(pool) => {
                let mut tx = begin_postgres(pool).await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(Tx(Conn::PostgresTx(tx)))
            }
        }
    }

    /// A transaction that takes turns only with writers of the same `key` (and with every
    /// unkeyed writer). The key must name everything the transaction reads to decide what
    /// it writes: a check-in names its meeting's branch. SQLite has one writer at a time
    /// anyway, so there this is [`Pool::begin`].
    pub async fn begin_keyed(&self, key: &str) -> Result<Tx, sqlx::Error> {
        match self {
            Pool::Sqlite { .. } => self.begin().await,
            Pool::Postgres(pool) => {
                let mut tx = begin_postgres(pool).await?;
                // Shared before keyed, always in this order, so no two writers wait on
                // each other crosswise.
                sqlx::query("SELECT pg_advisory_xact_lock_shared($1), pg_advisory_xact_lock($2, hashtext($3))")
                    .bind(WRITE_LOCK)
                    .bind(KEYED_LOCK_CLASS)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                Ok(Tx(Conn::PostgresTx(tx)))
            }
        }
    }

    /// Since every writer now starts with SQLite's write lock, the same as [`Pool::begin`].
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        self.begin().await
    }

    /// A connection of its own, outside any transaction (several reads in a row).
    pub async fn acquire(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx(match self {
            Pool::Sqlite { readers, .. } => Conn::Sqlite(readers.acquire().await?),
            Pool::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        }))
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite { readers, .. } => readers.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// `n` numbered placeholders from `first` on (`?1, ?2, …`), for an `IN (…)` list that
/// both engines read (neither JSON function is common to them).
pub fn numbered_placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The engine a database URL names.
pub fn engine_of(url: &str) -> Option<Engine> {
    if url.starts_with("sqlite:") {
        Some(Engine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Engine::Postgres)
    } else {
        None
    }
}

/// Opens (creating if needed) the SQLite database in WAL mode.
async fn connect_sqlite(url: &str) -> Result<Pool, sqlx::Error> {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    use std::str::FromStr;
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(5));
    let readers = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone())
        .await?;
    let writer = Writer(std::sync::Arc::new(tokio::sync::Mutex::new(WriterConn {
        conn: sqlx::ConnectOptions::connect(&options).await?,
        open: false,
    })));
    Ok(Pool::Sqlite { readers, writer })
}

/// READ COMMITTED whatever the server's default: each statement then reads what committed
/// before it, after the transaction's lock was granted.
async fn begin_postgres(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
        .await
}

async fn connect_postgres(url: &str) -> Result<Pool, sqlx::Error> {
    use sqlx::postgres::PgPoolOptions;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await?;
    Ok(Pool::Postgres(pool))
}

/// One connection of either engine, in a transaction or not. Capabilities pass
/// `&mut Conn` to the functions that share their transaction.
#[derive(Debug)]
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    SqliteWriter(WriterTurn),
    Postgres(PoolConnection<Postgres>),
    PostgresTx(Transaction<'static, Postgres>),
}

impl Conn {
    pub fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) | Conn::SqliteWriter(_) => Engine::Sqlite,
            Conn::Postgres(_) | Conn::PostgresTx(_) => Engine::Postgres,
        }
    }

    /// Opens a savepoint: what runs until [`Conn::release`] or [`Conn::rollback_to`] can be
    /// undone alone (one offline op inside its batch's transaction).
    pub async fn savepoint(&mut self, name: &str) -> Result<(), sqlx::Error> {
        query(&format!("SAVEPOINT {name}"))
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    pub async fn release(&mut self, name: &str) -> Result<(), sqlx::Error> {
        query(&format!("RELEASE SAVEPOINT {name}"))
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    pub async fn rollback_to(&mut self, name: &str) -> Result<(), sqlx::Error> {
        query(&format!("ROLLBACK TO SAVEPOINT {name}"))
            .execute(&mut *self)
            .await?;
        query(&format!("RELEASE SAVEPOINT {name}"))
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

/// A connection held by its user: a transaction from [`Pool::begin`] (dropped without
/// [`Tx::commit`], it rolls back) or a plain connection from [`Pool::acquire`].
#[derive(Debug)]
pub struct Tx(Conn);

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::SqliteWriter(turn) => turn.end("COMMIT").await,
            Conn::PostgresTx(tx) => tx.commit().await,
            Conn::Sqlite(_) | Conn::Postgres(_) => Ok(()),
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::SqliteWriter(turn) => turn.end("ROLLBACK").await,
            Conn::PostgresTx(tx) => tx.rollback().await,
            Conn::Sqlite(_) | Conn::Postgres(_) => Ok(()),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

/// Claims tick `tick` of the periodic job `name` for `holder`: true for exactly one
/// claimant per tick, however many servers share the database, because the row's key
/// decides (an insert either lands or meets the row another server wrote).
pub async fn claim_tick(
    pool: &Pool,
    name: &str,
    tick: i64,
    holder: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = query(
        "INSERT INTO timer_ticks (name, tick, holder, started_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, tick) DO NOTHING",
    )
    .bind(name)
    .bind(tick)
    .bind(holder)
    .bind(crate::state::now())
    .execute(pool)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Forgets claimed ticks that started before `before` (UTC seconds).
pub async fn forget_ticks(pool: &Pool, before: i64) -> Result<(), sqlx::Error> {
    query("DELETE FROM timer_ticks WHERE started_at < ?")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn scratch() -> Pool {
        let dir = std::env::temp_dir().join(format!("zhibu-db-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let pool = Pool::connect(&format!("sqlite://{}", dir.join("t.db").display()))
            .await
            .unwrap();
        query("CREATE TABLE t (n BIGINT)")
            .execute(&pool)
            .await
            .unwrap();
        pool
    }

    async fn rows(pool: &Pool) -> Vec<i64> {
        query_scalar("SELECT n FROM t ORDER BY n")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_writer_dropped_midway_leaves_nothing_and_the_next_one_writes() {
        let pool = scratch().await;
        {
            let mut tx = pool.begin().await.unwrap();
            query("INSERT INTO t (n) VALUES (1)")
                .execute(&mut tx)
                .await
                .unwrap();
        }
        let mut tx = pool.begin().await.unwrap();
        query("INSERT INTO t (n) VALUES (2)")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        query("INSERT INTO t (n) VALUES (3)")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(rows(&pool).await, vec![2]);
    }

    #[tokio::test]
    async fn writers_take_turns_so_a_read_then_write_never_loses_an_update() {
        let pool = scratch().await;
        query("INSERT INTO t (n) VALUES (0)")
            .execute(&pool)
            .await
            .unwrap();
        let writers: Vec<_> = (0..50)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut tx = pool.begin().await.unwrap();
                    let n: i64 = query_scalar("SELECT n FROM t")
                        .fetch_one(&mut tx)
                        .await
                        .unwrap();
                    tokio::task::yield_now().await;
                    query("UPDATE t SET n = ?")
                        .bind(n + 1)
                        .execute(&mut tx)
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap();
        }
        assert_eq!(rows(&pool).await, vec![50]);
    }
}
