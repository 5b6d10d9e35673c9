//! SQL on the star tables. Templates and assessments are only ever added: the latest of a
//! kind counts (by time, then by id, which UUIDv7 orders by time too).

use crate::db::{numbered_placeholders, query, query_as, Conn, Pool};

#[derive(sqlx::FromRow)]
pub struct TemplateRow {
    pub id: String,
    pub committee_id: String,
    pub committee_name: String,
    pub body: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
pub struct AssessmentRow {
    pub id: String,
    pub branch_id: String,
    pub kind: String,
    pub template_id: String,
    pub marks: String,
    pub comment: String,
    pub stars: i64,
    pub blocked_by: Option<String>,
    pub created_by_name: String,
    pub created_at: i64,
    /// The field of the template it was marked against.
    pub field: String,
}

const TEMPLATE_COLUMNS: &str =
    "t.id, t.committee_id, o.name AS committee_name, t.body, t.created_at";

pub async fn insert_template(
    conn: &mut Conn,
    id: &str,
    committee_id: &str,
    field: &str,
    body: &str,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO star_templates (id, committee_id, field, body, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(committee_id)
    .bind(field)
    .bind(body)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The current version of each field's template kept by any of `committees`.
pub async fn current_templates(
    pool: &Pool,
    committees: &[String],
) -> Result<Vec<TemplateRow>, sqlx::Error> {
    if committees.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {TEMPLATE_COLUMNS} FROM star_templates t JOIN orgs o ON o.id = t.committee_id
         WHERE t.committee_id IN ({})
           AND NOT EXISTS (SELECT 1 FROM star_templates n
                           WHERE n.committee_id = t.committee_id AND n.field = t.field
                             AND (n.created_at > t.created_at
                                  OR (n.created_at = t.created_at AND n.id > t.id)))
         ORDER BY t.field",
        numbered_placeholders(1, committees.len())
    );
    query_as(&sql).bind_each(committees).fetch_all(pool).await
}

/// Any version of a template, current or not, with its 党委.
pub async fn template(pool: &Pool, id: &str) -> Result<Option<TemplateRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM star_templates t JOIN orgs o ON o.id = t.committee_id
         WHERE t.id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub struct NewAssessment<'a> {
    pub id: &'a str,
    pub branch_id: &'a str,
    pub year: i64,
    pub kind: &'a str,
    pub template_id: &'a str,
    pub marks: &'a str,
    pub comment: &'a str,
    pub stars: i64,
    pub blocked_by: Option<&'a str>,
    pub by: &'a str,
    pub at: i64,
}

pub async fn insert_assessment(conn: &mut Conn, a: &NewAssessment<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO star_assessments (id, branch_id, year, kind, template_id, marks, comment,
                                       stars, blocked_by, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(a.id)
    .bind(a.branch_id)
    .bind(a.year)
    .bind(a.kind)
    .bind(a.template_id)
    .bind(a.marks)
    .bind(a.comment)
    .bind(a.stars)
    .bind(a.blocked_by)
    .bind(a.by)
    .bind(a.at)
    .execute(conn)
    .await?;
    Ok(())
}

const ASSESSMENT_COLUMNS: &str = "a.id, a.branch_id, a.kind, a.template_id, a.marks, a.comment,
     a.stars, a.blocked_by, u.name AS created_by_name, a.created_at, t.field";
const ASSESSMENT_TABLES: &str = "star_assessments a JOIN users u ON u.id = a.created_by
     JOIN star_templates t ON t.id = a.template_id";

/// Every assessment of the branch's year, newest first.
pub async fn assessments(
    pool: &Pool,
    branch_id: &str,
    year: i64,
) -> Result<Vec<AssessmentRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM {ASSESSMENT_TABLES}
         WHERE a.branch_id = ? AND a.year = ? ORDER BY a.created_at DESC, a.id DESC"
    ))
    .bind(branch_id)
    .bind(year)
    .fetch_all(pool)
    .await
}

/// The latest assessment of each kind for each of `branches` in `year`.
pub async fn latest_assessments(
    pool: &Pool,
    branches: &[String],
    year: i64,
) -> Result<Vec<AssessmentRow>, sqlx::Error> {
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    let n = branches.len();
    let sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM {ASSESSMENT_TABLES}
         WHERE a.branch_id IN ({}) AND a.year = ?{year}
           AND NOT EXISTS (SELECT 1 FROM star_assessments n
                           WHERE n.branch_id = a.branch_id AND n.year = a.year AND n.kind = a.kind
                             AND (n.created_at > a.created_at
                                  OR (n.created_at = a.created_at AND n.id > a.id)))",
        numbered_placeholders(1, n),
        year = n + 1,
    );
    query_as(&sql)
        .bind_each(branches)
        .bind(year)
        .fetch_all(pool)
        .await
}

pub async fn set_cadre(
    conn: &mut Conn,
    branch_id: &str,
    cadre_id: &str,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO branch_cadres (branch_id, cadre_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (branch_id) DO UPDATE SET cadre_id = excluded.cadre_id,
           assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
    )
    .bind(branch_id)
    .bind(cadre_id)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Each of `branches`' 包联 cadre: (branch, cadre's id, cadre's name).
pub async fn cadres(
    pool: &Pool,
    branches: &[String],
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    query_as(&format!(
        "SELECT c.branch_id, c.cadre_id, u.name FROM branch_cadres c JOIN users u ON u.id = c.cadre_id
         WHERE c.branch_id IN ({})",
        numbered_placeholders(1, branches.len())
    ))
    .bind_each(branches)
    .fetch_all(pool)
    .await
}

#[derive(sqlx::FromRow)]
pub struct LedgerRow {
    pub id: String,
    pub branch_id: String,
    pub basic: Option<String>,
    pub item: String,
    pub follow_up_name: String,
    pub due_at: i64,
    pub done_at: Option<i64>,
    pub done_note: Option<String>,
}

pub struct NewLedgerItem<'a> {
    pub id: &'a str,
    pub branch_id: &'a str,
    pub year: i64,
    pub basic: Option<&'a str>,
    pub item: &'a str,
    pub follow_up_by: &'a str,
    pub due_at: i64,
    pub by: &'a str,
    pub at: i64,
}

pub async fn insert_ledger_item(conn: &mut Conn, i: &NewLedgerItem<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO ledger_items (id, branch_id, year, basic, item, follow_up_by, due_at,
                                   created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(i.id)
    .bind(i.branch_id)
    .bind(i.year)
    .bind(i.basic)
    .bind(i.item)
    .bind(i.follow_up_by)
    .bind(i.due_at)
    .bind(i.by)
    .bind(i.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The 台账 of `branches` for `year`: open items first, by due date.
pub async fn ledger(
    pool: &Pool,
    branches: &[String],
    year: i64,
) -> Result<Vec<LedgerRow>, sqlx::Error> {
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    let n = branches.len();
    query_as(&format!(
        "SELECT l.id, l.branch_id, l.basic, l.item, u.name AS follow_up_name, l.due_at, l.done_at,
                l.done_note
         FROM ledger_items l JOIN users u ON u.id = l.follow_up_by
         WHERE l.branch_id IN ({}) AND l.year = ?{year}
         ORDER BY CASE WHEN l.done_at IS NULL THEN 0 ELSE 1 END, l.due_at, l.id",
        numbered_placeholders(1, n),
        year = n + 1
    ))
    .bind_each(branches)
    .bind(year)
    .fetch_all(pool)
    .await
}

/// The branch an item belongs to.
pub async fn ledger_item_branch(pool: &Pool, id: &str) -> Result<Option<String>, sqlx::Error> {
    crate::db::query_scalar("SELECT branch_id FROM ledger_items WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Marks an open item done; an item already done keeps its first note.
pub async fn finish_ledger_item(
    conn: &mut Conn,
    id: &str,
    note: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    Ok(
        query(
            "UPDATE ledger_items SET done_at = ?, done_note = ? WHERE id = ? AND done_at IS NULL",
        )
        .bind(at)
        .bind(note)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected()
            == 1,
    )
}

#[derive(sqlx::FromRow)]
pub struct PhotoRow {
    pub id: String,
    pub item: String,
    pub width: i64,
    pub height: i64,
}

pub async fn photos(pool: &Pool, branch_id: &str, year: i64) -> Result<Vec<PhotoRow>, sqlx::Error> {
    query_as(
        "SELECT id, item, width, height FROM star_photos
         WHERE branch_id = ? AND year = ? ORDER BY created_at, id",
    )
    .bind(branch_id)
    .bind(year)
    .fetch_all(pool)
    .await
}

/// The branch, year and item a stored photo backs.
pub async fn photo_place(
    exec: impl Into<crate::db::Exec<'_>>,
    id: &str,
) -> Result<Option<(String, i64, String)>, sqlx::Error> {
    query_as("SELECT branch_id, year, item FROM star_photos WHERE id = ?")
        .bind(id)
        .fetch_optional(exec)
        .await
}

pub async fn photos_of_item(
    conn: &mut Conn,
    branch_id: &str,
    year: i64,
    item: &str,
) -> Result<i64, sqlx::Error> {
    crate::db::query_scalar(
        "SELECT COUNT(*) FROM star_photos WHERE branch_id = ? AND year = ? AND item = ?",
    )
    .bind(branch_id)
    .bind(year)
    .bind(item)
    .fetch_one(conn)
    .await
}

pub struct NewPhoto<'a> {
    pub id: &'a str,
    pub branch_id: &'a str,
    pub year: i64,
    pub item: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub by: &'a str,
    pub at: i64,
}

pub async fn insert_photo(conn: &mut Conn, photo: &NewPhoto<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO star_photos (id, branch_id, year, item, width, height, bytes, uploaded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(photo.id)
    .bind(photo.branch_id)
    .bind(photo.year)
    .bind(photo.item)
    .bind(i64::from(photo.width))
    .bind(i64::from(photo.height))
    .bind(photo.bytes as i64)
    .bind(photo.by)
    .bind(photo.at)
    .execute(conn)
    .await?;
    Ok(())
}
