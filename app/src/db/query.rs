//! Queries written once for both engines. Arguments are kept as values until the engine is
//! known (when the query runs), then bound natively; rows decode with each engine's own
//! types, so a struct deriving `sqlx::FromRow` reads the same from either.

use super::{Conn, Pool};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Type;
use sqlx::{Decode, FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection};
use std::borrow::Cow;
use std::marker::PhantomData;

/// One bound value. `None`s keep their type: PostgreSQL checks a NULL's type too.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($variant:ident: $($t:ty => $f:expr),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(Some(($f)(v)))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Arg {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(v.map($f))
            }
        }
    )*};
}

arg_from!(Text: String => |v| v, &str => str::to_string, &String => String::clone, &&str => |v: &&str| v.to_string());
arg_from!(Int: i64 => |v| v, &i64 => |v: &i64| *v, i32 => i64::from, u32 => i64::from);
arg_from!(Bool: bool => |v| v);
arg_from!(Bytes: Vec<u8> => |v| v, &[u8] => <[u8]>::to_vec);

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}

/// What a query runs on: a pool (a connection of its own for the one statement) or a
/// connection the caller holds.
pub enum Exec<'a> {
    SqliteReaders(&'a super::Readers),
    /// A statement alone in the SQLite writer's turn ([`Pool::for_write`]).
    SqliteWriter(&'a super::Writer),
    Sqlite(&'a mut SqliteConnection),
    PostgresPool(&'a PgPool),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a Pool> for Exec<'a> {
    fn from(pool: &'a Pool) -> Exec<'a> {
        match pool {
            Pool::Sqlite { readers, .. } => Exec::SqliteReaders(readers),
            Pool::Postgres(p, _) => Exec::PostgresPool(p),
        }
    }
}

impl<'a> From<&'a mut Conn> for Exec<'a> {
    fn from(conn: &'a mut Conn) -> Exec<'a> {
        match conn {
            Conn::Sqlite(c) => Exec::Sqlite(&mut *c),
            Conn::SqliteWriter(turn) => Exec::Sqlite(turn.conn()),
            Conn::Postgres(c) => Exec::Postgres(c),
            Conn::PostgresTx(c) => Exec::Postgres(c),
        }
    }
}

impl<'a> From<&'a mut super::Tx> for Exec<'a> {
    fn from(tx: &'a mut super::Tx) -> Exec<'a> {
        Exec::from(&mut **tx)
    }
}

/// A row type both engines decode.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A single column's type both engines decode.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

/// The result of a statement that returns no rows.
pub struct Done(u64);

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.0
    }
}

/// How a query's rows are read: not at all, as records, or as one column.
pub struct Plain;
pub struct Rows<T>(PhantomData<T>);
pub struct Column<T>(PhantomData<T>);

pub struct Query<'q, Out> {
    sql: &'q str,
    args: Vec<Arg>,
    out: PhantomData<Out>,
}

pub fn query(sql: &str) -> Query<'_, Plain> {
    Query::new(sql)
}

pub fn query_as<T: Record>(sql: &str) -> Query<'_, Rows<T>> {
    Query::new(sql)
}

pub fn query_scalar<T: Scalar>(sql: &str) -> Query<'_, Column<T>> {
    Query::new(sql)
}

impl<'q, Out> Query<'q, Out> {
    fn new(sql: &'q str) -> Self {
        // Tests run on SQLite too: a placeholder PostgreSQL would read otherwise fails there.
        if cfg!(debug_assertions) {
            dollar_placeholders(sql);
        }
        Query {
            sql,
            args: Vec::new(),
            out: PhantomData,
        }
    }

    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Binds each value in turn (the members of an `IN (…)` list).
    pub fn bind_each<V: Into<Arg>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.args.extend(values.into_iter().map(Into::into));
        self
    }
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Builds the sqlx query of the executor's engine (`sqlx::$build` with the generic
/// arguments after the engine's), binds and runs it (`$method`), and maps each engine's
/// own answer by `$answer`.
macro_rules! run {
    ($self:ident, $exec:ident, $build:ident [$($g:tt)*], $method:ident $(, $answer:expr)?) => {{
        let Query { sql, args, .. } = $self;
        match $exec.into() {
            Exec::SqliteReaders(readers) => {
                let mut reader = readers.take().await?;
                bind_all!(sqlx::$build::<Sqlite, $($g)*>(sql), args)
                    .$method(&mut *reader)
                    .await$(.map($answer))?
            }
            Exec::Sqlite(c) => bind_all!(sqlx::$build::<Sqlite, $($g)*>(sql), args)
                .$method(c)
                .await$(.map($answer))?,
            Exec::SqliteWriter(w) => {
                let mut turn = w.turn().await?;
                bind_all!(sqlx::$build::<Sqlite, $($g)*>(sql), args)
                    .$method(&mut turn.conn)
                    .await$(.map($answer))?
            }
            Exec::PostgresPool(p) => {
                let sql = dollar_placeholders(sql);
                bind_all!(sqlx::$build::<Postgres, $($g)*>(&sql), args)
                    .$method(p)
                    .await$(.map($answer))?
            }
            Exec::Postgres(c) => {
                let sql = dollar_placeholders(sql);
                bind_all!(sqlx::$build::<Postgres, $($g)*>(&sql), args)
                    .$method(c)
                    .await$(.map($answer))?
            }
        }
    }};
}

impl<'q> Query<'q, Plain> {
    pub async fn execute<'e>(self, exec: impl Into<Exec<'e>>) -> Result<Done, sqlx::Error> {
        run!(self, exec, query[], execute, |done| Done(done.rows_affected()))
    }
}

impl<'q, T: Record> Query<'q, Rows<T>> {
    pub async fn fetch_one<'e>(self, exec: impl Into<Exec<'e>>) -> Result<T, sqlx::Error> {
        run!(self, exec, query_as[_], fetch_one)
    }

    pub async fn fetch_optional<'e>(
        self,
        exec: impl Into<Exec<'e>>,
    ) -> Result<Option<T>, sqlx::Error> {
        run!(self, exec, query_as[_], fetch_optional)
    }

    pub async fn fetch_all<'e>(self, exec: impl Into<Exec<'e>>) -> Result<Vec<T>, sqlx::Error> {
        run!(self, exec, query_as[_], fetch_all)
    }
}

impl<'q, T: Scalar> Query<'q, Column<T>> {
    pub async fn fetch_one<'e>(self, exec: impl Into<Exec<'e>>) -> Result<T, sqlx::Error> {
        run!(self, exec, query_scalar[_], fetch_one)
    }

    pub async fn fetch_optional<'e>(
        self,
        exec: impl Into<Exec<'e>>,
    ) -> Result<Option<T>, sqlx::Error> {
        run!(self, exec, query_scalar[_], fetch_optional)
    }

    pub async fn fetch_all<'e>(self, exec: impl Into<Exec<'e>>) -> Result<Vec<T>, sqlx::Error> {
        run!(self, exec, query_scalar[_], fetch_all)
    }
}

/// SQLite's `?` and `?N` placeholders as PostgreSQL's `$N`; text in quotes is left alone.
/// A query uses one kind or the other: sqlx numbers SQLite's bare `?`s among themselves,
/// SQLite after the largest `?N`, so a query mixing them binds differently on the two.
pub(crate) fn dollar_placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut bare, mut numbered) = (0u32, false);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = digits.parse().unwrap_or(bare + 1);
                if digits.is_empty() {
                    bare += 1;
                } else {
                    numbered = true;
                }
                debug_assert!(
                    !(numbered && bare > 0),
                    "mixed ? and ?N placeholders: {sql}"
                );
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::dollar_placeholders;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2"
        );
        assert_eq!(
            dollar_placeholders("WHERE key = ?1 AND at > ?3 AND x = ?1 LIMIT ?2"),
            "WHERE key = $1 AND at > $3 AND x = $1 LIMIT $2"
        );
        assert_eq!(
            dollar_placeholders("SELECT '?' || ? FROM t WHERE n = 'a''?'"),
            "SELECT '?' || $1 FROM t WHERE n = 'a''?'"
        );
        assert_eq!(dollar_placeholders("SELECT 1"), "SELECT 1");
    }

    #[test]
    #[should_panic(expected = "mixed")]
    fn mixed_placeholders_are_refused_in_tests() {
        dollar_placeholders("SELECT ?1, ?");
    }
}
