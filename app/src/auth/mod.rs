//! Accounts: registration, login, sessions, passwords, and who may do what.

pub mod api;
pub mod authz;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::orgs::rules::OrgKind;
use authz::Role;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartyStatus {
    Full,
    Probationary,
}

impl PartyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyStatus::Full => "full",
            PartyStatus::Probationary => "probationary",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(PartyStatus::Full),
            "probationary" => Some(PartyStatus::Probationary),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRole {
    pub org_id: String,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub role: Role,
}

/// The logged-in user as the views see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub party_status: Option<PartyStatus>,
    pub community: Option<NamedRef>,
    pub roles: Vec<MyRole>,
    /// Server time of this answer: the home page shows it as 更新于 when offline.
    pub fetched_at: i64,
}

impl Me {
    pub fn orgs_with(&self, role: Role) -> impl Iterator<Item = &MyRole> {
        self.roles.iter().filter(move |r| r.role == role)
    }

    pub fn branch(&self) -> Option<&MyRole> {
        self.roles
            .iter()
            .find(|r| r.role == Role::Member && r.org_kind == OrgKind::Branch)
    }
}
