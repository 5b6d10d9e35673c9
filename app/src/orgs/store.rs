//! SQL on the orgs tables: the org tree (`orgs`), `memberships`, `invites`, `communities`
//! and their pairing with branches (`branch_communities`). Where orgs need the auth
//! capability's `users` (names, phones, party status), the query reading or writing them is
//! here and its doc says so.

use super::rules::OrgKind;
use crate::auth::PartyStatus;
use crate::db::{numbered_placeholders, query, query_as, query_scalar, Conn, Exec};

/// A member of a branch as its list shows them.
#[derive(sqlx::FromRow)]
pub struct MemberDbRow {
    pub user_id: String,
    pub name: String,
    pub phone: String,
    pub party_status: Option<String>,
    pub joined_at: i64,
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub is_secretary: bool,
    pub is_group_leader: bool,
}

/// An org of an admin's subtree, with its secretaries' names joined by `、`.
#[derive(sqlx::FromRow)]
pub struct OrgDbRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub kind: String,
    pub name: String,
    pub depth: i64,
    pub secretaries: Option<String>,
    pub member_count: i64,
}

#[derive(sqlx::FromRow)]
pub struct InviteRow {
    pub id: String,
    pub code: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub uses: i64,
}

/// The kind, name and parent of an org.
pub async fn org<'e>(
    exec: impl Into<Exec<'e>>,
    org_id: &str,
) -> Result<Option<(String, String, Option<String>)>, sqlx::Error> {
    query_as("SELECT kind, name, parent_id FROM orgs WHERE id = ?")
        .bind(org_id)
        .fetch_optional(exec)
        .await
}

/// Every branch (id, name) below any of `roots`, by name.
pub async fn branches_under<'e>(
    exec: impl Into<Exec<'e>>,
    roots: &[&str],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    // An empty `IN ()` is no SQL either engine reads.
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    query_as(&format!(
        "WITH RECURSIVE down(id, depth) AS (
                 SELECT id, CAST(0 AS BIGINT) FROM orgs WHERE id IN ({})
                 UNION
                 SELECT o.id, down.depth + 1 FROM orgs o JOIN down ON o.parent_id = down.id
                 WHERE down.depth < 16
             )
             SELECT DISTINCT o.id, o.name FROM orgs o JOIN down ON down.id = o.id
             WHERE o.kind = 'branch' ORDER BY o.name, o.id",
        numbered_placeholders(1, roots.len())
    ))
    .bind_each(roots)
    .fetch_all(exec)
    .await
}

/// The branch's groups, full members and probationary members. Reads the auth capability's
/// `users` (party status).
pub async fn branch_counts<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<(i64, i64, i64), sqlx::Error> {
    query_as(
        "SELECT (SELECT COUNT(*) FROM orgs WHERE parent_id = ?1 AND kind = 'group'),
                    COUNT(CASE WHEN u.party_status = 'full' THEN 1 END),
                    COUNT(CASE WHEN u.party_status = 'probationary' THEN 1 END)
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ?1 AND m.role = 'member'",
    )
    .bind(branch_id)
    .fetch_one(exec)
    .await
}

/// The names of the branch's secretaries, in order. Reads the auth capability's `users`.
pub async fn secretary_names<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    query_scalar(
        "SELECT u.name FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ? AND m.role = 'secretary' ORDER BY u.name",
    )
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// How many roles the user holds in the branch and its groups.
pub async fn roles_in_branch<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    branch_id: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE user_id = ?1
               AND (org_id = ?2 OR org_id IN (SELECT id FROM orgs WHERE parent_id = ?2))",
    )
    .bind(user_id)
    .bind(branch_id)
    .fetch_one(exec)
    .await
}

/// Of `ids`, the 党委s (id, name), by name.
pub async fn committees_named<'e>(
    exec: impl Into<Exec<'e>>,
    ids: &[&str],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    // An empty `IN ()` is no SQL either engine reads.
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    query_as(&format!(
        "SELECT id, name FROM orgs WHERE kind = 'committee' AND id IN ({}) ORDER BY name, id",
        numbered_placeholders(1, ids.len())
    ))
    .bind_each(ids)
    .fetch_all(exec)
    .await
}

/// Of `ids`, those that are 党委s.
pub async fn committees_among<'e>(
    exec: impl Into<Exec<'e>>,
    ids: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    // An empty `IN ()` is no SQL either engine reads.
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    query_scalar(&format!(
        "SELECT id FROM orgs WHERE kind = 'committee' AND id IN ({})",
        numbered_placeholders(1, ids.len())
    ))
    .bind_each(ids)
    .fetch_all(exec)
    .await
}

/// The branch's 党小组 (id, name), by name.
pub async fn branch_groups<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as("SELECT id, name FROM orgs WHERE parent_id = ? AND kind = 'group' ORDER BY name")
        .bind(branch_id)
        .fetch_all(exec)
        .await
}

/// The branch's members and secretaries, each once, by name, with their group and their
/// posts. Reads the auth capability's `users`.
pub async fn branch_members<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<MemberDbRow>, sqlx::Error> {
    query_as(
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
    .fetch_all(exec)
    .await
}

/// Whether the user holds a member's place in the org itself.
pub async fn is_member<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    org_id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = query_scalar(
        "SELECT TRUE FROM memberships WHERE user_id = ? AND org_id = ? AND role = 'member'",
    )
    .bind(user_id)
    .bind(org_id)
    .fetch_optional(exec)
    .await?;
    Ok(found.is_some())
}

/// Takes the user out of every group of the branch.
pub async fn leave_groups(
    conn: &mut Conn,
    user_id: &str,
    branch_id: &str,
) -> Result<(), sqlx::Error> {
    query(
        "DELETE FROM memberships WHERE user_id = ? AND role = 'member'
             AND org_id IN (SELECT id FROM orgs WHERE parent_id = ? AND kind = 'group')",
    )
    .bind(user_id)
    .bind(branch_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A member's place in the org (a branch or a group).
pub async fn add_member(
    conn: &mut Conn,
    user_id: &str,
    org_id: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'member', ?)")
        .bind(user_id)
        .bind(org_id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes the auth capability's `users`.
pub async fn set_party_status(
    conn: &mut Conn,
    user_id: &str,
    status: PartyStatus,
) -> Result<(), sqlx::Error> {
    query("UPDATE users SET party_status = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the user holds any place, of any role, in the branch or one of its groups.
pub async fn holds_place_in_branch<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    branch_id: &str,
) -> Result<bool, sqlx::Error> {
    let held: Option<bool> = query_scalar(
        "SELECT TRUE FROM memberships WHERE user_id = ?1
             AND (org_id = ?2 OR org_id IN (SELECT id FROM orgs WHERE parent_id = ?2 AND kind = 'group'))
             LIMIT 1",
    )
    .bind(user_id)
    .bind(branch_id)
    .fetch_optional(exec)
    .await?;
    Ok(held.is_some())
}

/// Takes every place of the user in the branch and its groups.
pub async fn leave_branch(
    conn: &mut Conn,
    user_id: &str,
    branch_id: &str,
) -> Result<(), sqlx::Error> {
    query(
        "DELETE FROM memberships WHERE user_id = ?
             AND (org_id = ? OR org_id IN (SELECT id FROM orgs WHERE parent_id = ? AND kind = 'group'))",
    )
    .bind(user_id)
    .bind(branch_id)
    .bind(branch_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The branch's 50 latest invites, newest first.
pub async fn invites_of<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<InviteRow>, sqlx::Error> {
    query_as(
        "SELECT id, code, created_at, expires_at, revoked_at, uses FROM invites
             WHERE branch_id = ? ORDER BY created_at DESC LIMIT 50",
    )
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// An invite as it is made.
pub struct NewInvite<'a> {
    pub id: &'a str,
    pub branch_id: &'a str,
    pub code: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert_invite(conn: &mut Conn, invite: &NewInvite<'_>) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO invites (id, branch_id, code, created_by, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(invite.id)
    .bind(invite.branch_id)
    .bind(invite.code)
    .bind(invite.created_by)
    .bind(invite.created_at)
    .bind(invite.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn invite_branch<'e>(
    exec: impl Into<Exec<'e>>,
    invite_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT branch_id FROM invites WHERE id = ?")
        .bind(invite_id)
        .fetch_optional(exec)
        .await
}

/// Revokes the invite at `at`, unless it was revoked before.
pub async fn revoke_invite(conn: &mut Conn, invite_id: &str, at: i64) -> Result<(), sqlx::Error> {
    query("UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(at)
        .bind(invite_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The invite with this code: (id, branch id, branch name, expiry, revocation).
pub async fn invite_by_code<'e>(
    exec: impl Into<Exec<'e>>,
    code: &str,
) -> Result<Option<(String, String, String, i64, Option<i64>)>, sqlx::Error> {
    query_as(
        "SELECT i.id, i.branch_id, o.name, i.expires_at, i.revoked_at
             FROM invites i JOIN orgs o ON o.id = i.branch_id WHERE i.code = ?",
    )
    .bind(code)
    .fetch_optional(exec)
    .await
}

/// The branch the user is a member of, if any.
pub async fn member_branch<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar(
        "SELECT m.org_id FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ? AND m.role = 'member' AND o.kind = 'branch'",
    )
    .bind(user_id)
    .fetch_optional(exec)
    .await
}

/// A user who joins a branch with no party status is a full member. Writes the auth
/// capability's `users`.
pub async fn full_status_unless_set(conn: &mut Conn, user_id: &str) -> Result<(), sqlx::Error> {
    query("UPDATE users SET party_status = COALESCE(party_status, 'full') WHERE id = ?")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_invite_use(conn: &mut Conn, invite_id: &str) -> Result<(), sqlx::Error> {
    query("UPDATE invites SET uses = uses + 1 WHERE id = ?")
        .bind(invite_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The org `root` and everything below it, each under its parent and siblings by name.
/// Reads the auth capability's `users` (secretaries' names).
pub async fn subtree<'e>(
    exec: impl Into<Exec<'e>>,
    root: &str,
) -> Result<Vec<OrgDbRow>, sqlx::Error> {
    query_as(
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
    .fetch_all(exec)
    .await
}

/// Every community with each branch it is paired with (id, name, branch id, branch name),
/// one row per pairing and one for a community with none, by community and branch name.
pub async fn communities_with_branches<'e>(
    exec: impl Into<Exec<'e>>,
) -> Result<Vec<(String, String, Option<String>, Option<String>)>, sqlx::Error> {
    query_as(
        "SELECT c.id, c.name, o.id, o.name FROM communities c
             LEFT JOIN branch_communities bc ON bc.community_id = c.id
             LEFT JOIN orgs o ON o.id = bc.branch_id ORDER BY c.name, o.name",
    )
    .fetch_all(exec)
    .await
}

/// An org as it is created.
pub struct NewOrg<'a> {
    pub id: &'a str,
    pub parent_id: &'a str,
    pub kind: OrgKind,
    pub name: &'a str,
    pub created_at: i64,
}

pub async fn insert_org(conn: &mut Conn, org: &NewOrg<'_>) -> Result<(), sqlx::Error> {
    query("INSERT INTO orgs (id, parent_id, kind, name, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(org.id)
        .bind(org.parent_id)
        .bind(org.kind.as_str())
        .bind(org.name)
        .bind(org.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user with this phone number. Reads the auth capability's `users`.
pub async fn user_by_phone<'e>(
    exec: impl Into<Exec<'e>>,
    phone: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT id FROM users WHERE phone = ?")
        .bind(phone)
        .fetch_optional(exec)
        .await
}

/// Makes the user a secretary of the branch, unless they are one already.
pub async fn add_secretary(
    conn: &mut Conn,
    user_id: &str,
    branch_id: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, 'secretary', ?)
             ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(branch_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a community of this name is paired with a branch other than `branch_id`.
pub async fn paired_elsewhere<'e>(
    exec: impl Into<Exec<'e>>,
    name: &str,
    branch_id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = query_scalar(
        "SELECT TRUE FROM branch_communities bc JOIN communities c ON c.id = bc.community_id
             WHERE c.name = ? AND bc.branch_id <> ? LIMIT 1",
    )
    .bind(name)
    .bind(branch_id)
    .fetch_optional(exec)
    .await?;
    Ok(found.is_some())
}

pub async fn community_named<'e>(
    exec: impl Into<Exec<'e>>,
    name: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(name)
        .fetch_optional(exec)
        .await
}

pub async fn insert_community(
    conn: &mut Conn,
    id: &str,
    name: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)")
        .bind(id)
        .bind(name)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Pairs the branch with the community, unless they are paired already.
pub async fn pair_community(
    conn: &mut Conn,
    branch_id: &str,
    community_id: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO branch_communities (branch_id, community_id, created_at) VALUES (?, ?, ?)
             ON CONFLICT DO NOTHING",
    )
    .bind(branch_id)
    .bind(community_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
