//! Organisation rules: what may nest under what, and when an invite may be used.

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
