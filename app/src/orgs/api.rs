//! Organisation server functions. Each protected one loads the caller, resolves the
//! target org's path and asks [`crate::auth::authz::authorize`] before it reads or writes.

use super::{AdminOverview, BranchMembers, InviteInfo, InviteView};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "branch_members")]
pub async fn fetch_members(branch_id: String) -> Result<BranchMembers, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::fetch_members(&state.pool, &actor, &branch_id).await
}

#[server(endpoint = "set_member_group")]
pub async fn set_member_group(
    branch_id: String,
    user_id: String,
    group_id: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::set_member_group(&state.pool, &actor, &branch_id, &user_id, &group_id).await
}

#[server(endpoint = "set_party_status")]
pub async fn set_party_status(
    branch_id: String,
    user_id: String,
    status: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::set_party_status(&state.pool, &actor, &branch_id, &user_id, &status).await
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(branch_id: String, user_id: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::remove_member(&state.pool, &actor, &branch_id, &user_id).await
}

#[server(endpoint = "list_invites")]
pub async fn list_invites(branch_id: String) -> Result<Vec<InviteView>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::list_invites(&state.pool, &actor, &branch_id).await
}

#[server(endpoint = "create_invite")]
pub async fn create_invite(branch_id: String, valid_days: String) -> Result<InviteView, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let days = valid_days
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::ValidDays)?;
    service::create_invite(&state.pool, &actor, &branch_id, days).await
}

#[server(endpoint = "revoke_invite")]
pub async fn revoke_invite(invite_id: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::revoke_invite(&state.pool, &actor, &invite_id).await
}

#[server(endpoint = "fetch_invite")]
pub async fn fetch_invite(code: String) -> Result<InviteInfo, AppError> {
    let state = crate::state::app_state()?;
    service::usable_invite(&state.pool, &code)
        .await
        .map(|(_, info)| info)
}

/// A logged-in user (a resident, say) joins the invite's branch.
#[server(endpoint = "join_branch")]
pub async fn join_branch(code: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::join_branch(&state.pool, &actor.user_id, &code).await
}

/// Someone new creates an account and joins the invite's branch in one step.
#[server(endpoint = "register_member")]
pub async fn register_member(
    code: String,
    phone: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user_id = service::register_member(&state, &code, &phone, &name, password).await?;
    crate::auth::session::start_session(&state, &user_id).await
}

#[server(endpoint = "admin_overview")]
pub async fn fetch_admin_overview() -> Result<AdminOverview, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::fetch_admin_overview(&state.pool, &actor).await
}

#[server(endpoint = "create_org")]
pub async fn create_org(parent_id: String, kind: String, name: String) -> Result<String, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::create_org(&state.pool, &actor, &parent_id, &kind, &name).await
}

#[server(endpoint = "appoint_secretary")]
pub async fn appoint_secretary(branch_id: String, phone: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::appoint_secretary(&state.pool, &actor, &branch_id, &phone).await
}

#[server(endpoint = "create_community")]
pub async fn create_community(branch_id: String, name: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::create_community(&state.pool, &actor, &branch_id, &name).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use crate::auth::api::service::{insert_user, prepare_account};
    use crate::auth::authz::{authorize, Action, Actor};
    use crate::auth::session::org_path;
    use crate::auth::{NamedRef, PartyStatus};
    use crate::db::Pool;
    use crate::error::{AppError, AppResult};
    use crate::orgs::rules::{
        check_invite_usable, check_nesting, invite_lifetime_secs, invite_state,
        normalize_invite_code, OrgKind, INVITE_ALPHABET, INVITE_CODE_LEN,
    };
    use crate::orgs::{
        AdminOverview, BranchMembers, CommunityRow, InviteInfo, InviteView, MemberRow, OrgNode,
    };
    use crate::state::{audit, new_id, now, AppState};
    use rand::Rng;

    #[derive(sqlx::FromRow)]
    struct MemberDbRow {
        user_id: String,
        name: String,
        phone: String,
        party_status: Option<String>,
        joined_at: i64,
        group_id: Option<String>,
        group_name: Option<String>,
        is_secretary: bool,
        is_group_leader: bool,
    }

    #[derive(sqlx::FromRow)]
    struct OrgDbRow {
        id: String,
        parent_id: Option<String>,
        kind: String,
        name: String,
        depth: i64,
        secretaries: Option<String>,
        member_count: i64,
    }

    pub async fn org_kind(
        pool: &Pool,
        org_id: &str,
    ) -> AppResult<(OrgKind, String, Option<String>)> {
        let row: Option<(String, String, Option<String>)> =
            crate::db::query_as("SELECT kind, name, parent_id FROM orgs WHERE id = ?")
                .bind(org_id)
                .fetch_optional(pool)
                .await?;
        let (kind, name, parent) = row.ok_or(AppError::NotFound)?;
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
        if roots.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String)> = crate::db::query_as(&format!(
            "WITH RECURSIVE down(id, depth) AS (
                 SELECT id, CAST(0 AS BIGINT) FROM orgs WHERE id IN ({})
                 UNION
                 SELECT o.id, down.depth + 1 FROM orgs o JOIN down ON o.parent_id = down.id
                 WHERE down.depth < 16
             )
             SELECT DISTINCT o.id, o.name FROM orgs o JOIN down ON down.id = o.id
             WHERE o.kind = 'branch' ORDER BY o.name, o.id",
            crate::db::numbered_placeholders(1, roots.len())
        ))
        .bind_each(roots)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| NamedRef { id, name })
            .collect())
    }

    /// A branch's make-up for the 基本组织 and 基本队伍 stars: its groups, its full and
    /// probationary members, and who holds the secretary's post.
    pub async fn branch_makeup(pool: &Pool, branch_id: &str) -> AppResult<BranchMakeup> {
        let (groups, full, probationary): (i64, i64, i64) = crate::db::query_as(
            "SELECT (SELECT COUNT(*) FROM orgs WHERE parent_id = ?1 AND kind = 'group'),
                    COUNT(CASE WHEN u.party_status = 'full' THEN 1 END),
                    COUNT(CASE WHEN u.party_status = 'probationary' THEN 1 END)
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ?1 AND m.role = 'member'",
        )
        .bind(branch_id)
        .fetch_one(pool)
        .await?;
        let secretaries: Vec<String> = crate::db::query_scalar(
            "SELECT u.name FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ? AND m.role = 'secretary' ORDER BY u.name",
        )
        .bind(branch_id)
        .fetch_all(pool)
        .await?;
        Ok(BranchMakeup {
            groups,
            full,
            probationary,
            secretaries,
        })
    }

    /// Whether the user holds any role in the branch or one of its 党小组.
    pub async fn belongs_to_branch(pool: &Pool, user_id: &str, branch_id: &str) -> AppResult<bool> {
        let roles: i64 = crate::db::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE user_id = ?1
               AND (org_id = ?2 OR org_id IN (SELECT id FROM orgs WHERE parent_id = ?2))",
        )
        .bind(user_id)
        .bind(branch_id)
        .fetch_one(pool)
        .await?;
        Ok(roles > 0)
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
        let admin_of = actor.admin_of();
        if admin_of.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String)> = crate::db::query_as(&format!(
            "SELECT id, name FROM orgs WHERE kind = 'committee' AND id IN ({}) ORDER BY name, id",
            crate::db::numbered_placeholders(1, admin_of.len())
        ))
        .bind_each(&admin_of)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| NamedRef { id, name })
            .collect())
    }

    /// Of `ids`, those that are 党委s.
    pub async fn committees_among(pool: &Pool, ids: &[String]) -> AppResult<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(crate::db::query_scalar(&format!(
            "SELECT id FROM orgs WHERE kind = 'committee' AND id IN ({})",
            crate::db::numbered_placeholders(1, ids.len())
        ))
        .bind_each(ids)
        .fetch_all(pool)
        .await?)
    }

    pub struct BranchMakeup {
        pub groups: i64,
        pub full: i64,
        pub probationary: i64,
        pub secretaries: Vec<String>,
    }

    /// The 党小组 of a branch, by name.
    pub async fn branch_groups(pool: &Pool, branch_id: &str) -> AppResult<Vec<NamedRef>> {
        let rows: Vec<(String, String)> = crate::db::query_as(
            "SELECT id, name FROM orgs WHERE parent_id = ? AND kind = 'group' ORDER BY name",
        )
        .bind(branch_id)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| NamedRef { id, name })
            .collect())
    }

    pub async fn fetch_members(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
    ) -> AppResult<BranchMembers> {
        let (branch, path) = authorized_branch(pool, actor, Action::ViewMembers, branch_id).await?;
        let can_manage = crate::auth::authz::can(actor, Action::ManageMembers, &path);
        let groups = branch_groups(pool, branch_id).await?;
        let rows: Vec<MemberDbRow> =
            crate::db::query_as(
                "SELECT u.id AS user_id, u.name, u.phone, u.party_status, m.created_at AS joined_at,
                        g.id AS group_id, g.name AS group_name,
                        EXISTS (SELECT 1 FROM memberships s WHERE s.user_id = u.id AND s.org_id = ? AND s.role = 'secretary') AS is_secretary,
                        EXISTS (SELECT 1 FROM memberships l WHERE l.user_id = u.id AND l.role = 'group_leader'
                                AND l.org_id IN (SELECT id FROM orgs WHERE parent_id = ?)) AS is_group_leader
                 FROM (SELECT user_id, MIN(created_at) AS created_at FROM memberships
                       WHERE org_id = ? AND role IN ('member', 'secretary') GROUP BY user_id) m
                 JOIN users u ON u.id = m.user_id
                 LEFT JOIN memberships gm ON gm.user_id = u.id AND gm.role = 'member'
                      AND gm.org_id IN (SELECT id FROM orgs WHERE parent_id = ? AND kind = 'group')
                 LEFT JOIN orgs g ON g.id = gm.org_id
                 ORDER BY u.name",
            )
            .bind(branch_id)
            .bind(branch_id)
            .bind(branch_id)
            .bind(branch_id)
            .fetch_all(pool)
            .await?;
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

    async fn is_member(pool: &Pool, user_id: &str, org_id: &str) -> AppResult<bool> {
        let found: Option<bool> = crate::db::query_scalar(
            "SELECT TRUE FROM memberships WHERE user_id = ? AND org_id = ? AND role = 'member'",
        )
        .bind(user_id)
        .bind(org_id)
        .fetch_optional(pool)
        .await?;
        Ok(found.is_some())
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
        if !is_member(pool, user_id, branch_id).await? {
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
        crate::db::query(
            "DELETE FROM memberships WHERE user_id = ? AND role = 'member'
             AND org_id IN (SELECT id FROM orgs WHERE parent_id = ? AND kind = 'group')",
        )
        .bind(user_id)
        .bind(branch_id)
        .execute(&mut *tx)
        .await?;
        if !group_id.is_empty() {
            crate::db::query("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'member', ?)")
                .bind(user_id)
                .bind(group_id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
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
        if !is_member(pool, user_id, branch_id).await? {
            return Err(AppError::NotFound);
        }
        let mut tx = pool.begin().await?;
        crate::db::query("UPDATE users SET party_status = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
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
        let held: Option<bool> = crate::db::query_scalar(
            "SELECT TRUE FROM memberships WHERE user_id = ?1
             AND (org_id = ?2 OR org_id IN (SELECT id FROM orgs WHERE parent_id = ?2 AND kind = 'group'))
             LIMIT 1",
        )
        .bind(user_id)
        .bind(branch_id)
        .fetch_optional(pool)
        .await?;
        if held.is_none() {
            return Err(AppError::NotFound);
        }
        let mut tx = pool.begin().await?;
        crate::db::query(
            "DELETE FROM memberships WHERE user_id = ?
             AND (org_id = ? OR org_id IN (SELECT id FROM orgs WHERE parent_id = ? AND kind = 'group'))",
        )
        .bind(user_id)
        .bind(branch_id)
        .bind(branch_id)
        .execute(&mut *tx)
        .await?;
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

    fn invite_view(now: i64, row: (String, String, i64, i64, Option<i64>, i64)) -> InviteView {
        let (id, code, created_at, expires_at, revoked_at, uses) = row;
        InviteView {
            id,
            code,
            created_at,
            expires_at,
            state: invite_state(now, expires_at, revoked_at),
            uses,
        }
    }

    pub async fn list_invites(
        pool: &Pool,
        actor: &Actor,
        branch_id: &str,
    ) -> AppResult<Vec<InviteView>> {
        authorized_branch(pool, actor, Action::ManageInvites, branch_id).await?;
        let rows: Vec<(String, String, i64, i64, Option<i64>, i64)> = crate::db::query_as(
            "SELECT id, code, created_at, expires_at, revoked_at, uses FROM invites
             WHERE branch_id = ? ORDER BY created_at DESC LIMIT 50",
        )
        .bind(branch_id)
        .fetch_all(pool)
        .await?;
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
        crate::db::query(
            "INSERT INTO invites (id, branch_id, code, created_by, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(branch_id)
        .bind(&code)
        .bind(&actor.user_id)
        .bind(created_at)
        .bind(created_at + lifetime)
        .execute(&mut *tx)
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
            (id, code, created_at, created_at + lifetime, None, 0),
        ))
    }

    pub async fn revoke_invite(pool: &Pool, actor: &Actor, invite_id: &str) -> AppResult<()> {
        let branch_id: Option<String> =
            crate::db::query_scalar("SELECT branch_id FROM invites WHERE id = ?")
                .bind(invite_id)
                .fetch_optional(pool)
                .await?;
        let branch_id = branch_id.ok_or(AppError::NotFound)?;
        authorized_branch(pool, actor, Action::ManageInvites, &branch_id).await?;
        let mut tx = pool.begin().await?;
        crate::db::query("UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now())
            .bind(invite_id)
            .execute(&mut *tx)
            .await?;
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
        let row: Option<(String, String, String, i64, Option<i64>)> = crate::db::query_as(
            "SELECT i.id, i.branch_id, o.name, i.expires_at, i.revoked_at
             FROM invites i JOIN orgs o ON o.id = i.branch_id WHERE i.code = ?",
        )
        .bind(&code)
        .fetch_optional(pool)
        .await?;
        let (id, branch_id, branch_name, expires_at, revoked_at) =
            row.ok_or(AppError::InviteNotFound)?;
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
        tx: &mut crate::db::Conn,
        user_id: &str,
        invite_id: &str,
        branch_id: &str,
    ) -> AppResult<()> {
        let current: Option<String> = crate::db::query_scalar(
            "SELECT m.org_id FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ? AND m.role = 'member' AND o.kind = 'branch'",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        match current {
            Some(existing) if existing == branch_id => return Err(AppError::AlreadyMember),
            Some(_) => return Err(AppError::InBranchAlready),
            None => {}
        }
        crate::db::query("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'member', ?)")
            .bind(user_id)
            .bind(branch_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        crate::db::query(
            "UPDATE users SET party_status = COALESCE(party_status, 'full') WHERE id = ?",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        crate::db::query("UPDATE invites SET uses = uses + 1 WHERE id = ?")
            .bind(invite_id)
            .execute(&mut *tx)
            .await?;
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
            let rows: Vec<OrgDbRow> = crate::db::query_as(
                "WITH RECURSIVE down(id, depth, sort_key) AS (
                     SELECT id, CAST(0 AS BIGINT), name FROM orgs WHERE id = ?
                     UNION ALL
                     SELECT o.id, down.depth + 1, down.sort_key || '/' || o.name
                     FROM orgs o JOIN down ON o.parent_id = down.id WHERE down.depth < 16
                 )
                 SELECT o.id, o.parent_id, o.kind, o.name, down.depth,
                        (SELECT string_agg(u.name, '、') FROM memberships s JOIN users u ON u.id = s.user_id
                         WHERE s.org_id = o.id AND s.role = 'secretary') AS secretaries,
                        (SELECT COUNT(*) FROM memberships m WHERE m.org_id = o.id AND m.role = 'member') AS member_count
                 FROM down JOIN orgs o ON o.id = down.id ORDER BY down.sort_key",
            )
            .bind(root)
            .fetch_all(pool)
            .await?;
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
        let community_rows: Vec<(String, String, Option<String>, Option<String>)> =
            crate::db::query_as(
                "SELECT c.id, c.name, o.id, o.name FROM communities c
             LEFT JOIN branch_communities bc ON bc.community_id = c.id
             LEFT JOIN orgs o ON o.id = bc.branch_id ORDER BY c.name, o.name",
            )
            .fetch_all(pool)
            .await?;
        let mut communities: Vec<CommunityRow> = Vec::new();
        for (id, name, branch_id, branch_name) in community_rows {
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
        crate::db::query(
            "INSERT INTO orgs (id, parent_id, kind, name, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(parent_id)
        .bind(kind.as_str())
        .bind(&name)
        .bind(now())
        .execute(&mut *tx)
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
        let user_id: Option<String> =
            crate::db::query_scalar("SELECT id FROM users WHERE phone = ?")
                .bind(&phone)
                .fetch_optional(pool)
                .await?;
        let user_id = user_id.ok_or(AppError::UserNotFound)?;
        let mut tx = pool.begin().await?;
        crate::db::query(
            "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'secretary', ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(&user_id)
        .bind(branch_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
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
        let paired_elsewhere: Option<bool> = crate::db::query_scalar(
            "SELECT TRUE FROM branch_communities bc JOIN communities c ON c.id = bc.community_id
             WHERE c.name = ? AND bc.branch_id <> ? LIMIT 1",
        )
        .bind(&name)
        .bind(branch_id)
        .fetch_optional(&mut *tx)
        .await?;
        if paired_elsewhere.is_some() && !is_admin {
            return Err(AppError::PairingNeedsAdmin);
        }
        let existing: Option<String> =
            crate::db::query_scalar("SELECT id FROM communities WHERE name = ?")
                .bind(&name)
                .fetch_optional(&mut *tx)
                .await?;
        let community_id = match existing {
            Some(id) => id,
            None => {
                let id = new_id();
                crate::db::query("INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)")
                    .bind(&id)
                    .bind(&name)
                    .bind(now())
                    .execute(&mut *tx)
                    .await?;
                id
            }
        };
        crate::db::query(
            "INSERT INTO branch_communities (branch_id, community_id, created_at) VALUES (?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(branch_id)
        .bind(&community_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
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
}
