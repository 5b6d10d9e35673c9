//! 微心愿 as one state machine, checked on the server for every change. Every wish has a
//! target quantity (1 for an ordinary wish, e.g. 20 套校服 for a crowdfunded one) and pledges
//! (认领) that cover parts of it; each pledge is fulfilled and confirmed on its own. Past
//! 待审核, the wish's status follows from its pledges.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WishStatus {
    /// 待审核
    Pending,
    /// 已发布: on the wall, parts still open
    Published,
    /// 已驳回 (with a reason the resident sees)
    Rejected,
    /// 已认领: fully pledged
    Claimed,
    /// 已完成: every pledge has its proof
    Fulfilled,
    /// 已确认: the resident (or the branch's timer) confirmed every pledge
    Confirmed,
    /// 已撤回
    Withdrawn,
    /// 已过期
    Expired,
}

impl WishStatus {
    pub const ALL: [WishStatus; 8] = [
        WishStatus::Pending,
        WishStatus::Published,
        WishStatus::Rejected,
        WishStatus::Claimed,
        WishStatus::Fulfilled,
        WishStatus::Confirmed,
        WishStatus::Withdrawn,
        WishStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WishStatus::Pending => "pending",
            WishStatus::Published => "published",
            WishStatus::Rejected => "rejected",
            WishStatus::Claimed => "claimed",
            WishStatus::Fulfilled => "fulfilled",
            WishStatus::Confirmed => "confirmed",
            WishStatus::Withdrawn => "withdrawn",
            WishStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        WishStatus::ALL.into_iter().find(|w| w.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            WishStatus::Pending => "待审核",
            WishStatus::Published => "已发布",
            WishStatus::Rejected => "已驳回",
            WishStatus::Claimed => "已认领",
            WishStatus::Fulfilled => "已完成",
            WishStatus::Confirmed => "已确认",
            WishStatus::Withdrawn => "已撤回",
            WishStatus::Expired => "已过期",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PledgeStatus {
    /// 认领中
    Active,
    /// 已完成 (proof photo and note)
    Done,
    /// 已确认
    Confirmed,
    /// 已释放: the part is open again
    Released,
}

impl PledgeStatus {
    pub const ALL: [PledgeStatus; 4] = [
        PledgeStatus::Active,
        PledgeStatus::Done,
        PledgeStatus::Confirmed,
        PledgeStatus::Released,
    ];

    /// Whether the pledge still covers its part.
    pub fn covers(self) -> bool {
        self != PledgeStatus::Released
    }

    /// Whether its claimer is still at work on it, and so may reach the poster.
    pub fn is_open(self) -> bool {
        matches!(self, PledgeStatus::Active | PledgeStatus::Done)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PledgeStatus::Active => "active",
            PledgeStatus::Done => "done",
            PledgeStatus::Confirmed => "confirmed",
            PledgeStatus::Released => "released",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        PledgeStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PledgeStatus::Active => "认领中",
            PledgeStatus::Done => "已完成",
            PledgeStatus::Confirmed => "已确认",
            PledgeStatus::Released => "已释放",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WishCategory {
    Living,
    Elderly,
    Study,
    Medical,
    Job,
    Other,
}

impl WishCategory {
    pub const ALL: [WishCategory; 6] = [
        WishCategory::Living,
        WishCategory::Elderly,
        WishCategory::Study,
        WishCategory::Medical,
        WishCategory::Job,
        WishCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WishCategory::Living => "living",
            WishCategory::Elderly => "elderly",
            WishCategory::Study => "study",
            WishCategory::Medical => "medical",
            WishCategory::Job => "job",
            WishCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        WishCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            WishCategory::Living => "生活帮扶",
            WishCategory::Elderly => "助老",
            WishCategory::Study => "助学",
            WishCategory::Medical => "就医",
            WishCategory::Job => "就业",
            WishCategory::Other => "其他",
        }
    }
}

/// Who may read the poster's name, phone and address: the poster, the paired branch's
/// reviewers, and whoever holds a pledge still at work. Nobody else, released or not.
pub fn sees_contact(is_poster: bool, is_reviewer: bool, own_pledges: &[PledgeStatus]) -> bool {
    is_poster || is_reviewer || own_pledges.iter().any(|p| p.is_open())
}

pub const TITLE_MAX: usize = 40;
pub const STORY_MAX: usize = 1000;
pub const UNIT_MAX: usize = 6;
pub const ADDRESS_MAX: usize = 100;
pub const THANKS_MAX: usize = 200;
pub const TARGET_MAX: u32 = 10_000;
pub const PHOTOS_MAX: usize = 3;

/// A wish as typed, checked before anything is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WishDraft {
    pub title: String,
    pub story: String,
    pub category: WishCategory,
    /// `None` for an ordinary wish, else the target and its unit (20 套).
    pub crowdfunding: Option<(u32, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftError {
    TitleMissing,
    TitleTooLong,
    StoryMissing,
    StoryTooLong,
    Category,
    Target,
    Unit,
}

impl From<DraftError> for crate::error::AppError {
    fn from(error: DraftError) -> Self {
        use crate::error::AppError;
        match error {
            DraftError::TitleMissing | DraftError::TitleTooLong => AppError::WishTitle,
            DraftError::StoryMissing | DraftError::StoryTooLong => AppError::WishStory,
            DraftError::Category => AppError::WishCategory,
            DraftError::Target => AppError::WishTarget,
            DraftError::Unit => AppError::WishUnit,
        }
    }
}

impl From<WishRefusal> for crate::error::AppError {
    fn from(refusal: WishRefusal) -> Self {
        use crate::error::AppError;
        match refusal {
            WishRefusal::Illegal => AppError::WishIllegal,
            WishRefusal::OverPledged => AppError::WishOverPledged,
            WishRefusal::BadQuantity => AppError::WishQuantity,
        }
    }
}

/// Checks a wish's text fields. `target` and `unit` are as typed; both empty is an
/// ordinary wish.
pub fn check_draft(
    title: &str,
    story: &str,
    category: &str,
    target: &str,
    unit: &str,
) -> Result<WishDraft, DraftError> {
    let title = title.trim();
    let story = story.trim();
    if title.is_empty() {
        return Err(DraftError::TitleMissing);
    }
    if title.chars().count() > TITLE_MAX {
        return Err(DraftError::TitleTooLong);
    }
    if story.is_empty() {
        return Err(DraftError::StoryMissing);
    }
    if story.chars().count() > STORY_MAX {
        return Err(DraftError::StoryTooLong);
    }
    let category = WishCategory::parse(category).ok_or(DraftError::Category)?;
    let (target, unit) = (target.trim(), unit.trim());
    let crowdfunding = if target.is_empty() && unit.is_empty() {
        None
    } else {
        let n: u32 = target.parse().map_err(|_| DraftError::Target)?;
        if !(2..=TARGET_MAX).contains(&n) {
            return Err(DraftError::Target);
        }
        if unit.is_empty() || unit.chars().count() > UNIT_MAX {
            return Err(DraftError::Unit);
        }
        Some((n, unit.to_string()))
    };
    Ok(WishDraft {
        title: title.to_string(),
        story: story.to_string(),
        category,
        crowdfunding,
    })
}

/// A wish past its needed-by day with nothing pledged leaves the wall.
pub fn is_overdue(needed_by: i64, now: i64) -> bool {
    now > needed_by
}

/// A fulfilment the poster has not answered counts as confirmed after the branch's period.
pub fn auto_confirm_due(done_at: i64, days: i64, now: i64) -> bool {
    now >= done_at + days.max(1) * 86_400
}

/// What someone asks to happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The paired branch's secretary puts it on the wall.
    Approve,
    Reject,
    /// The resident takes back a wish nobody has pledged to.
    Withdraw,
    /// Its needed-by date passed with nothing pledged.
    Expire,
    Pledge,
    Release,
    Fulfil,
    Confirm,
}

impl Event {
    pub const ALL: [Event; 8] = [
        Event::Approve,
        Event::Reject,
        Event::Withdraw,
        Event::Expire,
        Event::Pledge,
        Event::Release,
        Event::Fulfil,
        Event::Confirm,
    ];
}

/// Why a change is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WishRefusal {
    /// Not possible in the wish's (or the pledge's) current state.
    Illegal,
    /// More than the part still open (for a crowdfunded wish), or nothing left at all.
    OverPledged,
    BadQuantity,
}

/// A pledge as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pledge {
    pub quantity: u32,
    pub status: PledgeStatus,
}

/// How much of the target live pledges cover.
pub fn covered(pledges: &[Pledge]) -> u32 {
    pledges
        .iter()
        .filter(|p| p.status.covers())
        .map(|p| p.quantity)
        .sum()
}

/// The status of a wish that passed review, from its pledges.
pub fn derived(target: u32, pledges: &[Pledge]) -> WishStatus {
    let live: Vec<&Pledge> = pledges.iter().filter(|p| p.status.covers()).collect();
    if covered(pledges) < target {
        WishStatus::Published
    } else if live.iter().all(|p| p.status == PledgeStatus::Confirmed) {
        WishStatus::Confirmed
    } else if live.iter().all(|p| p.status != PledgeStatus::Active) {
        WishStatus::Fulfilled
    } else {
        WishStatus::Claimed
    }
}

/// Whether `quantity` more can be pledged.
pub fn check_pledge(target: u32, pledges: &[Pledge], quantity: u32) -> Result<(), WishRefusal> {
    if quantity == 0 {
        return Err(WishRefusal::BadQuantity);
    }
    if quantity > target.saturating_sub(covered(pledges)) {
        return Err(WishRefusal::OverPledged);
    }
    Ok(())
}

/// The wish-level step: from `status`, `event` leads to the returned status. For the
/// pledge-level events (release, fulfil, confirm) the pledge's own step comes first
/// ([`pledge_step`]) and `pledges` are as they are after it.
pub fn step(
    status: WishStatus,
    event: Event,
    target: u32,
    pledges: &[Pledge],
) -> Result<WishStatus, WishRefusal> {
    use WishStatus::*;
    let open = matches!(status, Pending | Published) && covered(pledges) == 0;
    match event {
        Event::Approve if status == Pending => Ok(Published),
        Event::Reject if status == Pending => Ok(Rejected),
        Event::Withdraw if open => Ok(Withdrawn),
        Event::Expire if open => Ok(Expired),
        Event::Pledge if status == Published => Ok(derived(target, pledges)),
        Event::Pledge if status == Claimed => Err(WishRefusal::OverPledged),
        Event::Release | Event::Fulfil | Event::Confirm
            if matches!(status, Claimed | Fulfilled | Published) =>
        {
            Ok(derived(target, pledges))
        }
        _ => Err(WishRefusal::Illegal),
    }
}

/// Its needed-by day has passed: a wish nobody pledged to expires; a crowdfunded wish
/// partly pledged closes its open remainder (its target becomes what was pledged) and
/// follows its pledges from there. Returns the new status and target.
pub fn expire(
    status: WishStatus,
    target: u32,
    pledges: &[Pledge],
) -> Result<(WishStatus, u32), WishRefusal> {
    let covered = covered(pledges);
    match status {
        WishStatus::Pending | WishStatus::Published if covered == 0 => {
            Ok((WishStatus::Expired, target))
        }
        WishStatus::Published => Ok((derived(covered, pledges), covered)),
        _ => Err(WishRefusal::Illegal),
    }
}

/// A pledge's own step.
pub fn pledge_step(status: PledgeStatus, event: Event) -> Result<PledgeStatus, WishRefusal> {
    match (status, event) {
        (PledgeStatus::Active, Event::Release) => Ok(PledgeStatus::Released),
        (PledgeStatus::Active, Event::Fulfil) => Ok(PledgeStatus::Done),
        (PledgeStatus::Done, Event::Confirm) => Ok(PledgeStatus::Confirmed),
        _ => Err(WishRefusal::Illegal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PledgeStatus::*;

    fn p(quantity: u32, status: PledgeStatus) -> Pledge {
        Pledge { quantity, status }
    }

    #[test]
    fn every_wish_level_transition_is_legal_or_refused_as_the_table_says() {
        use WishStatus::*;
        let none: &[Pledge] = &[];
        let pledged = [p(1, Active)];
        // Every status × event, without pledges (pledge-level events then re-derive).
        for status in WishStatus::ALL {
            for event in Event::ALL {
                let expected = match (status, event) {
                    (Pending, Event::Approve) => Ok(Published),
                    (Pending, Event::Reject) => Ok(Rejected),
                    (Pending | Published, Event::Withdraw) => Ok(Withdrawn),
                    (Pending | Published, Event::Expire) => Ok(Expired),
                    (Published, Event::Pledge) => Ok(Published),
                    (Claimed, Event::Pledge) => Err(WishRefusal::OverPledged),
                    (
                        Published | Claimed | Fulfilled,
                        Event::Release | Event::Fulfil | Event::Confirm,
                    ) => Ok(Published),
                    _ => Err(WishRefusal::Illegal),
                };
                assert_eq!(
                    step(status, event, 1, none),
                    expected,
                    "{status:?} {event:?}"
                );
            }
        }
        // With a live pledge nobody can withdraw it or let it expire.
        assert_eq!(
            step(Published, Event::Withdraw, 2, &pledged),
            Err(WishRefusal::Illegal)
        );
        assert_eq!(
            step(Claimed, Event::Expire, 1, &pledged),
            Err(WishRefusal::Illegal)
        );
        // Ended wishes stay ended.
        for ended in [Rejected, Confirmed, Withdrawn, Expired] {
            for event in Event::ALL {
                assert_eq!(
                    step(ended, event, 1, &pledged),
                    Err(WishRefusal::Illegal),
                    "{ended:?} {event:?}"
                );
            }
        }
    }

    #[test]
    fn pledge_steps() {
        for status in [Active, Done, Confirmed, Released] {
            for event in Event::ALL {
                let expected = match (status, event) {
                    (Active, Event::Release) => Ok(Released),
                    (Active, Event::Fulfil) => Ok(Done),
                    (Done, Event::Confirm) => Ok(Confirmed),
                    _ => Err(WishRefusal::Illegal),
                };
                assert_eq!(pledge_step(status, event), expected, "{status:?} {event:?}");
            }
        }
    }

    #[test]
    fn crowdfunding_covers_its_target_and_no_more() {
        // 20 套校服: 12 + 8 fill it; one more is refused; 0 is no pledge.
        let mut pledges = vec![p(12, Active)];
        assert_eq!(check_pledge(20, &pledges, 9), Err(WishRefusal::OverPledged));
        assert_eq!(check_pledge(20, &pledges, 0), Err(WishRefusal::BadQuantity));
        assert_eq!(check_pledge(20, &pledges, 8), Ok(()));
        pledges.push(p(8, Active));
        assert_eq!(derived(20, &pledges), WishStatus::Claimed);
        assert_eq!(check_pledge(20, &pledges, 1), Err(WishRefusal::OverPledged));
        // Releasing reopens exactly that part.
        pledges[1].status = Released;
        assert_eq!(derived(20, &pledges), WishStatus::Published);
        assert_eq!(check_pledge(20, &pledges, 8), Ok(()));
        assert_eq!(check_pledge(20, &pledges, 9), Err(WishRefusal::OverPledged));
    }

    #[test]
    fn the_wish_is_done_when_every_part_is() {
        let pledges = [p(12, Done), p(8, Active), p(3, Released)];
        assert_eq!(derived(20, &pledges), WishStatus::Claimed);
        let pledges = [p(12, Done), p(8, Done), p(3, Released)];
        assert_eq!(derived(20, &pledges), WishStatus::Fulfilled);
        let pledges = [p(12, Confirmed), p(8, Done)];
        assert_eq!(derived(20, &pledges), WishStatus::Fulfilled);
        let pledges = [p(12, Confirmed), p(8, Confirmed)];
        assert_eq!(derived(20, &pledges), WishStatus::Confirmed);
        // An ordinary wish is a target of one.
        assert_eq!(derived(1, &[p(1, Active)]), WishStatus::Claimed);
        assert_eq!(
            step(WishStatus::Claimed, Event::Fulfil, 1, &[p(1, Done)]),
            Ok(WishStatus::Fulfilled)
        );
        assert_eq!(
            step(WishStatus::Claimed, Event::Release, 1, &[p(1, Released)]),
            Ok(WishStatus::Published),
            "a released claim puts the wish back on the wall"
        );
    }

    #[test]
    fn pledging_the_last_part_claims_the_wish() {
        assert_eq!(
            step(
                WishStatus::Published,
                Event::Pledge,
                20,
                &[p(12, Active), p(8, Active)]
            ),
            Ok(WishStatus::Claimed)
        );
        assert_eq!(
            step(WishStatus::Published, Event::Pledge, 20, &[p(12, Active)]),
            Ok(WishStatus::Published)
        );
    }

    #[test]
    fn expiry_closes_what_nobody_took() {
        use WishStatus::*;
        assert_eq!(expire(Published, 1, &[]), Ok((Expired, 1)));
        assert_eq!(expire(Pending, 20, &[]), Ok((Expired, 20)));
        assert_eq!(expire(Published, 20, &[p(5, Released)]), Ok((Expired, 20)));
        // 12 of 20 pledged: the 8 nobody took close; the 12 go on (or are already done).
        assert_eq!(expire(Published, 20, &[p(12, Active)]), Ok((Claimed, 12)));
        assert_eq!(
            expire(
                Published,
                20,
                &[p(12, PledgeStatus::Confirmed), p(3, Released)]
            ),
            Ok((WishStatus::Confirmed, 12))
        );
        for status in [Rejected, Claimed, Fulfilled, Confirmed, Withdrawn, Expired] {
            assert_eq!(
                expire(status, 1, &[p(1, Active)]),
                Err(WishRefusal::Illegal),
                "{status:?}"
            );
        }
    }

    #[test]
    fn contact_is_for_the_poster_reviewers_and_open_pledges_only() {
        assert!(sees_contact(true, false, &[]));
        assert!(sees_contact(false, true, &[]));
        assert!(sees_contact(false, false, &[Active]));
        assert!(sees_contact(false, false, &[Released, Done]));
        assert!(!sees_contact(false, false, &[]));
        assert!(!sees_contact(false, false, &[Released]));
        assert!(!sees_contact(false, false, &[Confirmed, Released]));
    }

    #[test]
    fn drafts_are_checked_field_by_field() {
        let ok = check_draft(" 轮椅 ", "腿脚不便", "elderly", "", "").unwrap();
        assert_eq!(ok.title, "轮椅");
        assert_eq!(ok.crowdfunding, None);
        let funded = check_draft("校服", "孩子们", "study", "20", "套").unwrap();
        assert_eq!(funded.crowdfunding, Some((20, "套".to_string())));
        let long_title = "长".repeat(TITLE_MAX + 1);
        let long_story = "长".repeat(STORY_MAX + 1);
        for (args, error) in [
            (["", "x", "other", "", ""], DraftError::TitleMissing),
            (
                [long_title.as_str(), "x", "other", "", ""],
                DraftError::TitleTooLong,
            ),
            (["t", "  ", "other", "", ""], DraftError::StoryMissing),
            (
                ["t", long_story.as_str(), "other", "", ""],
                DraftError::StoryTooLong,
            ),
            (["t", "x", "pets", "", ""], DraftError::Category),
            (["t", "x", "other", "1", "套"], DraftError::Target),
            (["t", "x", "other", "十", "套"], DraftError::Target),
            (["t", "x", "other", "10001", "套"], DraftError::Target),
            (["t", "x", "other", "20", ""], DraftError::Unit),
            (
                ["t", "x", "other", "20", "一二三四五六七"],
                DraftError::Unit,
            ),
        ] {
            assert_eq!(
                check_draft(args[0], args[1], args[2], args[3], args[4]),
                Err(error),
                "{args:?}"
            );
        }
    }

    #[test]
    fn deadlines() {
        use crate::shell::time::end_of_day;
        // 2026-11-30 ends at 15:59:59 UTC.
        assert_eq!(end_of_day("2026-11-30"), Some(1_796_054_399));
        assert_eq!(
            crate::shell::time::format_datetime(end_of_day("2026-11-30").unwrap()),
            "2026-11-30 23:59"
        );
        assert_eq!(end_of_day("2026-02-30"), None);
        assert_eq!(end_of_day("tomorrow"), None);
        assert!(!is_overdue(1_000, 1_000));
        assert!(is_overdue(1_000, 1_001));
        assert!(!auto_confirm_due(0, 7, 7 * 86_400 - 1));
        assert!(auto_confirm_due(0, 7, 7 * 86_400));
        assert!(auto_confirm_due(0, 0, 86_400), "at least a day");
    }

    #[test]
    fn names_round_trip() {
        for status in WishStatus::ALL {
            assert_eq!(WishStatus::parse(status.as_str()), Some(status));
        }
        for status in PledgeStatus::ALL {
            assert_eq!(PledgeStatus::parse(status.as_str()), Some(status));
        }
        for category in WishCategory::ALL {
            assert_eq!(WishCategory::parse(category.as_str()), Some(category));
        }
        assert_eq!(WishStatus::parse("done"), None);
    }
}
