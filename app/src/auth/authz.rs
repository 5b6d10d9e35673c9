//! The one place that decides who may do what. Server functions ask [`authorize`];
//! views may hide buttons with [`can`], but never decide access alone.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Keeps the organisation tree below the org the grant is on.
    Admin,
    Secretary,
    GroupLeader,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Secretary => "secretary",
            Role::GroupLeader => "group_leader",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Role::Admin,
            "secretary" => Role::Secretary,
            "group_leader" => Role::GroupLeader,
            "member" => Role::Member,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub org_id: String,
    pub role: Role,
}

/// Who is asking: the user and every role they hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: String,
    pub grants: Vec<Grant>,
}

impl Actor {
    /// The orgs the actor administers (each the top of a subtree they keep).
    pub fn admin_of(&self) -> Vec<&str> {
        self.grants
            .iter()
            .filter(|g| g.role == Role::Admin)
            .map(|g| g.org_id.as_str())
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    ViewMembers,
    ManageMembers,
    ManageInvites,
    ManageGroupMembers,
    ManageOrgTree,
    AppointSecretary,
    PairCommunity,
    /// Schedule, edit and cancel meetings of the org (a branch, or a group for 党小组会).
    ScheduleMeeting,
    /// Approve or reject points, publish tasks, correct the ledger of a branch.
    ApprovePoints,
    /// Review the wishes of the branch's paired communities, pledge for it as a unit.
    ReviewWish,
    /// Keep the 星级 templates of a 党委.
    KeepStarTemplate,
    /// 自评: the branch's committee assesses its own year.
    AssessBranch,
    /// 评定: a 党委 above rates the branch; nobody who belongs to the branch does. The
    /// path given is the 党委s above and the branch (no 党总支: it does not rate).
    RateBranch,
    /// See a branch's stars: the 党委 above and the branch's committee, never its members.
    ViewStars,
    /// Open, follow and decide the branch's 民主评议党员.
    RunReview,
    /// Mark a meeting record 已审阅 or return it: the 党委s above (path of 党委s only).
    ReviewMinutes,
    /// Assign a branch's 包联 cadre and keep its 台账: the 党委s above.
    FollowBranch,
}

/// `target_path` is the target org and its ancestors, root first, target last.
pub fn can(actor: &Actor, action: Action, target_path: &[String]) -> bool {
    let Some(target) = target_path.last() else {
        return false;
    };
    let holds = |role: Role, org: &String| {
        actor
            .grants
            .iter()
            .any(|g| g.role == role && &g.org_id == org)
    };
    let admin_over_target = target_path.iter().any(|org| holds(Role::Admin, org));
    let admin_strictly_above = target_path[..target_path.len() - 1]
        .iter()
        .any(|org| holds(Role::Admin, org));
    let secretary_of_target = holds(Role::Secretary, target);
    // A group's secretary is the secretary of the branch right above it.
    let secretary_of_parent =
        target_path.len() >= 2 && holds(Role::Secretary, &target_path[target_path.len() - 2]);
    match action {
        Action::ViewMembers => {
            admin_over_target
                || secretary_of_target
                || secretary_of_parent
                || holds(Role::GroupLeader, target)
        }
        Action::ManageMembers | Action::ManageInvites => admin_over_target || secretary_of_target,
        Action::ManageGroupMembers => {
            admin_over_target || secretary_of_target || secretary_of_parent
        }
        Action::PairCommunity | Action::ApprovePoints | Action::ReviewWish | Action::RunReview => {
            admin_over_target || secretary_of_target
        }
        Action::ScheduleMeeting => {
            admin_over_target
                || secretary_of_target
                || secretary_of_parent
                || holds(Role::GroupLeader, target)
        }
        Action::ManageOrgTree | Action::AppointSecretary | Action::KeepStarTemplate => {
            admin_over_target
        }
        Action::AssessBranch => secretary_of_target,
        Action::RateBranch => {
            admin_strictly_above && !actor.grants.iter().any(|g| &g.org_id == target)
        }
        Action::ViewStars => admin_strictly_above || secretary_of_target,
        Action::ReviewMinutes | Action::FollowBranch => admin_strictly_above,
    }
}

pub fn authorize(actor: &Actor, action: Action, target_path: &[String]) -> Result<(), AppError> {
    if can(actor, action, target_path) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn actor(grants: &[(&str, Role)]) -> Actor {
        Actor {
            user_id: "u".into(),
            grants: grants
                .iter()
                .map(|(org, role)| Grant {
                    org_id: org.to_string(),
                    role: *role,
                })
                .collect(),
        }
    }

    const BRANCH_A: &[&str] = &["committee", "branch-a"];
    const BRANCH_B: &[&str] = &["committee", "branch-b"];
    const GROUP_A1: &[&str] = &["committee", "branch-a", "group-a1"];

    #[test]
    fn secretary_manages_own_branch_only() {
        let sec = actor(&[("branch-a", Role::Secretary), ("branch-a", Role::Member)]);
        assert!(can(&sec, Action::ManageMembers, &path(BRANCH_A)));
        assert!(can(&sec, Action::ManageInvites, &path(BRANCH_A)));
        assert!(can(&sec, Action::ManageGroupMembers, &path(GROUP_A1)));
        assert!(!can(&sec, Action::ManageMembers, &path(BRANCH_B)));
        assert!(!can(&sec, Action::ViewMembers, &path(BRANCH_B)));
        assert!(!can(&sec, Action::ManageOrgTree, &path(BRANCH_A)));
        assert!(!can(&sec, Action::AppointSecretary, &path(BRANCH_A)));
        assert!(can(&sec, Action::ReviewWish, &path(BRANCH_A)));
        assert!(!can(&sec, Action::ReviewWish, &path(BRANCH_B)));
    }

    #[test]
    fn member_cannot_manage_or_list() {
        let member = actor(&[("branch-a", Role::Member), ("group-a1", Role::Member)]);
        for action in [
            Action::ViewMembers,
            Action::ManageMembers,
            Action::ManageInvites,
            Action::ManageGroupMembers,
            Action::ManageOrgTree,
            Action::AppointSecretary,
            Action::PairCommunity,
            Action::ScheduleMeeting,
            Action::ApprovePoints,
            Action::ReviewWish,
            Action::KeepStarTemplate,
            Action::AssessBranch,
            Action::RateBranch,
            Action::ViewStars,
            Action::RunReview,
            Action::ReviewMinutes,
            Action::FollowBranch,
        ] {
            assert!(!can(&member, action, &path(BRANCH_A)), "{action:?}");
            assert!(!can(&member, action, &path(GROUP_A1)), "{action:?}");
        }
    }

    #[test]
    fn admin_rules_the_whole_subtree_and_nothing_above() {
        let admin = actor(&[("committee", Role::Admin)]);
        assert!(can(&admin, Action::ManageOrgTree, &path(&["committee"])));
        assert!(can(&admin, Action::AppointSecretary, &path(BRANCH_B)));
        assert!(can(&admin, Action::ManageMembers, &path(GROUP_A1)));
        assert!(!can(
            &admin,
            Action::ManageOrgTree,
            &path(&["other-committee"])
        ));
        let branch_admin = actor(&[("branch-a", Role::Admin)]);
        assert!(!can(
            &branch_admin,
            Action::ManageOrgTree,
            &path(&["committee"])
        ));
    }

    #[test]
    fn group_leader_sees_own_group() {
        let leader = actor(&[("group-a1", Role::GroupLeader)]);
        assert!(can(&leader, Action::ViewMembers, &path(GROUP_A1)));
        assert!(!can(&leader, Action::ViewMembers, &path(BRANCH_A)));
        assert!(!can(&leader, Action::ManageMembers, &path(GROUP_A1)));
        assert!(
            can(&leader, Action::ScheduleMeeting, &path(GROUP_A1)),
            "党小组会 by its leader"
        );
        assert!(!can(&leader, Action::ScheduleMeeting, &path(BRANCH_A)));
    }

    #[test]
    fn a_branch_never_rates_itself() {
        let admin = actor(&[("committee", Role::Admin)]);
        assert!(can(&admin, Action::RateBranch, &path(BRANCH_A)));
        assert!(can(&admin, Action::ViewStars, &path(BRANCH_A)));
        assert!(!can(&admin, Action::AssessBranch, &path(BRANCH_A)));
        // The 党委's admin who is also a member of branch A rates every branch but A.
        let admin_in_a = actor(&[("committee", Role::Admin), ("branch-a", Role::Member)]);
        assert!(!can(&admin_in_a, Action::RateBranch, &path(BRANCH_A)));
        assert!(can(&admin_in_a, Action::RateBranch, &path(BRANCH_B)));
        // An admin grant on the branch itself is not a 党委 above it.
        let own_admin = actor(&[("branch-a", Role::Admin)]);
        assert!(!can(&own_admin, Action::RateBranch, &path(BRANCH_A)));
        assert!(!can(&own_admin, Action::ViewStars, &path(BRANCH_A)));
        let sec = actor(&[("branch-a", Role::Secretary), ("branch-a", Role::Member)]);
        assert!(can(&sec, Action::AssessBranch, &path(BRANCH_A)));
        assert!(can(&sec, Action::ViewStars, &path(BRANCH_A)));
        assert!(!can(&sec, Action::RateBranch, &path(BRANCH_A)));
        assert!(!can(&sec, Action::ViewStars, &path(BRANCH_B)));
        let member = actor(&[("branch-a", Role::Member)]);
        assert!(!can(&member, Action::ViewStars, &path(BRANCH_A)));
        assert!(!can(&member, Action::AssessBranch, &path(BRANCH_A)));
        assert!(
            !can(&admin, Action::RateBranch, &path(&["committee"])),
            "nothing above"
        );
    }

    #[test]
    fn empty_path_is_never_allowed() {
        let admin = actor(&[("committee", Role::Admin)]);
        assert!(!can(&admin, Action::ViewMembers, &[]));
        assert_eq!(
            authorize(&admin, Action::ViewMembers, &[]),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn role_names_round_trip() {
        for role in [
            Role::Admin,
            Role::Secretary,
            Role::GroupLeader,
            Role::Member,
        ] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("resident"), None);
    }
}
