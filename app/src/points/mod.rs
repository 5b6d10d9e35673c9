//! 积分制: a branch's catalogue of rules, points given automatically for attendance (and,
//! through a hook, for fulfilled wishes), claims and tasks a secretary approves, and an
//! append-only ledger whose sums are the balances. Members' writes are offline ops.

pub mod api;
#[cfg(feature = "ssr")]
mod ops;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::offline::OfflineOp;
use rules::{AutoSource, CapPeriod, Category};
use serde::{Deserialize, Serialize};

pub const NOTE_MAX: usize = 500;
pub const PHOTOS_MAX: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: String,
    pub name: String,
    pub points: i64,
    pub category: Category,
    pub cap: Option<(CapPeriod, i64)>,
    pub auto: Option<AutoSource>,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: String,
    pub points: i64,
    pub title: String,
    pub category: Category,
    /// `meeting`, `claim`, `task`, `wish` or `correction`.
    pub source_kind: String,
    pub reason: Option<String>,
    /// A later entry reversed this one.
    pub reversed: bool,
    pub created_at: i64,
}

/// A claim or task completion the member is still waiting on, that was refused, or that
/// was approved without points (`unpaid`: a cap reached, or cut to 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRequest {
    pub title: String,
    pub status: String,
    /// What the member wrote: three claims of one rule are told apart by it.
    pub note: String,
    pub reason: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub points: i64,
    pub places: i64,
    pub taken: i64,
    pub deadline: i64,
    /// `signed`, `submitted`, `approved` or `rejected` for the asking member.
    pub my_status: Option<String>,
}

/// Everything the 积分 tab shows a member, in one answer (cached for offline reading).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsHome {
    pub branch_id: String,
    pub branch_name: String,
    pub balance: i64,
    pub this_month: i64,
    pub this_year: i64,
    /// `None` where the branch has turned rankings off.
    pub rank: Option<usize>,
    /// This month's board (other periods are fetched on demand); `None` when rankings are off.
    pub board: Option<Leaderboard>,
    pub members: usize,
    pub entries: Vec<EntryView>,
    pub requests: Vec<MyRequest>,
    pub claimable: Vec<RuleView>,
    pub tasks: Vec<TaskView>,
    pub can_approve: bool,
    pub fetched_at: i64,
}

/// A recent entry of the branch, for the secretary to correct.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchEntry {
    pub member: String,
    pub entry: EntryView,
}

/// One item of the approval queue: `claim:<id>` or `task:<entry id>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub key: String,
    pub member: String,
    pub title: String,
    pub points: i64,
    pub note: String,
    pub photos: Vec<String>,
    pub submitted_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    pub rank: usize,
    pub name: String,
    pub points: i64,
    pub me: bool,
}

/// The top of the board and the asker's own place, never a bottom list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaderboard {
    pub period: String,
    pub top: Vec<BoardRow>,
    pub mine: Option<BoardRow>,
}

/// The rule editor's form (`rule[name]`, …). `cap_period` is empty, `month` or `year`;
/// `active` is present when ticked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleForm {
    pub branch_id: String,
    pub rule_id: String,
    pub name: String,
    /// Text as typed, so an empty or garbled field gets the rule's own error.
    pub points: String,
    pub category: String,
    pub cap_period: String,
    pub cap_points: String,
    pub active: Option<String>,
}

pub fn normalize_note(note: &str) -> Result<String, crate::error::AppError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(crate::error::AppError::TextRequired);
    }
    if note.chars().count() > NOTE_MAX {
        return Err(crate::error::AppError::TextTooLong);
    }
    Ok(note.to_string())
}

/// A member claims points under a claimed rule, with a note and photos (data URLs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimPoints {
    pub id: String,
    pub rule_id: String,
    pub note: String,
    pub photos: Vec<String>,
}

impl OfflineOp for ClaimPoints {
    const KIND: &'static str = "points.claim";

    fn summary(&self) -> String {
        format!(
            "积分申报 {}",
            self.note.chars().take(40).collect::<String>()
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignUpTask {
    pub task_id: String,
}

impl OfflineOp for SignUpTask {
    const KIND: &'static str = "points.signup";

    fn summary(&self) -> String {
        "报名积分任务".to_string()
    }
}

/// A member hands in a task they signed up for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmitTask {
    pub task_id: String,
    pub note: String,
    pub photos: Vec<String>,
}

impl OfflineOp for SubmitTask {
    const KIND: &'static str = "points.submit";

    fn summary(&self) -> String {
        format!(
            "提交任务 {}",
            self.note.chars().take(40).collect::<String>()
        )
    }
}
