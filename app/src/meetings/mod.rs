//! 三会一课 meetings: scheduling, check-in codes and QR, leave, the attendance sheet with
//! 补录, minutes and photos, and the compliance calendar. Members' writes (check-in, leave,
//! photos) are offline ops.

pub mod api;
pub mod checkin;
pub mod checkin_page;
pub mod detail;
pub mod minutes;
#[cfg(feature = "ssr")]
mod ops;
pub mod photos;
pub mod qr;
pub mod rules;
pub mod scan;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::offline::OfflineOp;
use rules::{LeaveKind, LeaveStatus, MeetingKind, Presence, SheetTotals};
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
    /// 补记: scheduled only after it was over.
    #[serde(default)]
    pub recorded_later: bool,
    pub my_presence: Option<Presence>,
    pub my_leave: Option<LeaveStatus>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveInfo {
    pub kind: LeaveKind,
    pub reason: String,
    pub status: LeaveStatus,
    /// The secretary's note (a refusal always has one).
    pub note: Option<String>,
}

/// A check-in that counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinProof {
    /// The start of the slot the code proves: the line's time.
    pub at: i64,
    /// The server's receipt.
    pub received_at: i64,
    /// 离线签到: scanned in time with no signal and synced later.
    pub offline: bool,
    /// The phone's corrected time of the scan.
    pub scanned_at: Option<i64>,
}

impl CheckinProof {
    /// How long an offline check-in took to reach the server after the scan.
    pub fn delay_secs(&self) -> Option<i64> {
        self.offline
            .then(|| self.received_at - self.scanned_at.unwrap_or(self.at))
            .map(|d| d.max(0))
    }
}

/// The last check-in of a member the server refused, shown on the sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedCheckin {
    pub error: crate::error::AppError,
    pub scanned_at: i64,
    pub received_at: i64,
}

/// One expected member on the attendance sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetRow {
    pub user_id: String,
    /// The viewer's own line: another secretary or the 党委 decides on it.
    pub mine: bool,
    pub name: String,
    /// The last four digits of the phone, to tell two members of the same name apart.
    pub phone_tail: String,
    /// 正式党员
    pub voting: bool,
    pub presence: Option<Presence>,
    pub leave: Option<LeaveInfo>,
    /// Why a secretary recorded 补录.
    pub correction: Option<String>,
    pub checkin: Option<CheckinProof>,
    /// Shown while the member has no line of presence.
    pub refused: Option<RefusedCheckin>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sheet {
    /// 应到 is frozen (the meeting has started); before that it follows the membership.
    pub frozen: bool,
    pub rows: Vec<SheetRow>,
    pub totals: SheetTotals,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingFile {
    pub id: String,
    pub kind: String,
    pub width: i64,
    pub height: i64,
}

/// What the check-in page shows of a meeting: its head and the member's own check-in. The
/// page many members open first carries no decoder for the rest of [`MeetingDetail`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinView {
    pub summary: MeetingSummary,
    pub my_checkin: Option<CheckinProof>,
}

/// A meeting as its page shows it; `sheet` only for those who manage the meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetail {
    pub summary: MeetingSummary,
    pub org_name: String,
    pub agenda: String,
    pub minutes: String,
    pub cancel_reason: Option<String>,
    /// Why it was recorded only after it was over (补记).
    pub recorded_reason: Option<String>,
    pub started: bool,
    pub ended: bool,
    pub expected: bool,
    pub can_manage: bool,
    pub my_leave: Option<LeaveInfo>,
    pub my_checkin: Option<CheckinProof>,
    pub sheet: Option<Sheet>,
    pub files: Vec<MeetingFile>,
    /// The 党委's review of the record, for those who run a held meeting.
    #[serde(default)]
    pub record_review: Option<minutes::RecordReview>,
    pub fetched_at: i64,
}

/// An org the user may schedule meetings for: a branch, or a group (党小组会 only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulableOrg {
    pub id: String,
    pub name: String,
    pub is_group: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    pub year: i64,
    /// Months after this one are not over yet and not judged.
    pub until_month: u32,
    pub checks: Vec<rules::PeriodCheck>,
    pub groups: Vec<crate::auth::NamedRef>,
}

/// One branch's year at a glance, for the admin's view of the subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchYear {
    pub branch: crate::auth::NamedRef,
    pub until_month: u32,
    pub short_months: Vec<u32>,
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

/// 请假, asked before the meeting; queued offline like a check-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestLeave {
    pub meeting_id: String,
    pub kind: LeaveKind,
    pub reason: String,
}

impl OfflineOp for RequestLeave {
    const KIND: &'static str = "meeting.leave";

    fn summary(&self) -> String {
        let reason: String = self.reason.chars().take(40).collect();
        format!("{} {}", self.kind.label_zh(), reason)
    }
}

/// A photo or a scanned sign-in sheet of a meeting, resized on the phone and queued with its
/// JPEG as a data URL; the id is made on the phone, so a replay stores it once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddMeetingPhoto {
    pub id: String,
    pub meeting_id: String,
    /// `photo` or `sheet`.
    pub kind: String,
    pub data: String,
}

impl OfflineOp for AddMeetingPhoto {
    const KIND: &'static str = "meeting.photo";

    fn summary(&self) -> String {
        if self.kind == "sheet" {
            "签到表扫描件".to_string()
        } else {
            "会议照片".to_string()
        }
    }
}
