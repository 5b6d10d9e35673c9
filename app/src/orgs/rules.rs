//! Organisation rules: what may nest under what, and when an invite may be used.

use super::CommunityRow;
use crate::auth::NamedRef;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrgKind {
    /// 党委 / 党工委
    Committee,
    /// 党总支
    GeneralBranch,
    /// 党支部
    Branch,
    /// 党小组
    Group,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Committee => "committee",
            OrgKind::GeneralBranch => "general_branch",
            OrgKind::Branch => "branch",
            OrgKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "committee" => OrgKind::Committee,
            "general_branch" => OrgKind::GeneralBranch,
            "branch" => OrgKind::Branch,
            "group" => OrgKind::Group,
            _ => return None,
        })
    }

    /// 党委 → (党总支) → 党支部 → 党小组; a committee may also sit under a committee.
    pub fn may_sit_under(self, parent: Option<OrgKind>) -> bool {
        use OrgKind::*;
        matches!(
            (self, parent),
            (Committee, None)
                | (Committee, Some(Committee))
                | (GeneralBranch, Some(Committee))
                | (Branch, Some(Committee))
                | (Branch, Some(GeneralBranch))
                | (Group, Some(Branch))
        )
    }
}

pub fn check_nesting(kind: OrgKind, parent: Option<OrgKind>) -> Result<(), AppError> {
    if kind.may_sit_under(parent) {
        Ok(())
    } else {
        Err(AppError::OrgKind)
    }
}

pub const INVITE_MAX_DAYS: i64 = 30;
pub const DAY_SECS: i64 = 86_400;

/// The days an invite is to last, as typed in the form.
pub fn parse_valid_days(input: &str) -> Result<i64, AppError> {
    input.trim().parse().map_err(|_| AppError::ValidDays)
}

pub fn invite_lifetime_secs(valid_days: i64) -> Result<i64, AppError> {
    if (1..=INVITE_MAX_DAYS).contains(&valid_days) {
        Ok(valid_days * DAY_SECS)
    } else {
        Err(AppError::ValidDays)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteState {
    Active,
    Expired,
    Revoked,
}

/// Revocation wins over expiry; an invite is usable up to, not at, its expiry instant.
pub fn invite_state(now: i64, expires_at: i64, revoked_at: Option<i64>) -> InviteState {
    if revoked_at.is_some_and(|at| at <= now) {
        InviteState::Revoked
    } else if now >= expires_at {
        InviteState::Expired
    } else {
        InviteState::Active
    }
}

pub fn check_invite_usable(
    now: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
) -> Result<(), AppError> {
    match invite_state(now, expires_at, revoked_at) {
        InviteState::Active => Ok(()),
        InviteState::Expired => Err(AppError::InviteExpired),
        InviteState::Revoked => Err(AppError::InviteRevoked),
    }
}

/// Invite codes avoid look-alike characters (0/O, 1/I/L) so they can be read aloud
/// and typed from a printed notice.
pub const INVITE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const INVITE_CODE_LEN: usize = 8;

pub fn normalize_invite_code(input: &str) -> Result<String, AppError> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.len() == INVITE_CODE_LEN && code.bytes().all(|b| INVITE_ALPHABET.contains(&b)) {
        Ok(code)
    } else {
        Err(AppError::InviteNotFound)
    }
}

/// Communities with the branches each is paired with, from rows of (community id, name,
/// branch id, branch name) where a community's rows come together, one of them with no
/// branch when it has none.
pub fn communities_with_pairings(
    rows: Vec<(String, String, Option<String>, Option<String>)>,
) -> Vec<CommunityRow> {
    let mut communities: Vec<CommunityRow> = Vec::new();
    for (id, name, branch_id, branch_name) in rows {
        if communities.last().map(|c| c.id != id).unwrap_or(true) {
            communities.push(CommunityRow {
                id: id.clone(),
                name,
                paired_branches: Vec::new(),
            });
        }
        if let (Some(bid), Some(bname), Some(last)) =
            (branch_id, branch_name, communities.last_mut())
        {
            last.paired_branches.push(NamedRef {
                id: bid,
                name: bname,
            });
        }
    }
    communities
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_follows_the_party_structure() {
        use OrgKind::*;
        assert!(Committee.may_sit_under(None));
        assert!(Branch.may_sit_under(Some(Committee)));
        assert!(Branch.may_sit_under(Some(GeneralBranch)));
        assert!(Group.may_sit_under(Some(Branch)));
        assert!(!Group.may_sit_under(Some(Committee)));
        assert!(!Branch.may_sit_under(None));
        assert!(!Branch.may_sit_under(Some(Group)));
        assert!(!GeneralBranch.may_sit_under(Some(Branch)));
        assert_eq!(check_nesting(Group, None), Err(AppError::OrgKind));
    }

    #[test]
    fn invite_expires_at_its_instant() {
        let expires = 1_000;
        assert_eq!(invite_state(999, expires, None), InviteState::Active);
        assert_eq!(invite_state(1_000, expires, None), InviteState::Expired);
        assert_eq!(invite_state(5_000, expires, None), InviteState::Expired);
        assert_eq!(
            check_invite_usable(1_000, expires, None),
            Err(AppError::InviteExpired)
        );
    }

    #[test]
    fn revocation_beats_expiry() {
        assert_eq!(invite_state(500, 1_000, Some(400)), InviteState::Revoked);
        assert_eq!(invite_state(2_000, 1_000, Some(400)), InviteState::Revoked);
        assert_eq!(
            check_invite_usable(500, 1_000, Some(500)),
            Err(AppError::InviteRevoked)
        );
    }

    #[test]
    fn invite_lifetime_is_bounded() {
        assert_eq!(invite_lifetime_secs(1), Ok(DAY_SECS));
        assert_eq!(invite_lifetime_secs(30), Ok(30 * DAY_SECS));
        assert_eq!(invite_lifetime_secs(0), Err(AppError::ValidDays));
        assert_eq!(invite_lifetime_secs(31), Err(AppError::ValidDays));
    }

    #[test]
    fn valid_days_are_a_whole_number() {
        assert_eq!(parse_valid_days(" 7 "), Ok(7));
        assert_eq!(parse_valid_days("0"), Ok(0));
        assert_eq!(parse_valid_days(""), Err(AppError::ValidDays));
        assert_eq!(parse_valid_days("7天"), Err(AppError::ValidDays));
        assert_eq!(parse_valid_days("1.5"), Err(AppError::ValidDays));
    }

    #[test]
    fn communities_gather_their_branches() {
        let row = |id: &str, name: &str, branch: Option<(&str, &str)>| {
            (
                id.to_string(),
                name.to_string(),
                branch.map(|(id, _)| id.to_string()),
                branch.map(|(_, name)| name.to_string()),
            )
        };
        let communities = communities_with_pairings(vec![
            row("c1", "东苑", Some(("b1", "一支部"))),
            row("c1", "东苑", Some(("b2", "二支部"))),
            row("c2", "西苑", None),
            row("c3", "南苑", Some(("b1", "一支部"))),
        ]);
        let branch = |id: &str, name: &str| NamedRef {
            id: id.to_string(),
            name: name.to_string(),
        };
        assert_eq!(
            communities,
            vec![
                CommunityRow {
                    id: "c1".into(),
                    name: "东苑".into(),
                    paired_branches: vec![branch("b1", "一支部"), branch("b2", "二支部")],
                },
                CommunityRow {
                    id: "c2".into(),
                    name: "西苑".into(),
                    paired_branches: Vec::new(),
                },
                CommunityRow {
                    id: "c3".into(),
                    name: "南苑".into(),
                    paired_branches: vec![branch("b1", "一支部")],
                },
            ]
        );
        assert!(communities_with_pairings(Vec::new()).is_empty());
    }

    #[test]
    fn invite_codes_are_forgiving_to_type() {
        assert_eq!(normalize_invite_code("abcd-efgh").unwrap(), "ABCDEFGH");
        assert_eq!(normalize_invite_code(" 2345 6789 ").unwrap(), "23456789");
        assert_eq!(
            normalize_invite_code("ABCDEFG"),
            Err(AppError::InviteNotFound)
        );
        assert_eq!(
            normalize_invite_code("ABCDEFG0"),
            Err(AppError::InviteNotFound)
        );
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [
            OrgKind::Committee,
            OrgKind::GeneralBranch,
            OrgKind::Branch,
            OrgKind::Group,
        ] {
            assert_eq!(OrgKind::parse(kind.as_str()), Some(kind));
        }
    }
}
