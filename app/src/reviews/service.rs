//! 民主评议's use cases: the committee opens, follows, decides and closes; members write and
//! mark through the outbox, applied once by the server at its receipt time.

use super::rules::{
    check_ballot, check_cap_percent, check_decision, excellent_allowed, normalize_self_text, tally,
    Grade, MIN_BALLOTS_SHOWN,
};
use super::store::{self, ParticipantRow, ReviewRow};
use super::{
    BoardReview, BoardRow, CastReviewMarks, MyReview, Participant, ReviewBoard, WriteSelfReview,
};
use crate::auth::authz::{authorize, Action, Actor};
use crate::auth::session::org_path;
use crate::auth::NamedRef;
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::offline::service::{ApplyOp, OpContext};
use crate::orgs::rules::OrgKind;
use crate::state::{audit, new_id, now};

/// A ballot names each other participant at most once; a branch is not bigger than this.
const MAX_MARKS: usize = 500;

/// The branch, once the caller may run its review: anything but a branch is not found.
async fn authorized_branch(pool: &Pool, actor: &Actor, branch_id: &str) -> AppResult<NamedRef> {
    let path = org_path(pool, branch_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    authorize(actor, Action::RunReview, &path)?;
    let (kind, name, _) = crate::orgs::service::org_kind(pool, branch_id).await?;
    if kind != OrgKind::Branch {
        return Err(AppError::NotFound);
    }
    Ok(NamedRef {
        id: branch_id.to_string(),
        name,
    })
}

fn this_year() -> i64 {
    crate::shell::time::shanghai_year_month(now()).0
}

pub async fn open(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    cap_percent: i64,
) -> AppResult<String> {
    authorized_branch(pool, actor, branch_id).await?;
    let cap_percent = check_cap_percent(cap_percent)?;
    let year = this_year();
    let mut tx = pool.begin().await?;
    if store::review_of(&mut tx, branch_id, year).await?.is_some() {
        return Err(AppError::ReviewExists);
    }
    let id = new_id();
    store::open(
        &mut tx,
        &id,
        branch_id,
        year,
        cap_percent,
        &actor.user_id,
        now(),
    )
    .await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "open_member_review",
        Some(branch_id),
        Some(&id),
        Some(&format!("{year}")),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn result_of(row: &ParticipantRow) -> Option<(Grade, Option<String>)> {
    let grade = Grade::parse(row.result.as_deref()?)?;
    Some((grade, row.result_reason.clone()))
}

fn participant(row: &ParticipantRow) -> Participant {
    Participant {
        user_id: row.user_id.clone(),
        name: row.name.clone(),
        voting: row.voting,
    }
}

/// The committee's page: each participant's self-assessment, the marks they received as
/// counts, and the result decided.
pub async fn board(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    year: i64,
) -> AppResult<ReviewBoard> {
    let branch = authorized_branch(pool, actor, branch_id).await?;
    let Some(review) = store::review_of(pool, branch_id, year).await? else {
        return Ok(ReviewBoard {
            branch,
            year,
            can_open: year == this_year(),
            review: None,
        });
    };
    let people = store::participants(pool, &review.id).await?;
    let ballots = store::ballots(pool, &review.id).await?;
    let open = review.closed_at.is_none();
    // While marks still arrive, a count that moves betrays the ballot that moved it; with
    // too few ballots, a count is as good as a name.
    let tallies = if open || ballots < MIN_BALLOTS_SHOWN {
        None
    } else {
        Some(store::tallies(pool, &review.id).await?)
    };
    let rows = people
        .iter()
        .map(|p| BoardRow {
            member: participant(p),
            self_text: p.self_text.clone(),
            tally: tallies.as_ref().map(|tallies| {
                tally(
                    tallies
                        .iter()
                        .filter(|(subject, ..)| subject == &p.user_id)
                        .flat_map(|(_, grade, n)| {
                            std::iter::repeat_n(Grade::parse(grade), *n as usize).flatten()
                        }),
                )
            }),
            result: result_of(p),
            can_decide: p.user_id != actor.user_id,
        })
        .collect();
    Ok(ReviewBoard {
        branch,
        year,
        can_open: false,
        review: Some(BoardReview {
            excellent_allowed: excellent_allowed(people.len(), review.excellent_cap_percent),
            voters: people.iter().filter(|p| p.voting).count() as i64,
            ballots,
            this_year: review.year == this_year(),
            open,
            excellent_cap_percent: review.excellent_cap_percent,
            id: review.id,
            rows,
        }),
    })
}

/// The review and its branch, once the caller may run it.
async fn authorized_review(pool: &Pool, actor: &Actor, review_id: &str) -> AppResult<ReviewRow> {
    let review = store::review(pool, review_id)
        .await?
        .ok_or(AppError::NotFound)?;
    authorized_branch(pool, actor, &review.branch_id).await?;
    Ok(review)
}

pub async fn decide(
    pool: &Pool,
    actor: &Actor,
    review_id: &str,
    user_id: &str,
    grade: Grade,
    reason: &str,
) -> AppResult<()> {
    let review = authorized_review(pool, actor, review_id).await?;
    if user_id == actor.user_id {
        return Err(AppError::OwnRecord);
    }
    let reason = check_decision(grade, reason)?;
    let mut tx = pool.begin().await?;
    let people = store::participants(&mut tx, review_id).await?;
    let Some(before) = people.iter().find(|p| p.user_id == user_id) else {
        return Err(AppError::NotInReview);
    };
    let changed = before.result.as_deref() != Some(grade.as_str());
    if grade == Grade::Excellent {
        let given = store::excellent_besides(&mut tx, review_id, user_id).await?;
        if given as usize >= excellent_allowed(people.len(), review.excellent_cap_percent) {
            return Err(AppError::ExcellentCapReached);
        }
    }
    store::decide(
        &mut tx,
        review_id,
        user_id,
        grade.as_str(),
        reason.as_deref(),
        &actor.user_id,
        now(),
    )
    .await?;
    // A result decided after closing, or changed, is final as it stands: its points follow
    // it. The same result saved again (a reason reworded) gives and takes back nothing.
    let closed = store::review(&mut tx, review_id)
        .await?
        .is_some_and(|r| r.closed_at.is_some());
    if closed && changed {
        crate::points::service::award_for_review(
            &mut tx,
            review_id,
            &review.branch_id,
            review.year,
            &[(user_id.to_string(), grade)],
        )
        .await?;
    }
    audit(
        &mut *tx,
        &actor.user_id,
        "decide_member_review",
        Some(&review.branch_id),
        Some(user_id),
        Some(grade.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends the marking: what arrives afterwards is refused. Results can still be decided;
/// from now on each result earns what the branch's rule for its grade gives, if any.
pub async fn close(pool: &Pool, actor: &Actor, review_id: &str) -> AppResult<()> {
    let review = authorized_review(pool, actor, review_id).await?;
    let mut tx = pool.begin().await?;
    if !store::close(&mut tx, review_id, now()).await? {
        // Closed before: its results have had their points.
        return Ok(());
    }
    let results: Vec<(String, Grade)> = store::participants(&mut tx, review_id)
        .await?
        .into_iter()
        .filter_map(|p| Some((p.user_id, Grade::parse(p.result.as_deref()?)?)))
        .collect();
    crate::points::service::award_for_review(
        &mut tx,
        review_id,
        &review.branch_id,
        review.year,
        &results,
    )
    .await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "close_member_review",
        Some(&review.branch_id),
        Some(review_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The member's reviews: what they wrote and marked, the others to mark, their own result.
pub async fn my_reviews(pool: &Pool, actor: &Actor) -> AppResult<Vec<MyReview>> {
    let mut mine = Vec::new();
    for (review, branch_name) in store::reviews_of_member(pool, &actor.user_id).await? {
        let people = store::participants(pool, &review.id).await?;
        let Some(me) = people.iter().find(|p| p.user_id == actor.user_id) else {
            continue;
        };
        let marks = store::marks_of(pool, &review.id, &actor.user_id)
            .await?
            .into_iter()
            .filter_map(|(subject, grade)| Some((subject, Grade::parse(&grade)?)))
            .collect();
        mine.push(MyReview {
            branch: NamedRef {
                id: review.branch_id.clone(),
                name: branch_name,
            },
            year: review.year,
            open: review.closed_at.is_none(),
            voting: me.voting,
            self_text: me.self_text.clone(),
            // Decisions may still change until the review closes; a member sees the outcome.
            result: review.closed_at.and(result_of(me)),
            others: people
                .iter()
                .filter(|p| p.user_id != actor.user_id)
                .map(participant)
                .collect(),
            marks,
            id: review.id,
        });
    }
    Ok(mine)
}

/// The review, open at the server's receipt, and whether the actor votes in it.
async fn open_for(conn: &mut Conn, review_id: &str, user_id: &str) -> AppResult<bool> {
    let review = store::review(&mut *conn, review_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let voting = store::voting(&mut *conn, review_id, user_id)
        .await?
        .ok_or(AppError::NotInReview)?;
    if review.closed_at.is_some() {
        return Err(AppError::ReviewClosed);
    }
    Ok(voting)
}

impl ApplyOp for WriteSelfReview {
    /// Every participant writes one; the latest counts while the review is open.
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        open_for(conn, &self.review_id, &ctx.actor.user_id).await?;
        let text = normalize_self_text(&self.text)?;
        store::write_self(
            conn,
            &self.review_id,
            &ctx.actor.user_id,
            &text,
            ctx.received_at,
        )
        .await?;
        Ok(serde_json::Value::Null)
    }
}

impl ApplyOp for CastReviewMarks {
    /// Only 正式 members mark, and only the others taking part.
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let voter = &ctx.actor.user_id;
        if !open_for(conn, &self.review_id, voter).await? {
            return Err(AppError::NotInReview);
        }
        if self.marks.is_empty() {
            return Err(AppError::BallotEmpty);
        }
        if self.marks.len() > MAX_MARKS {
            return Err(AppError::BadPayload);
        }
        let people: Vec<String> = store::participants(&mut *conn, &self.review_id)
            .await?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        check_ballot(voter, &people, &self.marks)?;
        for (subject, grade) in &self.marks {
            store::mark(
                conn,
                &self.review_id,
                voter,
                subject,
                grade.as_str(),
                ctx.received_at,
            )
            .await?;
        }
        Ok(serde_json::json!({ "marked": self.marks.len() }))
    }
}

/// For the 基本队伍 star: whether the year's review took place, and its results so far.
pub async fn year_results(pool: &Pool, branch_id: &str, year: i64) -> AppResult<Option<[i64; 4]>> {
    let Some(review) = store::review_of(pool, branch_id, year).await? else {
        return Ok(None);
    };
    let people = store::participants(pool, &review.id).await?;
    Ok(Some(tally(
        people.iter().filter_map(|p| result_of(p).map(|(g, _)| g)),
    )))
}

/// Whether an open review waits for the member's self-assessment.
pub async fn waits_for(pool: &Pool, user_id: &str) -> AppResult<bool> {
    Ok(store::unwritten_open(pool, user_id).await? > 0)
}
