//! The database layer: one pool type over the two engines Zhibu runs on, embedded SQLite
//! (a county on one machine) and PostgreSQL (a province on many servers). Queries are
//! written once, in the SQL both engines agree on, with `?` or `?N` placeholders (turned
//! into `$N` for PostgreSQL); rows decode into the same structs on both. No pool or
//! connection type of sqlx appears outside this module.

pub mod move_up;
mod query;

pub use query::{query, query_as, query_scalar, Arg, Done, Exec, Query, Record, Scalar};

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Weak;

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
        readers: Readers,
        writer: Writer,
        groups: Groups,
    },
    Postgres(PgPool, Turns),
}

/// How this process's PostgreSQL writers take turns: keyed ones queue per key before they
/// take a connection, and grouped work shares transactions per key.
#[derive(Clone, Debug, Default)]
pub struct Turns {
    queues: KeyQueues,
    groups: KeyedGroups,
}

/// Keyed writers of this process, one queue per key ([`Pool::begin_keyed`]). A writer
/// waits here before it takes a connection, so a crowd of one branch holds one connection
/// waiting on its advisory lock instead of the whole pool, and other branches go on.
#[derive(Clone, Debug, Default)]
pub struct KeyQueues(std::sync::Arc<std::sync::Mutex<HashMap<String, Weak<KeyQueue>>>>);

type KeyQueue = tokio::sync::Mutex<()>;

/// Queues kept before the ones nobody waits in are swept out.
const KEY_QUEUES_KEPT: usize = 1024;

impl KeyQueues {
    async fn turn(&self, key: &str) -> Result<tokio::sync::OwnedMutexGuard<()>, sqlx::Error> {
        let queue = {
            let mut queues = self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match queues.get(key).and_then(Weak::upgrade) {
                Some(queue) => queue,
                None => {
                    if queues.len() >= KEY_QUEUES_KEPT {
                        queues.retain(|_, queue| queue.strong_count() > 0);
                    }
                    let queue = std::sync::Arc::new(KeyQueue::default());
                    queues.insert(key.to_string(), std::sync::Arc::downgrade(&queue));
                    queue
                }
            }
        };
        tokio::time::timeout(WRITER_PATIENCE, queue.lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)
    }
}

/// SQLite's read connections, up to [`READERS`] of them, opened as needed. Not sqlx's
/// pool: that pings a connection as it hands it back and again as it hands it out, each a
/// trip to the connection's own thread and back, and hands it back from a task of its
/// own, so a one-statement read cost three trips and a task. A connection to a file on
/// this machine has nothing to lose between two statements.
#[derive(Clone, Debug)]
pub struct Readers(std::sync::Arc<ReadersInner>);

#[derive(Debug)]
struct ReadersInner {
    idle: std::sync::Mutex<Vec<sqlx::SqliteConnection>>,
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    options: sqlx::sqlite::SqliteConnectOptions,
}

const READERS: usize = 8;

/// How long a read waits for a free connection, as sqlx's pool would.
const READER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

impl Readers {
    fn new(options: sqlx::sqlite::SqliteConnectOptions) -> Readers {
        Readers(std::sync::Arc::new(ReadersInner {
            idle: Default::default(),
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(READERS)),
            options,
        }))
    }

    /// A read connection of the caller's own until dropped.
    pub async fn take(&self) -> Result<Reader, sqlx::Error> {
        let turn = tokio::time::timeout(READER_PATIENCE, self.0.turns.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self
            .0
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => sqlx::ConnectOptions::connect(&self.0.options).await?,
        };
        Ok(Reader {
            conn: Some(conn),
            home: std::sync::Arc::clone(&self.0),
            _turn: turn,
        })
    }

    fn close(&self) {
        self.0.turns.close();
        self.0
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

/// A read connection, back with the others when dropped.
#[derive(Debug)]
pub struct Reader {
    conn: Option<sqlx::SqliteConnection>,
    home: std::sync::Arc<ReadersInner>,
    /// Given up after the connection is back (fields drop after `Drop::drop`).
    _turn: tokio::sync::OwnedSemaphorePermit,
}

impl std::ops::Deref for Reader {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &sqlx::SqliteConnection {
        self.conn.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut sqlx::SqliteConnection {
        self.conn.as_mut().expect("held until dropped")
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        use sqlx::TransactionManager;
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if self.home.turns.is_closed() {
            return;
        }
        // A transaction left open on a plain connection ([`Pool::acquire`]) ends here, in
        // the connection's own thread, before anything the next holder sends.
        if SqliteTransactions::get_transaction_depth(&conn) > 0 {
            SqliteTransactions::start_rollback(&mut conn);
        }
        self.home
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(conn);
    }
}

/// This process's SQLite writer connection, held in turn. Not a pool of one: a pool tests
/// a connection as it is handed back and again as it is handed out, and hands it back from
/// a task of its own; under a crowd of check-ins those steps took longer than the writes.
#[derive(Clone, Debug)]
pub struct Writer(std::sync::Arc<tokio::sync::Mutex<WriterConn>>);

/// The future of one piece of grouped write work ([`Pool::write_grouped`]).
pub type Work<'c, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

/// Write work queued for the SQLite writer ([`Pool::write_grouped`]), taken a group at a
/// time by one task on a thread of its own: one BEGIN and one COMMIT for the whole group
/// instead of one each, the writer's turn passed on once, and no wait behind the
/// requests' tasks between one statement's answer and the next statement.
#[derive(Clone, Debug)]
pub struct Groups {
    queue: tokio::sync::mpsc::UnboundedSender<Box<dyn GroupMember>>,
    /// Dropped with the pool's last clone, which ends the thread.
    _stop: std::sync::Arc<tokio::sync::oneshot::Sender<()>>,
}

/// The most work one group commit takes: a group holds the writer's turn from its first
/// member to its last.
const GROUP_MOST: usize = 64;

/// One queued piece of work, of whatever answer type.
trait GroupMember: Send {
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut Conn,
    ) -> Pin<Box<dyn Future<Output = Box<dyn Settle>> + Send + 'c>>;
}

/// A member's result, held until its group is committed or rolled back.
trait Settle: Send {
    fn failed(&self) -> bool;
    fn settle(self: Box<Self>, committed: Result<(), String>);
}

struct Member<W, T, E> {
    work: W,
    answer: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<W, T, E> GroupMember for Member<W, T, E>
where
    W: for<'c> FnOnce(&'c mut Conn) -> Work<'c, T, E> + Send + 'static,
    T: Send + 'static,
    E: From<sqlx::Error> + Send + 'static,
{
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut Conn,
    ) -> Pin<Box<dyn Future<Output = Box<dyn Settle>> + Send + 'c>> {
        Box::pin(async move {
            let Member { work, answer } = *self;
            let result = work(conn).await;
            Box::new(Settled { result, answer }) as Box<dyn Settle>
        })
    }
}

struct Settled<T, E> {
    result: Result<T, E>,
    answer: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<T: Send, E: From<sqlx::Error> + Send> Settle for Settled<T, E> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    fn settle(self: Box<Self>, committed: Result<(), String>) {
        let result = match (self.result, committed) {
            (Ok(done), Ok(())) => Ok(done),
            (Ok(_), Err(why)) => Err(E::from(sqlx::Error::Protocol(why))),
            (Err(error), _) => Err(error),
        };
        // Nobody waits any more when the request was cancelled; its work stands.
        let _ = self.answer.send(result);
    }
}

impl Groups {
    /// Starts the thread whose task takes `writer`'s groups.
    fn start(writer: Writer) -> std::io::Result<Groups> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (queue, queued) = tokio::sync::mpsc::unbounded_channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("zhibu-writer".into())
            .spawn(move || {
                runtime.spawn(take_groups(writer, queued));
                let _ = runtime.block_on(stopped);
            })?;
        Ok(Groups {
            queue,
            _stop: std::sync::Arc::new(stop),
        })
    }

    fn queue(&self, member: Box<dyn GroupMember>) -> Result<(), sqlx::Error> {
        self.queue
            .send(member)
            .map_err(|_| sqlx::Error::WorkerCrashed)
    }
}

/// Grouped write work on PostgreSQL ([`Pool::write_grouped`]), queued per key. The first
/// work of a key starts a task that takes that key's queue a group at a time, each group
/// once its transaction has its turn: all of that key's work waiting by then, up to
/// [`GROUP_MOST`], in one transaction. A check-in of a 主题党日 then shares its BEGIN, its
/// turn on the locks and its COMMIT (three round trips it used to make alone, and most of
/// its wait for the branch's turn) with the rest of its branch's crowd. Keys still run
/// side by side, and the task runs on whether or not the requests wait for their answers.
#[derive(Clone, Default)]
pub struct KeyedGroups(std::sync::Arc<std::sync::Mutex<HashMap<Option<String>, KeyGroupQueue>>>);

/// One key's queued work; the key is in the map for as long as its task runs.
type KeyGroupQueue = std::collections::VecDeque<Box<dyn GroupMember>>;

impl std::fmt::Debug for KeyedGroups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedGroups").finish_non_exhaustive()
    }
}

impl KeyedGroups {
    fn queues(&self) -> std::sync::MutexGuard<'_, HashMap<Option<String>, KeyGroupQueue>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `member` under `key`; true when no task takes that key's groups yet, so the
    /// caller must start one.
    fn queue(&self, key: &Option<String>, member: Box<dyn GroupMember>) -> bool {
        let mut queues = self.queues();
        match queues.get_mut(key) {
            Some(queue) => {
                queue.push_back(member);
                false
            }
            None => {
                queues.insert(key.clone(), KeyGroupQueue::from([member]));
                true
            }
        }
    }

    /// Up to `most` of `key`'s queued work, oldest first.
    fn take(&self, key: &Option<String>, most: usize) -> Vec<Box<dyn GroupMember>> {
        let mut queues = self.queues();
        let Some(queue) = queues.get_mut(key) else {
            return Vec::new();
        };
        let n = queue.len().min(most);
        queue.drain(..n).collect()
    }

    /// Puts work that did not run back at the head of `key`'s queue; then true, and the
    /// key's task done, when nothing is left to take.
    fn put_back_and_finish(&self, key: &Option<String>, unrun: Vec<Box<dyn GroupMember>>) -> bool {
        let mut queues = self.queues();
        let Some(queue) = queues.get_mut(key) else {
            return true;
        };
        for member in unrun.into_iter().rev() {
            queue.push_front(member);
        }
        if queue.is_empty() {
            queues.remove(key);
            true
        } else {
            false
        }
    }
}

/// Takes `key`'s queued work a group at a time until none is left ([`KeyedGroups`]).
async fn take_key_groups(pool: Pool, key: Option<String>) {
    let Pool::Postgres(_, turns) = &pool else {
        return;
    };
    let groups = &turns.groups;
    loop {
        let began = match &key {
            Some(key) => pool.begin_keyed(key).await,
            None => pool.begin().await,
        };
        let unrun = match began {
            Ok(tx) => {
                let group = groups.take(&key, GROUP_MOST);
                // A task of its own, so a member that panics loses its group (their
                // answers are dropped: an error, retried) but not this key's queue.
                tokio::spawn(commit_group(tx, group))
                    .await
                    .unwrap_or_default()
            }
            // Dropped unanswered: each member waiting is told its write was lost.
            Err(_) => {
                drop(groups.take(&key, usize::MAX));
                Vec::new()
            }
        };
        if groups.put_back_and_finish(&key, unrun) {
            return;
        }
    }
}

/// Takes the queued work a group at a time: once the writer's turn comes, all that is
/// waiting by then, up to [`GROUP_MOST`].
async fn take_groups(
    writer: Writer,
    mut queued: tokio::sync::mpsc::UnboundedReceiver<Box<dyn GroupMember>>,
) {
    let mut group = Vec::with_capacity(GROUP_MOST);
    loop {
        if group.is_empty() && queued.recv_many(&mut group, GROUP_MOST).await == 0 {
            return;
        }
        let tx = match writer.begin().await {
            Ok(turn) => Tx::unkeyed(Conn::SqliteWriter(turn)),
            // Dropped unanswered: each member is told its write was lost.
            Err(_) => {
                group.clear();
                continue;
            }
        };
        while group.len() < GROUP_MOST {
            match queued.try_recv() {
                Ok(member) => group.push(member),
                Err(_) => break,
            }
        }
        // A task of its own, so a member that panics loses its group (their answers are
        // dropped: an error, retried) but not the writer.
        group = tokio::spawn(commit_group(tx, std::mem::take(&mut group)))
            .await
            .unwrap_or_default();
    }
}

/// Runs `group` in `tx` and answers its members. A member that fails spoils the group: it
/// is rolled back and every member that ran answered with an error (their phones send
/// again). The members after it have not run; they are handed back, for the next group.
async fn commit_group(mut tx: Tx, group: Vec<Box<dyn GroupMember>>) -> Vec<Box<dyn GroupMember>> {
    let mut members = group.into_iter();
    let mut settled = Vec::new();
    let mut spoiled = false;
    for member in members.by_ref() {
        let done = member.run(&mut tx).await;
        spoiled = done.failed();
        settled.push(done);
        if spoiled {
            break;
        }
    }
    let committed = if spoiled {
        drop(tx);
        Err("rolled back with a failed write of the same group".to_string())
    } else {
        tx.commit().await.map_err(|error| error.to_string())
    };
    for done in settled {
        done.settle(committed.clone());
    }
    members.collect()
}

#[derive(Debug)]
pub struct WriterConn {
    conn: sqlx::SqliteConnection,
    /// To open the connection again should it lose track of its transaction.
    options: sqlx::sqlite::SqliteConnectOptions,
}

/// sqlx's own bookkeeping of a SQLite connection's transaction. It lives in the
/// connection's worker thread, so it stays right when a request is cancelled mid-statement
/// (a phone leaving the page): a BEGIN nobody waits for is rolled back there, a COMMIT
/// nobody waits for still counts.
type SqliteTransactions = sqlx::sqlite::SqliteTransactionManager;

/// How long a writer waits for its turn before giving up, as SQLite's busy timeout would.
const WRITER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

impl Writer {
    /// The writer connection in the caller's turn, with no transaction of an earlier turn
    /// left open.
    async fn turn(&self) -> Result<tokio::sync::OwnedMutexGuard<WriterConn>, sqlx::Error> {
        use sqlx::TransactionManager;
        let mut turn = tokio::time::timeout(WRITER_PATIENCE, self.0.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        if SqliteTransactions::get_transaction_depth(&turn.conn) > 0
            && SqliteTransactions::rollback(&mut turn.conn).await.is_err()
        {
            // SQLite ended the transaction by itself (a full disk, an I/O error), so the
            // connection no longer knows where it stands: a new one.
            tracing::warn!("the SQLite writer connection is opened again");
            turn.conn = sqlx::ConnectOptions::connect(&turn.options).await?;
        }
        Ok(turn)
    }

    /// A write transaction in this process's turn. IMMEDIATE: it takes SQLite's write lock
    /// at once, so a transaction that reads and then writes cannot fail at the write
    /// because another process wrote in between.
    async fn begin(&self) -> Result<WriterTurn, sqlx::Error> {
        use sqlx::TransactionManager;
        let mut turn = self.turn().await?;
        SqliteTransactions::begin(&mut turn.conn, Some("BEGIN IMMEDIATE".into())).await?;
        Ok(WriterTurn(turn))
    }
}

/// The writer connection in a transaction; dropped unended, the transaction is rolled back
/// before the connection runs anything else.
#[derive(Debug)]
pub struct WriterTurn(tokio::sync::OwnedMutexGuard<WriterConn>);

impl WriterTurn {
    fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.0.conn
    }

    async fn commit(mut self) -> Result<(), sqlx::Error> {
        use sqlx::TransactionManager;
        SqliteTransactions::commit(&mut self.0.conn).await
    }

    async fn rollback(mut self) -> Result<(), sqlx::Error> {
        use sqlx::TransactionManager;
        SqliteTransactions::rollback(&mut self.0.conn).await
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        use sqlx::TransactionManager;
        if SqliteTransactions::get_transaction_depth(&self.0.conn) > 0 {
            // Queued in the connection's worker, ahead of whatever the next turn sends.
            SqliteTransactions::start_rollback(&mut self.0.conn);
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
            Pool::Sqlite { readers, .. } => {
                SQLITE_MIGRATOR.run(&mut *readers.take().await?).await?
            }
            Pool::Postgres(p, _) => POSTGRES_MIGRATOR.run(p).await?,
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
            Pool::Postgres(..) => Engine::Postgres,
        }
    }

    /// A transaction that takes turns with every other writer, so one that reads and then
    /// writes never acts on what another changed meanwhile.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self {
            Pool::Sqlite { writer, .. } => {
                Ok(Tx::unkeyed(Conn::SqliteWriter(writer.begin().await?)))
            }
            Pool::Postgres(pool, _) => {
                let mut tx = begin_postgres(pool).await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(Tx::unkeyed(Conn::PostgresTx(tx)))
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
            Pool::Postgres(pool, turns) => {
                let turn = turns.queues.turn(key).await?;
                let mut tx = begin_postgres(pool).await?;
                // Shared before keyed, always in this order, so no two writers wait on
                // each other crosswise.
                sqlx::query("SELECT pg_advisory_xact_lock_shared($1), pg_advisory_xact_lock($2, hashtext($3))")
                    .bind(WRITE_LOCK)
                    .bind(KEYED_LOCK_CLASS)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                Ok(Tx {
                    conn: Conn::PostgresTx(tx),
                    _key_turn: Some(turn),
                })
            }
        }
    }

    /// Where a single statement that writes runs outside any transaction (a session, a
    /// timer's tick): on SQLite, in the writer's turn, since a write from a reader
    /// connection would poll SQLite's lock while the writers hand it on without a gap.
    pub fn for_write(&self) -> Exec<'_> {
        match self {
            Pool::Sqlite { writer, .. } => Exec::SqliteWriter(writer),
            Pool::Postgres(pool, _) => Exec::PostgresPool(pool),
        }
    }

    /// Runs `work` in a write transaction and answers once that is committed. The
    /// transaction may be shared with the work queued behind it, committed once for all of
    /// them (a group commit): on SQLite all queued work shares it ([`Groups`]); on
    /// PostgreSQL the work of one `key` does ([`KeyedGroups`]), taking turns by it as
    /// [`Pool::begin_keyed`] does.
    ///
    /// `work` that fails spoils its group: the group is rolled back and every member of it
    /// answered with an error. So work that refuses should undo what it wrote and answer
    /// `Ok` with its refusal; only trouble (the database's) should be an `Err`.
    pub async fn write_grouped<T, E, W>(&self, key: Option<&str>, work: W) -> Result<T, E>
    where
        W: for<'c> FnOnce(&'c mut Conn) -> Work<'c, T, E> + Send + 'static,
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let member = Box::new(Member { work, answer });
        match self {
            Pool::Sqlite { groups, .. } => groups.queue(member)?,
            Pool::Postgres(_, turns) => {
                let key = key.map(str::to_string);
                if turns.groups.queue(&key, member) {
                    tokio::spawn(take_key_groups(self.clone(), key));
                }
            }
        }
        // No answer: the member was dropped unrun (its group could not begin) or its group
        // was lost to a panic.
        answered
            .await
            .map_err(|_| E::from(sqlx::Error::WorkerCrashed))?
    }

    /// A connection of its own, outside any transaction (several reads in a row).
    pub async fn acquire(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx::unkeyed(match self {
            Pool::Sqlite { readers, .. } => Conn::Sqlite(readers.take().await?),
            Pool::Postgres(pool, _) => Conn::Postgres(pool.acquire().await?),
        }))
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite { readers, .. } => readers.close(),
            Pool::Postgres(pool, _) => pool.close().await,
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
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use std::str::FromStr;
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(5));
    let readers = Readers::new(options.clone());
    let writer = Writer(std::sync::Arc::new(tokio::sync::Mutex::new(WriterConn {
        conn: sqlx::ConnectOptions::connect(&options).await?,
        options,
    })));
    let groups = Groups::start(writer.clone())?;
    Ok(Pool::Sqlite {
        readers,
        writer,
        groups,
    })
}

/// READ COMMITTED whatever the server's default: each statement then reads what committed
/// before it, after the transaction's lock was granted.
///
/// The lock is taken by a statement of its own once BEGIN has answered, a round trip more
/// than sending both as one simple query, on purpose: sqlx counts the transaction open
/// only once its BEGIN has answered, so a begin cancelled (a phone leaving) or failed
/// while waiting for the lock would hand its connection back to the pool still in the
/// transaction, holding the lock once granted, with no rollback queued.
async fn begin_postgres(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
        .await
}

/// The connections each app server keeps to PostgreSQL.
const POSTGRES_CONNECTIONS: u32 = 16;

async fn connect_postgres(url: &str) -> Result<Pool, sqlx::Error> {
    use sqlx::postgres::PgPoolOptions;
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        // All of them open from the start and kept open, idle or not. Opened on demand,
        // they were opened by the first phones of a burst: each a new server process and
        // its authentication, then every statement prepared and every table looked up
        // afresh on it. The first second of a 主题党日 at 1,000 check-ins a second waited
        // 340 ms (p50) for that; sqlx also closes connections idle for 10 minutes, so a
        // server up all morning met its burst as cold.
        .min_connections(POSTGRES_CONNECTIONS)
        // Not pinged before it is handed out: that is a round trip to the server before
        // each statement outside a transaction, and the crowd of a 主题党日 made the
        // machine's cores the limit. A connection the server closed (a restart) fails its
        // next statement instead and is dropped; the pool still pings each one handed
        // back.
        .test_before_acquire(false)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await?;
    Ok(Pool::Postgres(pool, Turns::default()))
}

/// One connection of either engine, in a transaction or not. Capabilities pass
/// `&mut Conn` to the functions that share their transaction.
#[derive(Debug)]
pub enum Conn {
    Sqlite(Reader),
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
pub struct Tx {
    conn: Conn,
    /// The place in this process's queue of its key, given up with the transaction.
    _key_turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    fn unkeyed(conn: Conn) -> Tx {
        Tx {
            conn,
            _key_turn: None,
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.conn {
            Conn::SqliteWriter(turn) => turn.commit().await,
            Conn::PostgresTx(tx) => tx.commit().await,
            Conn::Sqlite(_) | Conn::Postgres(_) => Ok(()),
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.conn {
            Conn::SqliteWriter(turn) => turn.rollback().await,
            Conn::PostgresTx(tx) => tx.rollback().await,
            Conn::Sqlite(_) | Conn::Postgres(_) => Ok(()),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
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
    .execute(pool.for_write())
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Forgets claimed ticks that started before `before` (UTC seconds).
pub async fn forget_ticks(pool: &Pool, before: i64) -> Result<(), sqlx::Error> {
    query("DELETE FROM timer_ticks WHERE started_at < ?")
        .bind(before)
        .execute(pool.for_write())
        .await?;
    Ok(())
}

/// The tables a 主题党日 burst writes, whose automatic analysis migration 0017 turned off on
/// PostgreSQL so that it cannot land in the middle of a burst.
pub const BURST_TABLES: [&str; 6] = [
    "attendance",
    "applied_ops",
    "meeting_expected",
    "meetings",
    "checkin_refusals",
    "sessions",
];

/// Gathers the planner statistics of [`BURST_TABLES`] (the server's timer does it at night).
/// SQLite gathers none by itself, so there is nothing to make up for there.
pub async fn refresh_statistics(pool: &Pool) -> Result<(), sqlx::Error> {
    if pool.engine() != Engine::Postgres {
        return Ok(());
    }
    query(&format!("ANALYZE {}", BURST_TABLES.join(", ")))
        .execute(pool.for_write())
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

    /// A request cancelled mid-step (a phone leaving the page) drops its transaction's
    /// future while the statement still runs in the connection's worker.
    #[tokio::test]
    async fn a_writer_cancelled_at_any_step_leaves_the_next_ones_free() {
        use std::time::Duration;
        let pool = scratch().await;
        let _ = tokio::time::timeout(Duration::ZERO, pool.begin()).await;
        let mut tx = pool.begin().await.unwrap();
        query("INSERT INTO t (n) VALUES (1)")
            .execute(&mut tx)
            .await
            .unwrap();
        let _ = tokio::time::timeout(Duration::ZERO, tx.commit()).await;
        let mut tx = pool.begin().await.unwrap();
        query("INSERT INTO t (n) VALUES (2)")
            .execute(&mut tx)
            .await
            .unwrap();
        let _ = tokio::time::timeout(Duration::ZERO, tx.rollback()).await;
        let mut tx = pool.begin().await.unwrap();
        query("INSERT INTO t (n) VALUES (3)")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        query("INSERT INTO t (n) VALUES (4)")
            .execute(pool.for_write())
            .await
            .unwrap();
        let rows = rows(&pool).await;
        assert!(
            !rows.contains(&2),
            "the cancelled rollback still rolled back"
        );
        assert!(rows.ends_with(&[3, 4]), "{rows:?}");
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

    /// Work that adds `n` to the table, or fails after writing when `n` is negative.
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
                query_scalar("SELECT COUNT(*) FROM t").fetch_one(conn).await
            })
        }
    }

    #[tokio::test]
    async fn grouped_writes_run_in_order_and_answer_once_committed() {
        let pool = scratch().await;
        let writes: Vec<_> = (1..=200)
            .map(|n| {
                let pool = pool.clone();
                tokio::spawn(async move { pool.write_grouped(None, add(n)).await })
            })
            .collect();
        let mut seen = Vec::new();
        for write in writes {
            let count = write.await.unwrap().unwrap();
            // Answered only after its commit: what it saw is there for everyone.
            assert!(rows(&pool).await.len() as i64 >= count);
            seen.push(count);
        }
        seen.sort_unstable();
        assert_eq!(
            seen,
            (1..=200).collect::<Vec<_>>(),
            "each saw the ones before it"
        );
        assert_eq!(rows(&pool).await, (1..=200).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_failed_write_spoils_only_its_own_group() {
        let pool = scratch().await;
        // Held, so the three queue up and are taken as one group.
        let turn = pool.begin().await.unwrap();
        let writes: Vec<_> = [1, -1, 2]
            .into_iter()
            .map(|n| {
                let pool = pool.clone();
                tokio::spawn(async move { pool.write_grouped(None, add(n)).await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        drop(turn);
        let answers: Vec<_> = futures_of(writes).await;
        assert!(
            matches!(answers[1], Err(sqlx::Error::RowNotFound)),
            "{answers:?}"
        );
        assert!(
            answers[0].is_err(),
            "rolled back with its group: {answers:?}"
        );
        // The one after the failure had not run: it is the next group's.
        assert_eq!(answers[2].as_ref().ok(), Some(&1), "{answers:?}");
        assert_eq!(rows(&pool).await, vec![2]);
        assert_eq!(pool.write_grouped(None, add(3)).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_write_that_panics_loses_its_group_not_the_writer() {
        let pool = scratch().await;
        let panicked = pool
            .write_grouped(None, |_: &mut Conn| -> Work<'_, i64, sqlx::Error> {
                Box::pin(async { panic!("a bug in one request") })
            })
            .await;
        assert!(panicked.is_err());
        assert_eq!(pool.write_grouped(None, add(1)).await.unwrap(), 1);
        let mut tx = pool.begin().await.unwrap();
        query("INSERT INTO t (n) VALUES (2)")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(rows(&pool).await, vec![1, 2]);
    }

    #[tokio::test]
    async fn grouped_work_whose_caller_left_still_commits() {
        let pool = scratch().await;
        let _ =
            tokio::time::timeout(std::time::Duration::ZERO, pool.write_grouped(None, add(1))).await;
        // The next write is queued behind it, so its answer means the first one is done.
        assert_eq!(pool.write_grouped(None, add(2)).await.unwrap(), 2);
        assert_eq!(rows(&pool).await, vec![1, 2]);
    }

    async fn futures_of<T: std::fmt::Debug>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }
}
