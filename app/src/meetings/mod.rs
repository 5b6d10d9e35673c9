//! 三会一课 meetings: check-in codes and QR, attendance arithmetic, the compliance calendar,
//! scheduling and the offline check-in op. Views come next (issue 4).

pub mod api;
pub mod checkin;
pub mod qr;
pub mod rules;
pub mod views;

use crate::offline::OfflineOp;
use rules::{MeetingKind, Presence};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSummary {
    pub id: String,
    pub org_id: String,
    pub kind: MeetingKind,
    pub title: String,
    pub place: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub cancelled: bool,
    pub my_presence: Option<Presence>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    pub year: i64,
    /// Months after this one are not over yet and not judged.
    pub until_month: u32,
    pub checks: Vec<rules::PeriodCheck>,
    pub groups: Vec<crate::auth::NamedRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeKey {
    pub meeting_id: String,
    pub title: String,
    /// HMAC key of the codes (hex text, used as bytes).
    pub secret: String,
    pub first_slot: i64,
    pub last_slot: i64,
}

/// A member's check-in, queued in the outbox: the slot and code come from the QR's URL or
/// from the phone's clock and the typed digits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckIn {
    pub meeting_id: String,
    pub slot: i64,
    pub code: String,
}

impl OfflineOp for CheckIn {
    const KIND: &'static str = "meeting.checkin";

    fn summary(&self) -> String {
        format!("签到 {}", self.code)
    }
}
