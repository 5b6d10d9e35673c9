//! SQL on the review tables. No query here returns who marked whom: marks leave this module
//! as counts, or as the asking voter's own.

use crate::db::{query, query_as, query_scalar, Conn, Exec};

#[derive(sqlx::FromRow)]
pub struct ReviewRow {
    pub id: String,
    pub branch_id: String,
    pub year: i64,
    pub excellent_cap_percent: i64,
    pub closed_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct ParticipantRow {
    pub user_id: String,
    pub name: String,
    pub voting: bool,
    pub self_text: Option<String>,
    pub result: Option<String>,
    pub result_reason: Option<String>,
}

const REVIEW_COLUMNS: &str = "id, branch_id, year, excellent_cap_percent, closed_at";

pub async fn review_of<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    year: i64,
) -> Result<Option<ReviewRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {REVIEW_COLUMNS} FROM member_reviews WHERE branch_id = ? AND year = ?"
    ))
    .bind(branch_id)
    .bind(year)
    .fetch_optional(exec)
    .await
}

pub async fn review<'e>(
    exec: impl Into<Exec<'e>>,
    id: &str,
) -> Result<Option<ReviewRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {REVIEW_COLUMNS} FROM member_reviews WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// Opens the review and freezes who takes part: the branch's members, 正式 ones voting.
pub async fn open(
    conn: &mut Conn,
    id: &str,
    branch_id: &str,
    year: i64,
    cap_percent: i64,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO member_reviews (id, branch_id, year, excellent_cap_percent, opened_by, opened_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(branch_id)
    .bind(year)
    .bind(cap_percent)
    .bind(by)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    query(
        "INSERT INTO review_participants (review_id, user_id, voting)
         SELECT ?1, u.id, u.party_status = 'full' FROM users u
         WHERE u.party_status IS NOT NULL AND u.id IN
           (SELECT user_id FROM memberships WHERE org_id = ?2 AND role IN ('member', 'secretary'))",
    )
    .bind(id)
    .bind(branch_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn participants<'e>(
    exec: impl Into<Exec<'e>>,
    review_id: &str,
) -> Result<Vec<ParticipantRow>, sqlx::Error> {
    query_as(
        "SELECT p.user_id, u.name, p.voting, p.self_text, p.result, p.result_reason
         FROM review_participants p JOIN users u ON u.id = p.user_id
         WHERE p.review_id = ? ORDER BY u.name, u.id",
    )
    .bind(review_id)
    .fetch_all(exec)
    .await
}

/// Whether the user takes part, and if so whether they vote.
pub async fn voting<'e>(
    exec: impl Into<Exec<'e>>,
    review_id: &str,
    user_id: &str,
) -> Result<Option<bool>, sqlx::Error> {
    query_scalar("SELECT voting FROM review_participants WHERE review_id = ? AND user_id = ?")
        .bind(review_id)
        .bind(user_id)
        .fetch_optional(exec)
        .await
}

pub async fn write_self(
    conn: &mut Conn,
    review_id: &str,
    user_id: &str,
    text: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE review_participants SET self_text = ?, self_written_at = ?
         WHERE review_id = ? AND user_id = ?",
    )
    .bind(text)
    .bind(at)
    .bind(review_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark(
    conn: &mut Conn,
    review_id: &str,
    voter: &str,
    subject: &str,
    grade: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO review_marks (review_id, voter_id, subject_id, grade, marked_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (review_id, voter_id, subject_id) DO UPDATE SET
           grade = excluded.grade, marked_at = excluded.marked_at",
    )
    .bind(review_id)
    .bind(voter)
    .bind(subject)
    .bind(grade)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks received, per subject and grade.
pub async fn tallies<'e>(
    exec: impl Into<Exec<'e>>,
    review_id: &str,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    query_as(
        "SELECT subject_id, grade, COUNT(*) FROM review_marks WHERE review_id = ?
         GROUP BY subject_id, grade",
    )
    .bind(review_id)
    .fetch_all(exec)
    .await
}

/// How many voters have sent any marks.
pub async fn ballots<'e>(exec: impl Into<Exec<'e>>, review_id: &str) -> Result<i64, sqlx::Error> {
    query_scalar("SELECT COUNT(DISTINCT voter_id) FROM review_marks WHERE review_id = ?")
        .bind(review_id)
        .fetch_one(exec)
        .await
}

/// The voter's own marks.
pub async fn marks_of<'e>(
    exec: impl Into<Exec<'e>>,
    review_id: &str,
    voter: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as("SELECT subject_id, grade FROM review_marks WHERE review_id = ? AND voter_id = ?")
        .bind(review_id)
        .bind(voter)
        .fetch_all(exec)
        .await
}

/// Results of 优秀 given to others than `user_id`.
pub async fn excellent_besides(
    conn: &mut Conn,
    review_id: &str,
    user_id: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT COUNT(*) FROM review_participants
         WHERE review_id = ? AND user_id <> ? AND result = 'excellent'",
    )
    .bind(review_id)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn decide(
    conn: &mut Conn,
    review_id: &str,
    user_id: &str,
    grade: &str,
    reason: Option<&str>,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE review_participants SET result = ?, result_reason = ?, decided_by = ?, decided_at = ?
         WHERE review_id = ? AND user_id = ?",
    )
    .bind(grade)
    .bind(reason)
    .bind(by)
    .bind(at)
    .bind(review_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether this call closed it (false: it was closed already).
pub async fn close(conn: &mut Conn, review_id: &str, at: i64) -> Result<bool, sqlx::Error> {
    Ok(
        query("UPDATE member_reviews SET closed_at = ? WHERE id = ? AND closed_at IS NULL")
            .bind(at)
            .bind(review_id)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// The reviews the user takes part in, newest first.
pub async fn reviews_of_member<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<(ReviewRow, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        review: ReviewRow,
        branch_name: String,
    }
    let rows: Vec<Row> = query_as(
        "SELECT r.id, r.branch_id, r.year, r.excellent_cap_percent, r.closed_at, o.name AS branch_name
         FROM member_reviews r JOIN review_participants p ON p.review_id = r.id
         JOIN orgs o ON o.id = r.branch_id
         WHERE p.user_id = ? ORDER BY r.year DESC LIMIT 2",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.review, r.branch_name))
        .collect())
}

/// Open reviews the user takes part in without a self-assessment yet.
pub async fn unwritten_open<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT COUNT(*) FROM review_participants p JOIN member_reviews r ON r.id = p.review_id
         WHERE p.user_id = ? AND p.self_text IS NULL AND r.closed_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(exec)
    .await
}
