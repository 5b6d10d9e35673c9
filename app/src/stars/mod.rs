//! 星级支部: the 党委's template per field, a branch's self-assessment (自评) with evidence,
//! the 党委's rating (评定), and every branch's standing on the 党委's page. Stars are
//! computed from the marks, never typed; what the app already knows (meetings held,
//! attendance, minutes, groups, points, wishes) is shown beside the items it backs.

pub mod api;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::auth::NamedRef;
use crate::offline::OfflineOp;
use rules::{Basic, Evidence, Marks, Outcome, Template};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: String,
    pub committee: NamedRef,
    pub template: Template,
    pub created_at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssessmentKind {
    /// 自评, by the branch's committee.
    SelfAssessment,
    /// 评定, by the 党委 above.
    Rating,
}

impl AssessmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentKind::SelfAssessment => "self",
            AssessmentKind::Rating => "rating",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "self" => Some(AssessmentKind::SelfAssessment),
            "rating" => Some(AssessmentKind::Rating),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentView {
    pub id: String,
    pub kind: AssessmentKind,
    pub template: TemplateView,
    pub marks: Marks,
    pub outcome: Outcome,
    pub comment: String,
    pub by: String,
    pub at: i64,
}

/// What the app already knows of a branch's year, shown beside the items it backs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    /// 基本组织: 党小组 and members.
    pub groups: i64,
    pub full_members: i64,
    pub probationary_members: i64,
    /// 基本队伍: who holds the secretary's post, and the year's 民主评议 results so far
    /// (per grade, 优秀 first), if it took place.
    pub secretaries: Vec<String>,
    pub review_results: Option<[i64; 4]>,
    /// 基本活动: the compliance calendar's cells judged so far, and those that fell short.
    pub judged_until_month: u32,
    pub required_cells: u32,
    pub short_cells: u32,
    pub meetings_held: i64,
    pub meetings_with_minutes: i64,
    /// Members expected and present (on time, late or corrected) at the year's meetings.
    pub expected: i64,
    pub present: i64,
    /// Feature items' evidence: points awarded in the branch and wishes its members fulfilled.
    pub points_awarded: i64,
    pub wishes_fulfilled: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchStars {
    pub branch: NamedRef,
    pub year: i64,
    /// The templates of the 党委s above, the nearest first.
    pub templates: Vec<TemplateView>,
    pub derived: Derived,
    /// Every self-assessment and rating of the year, newest first.
    pub assessments: Vec<AssessmentView>,
    pub can_assess: bool,
    pub can_rate: bool,
    /// The 包联 cadre's name, and the year's 台账.
    pub cadre: Option<String>,
    pub ledger: Vec<LedgerItem>,
    /// Whether the caller assigns the cadre and keeps the 台账 (the 党委 above).
    pub can_follow: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidencePhoto {
    pub id: String,
    pub item: Evidence,
    pub width: i64,
    pub height: i64,
}

/// A photo of evidence for an item of the branch's 自评, resized on the phone and queued
/// like any other write; the id is made on the phone, so a replay stores it once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddStarPhoto {
    pub id: String,
    pub branch_id: String,
    pub year: i64,
    /// [`Evidence::as_str`].
    pub item: String,
    pub data: String,
}

impl OfflineOp for AddStarPhoto {
    const KIND: &'static str = "star.photo";

    fn summary(&self) -> String {
        match Evidence::parse(&self.item) {
            Some(item) => format!("{}佐证照片", item.label_zh()),
            None => "佐证照片".to_string(),
        }
    }
}

/// An unmet item in a branch's 台账.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerItem {
    pub id: String,
    pub basic: Option<Basic>,
    pub item: String,
    pub follow_up_by: String,
    pub due_at: i64,
    pub done: Option<(i64, String)>,
}

impl LedgerItem {
    /// Open past the end of its due day.
    pub fn overdue(&self, now: i64) -> bool {
        self.done.is_none() && now > self.due_at
    }
}

impl BranchStars {
    pub fn latest(&self, kind: AssessmentKind) -> Option<&AssessmentView> {
        self.assessments.iter().find(|a| a.kind == kind)
    }
}

/// One branch on the 党委's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchStanding {
    pub branch: NamedRef,
    pub rating: Option<Standing>,
    pub self_assessment: Option<Standing>,
    pub cadre: Option<String>,
    /// The year's 台账 items still open, and of those past their due day.
    pub open_items: i64,
    pub overdue_items: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub stars: u8,
    pub blocked_by: Option<Basic>,
    pub field: String,
    pub at: i64,
}
