//! The home page: what each person has to do today, from the records the capabilities keep.
//! A member sees the next meeting and what waits for them, a secretary the queues of their
//! branch, a resident their wishes, the 党委 the branches below with red months.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod views;

use crate::auth::NamedRef;
use crate::meetings::rules::{LeaveStatus, PeriodCheck};
use crate::meetings::MeetingSummary;
use crate::wishes::MyWish;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeOverview {
    pub member: Option<MemberDay>,
    /// One desk per branch the asker is secretary of.
    pub desks: Vec<BranchDesk>,
    pub resident: Option<ResidentDay>,
    /// For a 党委 admin: the branches below with months gone red this year.
    pub red_branches: Option<Vec<crate::meetings::BranchYear>>,
    pub fetched_at: i64,
}

/// A party member's day: the next meeting and what waits for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDay {
    pub next_meeting: Option<NextMeeting>,
    pub points_this_month: i64,
    /// 积分任务 signed up for and not handed in.
    pub tasks: Vec<NamedRef>,
    /// Wishes pledged and not yet marked done (they wait for the proof photo).
    pub pledges_to_finish: Vec<NamedRef>,
    /// What was refused lately, with the reason.
    pub refused: Vec<Refusal>,
    /// An open 民主评议 the member takes part in and has not written for yet.
    #[serde(default)]
    pub review_to_write: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextMeeting {
    pub summary: MeetingSummary,
    /// When its check-in opens and closes (server time; both 0 for one recorded afterwards):
    /// the page shows the button while the phone's corrected clock is between them, also
    /// from a copy read with no signal.
    pub checkin_opens_at: i64,
    pub checkin_closes_at: i64,
    pub my_leave: Option<LeaveStatus>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// What was refused (a claim's rule, a meeting's leave).
    pub what: String,
    /// What the member wrote, to tell one claim from another.
    pub note: String,
    pub reason: String,
    pub at: i64,
    /// Where to see it.
    pub href: String,
}

/// A secretary's branch: the queues that wait, and what turns red when the month ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchDesk {
    pub branch: NamedRef,
    pub points_waiting: i64,
    pub wishes_waiting: i64,
    pub leave_waiting: i64,
    /// The first meeting with leave waiting, to go straight to it.
    pub leave_meeting: Option<String>,
    pub due_this_month: Vec<PeriodCheck>,
    pub groups: Vec<NamedRef>,
    /// Meeting records the 党委 returned, not changed since.
    #[serde(default)]
    pub returned_records: Vec<NamedRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentDay {
    pub wishes: Vec<MyWish>,
}
