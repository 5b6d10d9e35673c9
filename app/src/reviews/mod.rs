//! 民主评议党员, yearly per branch: the secretary opens it; every member writes a
//! self-assessment and each 正式 member marks the others (both offline, through the
//! outbox); the committee sees the tally, never who marked what, and decides each result;
//! a member sees only their own.

pub mod api;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::auth::NamedRef;
use crate::offline::OfflineOp;
use rules::Grade;
use serde::{Deserialize, Serialize};

/// A member's own view of a review: what they wrote and marked, and their result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyReview {
    pub id: String,
    pub branch: NamedRef,
    pub year: i64,
    pub open: bool,
    pub voting: bool,
    pub self_text: Option<String>,
    /// The other participants, to mark when voting.
    pub others: Vec<Participant>,
    /// What this member marked, by subject.
    pub marks: Vec<(String, Grade)>,
    pub result: Option<(Grade, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub user_id: String,
    pub name: String,
    pub voting: bool,
}

/// The committee's page of a review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewBoard {
    pub branch: NamedRef,
    pub year: i64,
    /// Whether a review can be opened from this page (this year's, none yet).
    pub can_open: bool,
    pub review: Option<BoardReview>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardReview {
    pub id: String,
    pub open: bool,
    pub excellent_cap_percent: i64,
    pub excellent_allowed: usize,
    pub voters: i64,
    pub ballots: i64,
    /// Whether this is this year's review (a past year's board only reads).
    pub this_year: bool,
    pub rows: Vec<BoardRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    pub member: Participant,
    pub self_text: Option<String>,
    /// Marks received per grade, in [`Grade::ALL`] order: shown only once the review has
    /// closed with at least [`rules::MIN_BALLOTS_SHOWN`] ballots, so no count can be
    /// traced to the one ballot that changed it.
    pub tally: Option<[i64; 4]>,
    pub result: Option<(Grade, Option<String>)>,
    /// Whether the caller may decide this member's result (not their own).
    pub can_decide: bool,
}

/// A self-assessment written on the phone; a later one replaces it while the review is open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteSelfReview {
    pub review_id: String,
    pub text: String,
}

impl OfflineOp for WriteSelfReview {
    const KIND: &'static str = "review.self";

    fn summary(&self) -> String {
        let text: String = self.text.chars().take(30).collect();
        format!("自我评价：{text}")
    }
}

/// A ballot: this member's marks of the others; a later ballot replaces the marks it names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CastReviewMarks {
    pub review_id: String,
    pub marks: Vec<(String, Grade)>,
}

impl OfflineOp for CastReviewMarks {
    const KIND: &'static str = "review.marks";

    fn summary(&self) -> String {
        format!("民主评议：评议 {} 位同志", self.marks.len())
    }
}
