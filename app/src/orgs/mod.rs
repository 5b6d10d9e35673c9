//! Organisations: the 党委 → 党总支 → 党支部 → 党小组 tree, communities, members and invites.

pub mod api;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::auth::{authz::Role, NamedRef, PartyStatus};
use rules::{InviteState, OrgKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub phone: String,
    pub party_status: Option<PartyStatus>,
    pub group: Option<NamedRef>,
    pub is_secretary: bool,
    pub is_group_leader: bool,
    pub joined_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchMembers {
    pub branch: NamedRef,
    pub groups: Vec<NamedRef>,
    pub members: Vec<MemberRow>,
    /// Whether the caller may change the list (the view hides the controls otherwise;
    /// the server checks again on every change).
    pub can_manage: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    pub id: String,
    pub code: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub state: InviteState,
    pub uses: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInfo {
    pub code: String,
    pub branch: NamedRef,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgNode {
    pub id: String,
    pub parent_id: Option<String>,
    pub kind: OrgKind,
    pub name: String,
    pub secretaries: Vec<String>,
    pub member_count: i64,
    pub depth: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityRow {
    pub id: String,
    pub name: String,
    pub paired_branches: Vec<NamedRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub orgs: Vec<OrgNode>,
    pub communities: Vec<CommunityRow>,
}

pub fn role_label(role: Role) -> crate::i18n::Msg {
    use crate::i18n::Msg;
    match role {
        Role::Admin => Msg::RoleAdmin,
        Role::Secretary => Msg::RoleSecretary,
        Role::GroupLeader => Msg::RoleGroupLeader,
        Role::Member => Msg::RoleMember,
    }
}

pub fn kind_label(kind: OrgKind) -> crate::i18n::Msg {
    use crate::i18n::Msg;
    match kind {
        OrgKind::Committee => Msg::KindCommittee,
        OrgKind::GeneralBranch => Msg::KindGeneralBranch,
        OrgKind::Branch => Msg::KindBranch,
        OrgKind::Group => Msg::KindGroup,
    }
}
