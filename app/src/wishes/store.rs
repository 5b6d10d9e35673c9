//! SQL on the wish tables (wishes, pledges, their photos, a branch's confirmation period).
//! The few reads of other capabilities' tables that wishes need inside their own
//! transactions are kept here too, each in a function named for what it reads, until those
//! capabilities offer them on a connection.

use super::rules::{Pledge, PledgeStatus, WishCategory, WishStatus};
use super::{Contact, WishCard, WishCounts};
use crate::db::{numbered_placeholders, query, query_as, query_scalar, Exec};

#[derive(sqlx::FromRow)]
pub struct WishRow {
    pub id: String,
    pub community_id: String,
    pub community: String,
    pub poster_id: String,
    pub on_behalf_of: Option<String>,
    pub title: String,
    pub story: String,
    pub category: String,
    pub needed_by: i64,
    pub target: i64,
    pub target_asked: Option<i64>,
    pub unit: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_address: String,
    pub status: String,
    pub reject_reason: Option<String>,
    pub branch_id: Option<String>,
    pub created_at: i64,
}

impl WishRow {
    pub fn status(&self) -> WishStatus {
        WishStatus::parse(&self.status).unwrap_or(WishStatus::Pending)
    }

    pub fn contact(&self) -> Contact {
        Contact {
            name: self.contact_name.clone(),
            phone: self.contact_phone.clone(),
            address: self.contact_address.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct PledgeRow {
    pub id: String,
    pub wish_id: String,
    pub user_id: String,
    pub branch_id: Option<String>,
    pub name: String,
    pub quantity: i64,
    pub status: String,
    pub proof_note: Option<String>,
    pub done_at: Option<i64>,
    pub confirmed_how: Option<String>,
    pub thanks: Option<String>,
}

impl PledgeRow {
    pub fn status(&self) -> PledgeStatus {
        PledgeStatus::parse(&self.status).unwrap_or(PledgeStatus::Released)
    }

    pub fn rule(&self) -> Pledge {
        Pledge {
            quantity: self.quantity as u32,
            status: self.status(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct CardRow {
    pub id: String,
    pub title: String,
    pub category: String,
    pub status: String,
    pub needed_by: i64,
    pub target: i64,
    pub target_asked: Option<i64>,
    pub unit: Option<String>,
    pub covered: i64,
    pub photo: Option<String>,
    pub created_at: i64,
    pub reject_reason: Option<String>,
    pub awaiting: i64,
}

impl CardRow {
    pub fn card(self) -> WishCard {
        WishCard {
            id: self.id,
            title: self.title,
            category: WishCategory::parse(&self.category).unwrap_or(WishCategory::Other),
            status: WishStatus::parse(&self.status).unwrap_or(WishStatus::Pending),
            needed_by: self.needed_by,
            target: self.target as u32,
            target_asked: self.target_asked.map(|t| t as u32),
            unit: self.unit,
            covered: self.covered as u32,
            photo: self.photo,
            created_at: self.created_at,
        }
    }
}

/// A wish's card with one of the asker's pledges on it.
#[derive(sqlx::FromRow)]
pub struct PledgeCardRow {
    #[sqlx(flatten)]
    pub card: CardRow,
    pub quantity: i64,
    pub pledge_status: String,
}

const CARD_COLUMNS: &str = "w.id, w.title, w.category, w.status, w.needed_by, w.target, w.target_asked, w.unit, w.created_at, w.reject_reason,
     CAST(COALESCE((SELECT SUM(p.quantity) FROM wish_pledges p WHERE p.wish_id = w.id AND p.status <> 'released'), 0) AS BIGINT) AS covered,
     (SELECT f.id FROM wish_photos f WHERE f.wish_id = w.id AND f.pledge_id IS NULL ORDER BY f.created_at, f.id LIMIT 1) AS photo,
     (SELECT COUNT(*) FROM wish_pledges p WHERE p.wish_id = w.id AND p.status = 'done') AS awaiting";

/// With its community's name.
pub async fn wish_row<'e>(
    exec: impl Into<Exec<'e>>,
    id: &str,
) -> Result<Option<WishRow>, sqlx::Error> {
    query_as(
        "SELECT w.id, w.community_id, c.name AS community, w.poster_id, w.on_behalf_of, w.title, w.story,
                w.category, w.needed_by, w.target, w.target_asked, w.unit, w.contact_name, w.contact_phone,
                w.contact_address, w.status, w.reject_reason, w.branch_id, w.created_at
         FROM wishes w JOIN communities c ON c.id = w.community_id WHERE w.id = ?",
    )
    .bind(id)
    .fetch_optional(exec)
    .await
}

/// A pledge with the name it shows: the member's, or the branch's for a unit pledge.
const PLEDGE_SELECT: &str =
    "SELECT p.id, p.wish_id, p.user_id, p.branch_id, COALESCE(o.name, u.name) AS name,
         p.quantity, p.status, p.proof_note, p.done_at, p.confirmed_how, p.thanks
     FROM wish_pledges p JOIN users u ON u.id = p.user_id LEFT JOIN orgs o ON o.id = p.branch_id";

/// A wish's pledges, oldest first.
pub async fn pledge_rows<'e>(
    exec: impl Into<Exec<'e>>,
    wish_id: &str,
) -> Result<Vec<PledgeRow>, sqlx::Error> {
    query_as(&format!(
        "{PLEDGE_SELECT} WHERE p.wish_id = ? ORDER BY p.created_at, p.id"
    ))
    .bind(wish_id)
    .fetch_all(exec)
    .await
}

pub async fn pledge_row<'e>(
    exec: impl Into<Exec<'e>>,
    pledge_id: &str,
) -> Result<Option<PledgeRow>, sqlx::Error> {
    query_as(&format!("{PLEDGE_SELECT} WHERE p.id = ?"))
        .bind(pledge_id)
        .fetch_optional(exec)
        .await
}

/// The user's community and party status (`users`, the auth capability's table).
pub async fn user_community_and_party_status<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    query_as("SELECT community_id, party_status FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(exec)
        .await
}

/// The user's name and phone (`users`, the auth capability's table).
pub async fn user_name_and_phone<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<(String, String), sqlx::Error> {
    query_as("SELECT name, phone FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(exec)
        .await
}

/// A community's name (`communities`, the orgs capability's table).
pub async fn community_name<'e>(
    exec: impl Into<Exec<'e>>,
    community_id: &str,
) -> Result<String, sqlx::Error> {
    query_scalar("SELECT name FROM communities WHERE id = ?")
        .bind(community_id)
        .fetch_one(exec)
        .await
}

/// Whether the user is a member of a branch paired with the community (`memberships`,
/// `orgs`, `branch_communities`: the orgs capability's tables).
pub async fn member_of_paired_branch<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    community_id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<bool> = query_scalar(
        "SELECT TRUE FROM memberships m
         JOIN orgs o ON o.id = m.org_id AND o.kind = 'branch'
         JOIN branch_communities bc ON bc.branch_id = m.org_id AND bc.community_id = ?2
         WHERE m.user_id = ?1 AND m.role = 'member' LIMIT 1",
    )
    .bind(user_id)
    .bind(community_id)
    .fetch_optional(exec)
    .await?;
    Ok(found.is_some())
}

/// Every (community id, community name, branch id, branch name) pairing, or those of one
/// community, by names (`branch_communities`, `communities`, `orgs`: the orgs capability's
/// tables).
pub async fn community_branch_pairs<'e>(
    exec: impl Into<Exec<'e>>,
    community_id: Option<&str>,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    query_as(
        "SELECT c.id, c.name, o.id, o.name FROM branch_communities bc
         JOIN communities c ON c.id = bc.community_id JOIN orgs o ON o.id = bc.branch_id
         WHERE ?1 IS NULL OR bc.community_id = ?1
         ORDER BY c.name, o.name",
    )
    .bind(community_id)
    .fetch_all(exec)
    .await
}

/// Every branch's (id, name), by name (`orgs`, the orgs capability's table).
pub async fn all_branches<'e>(
    exec: impl Into<Exec<'e>>,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as("SELECT id, name FROM orgs WHERE kind = 'branch' ORDER BY name")
        .fetch_all(exec)
        .await
}

/// The (id, name) of the communities paired with a branch, by name (`branch_communities`,
/// `communities`: the orgs capability's tables).
pub async fn communities_paired_with<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    query_as(
        "SELECT c.id, c.name FROM branch_communities bc JOIN communities c ON c.id = bc.community_id
         WHERE bc.branch_id = ? ORDER BY c.name",
    )
    .bind(branch_id)
    .fetch_all(exec)
    .await
}

/// Pledges fulfilled in `[from, to)` by the branch as a unit or by its members.
pub async fn fulfilled_by_branch_between<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    from: i64,
    to: i64,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT COUNT(*) FROM wish_pledges p
         WHERE p.status IN ('done', 'confirmed') AND p.done_at >= ?2 AND p.done_at < ?3
           AND (p.branch_id = ?1 OR p.user_id IN
                  (SELECT user_id FROM memberships WHERE org_id = ?1 AND role = 'member'))",
    )
    .bind(branch_id)
    .bind(from)
    .bind(to)
    .fetch_one(exec)
    .await
}

/// The wish a photo (its own or a proof) belongs to, if it is a wish's.
pub async fn wish_of_photo<'e>(
    exec: impl Into<Exec<'e>>,
    photo_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT wish_id FROM wish_photos WHERE id = ?")
        .bind(photo_id)
        .fetch_optional(exec)
        .await
}

/// What the user posted, newest first.
pub async fn posted_cards<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<CardRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM wishes w WHERE w.poster_id = ? ORDER BY w.created_at DESC LIMIT 50"
    ))
    .bind(user_id)
    .fetch_all(exec)
    .await
}

/// Wishes waiting for review in any of `communities`.
pub async fn pending_in<'e>(
    exec: impl Into<Exec<'e>>,
    communities: &[&str],
) -> Result<i64, sqlx::Error> {
    if communities.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM wishes WHERE status = 'pending' AND community_id IN ({})",
        numbered_placeholders(1, communities.len())
    );
    query_scalar(&sql)
        .bind_each(communities)
        .fetch_one(exec)
        .await
}

/// Wishes waiting for review in the communities paired with `branch_id`, but those
/// `poster_id` posted.
pub async fn pending_paired_with<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    poster_id: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT COUNT(*) FROM wishes w JOIN branch_communities bc ON bc.community_id = w.community_id
         WHERE bc.branch_id = ? AND w.status = 'pending' AND w.poster_id <> ?",
    )
    .bind(branch_id)
    .bind(poster_id)
    .fetch_one(exec)
    .await
}

/// The wishes a community's wall shows.
pub async fn wall_cards<'e>(
    exec: impl Into<Exec<'e>>,
    community_id: &str,
    category: Option<&str>,
    status: Option<&str>,
    urgent: bool,
) -> Result<Vec<CardRow>, sqlx::Error> {
    // Most urgent: open wishes by their date, then the rest; newest: by publication.
    let order = if urgent {
        "(w.status <> 'published'), w.needed_by, w.published_at DESC"
    } else {
        "w.published_at DESC, w.id DESC"
    };
    query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM wishes w
         WHERE w.community_id = ?1
           AND w.status IN ('published', 'claimed', 'fulfilled', 'confirmed')
           AND (?2 IS NULL OR w.category = ?2) AND (?3 IS NULL OR w.status = ?3)
         ORDER BY {order} LIMIT 200"
    ))
    .bind(community_id)
    .bind(category)
    .bind(status)
    .fetch_all(exec)
    .await
}

/// The user's own pledges (not a unit's) still at work, newest first.
pub async fn pledge_cards<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<Vec<PledgeCardRow>, sqlx::Error> {
    query_as(&format!(
        "SELECT {CARD_COLUMNS}, p.quantity, p.status AS pledge_status
         FROM wish_pledges p JOIN wishes w ON w.id = p.wish_id
         WHERE p.user_id = ? AND p.branch_id IS NULL AND p.status IN ('active', 'done')
         ORDER BY p.created_at DESC LIMIT 50"
    ))
    .bind(user_id)
    .fetch_all(exec)
    .await
}

/// The figures a community is judged by.
pub async fn counts<'e>(
    exec: impl Into<Exec<'e>>,
    community_id: &str,
) -> Result<WishCounts, sqlx::Error> {
    let row: (i64, i64, i64, i64, i64) = query_as(
        "SELECT
            CAST(COALESCE(SUM(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
            CAST(COALESCE(SUM(CASE WHEN status IN ('claimed', 'fulfilled', 'confirmed') THEN 1 ELSE 0 END), 0) AS BIGINT),
            CAST(COALESCE(SUM(CASE WHEN status IN ('fulfilled', 'confirmed') THEN 1 ELSE 0 END), 0) AS BIGINT),
            CAST(COALESCE(SUM(CASE WHEN unit IS NOT NULL AND published_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
            CAST(COALESCE(SUM(CASE WHEN unit IS NOT NULL AND status IN ('fulfilled', 'confirmed') THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM wishes WHERE community_id = ?",
    )
    .bind(community_id)
    .fetch_one(exec)
    .await?;
    Ok(WishCounts {
        published: row.0,
        claimed: row.1,
        fulfilled: row.2,
        crowdfunded_published: row.3,
        crowdfunded_fulfilled: row.4,
    })
}

/// Every photo of a wish, its own (no pledge) and its proofs (pledge id), in upload order.
pub async fn photos_of<'e>(
    exec: impl Into<Exec<'e>>,
    wish_id: &str,
) -> Result<Vec<(String, Option<String>)>, sqlx::Error> {
    query_as("SELECT id, pledge_id FROM wish_photos WHERE wish_id = ? ORDER BY created_at, id")
        .bind(wish_id)
        .fetch_all(exec)
        .await
}

/// The branch's period before an unanswered fulfilment counts as confirmed, if it set one.
pub async fn confirm_days<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: Option<&str>,
) -> Result<Option<i64>, sqlx::Error> {
    query_scalar("SELECT wish_confirm_days FROM branch_settings WHERE branch_id = ?")
        .bind(branch_id)
        .fetch_optional(exec)
        .await
}

pub async fn set_confirm_days<'e>(
    exec: impl Into<Exec<'e>>,
    branch_id: &str,
    days: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO branch_settings (branch_id, wish_confirm_days) VALUES (?, ?)
         ON CONFLICT (branch_id) DO UPDATE SET wish_confirm_days = excluded.wish_confirm_days",
    )
    .bind(branch_id)
    .bind(days)
    .execute(exec)
    .await?;
    Ok(())
}

/// The wishes of a community waiting for review, oldest first.
pub async fn pending_ids<'e>(
    exec: impl Into<Exec<'e>>,
    community_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    query_scalar(
        "SELECT id FROM wishes WHERE community_id = ? AND status = 'pending' ORDER BY created_at",
    )
    .bind(community_id)
    .fetch_all(exec)
    .await
}

/// Records a branch's verdict on a wish still pending. Whether this call gave it (false:
/// it was no longer pending).
#[allow(clippy::too_many_arguments)]
pub async fn set_verdict<'e>(
    exec: impl Into<Exec<'e>>,
    wish_id: &str,
    status: WishStatus,
    reject_reason: Option<&str>,
    published_at: Option<i64>,
    branch_id: &str,
    by: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    Ok(query(
        "UPDATE wishes SET status = ?, reject_reason = ?, published_at = ?, branch_id = ?,
             reviewed_by = ?, reviewed_at = ?
         WHERE id = ? AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(reject_reason)
    .bind(published_at)
    .bind(branch_id)
    .bind(by)
    .bind(at)
    .bind(wish_id)
    .execute(exec)
    .await?
    .rows_affected()
        != 0)
}

pub async fn set_wish_status<'e>(
    exec: impl Into<Exec<'e>>,
    wish_id: &str,
    status: WishStatus,
) -> Result<(), sqlx::Error> {
    query("UPDATE wishes SET status = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(wish_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// Closes a wish past its date at `target`, keeping the target first asked for when it
/// shrinks.
pub async fn set_expired<'e>(
    exec: impl Into<Exec<'e>>,
    wish_id: &str,
    status: WishStatus,
    target: u32,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE wishes SET status = ?, target = ?,
             target_asked = CASE WHEN ? < target THEN COALESCE(target_asked, target) ELSE target_asked END
         WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(target)
    .bind(target)
    .bind(wish_id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Wishes pending review or open for pledges whose needed-by date has passed.
pub async fn overdue_ids<'e>(
    exec: impl Into<Exec<'e>>,
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    query_scalar("SELECT id FROM wishes WHERE status IN ('pending', 'published') AND needed_by < ?")
        .bind(now)
        .fetch_all(exec)
        .await
}

/// Every fulfilled pledge still unconfirmed: (id, done at, the branch's period if set).
pub async fn done_pledges<'e>(
    exec: impl Into<Exec<'e>>,
) -> Result<Vec<(String, i64, Option<i64>)>, sqlx::Error> {
    query_as(
        "SELECT p.id, p.done_at, s.wish_confirm_days FROM wish_pledges p
         JOIN wishes w ON w.id = p.wish_id LEFT JOIN branch_settings s ON s.branch_id = w.branch_id
         WHERE p.status = 'done'",
    )
    .fetch_all(exec)
    .await
}

/// Of the wishes the user posted for themselves (not on a resident's behalf): how many
/// since `since`, and how many are still open.
pub async fn own_posted_since_and_open<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    since: i64,
) -> Result<(i64, i64), sqlx::Error> {
    query_as(
        "SELECT COUNT(CASE WHEN created_at > ?2 THEN 1 END),
                COUNT(CASE WHEN status IN ('pending', 'published', 'claimed') THEN 1 END)
         FROM wishes WHERE poster_id = ?1 AND on_behalf_of IS NULL",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(exec)
    .await
}

pub struct NewWish<'a> {
    pub id: &'a str,
    pub community_id: &'a str,
    pub poster_id: &'a str,
    pub on_behalf_of: Option<&'a str>,
    pub title: &'a str,
    pub story: &'a str,
    pub category: WishCategory,
    pub needed_by: i64,
    pub target: u32,
    pub unit: Option<&'a str>,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    pub contact_address: &'a str,
    pub at: i64,
}

/// A new wish, pending review. Whether it was inserted (false: the id was taken).
pub async fn insert_wish<'e>(
    exec: impl Into<Exec<'e>>,
    wish: &NewWish<'_>,
) -> Result<bool, sqlx::Error> {
    Ok(query(
        "INSERT INTO wishes (id, community_id, poster_id, on_behalf_of, title, story, category,
             needed_by, target, unit, contact_name, contact_phone, contact_address, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(wish.id)
    .bind(wish.community_id)
    .bind(wish.poster_id)
    .bind(wish.on_behalf_of)
    .bind(wish.title)
    .bind(wish.story)
    .bind(wish.category.as_str())
    .bind(wish.needed_by)
    .bind(wish.target)
    .bind(wish.unit)
    .bind(wish.contact_name)
    .bind(wish.contact_phone)
    .bind(wish.contact_address)
    .bind(wish.at)
    .execute(exec)
    .await?
    .rows_affected()
        != 0)
}

pub struct NewPhoto<'a> {
    pub id: &'a str,
    pub wish_id: &'a str,
    pub pledge_id: Option<&'a str>,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub by: &'a str,
    pub at: i64,
}

/// A wish's own photo (no pledge) or a pledge's proof; a photo already there stays.
pub async fn insert_photo<'e>(
    exec: impl Into<Exec<'e>>,
    photo: &NewPhoto<'_>,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO wish_photos (id, wish_id, pledge_id, width, height, bytes, uploaded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(photo.id)
    .bind(photo.wish_id)
    .bind(photo.pledge_id)
    .bind(photo.width)
    .bind(photo.height)
    .bind(photo.bytes as i64)
    .bind(photo.by)
    .bind(photo.at)
    .execute(exec)
    .await?;
    Ok(())
}

/// The member's own pledges (not a unit's) let go of since `since`.
pub async fn releases_since<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT COUNT(*) FROM wish_pledges WHERE user_id = ? AND branch_id IS NULL
         AND status = 'released' AND released_at > ?",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(exec)
    .await
}

/// The member's own pledges (not a unit's) not yet done.
pub async fn pledges_at_work<'e>(
    exec: impl Into<Exec<'e>>,
    user_id: &str,
) -> Result<i64, sqlx::Error> {
    query_scalar(
        "SELECT COUNT(*) FROM wish_pledges WHERE user_id = ? AND branch_id IS NULL
         AND status = 'active'",
    )
    .bind(user_id)
    .fetch_one(exec)
    .await
}

/// A new active pledge; `branch_id` for a unit pledge.
pub async fn insert_pledge<'e>(
    exec: impl Into<Exec<'e>>,
    id: &str,
    wish_id: &str,
    user_id: &str,
    branch_id: Option<&str>,
    quantity: u32,
    at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO wish_pledges (id, wish_id, user_id, branch_id, quantity, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'active', ?)",
    )
    .bind(id)
    .bind(wish_id)
    .bind(user_id)
    .bind(branch_id)
    .bind(quantity)
    .bind(at)
    .execute(exec)
    .await?;
    Ok(())
}

pub async fn set_pledge_released<'e>(
    exec: impl Into<Exec<'e>>,
    pledge_id: &str,
    status: PledgeStatus,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE wish_pledges SET status = ?, released_at = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(at)
        .bind(pledge_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn set_pledge_done<'e>(
    exec: impl Into<Exec<'e>>,
    pledge_id: &str,
    status: PledgeStatus,
    proof_note: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE wish_pledges SET status = ?, proof_note = ?, done_at = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(proof_note)
        .bind(at)
        .bind(pledge_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// `how`: "poster" or "auto" (the branch's timer).
pub async fn set_pledge_confirmed<'e>(
    exec: impl Into<Exec<'e>>,
    pledge_id: &str,
    status: PledgeStatus,
    at: i64,
    how: &str,
    thanks: Option<&str>,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE wish_pledges SET status = ?, confirmed_at = ?, confirmed_how = ?, thanks = ? WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(at)
    .bind(how)
    .bind(thanks)
    .bind(pledge_id)
    .execute(exec)
    .await?;
    Ok(())
}

/// The poster's confirmation of a pledge the timer confirmed first.
pub async fn set_poster_thanks<'e>(
    exec: impl Into<Exec<'e>>,
    pledge_id: &str,
    thanks: Option<&str>,
) -> Result<(), sqlx::Error> {
    query("UPDATE wish_pledges SET confirmed_how = 'poster', thanks = ? WHERE id = ?")
        .bind(thanks)
        .bind(pledge_id)
        .execute(exec)
        .await?;
    Ok(())
}
