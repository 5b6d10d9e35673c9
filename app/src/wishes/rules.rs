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
    /// Whether the pledge still covers its part.
    pub fn covers(self) -> bool {
        self != PledgeStatus::Released
    }
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
        Event::Pledge if status == Published => Ok(Published),
        Event::Pledge if status == Claimed => Err(WishRefusal::OverPledged),
        Event::Release | Event::Fulfil | Event::Confirm
            if matches!(status, Claimed | Fulfilled | Published) =>
        {
            Ok(derived(target, pledges))
        }
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
    fn names_round_trip() {
        for status in WishStatus::ALL {
            assert_eq!(WishStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(WishStatus::parse("done"), None);
    }
}
