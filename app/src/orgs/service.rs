//! The orgs' use cases. Each protected one resolves the target org's path and asks
//! [`crate::auth::authz::authorize`] before it reads or writes. Other capabilities ask
//! here about the tree: an org's kind, a branch's groups and make-up, the 党委s above an
//! org or kept by an admin.

use super::rules::{
    check_invite_usable, check_nesting, communities_with_pairings, invite_lifetime_secs,
    invite_state, normalize_invite_code, OrgKind, INVITE_ALPHABET, INVITE_CODE_LEN,
};
use super::store::{self, InviteRow, NewInvite, NewOrg};
use super::{AdminOverview, BranchMembers, InviteInfo, InviteView, MemberRow, OrgNode};
use crate::auth::authz::{authorize, Action, Actor};
use crate::auth::service::{insert_user, prepare_account};
use crate::auth::session::org_path;
use crate::auth::{NamedRef, PartyStatus};
use crate::db::{Conn, Exec, Pool};
use crate::error::{AppError, AppResult};
use crate::state::{audit, new_id, now, AppState};
use rand::Rng;

fn named(rows: Vec<(String, String)>) -> Vec<NamedRef> {
    rows.into_iter()
        .map(|(id, name)| NamedRef { id, name })
        .collect()
}

pub async fn org_kind<'e>(
    exec: impl Into<Exec<'e>>,
    org_id: &str,
) -> AppResult<(OrgKind, String, Option<String>)> {
    let (kind, name, parent) = store::org(exec, org_id).await?.ok_or(AppError::NotFound)?;
    Ok((
        OrgKind::parse(&kind).ok_or(AppError::Internal)?,
        name,
        parent,
    ))
}

/// Resolves a branch, refusing anything that is not one, and checks the caller. The
/// branch's path comes back too, for further checks without another query.
async fn authorized_branch(
    pool: &Pool,
    actor: &Actor,
    action: Action,
    branch_id: &str,
) -> AppResult<(NamedRef, Vec<String>)> {
    let path = org_path(pool, branch_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    authorize(actor, action, &path)?;
    let (kind, name, _) = org_kind(pool, branch_id).await?;
    if kind != OrgKind::Branch {
        return Err(AppError::NotFound);
    }
    Ok((
        NamedRef {
            id: branch_id.to_string(),
            name,
        },
        path,
    ))
}

/// Every branch below any of `roots`, by name.
pub async fn branches_under(pool: &Pool, roots: &[&str]) -> AppResult<Vec<NamedRef>> {
    Ok(named(store::branches_under(pool, roots).await?))
}

/// A branch's make-up for the 基本组织 and 基本队伍 stars: its groups, its full and
/// probationary members, and who holds the secretary's post.
pub async fn branch_makeup(pool: &Pool, branch_id: &str) -> AppResult<BranchMakeup> {
    let (groups, full, probationary) = store::branch_counts(pool, branch_id).await?;
    let secretaries = store::secretary_names(pool, branch_id).await?;
    Ok(BranchMakeup {
        groups,
        full,
        probationary,
        secretaries,
    })
}

/// Whether the user holds any role in the branch or one of its 党小组.
pub async fn belongs_to_branch(pool: &Pool, user_id: &str, branch_id: &str) -> AppResult<bool> {
    Ok(store::roles_in_branch(pool, user_id, branch_id).await? > 0)
}

/// The branch the user is a member of; refused when none.
pub async fn branch_of_member(conn: &mut Conn, user_id: &str) -> AppResult<String> {
    store::member_branch(conn, user_id)
        .await?
        .ok_or(AppError::NotInBranch)
}

/// The path the 党委's own rules read (star ratings, review of records): the 党委s above
/// the org, root first, then the org itself. A 党总支 in between neither rates nor
/// reviews; an unknown org is refused as a forbidden one.
pub async fn committee_path(pool: &Pool, org_id: &str) -> AppResult<Vec<String>> {
    let path = org_path(pool, org_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    let (above, target) = path.split_at(path.len() - 1);
    let committees = committees_among(pool, above).await?;
    let mut committee_path: Vec<String> = above
        .iter()
        .filter(|id| committees.contains(id))
        .cloned()
        .collect();
    committee_path.extend_from_slice(target);
    Ok(committee_path)
}

/// The 党委s the actor keeps (an admin grant on a committee), by name.
pub async fn committees_kept_by(pool: &Pool, actor: &Actor) -> AppResult<Vec<NamedRef>> {
    Ok(named(
        store::committees_named(pool, &actor.admin_of()).await?,
    ))
}

/// Of `ids`, those that are 党委s.
pub async fn committees_among(pool: &Pool, ids: &[String]) -> AppResult<Vec<String>> {
    Ok(store::committees_among(pool, ids).await?)
}

pub struct BranchMakeup {
    pub groups: i64,
    pub full: i64,
    pub probationary: i64,
    pub secretaries: Vec<String>,
}

/// The 党小组 of a branch, by name.
pub async fn branch_groups(pool: &Pool, branch_id: &str) -> AppResult<Vec<NamedRef>> {
    Ok(named(store::branch_groups(pool, branch_id).await?))
}

pub async fn fetch_members(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
) -> AppResult<BranchMembers> {
    let (branch, path) = authorized_branch(pool, actor, Action::ViewMembers, branch_id).await?;
    let can_manage = crate::auth::authz::can(actor, Action::ManageMembers, &path);
    let groups = branch_groups(pool, branch_id).await?;
    let rows = store::branch_members(pool, branch_id).await?;
    Ok(BranchMembers {
        branch,
        groups,
        members: rows
            .into_iter()
            .map(|row| MemberRow {
                user_id: row.user_id,
                name: row.name,
                phone: row.phone,
                party_status: row.party_status.as_deref().and_then(PartyStatus::parse),
                group: row
                    .group_id
                    .zip(row.group_name)
                    .map(|(id, name)| NamedRef { id, name }),
                is_secretary: row.is_secretary,
                is_group_leader: row.is_group_leader,
                joined_at: row.joined_at,
            })
            .collect(),
        can_manage,
    })
}

/// Puts a member of the branch into one of its groups, or none when `group_id` is empty.
pub async fn set_member_group(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    user_id: &str,
    group_id: &str,
) -> AppResult<()> {
    authorized_branch(pool, actor, Action::ManageGroupMembers, branch_id).await?;
    if !store::is_member(pool, user_id, branch_id).await? {
        return Err(AppError::NotFound);
    }
    if !group_id.is_empty() {
        let (kind, _, parent) = org_kind(pool, group_id)
            .await
            .map_err(|_| AppError::GroupNotInBranch)?;
        if kind != OrgKind::Group || parent.as_deref() != Some(branch_id) {
            return Err(AppError::GroupNotInBranch);
        }
    }
    let mut tx = pool.begin().await?;
    store::leave_groups(&mut tx, user_id, branch_id).await?;
    if !group_id.is_empty() {
        store::add_member(&mut tx, user_id, group_id, now()).await?;
    }
    audit(
        &mut *tx,
        &actor.user_id,
        "set_member_group",
        Some(branch_id),
        Some(user_id),
        Some(group_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_party_status(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    user_id: &str,
    status: &str,
) -> AppResult<()> {
    authorized_branch(pool, actor, Action::ManageMembers, branch_id).await?;
    let status = PartyStatus::parse(status).ok_or(AppError::NotFound)?;
    if !store::is_member(pool, user_id, branch_id).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = pool.begin().await?;
    store::set_party_status(&mut tx, user_id, status).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "set_party_status",
        Some(branch_id),
        Some(user_id),
        Some(status.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a member out of the branch and its groups; the account stays.
pub async fn remove_member(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    user_id: &str,
) -> AppResult<()> {
    authorized_branch(pool, actor, Action::ManageMembers, branch_id).await?;
    // Any place in the branch counts: a secretary appointed from outside holds no
    // member's place, and must be removable all the same.
    if !store::holds_place_in_branch(pool, user_id, branch_id).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = pool.begin().await?;
    store::leave_branch(&mut tx, user_id, branch_id).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "remove_member",
        Some(branch_id),
        Some(user_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn invite_view(now: i64, row: InviteRow) -> InviteView {
    InviteView {
        state: invite_state(now, row.expires_at, row.revoked_at),
        id: row.id,
        code: row.code,
        created_at: row.created_at,
        expires_at: row.expires_at,
        uses: row.uses,
    }
}

pub async fn list_invites(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
) -> AppResult<Vec<InviteView>> {
    authorized_branch(pool, actor, Action::ManageInvites, branch_id).await?;
    let rows = store::invites_of(pool, branch_id).await?;
    let at = now();
    Ok(rows.into_iter().map(|row| invite_view(at, row)).collect())
}

fn new_invite_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..INVITE_CODE_LEN)
        .map(|_| INVITE_ALPHABET[rng.gen_range(0..INVITE_ALPHABET.len())] as char)
        .collect()
}

pub async fn create_invite(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    valid_days: i64,
) -> AppResult<InviteView> {
    authorized_branch(pool, actor, Action::ManageInvites, branch_id).await?;
    let lifetime = invite_lifetime_secs(valid_days)?;
    let created_at = now();
    let id = new_id();
    let code = new_invite_code();
    let mut tx = pool.begin().await?;
    store::insert_invite(
        &mut tx,
        &NewInvite {
            id: &id,
            branch_id,
            code: &code,
            created_by: &actor.user_id,
            created_at,
            expires_at: created_at + lifetime,
        },
    )
    .await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "create_invite",
        Some(branch_id),
        Some(&id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(invite_view(
        created_at,
        InviteRow {
            id,
            code,
            created_at,
            expires_at: created_at + lifetime,
            revoked_at: None,
            uses: 0,
        },
    ))
}

pub async fn revoke_invite(pool: &Pool, actor: &Actor, invite_id: &str) -> AppResult<()> {
    let branch_id = store::invite_branch(pool, invite_id)
        .await?
        .ok_or(AppError::NotFound)?;
    authorized_branch(pool, actor, Action::ManageInvites, &branch_id).await?;
    let mut tx = pool.begin().await?;
    store::revoke_invite(&mut tx, invite_id, now()).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "revoke_invite",
        Some(&branch_id),
        Some(invite_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The invite behind a code, if it can still be used: its id and what a joiner sees.
pub async fn usable_invite(pool: &Pool, code: &str) -> AppResult<(String, InviteInfo)> {
    let code = normalize_invite_code(code)?;
    let (id, branch_id, branch_name, expires_at, revoked_at) = store::invite_by_code(pool, &code)
        .await?
        .ok_or(AppError::InviteNotFound)?;
    check_invite_usable(now(), expires_at, revoked_at)?;
    Ok((
        id,
        InviteInfo {
            code,
            branch: NamedRef {
                id: branch_id,
                name: branch_name,
            },
            expires_at,
        },
    ))
}

async fn add_to_branch(
    tx: &mut Conn,
    user_id: &str,
    invite_id: &str,
    branch_id: &str,
) -> AppResult<()> {
    match store::member_branch(&mut *tx, user_id).await? {
        Some(existing) if existing == branch_id => return Err(AppError::AlreadyMember),
        Some(_) => return Err(AppError::InBranchAlready),
        None => {}
    }
    store::add_member(tx, user_id, branch_id, now()).await?;
    store::full_status_unless_set(tx, user_id).await?;
    store::count_invite_use(tx, invite_id).await?;
    audit(
        &mut *tx,
        user_id,
        "join_branch",
        Some(branch_id),
        Some(user_id),
        Some(invite_id),
    )
    .await?;
    Ok(())
}

pub async fn join_branch(pool: &Pool, user_id: &str, code: &str) -> AppResult<()> {
    let (invite_id, info) = usable_invite(pool, code).await?;
    let mut tx = pool.begin().await?;
    add_to_branch(&mut tx, user_id, &invite_id, &info.branch.id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn register_member(
    state: &AppState,
    code: &str,
    phone: &str,
    name: &str,
    password: String,
) -> AppResult<String> {
    let (invite_id, info) = usable_invite(&state.pool, code).await?;
    let (phone, name) = crate::auth::rules::check_new_account(phone, name, &password)?;
    let account = prepare_account(state, phone, name, password).await?;
    let mut tx = state.pool.begin().await?;
    let user_id = insert_user(
        &mut *tx,
        &account.phone,
        &account.name,
        &account.password_hash,
        Some(PartyStatus::Full),
        None,
    )
    .await?;
    add_to_branch(&mut tx, &user_id, &invite_id, &info.branch.id).await?;
    tx.commit().await?;
    Ok(user_id)
}

pub async fn fetch_admin_overview(pool: &Pool, actor: &Actor) -> AppResult<AdminOverview> {
    let roots = actor.admin_of();
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut orgs = Vec::new();
    for root in roots {
        let rows = store::subtree(pool, root).await?;
        orgs.extend(rows.into_iter().filter_map(|row| {
            Some(OrgNode {
                kind: OrgKind::parse(&row.kind)?,
                id: row.id,
                parent_id: row.parent_id,
                name: row.name,
                secretaries: row
                    .secretaries
                    .map(|s| s.split('、').map(str::to_string).collect())
                    .unwrap_or_default(),
                member_count: row.member_count,
                depth: row.depth,
            })
        }));
    }
    let communities = communities_with_pairings(store::communities_with_branches(pool).await?);
    Ok(AdminOverview { orgs, communities })
}

pub async fn create_org(
    pool: &Pool,
    actor: &Actor,
    parent_id: &str,
    kind: &str,
    name: &str,
) -> AppResult<String> {
    let path = org_path(pool, parent_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    let (parent_kind, _, _) = org_kind(pool, parent_id).await?;
    let kind = OrgKind::parse(kind).ok_or(AppError::OrgKind)?;
    // A secretary may add groups to their own branch; everything else is the admin's.
    let action = if kind == OrgKind::Group {
        Action::ManageGroupMembers
    } else {
        Action::ManageOrgTree
    };
    authorize(actor, action, &path)?;
    check_nesting(kind, Some(parent_kind))?;
    let name = crate::auth::rules::normalize_name(name)?;
    let id = new_id();
    let mut tx = pool.begin().await?;
    store::insert_org(
        &mut tx,
        &NewOrg {
            id: &id,
            parent_id,
            kind,
            name: &name,
            created_at: now(),
        },
    )
    .await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "create_org",
        Some(parent_id),
        Some(&id),
        Some(&name),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn appoint_secretary(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    phone: &str,
) -> AppResult<()> {
    authorized_branch(pool, actor, Action::AppointSecretary, branch_id).await?;
    let phone = crate::auth::rules::normalize_phone(phone)?;
    let user_id = store::user_by_phone(pool, &phone)
        .await?
        .ok_or(AppError::UserNotFound)?;
    let mut tx = pool.begin().await?;
    store::add_secretary(&mut tx, &user_id, branch_id, now()).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "appoint_secretary",
        Some(branch_id),
        Some(&user_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a community, paired with the branch that asks for it. Pairing gives the
/// branch's secretary the residents' contacts in its wishes, so a secretary pairs only
/// with a new community or one no other branch works with; beyond that the admin
/// over the branch decides.
pub async fn create_community(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    name: &str,
) -> AppResult<()> {
    let (_, path) = authorized_branch(pool, actor, Action::PairCommunity, branch_id).await?;
    let name = crate::auth::rules::normalize_name(name)?;
    let is_admin = crate::auth::authz::can(actor, Action::ManageOrgTree, &path);
    let mut tx = pool.begin().await?;
    if store::paired_elsewhere(&mut tx, &name, branch_id).await? && !is_admin {
        return Err(AppError::PairingNeedsAdmin);
    }
    let community_id = match store::community_named(&mut tx, &name).await? {
        Some(id) => id,
        None => {
            let id = new_id();
            store::insert_community(&mut tx, &id, &name, now()).await?;
            id
        }
    };
    store::pair_community(&mut tx, branch_id, &community_id, now()).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "pair_community",
        Some(branch_id),
        Some(&community_id),
        Some(&name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
