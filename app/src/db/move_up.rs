//! Moving up: a county's SQLite database copied into PostgreSQL, every table, in one
//! transaction that commits only once the copy is verified (rows per table, and the
//! ledger's sums per member and branch).

use super::Pool;
use sqlx::{PgPool, Postgres, Row, SqliteConnection, Transaction};
use std::collections::{BTreeMap, BTreeSet};

/// Kept by neither side: the schema history (each engine has its own), failed logins
/// (minutes of rate limiting) and claimed timer ticks (a day of bookkeeping).
const NOT_COPIED: &[&str] = &["_sqlx_migrations", "auth_attempts", "timer_ticks"];

/// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
const ROWS_PER_INSERT: usize = 500;

#[derive(Debug, Default)]
pub struct MoveReport {
    /// Rows copied, per table.
    pub rows: BTreeMap<String, i64>,
    /// The ledger's total on both sides.
    pub ledger_total: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error("move-up copies a SQLite database into PostgreSQL")]
    Engines,
    #[error("the PostgreSQL database already holds accounts: move up into an empty one")]
    TargetNotEmpty,
    #[error("table {table}: column {column} has type {kind}, which move-up does not copy")]
    UnknownType {
        table: String,
        column: String,
        kind: String,
    },
    #[error("verification failed, nothing was kept: {0}")]
    Mismatch(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Copies `source` (SQLite) into `target` (PostgreSQL, migrated and empty).
pub async fn move_up(source: &Pool, target: &Pool) -> Result<MoveReport, MoveError> {
    let (
        Pool::Sqlite {
            readers: source, ..
        },
        Pool::Postgres(target, _),
    ) = (source, target)
    else {
        return Err(MoveError::Engines);
    };
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(target)
        .await?;
    if users > 0 {
        return Err(MoveError::TargetNotEmpty);
    }
    let tables = tables_in_reference_order(target).await?;
    if let Some(odd) = tables.iter().find(|t| !plain_name(t)) {
        return Err(MoveError::Mismatch(format!(
            "unexpected table name {odd:?}"
        )));
    }
    let source = &mut *source.take().await?;
    let mut tx = target.begin().await?;
    let mut report = MoveReport::default();
    for table in &tables {
        let copied = copy_table(source, &mut tx, table).await?;
        report.rows.insert(table.clone(), copied);
    }
    verify(source, &mut tx, &mut report).await?;
    tx.commit().await?;
    // A bulk load has no planner statistics until autovacuum's first pass gathers them for
    // every table at once, a minute or so into the first day's traffic. The copy stands
    // committed whatever this answers.
    if let Err(error) = sqlx::query("ANALYZE").execute(target).await {
        tracing::warn!(%error, "ANALYZE after moving up failed; autovacuum will gather the statistics");
    }
    Ok(report)
}

/// The tables to copy, each after the tables it references (a row's references exist
/// before it is inserted).
async fn tables_in_reference_order(target: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .fetch_all(target)
    .await?;
    let references: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT CAST(conrelid::regclass AS TEXT), CAST(confrelid::regclass AS TEXT)
         FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid",
    )
    .fetch_all(target)
    .await?;
    let mut ordered = Vec::new();
    let mut placed = BTreeSet::new();
    let mut waiting: Vec<String> = tables
        .into_iter()
        .filter(|t| !NOT_COPIED.contains(&t.as_str()))
        .collect();
    while !waiting.is_empty() {
        let before = waiting.len();
        waiting.retain(|table| {
            let ready = references
                .iter()
                .filter(|(from, _)| from == table)
                .all(|(_, to)| placed.contains(to) || NOT_COPIED.contains(&to.as_str()));
            if ready {
                placed.insert(table.clone());
                ordered.push(table.clone());
            }
            !ready
        });
        if waiting.len() == before {
            // A cycle between tables: none here, but never loop on one.
            ordered.append(&mut waiting);
        }
    }
    Ok(ordered)
}

/// Names go into SQL text: only plain ones, as the migrations make them.
fn plain_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Bool,
    Bytes,
}

/// Copies one table in insertion order (SQLite's rowid), so a row that references an
/// earlier row of its own table (a ledger reversal) comes after it.
async fn copy_table(
    source: &mut SqliteConnection,
    tx: &mut Transaction<'static, Postgres>,
    table: &str,
) -> Result<i64, MoveError> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut **tx)
    .await?;
    let columns: Vec<(String, Kind)> = columns
        .into_iter()
        .map(|(column, kind)| {
            if !plain_name(&column) {
                return Err(MoveError::Mismatch(format!(
                    "unexpected column name {column:?}"
                )));
            }
            let parsed = match kind.as_str() {
                "bigint" => Kind::Int,
                "text" => Kind::Text,
                "boolean" => Kind::Bool,
                "bytea" => Kind::Bytes,
                _ => {
                    return Err(MoveError::UnknownType {
                        table: table.to_string(),
                        column,
                        kind,
                    })
                }
            };
            Ok((column, parsed))
        })
        .collect::<Result<_, _>>()?;
    let names = columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // A photo is up to a few megabytes: a few rows a statement, not a gigabyte.
    let per_insert = if columns.iter().any(|(_, kind)| matches!(kind, Kind::Bytes)) {
        4
    } else {
        ROWS_PER_INSERT
    };
    let mut last_rowid = i64::MIN;
    let mut copied = 0i64;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT rowid, {names} FROM \"{table}\" WHERE rowid > ? ORDER BY rowid LIMIT {per_insert}"
        ))
        .bind(last_rowid)
        .fetch_all(&mut *source)
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        last_rowid = last.try_get(0)?;
        let width = columns.len();
        let tuples = (0..rows.len())
            .map(|r| {
                let marks = (1..=width)
                    .map(|c| format!("${}", r * width + c))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("({marks})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO \"{table}\" ({names}) VALUES {tuples}");
        let mut insert = sqlx::query::<Postgres>(&sql);
        for row in &rows {
            for (i, (_, kind)) in columns.iter().enumerate() {
                insert = match kind {
                    Kind::Int => insert.bind(row.try_get::<Option<i64>, _>(i + 1)?),
                    Kind::Bytes => insert.bind(row.try_get::<Option<Vec<u8>>, _>(i + 1)?),
                    Kind::Text => insert.bind(row.try_get::<Option<String>, _>(i + 1)?),
                    Kind::Bool => insert.bind(row.try_get::<Option<bool>, _>(i + 1)?),
                };
            }
        }
        insert.execute(&mut **tx).await?;
        copied += rows.len() as i64;
    }
    Ok(copied)
}

/// Both sides hold the same number of rows in every table, and the ledger the same sum
/// for every member in every branch.
async fn verify(
    source: &mut SqliteConnection,
    tx: &mut Transaction<'static, Postgres>,
    report: &mut MoveReport,
) -> Result<(), MoveError> {
    for (table, copied) in &report.rows {
        let count = format!("SELECT COUNT(*) FROM \"{table}\"");
        let in_source: i64 = sqlx::query_scalar(&count).fetch_one(&mut *source).await?;
        let in_target: i64 = sqlx::query_scalar(&count).fetch_one(&mut **tx).await?;
        if in_source != in_target || in_target != *copied {
            return Err(MoveError::Mismatch(format!(
                "{table}: {in_source} rows in SQLite, {in_target} in PostgreSQL"
            )));
        }
    }
    let sums = "SELECT user_id, branch_id, CAST(SUM(points) AS BIGINT) FROM point_entries
                GROUP BY user_id, branch_id ORDER BY user_id, branch_id";
    let in_source: Vec<(String, String, i64)> =
        sqlx::query_as(sums).fetch_all(&mut *source).await?;
    let in_target: Vec<(String, String, i64)> = sqlx::query_as(sums).fetch_all(&mut **tx).await?;
    if in_source != in_target {
        return Err(MoveError::Mismatch(
            "the ledger's sums per member differ".into(),
        ));
    }
    report.ledger_total = in_target.iter().map(|(_, _, points)| points).sum();
    Ok(())
}
