//! 微心愿: residents' wishes, reviewed by a paired branch, claimed (or, crowdfunded, pledged
//! in parts) by members and units, fulfilled with proof and confirmed by the resident, who
//! may thank; confirmation gives the claimer points. Every write a phone makes is an
//! offline op; the review is the secretary's, online.

pub mod api;
#[cfg(feature = "ssr")]
mod ops;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::auth::NamedRef;
use crate::offline::OfflineOp;
use rules::{PledgeStatus, WishCategory, WishStatus};
use serde::{Deserialize, Serialize};

/// A wish as the wall lists it: never the poster's name or contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WishCard {
    pub id: String,
    pub title: String,
    pub category: WishCategory,
    pub status: WishStatus,
    pub needed_by: i64,
    pub target: u32,
    /// The target first asked for, when the needed-by day closed the part nobody took.
    pub target_asked: Option<u32>,
    /// `Some` for a crowdfunded wish.
    pub unit: Option<String>,
    /// How much live pledges cover.
    pub covered: u32,
    pub photo: Option<String>,
    pub created_at: i64,
}

/// What a community is judged by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WishCounts {
    /// 发布: passed review.
    pub published: i64,
    /// 认领: fully pledged (or beyond).
    pub claimed: i64,
    /// 完成: every part fulfilled.
    pub fulfilled: i64,
    pub crowdfunded_published: i64,
    pub crowdfunded_fulfilled: i64,
}

/// `/wishes`: one community's wall, its counts, and the asker's own wishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WishWall {
    /// `None` when the asker has no community yet (a member who has not reported).
    pub community: Option<NamedRef>,
    /// Every community whose wall the asker may open.
    pub communities: Vec<NamedRef>,
    pub counts: WishCounts,
    pub wishes: Vec<WishCard>,
    /// What the asker posted, any status, with a refusal's reason.
    pub mine: Vec<MyWish>,
    /// Wishes the asker has a pledge at work on (any community), to find them again.
    pub pledged: Vec<MyPledge>,
    /// The asker may post here: a resident of it, or a reviewer posting for a resident.
    pub can_post: bool,
    pub posts_for_others: bool,
    /// Pending wishes the asker reviews (any of their communities).
    pub to_review: i64,
    pub fetched_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyWish {
    pub card: WishCard,
    pub reject_reason: Option<String>,
    /// Parts marked done that wait for the poster's confirmation.
    pub awaiting: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPledge {
    pub card: WishCard,
    pub quantity: u32,
    pub status: PledgeStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub address: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeView {
    pub id: String,
    /// The member, or the branch for a unit pledge.
    pub name: String,
    pub unit_pledge: bool,
    pub quantity: u32,
    pub status: PledgeStatus,
    pub proof_note: Option<String>,
    pub photos: Vec<String>,
    pub done_at: Option<i64>,
    /// `poster` or `auto`.
    pub confirmed_how: Option<String>,
    pub thanks: Option<String>,
    /// The asker made it (or, for a unit pledge, leads its branch).
    pub mine: bool,
}

/// `/wishes/:id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WishDetail {
    pub card: WishCard,
    pub story: String,
    pub community: String,
    pub photos: Vec<String>,
    pub on_behalf_of: Option<String>,
    pub reject_reason: Option<String>,
    pub pledges: Vec<PledgeView>,
    /// Only for the poster, reviewers and claimers still at work.
    pub contact: Option<Contact>,
    pub is_poster: bool,
    pub is_reviewer: bool,
    /// A party member reported to the wish's community (not its poster).
    pub may_pledge: bool,
    /// Paired branches the asker can pledge for as a unit.
    pub unit_branches: Vec<NamedRef>,
    pub confirm_days: i64,
    pub fetched_at: i64,
}

/// A pending wish for a reviewer, with what they need to judge it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub card: WishCard,
    pub story: String,
    pub community: String,
    pub contact: Contact,
    pub on_behalf_of: Option<String>,
    pub photos: Vec<String>,
}

/// The review page: pending wishes, and for each branch the asker leads its paired
/// communities (结对共建) and its auto-confirm period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewQueue {
    pub items: Vec<ReviewItem>,
    pub branches: Vec<BranchWishSettings>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchWishSettings {
    pub branch: NamedRef,
    pub communities: Vec<NamedRef>,
    pub confirm_days: i64,
}

pub const CONFIRM_DAYS_MAX: i64 = 60;

/// A resident posts a wish (or a reviewer posts it for a resident, `on_behalf_of` with
/// their phone). Fields are as typed; the server checks them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostWish {
    pub id: String,
    pub community_id: String,
    pub title: String,
    pub story: String,
    pub category: String,
    /// `YYYY-MM-DD`, Shanghai.
    pub needed_by: String,
    /// Empty for an ordinary wish.
    pub target: String,
    pub unit: String,
    pub address: String,
    pub on_behalf_of: Option<String>,
    pub contact_phone: Option<String>,
    pub photos: Vec<String>,
}

impl OfflineOp for PostWish {
    const KIND: &'static str = "wish.post";

    fn summary(&self) -> String {
        format!("发布微心愿 {}", self.title.trim())
    }
}

/// A member (or, with `branch_id`, a paired branch as a unit) takes on `quantity` of a
/// wish: 1 for an ordinary one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PledgeWish {
    pub id: String,
    pub wish_id: String,
    pub quantity: u32,
    pub branch_id: Option<String>,
}

impl OfflineOp for PledgeWish {
    const KIND: &'static str = "wish.pledge";

    fn summary(&self) -> String {
        format!("认领微心愿 ×{}", self.quantity)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleasePledge {
    pub pledge_id: String,
}

impl OfflineOp for ReleasePledge {
    const KIND: &'static str = "wish.release";

    fn summary(&self) -> String {
        "放弃认领".to_string()
    }
}

/// The claimer marks their part done, with a proof photo and a note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FulfilPledge {
    pub pledge_id: String,
    pub note: String,
    pub photos: Vec<String>,
}

impl OfflineOp for FulfilPledge {
    const KIND: &'static str = "wish.fulfil";

    fn summary(&self) -> String {
        format!(
            "心愿已完成 {}",
            self.note.chars().take(30).collect::<String>()
        )
    }
}

/// The poster confirms a fulfilled part and may say thanks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfirmPledge {
    pub pledge_id: String,
    pub thanks: String,
}

impl OfflineOp for ConfirmPledge {
    const KIND: &'static str = "wish.confirm";

    fn summary(&self) -> String {
        "确认心愿完成".to_string()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WithdrawWish {
    pub wish_id: String,
}

impl OfflineOp for WithdrawWish {
    const KIND: &'static str = "wish.withdraw";

    fn summary(&self) -> String {
        "撤回微心愿".to_string()
    }
}
