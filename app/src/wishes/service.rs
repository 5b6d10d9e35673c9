//! The wishes' use cases: who sees a wish and its resident's contact, the paired branch's
//! review, the pledges' effect on their wish, and the timer that closes what is overdue.
//! Every change of state goes through [`super::rules::step`].

use super::rules::{
    auto_confirm_due, expire, is_overdue, pledge_step, sees_contact, step, Event, Pledge,
    PledgeStatus, WishCategory, WishStatus,
};
use super::store::{self, PledgeRow, WishRow};
use super::{
    BranchWishSettings, MyPledge, MyWish, PledgeView, ReviewItem, ReviewQueue, WishCard,
    WishCounts, WishDetail, WishWall, CONFIRM_DAYS_MAX,
};
use crate::auth::authz::{can, Action, Actor};
use crate::auth::session::org_path;
use crate::auth::NamedRef;
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::state::{audit, now};

const DEFAULT_CONFIRM_DAYS: i64 = 7;
/// The statuses a wish shows on its community's wall.
const ON_WALL: [WishStatus; 4] = [
    WishStatus::Published,
    WishStatus::Claimed,
    WishStatus::Fulfilled,
    WishStatus::Confirmed,
];

/// The asker's home (resident) or reported (member) community, and whether they are a
/// party member.
pub(super) async fn own_community(
    conn: &mut Conn,
    user_id: &str,
) -> AppResult<(Option<String>, bool)> {
    let row = store::user_community_and_party_status(&mut *conn, user_id).await?;
    Ok((row.0, row.1.is_some()))
}

/// Whether `user_id` is a member of a branch paired with the community (结对共建): only
/// they may report there and pledge its wishes, since pledging opens a resident's
/// contact.
pub async fn in_paired_branch(
    conn: &mut Conn,
    user_id: &str,
    community_id: &str,
) -> AppResult<bool> {
    Ok(store::member_of_paired_branch(&mut *conn, user_id, community_id).await?)
}

/// Writes who saw a resident's contact, when, for which wish (not the poster's own). A
/// write of its own, in the writers' turn, while the page is read on a reader connection.
async fn audit_reveal(pool: &Pool, actor: &Actor, wish: &WishRow) -> AppResult<()> {
    if wish.poster_id != actor.user_id {
        audit(
            pool.for_write(),
            &actor.user_id,
            "reveal_contact",
            wish.branch_id.as_deref(),
            Some(&wish.id),
            None,
        )
        .await?;
    }
    Ok(())
}

/// The (community, branch) pairings the asker reviews for: every one, or those of
/// one community.
async fn reviewed_pairs(
    conn: &mut Conn,
    actor: &Actor,
    community_id: Option<&str>,
) -> AppResult<Vec<(NamedRef, NamedRef)>> {
    let pairs = store::community_branch_pairs(&mut *conn, community_id).await?;
    let mut mine = Vec::new();
    for (community_id, community, branch_id, branch) in pairs {
        if can(
            actor,
            Action::ReviewWish,
            &org_path(&mut *conn, &branch_id).await?,
        ) {
            let community = NamedRef {
                id: community_id,
                name: community,
            };
            let branch = NamedRef {
                id: branch_id,
                name: branch,
            };
            mine.push((community, branch));
        }
    }
    Ok(mine)
}

/// Branches paired with `community_id` whose wishes the asker reviews.
pub(super) async fn reviewer_branches(
    conn: &mut Conn,
    actor: &Actor,
    community_id: &str,
) -> AppResult<Vec<NamedRef>> {
    Ok(reviewed_pairs(conn, actor, Some(community_id))
        .await?
        .into_iter()
        .map(|(_, branch)| branch)
        .collect())
}

/// How the asker stands to a wish; `Err(NotFound)` when they may not see it at all (a
/// pending wish is the poster's and the reviewers' only).
struct Standing {
    is_poster: bool,
    reviewer_branches: Vec<NamedRef>,
    own_pledges: Vec<PledgeStatus>,
    /// The asker is a party member reported to the wish's community.
    reported_member: bool,
}

impl Standing {
    fn is_reviewer(&self) -> bool {
        !self.reviewer_branches.is_empty()
    }

    fn sees_contact(&self) -> bool {
        sees_contact(self.is_poster, self.is_reviewer(), &self.own_pledges)
    }
}

async fn standing(
    conn: &mut Conn,
    actor: &Actor,
    wish: &WishRow,
    pledges: &[PledgeRow],
) -> AppResult<Standing> {
    let reviewer_branches = reviewer_branches(conn, actor, &wish.community_id).await?;
    let own_pledges: Vec<PledgeStatus> = pledges
        .iter()
        .filter(|p| is_own_pledge(actor, p, &reviewer_branches))
        .map(PledgeRow::status)
        .collect();
    let (community, party) = own_community(conn, &actor.user_id).await?;
    let lives_here = community.as_deref() == Some(&wish.community_id);
    let standing = Standing {
        is_poster: wish.poster_id == actor.user_id,
        reviewer_branches,
        own_pledges,
        reported_member: party
            && lives_here
            && in_paired_branch(conn, &actor.user_id, &wish.community_id).await?,
    };
    let involved = standing.is_poster || standing.is_reviewer() || !standing.own_pledges.is_empty();
    if involved || (lives_here && ON_WALL.contains(&wish.status())) {
        Ok(standing)
    } else {
        Err(AppError::NotFound)
    }
}

/// A member's own pledge, or a unit pledge of a branch the asker leads.
fn is_own_pledge(actor: &Actor, pledge: &PledgeRow, leads: &[NamedRef]) -> bool {
    match &pledge.branch_id {
        Some(branch) => leads.iter().any(|b| &b.id == branch),
        None => pledge.user_id == actor.user_id,
    }
}

/// Pledges fulfilled in `[from, to)` by the branch as a unit or by its members.
pub async fn fulfilled_by_branch_between(
    pool: &Pool,
    branch_id: &str,
    from: i64,
    to: i64,
) -> AppResult<i64> {
    Ok(store::fulfilled_by_branch_between(pool, branch_id, from, to).await?)
}

/// Whether the id names one of the wishes' photos (a wish's own or a proof).
pub async fn holds_photo(conn: &mut Conn, photo_id: &str) -> AppResult<bool> {
    Ok(store::wish_of_photo(conn, photo_id).await?.is_some())
}

/// `/media/…` for a wish's photos and proofs: whoever may see the wish. False when the
/// photo is not a wish's.
pub async fn may_view_photo(pool: &Pool, actor: &Actor, photo_id: &str) -> AppResult<bool> {
    let Some(wish_id) = store::wish_of_photo(pool, photo_id).await? else {
        return Ok(false);
    };
    let mut conn = pool.acquire().await?;
    let wish = store::wish_row(&mut conn, &wish_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pledges = store::pledge_rows(&mut conn, &wish_id).await?;
    standing(&mut conn, actor, &wish, &pledges)
        .await
        .map(|_| true)
        .map_err(|_| AppError::Forbidden)
}

pub struct WallQuery {
    pub community_id: String,
    pub category: String,
    pub status: String,
    pub urgent: bool,
}

pub async fn wall(pool: &Pool, actor: &Actor, query: WallQuery) -> AppResult<WishWall> {
    let mut conn = pool.acquire().await?;
    let (home, party) = own_community(&mut conn, &actor.user_id).await?;
    let reviewed = reviewed_pairs(&mut conn, actor, None).await?;
    let mut communities: Vec<NamedRef> = Vec::new();
    if let Some(home) = &home {
        let name = store::community_name(&mut conn, home).await?;
        communities.push(NamedRef {
            id: home.clone(),
            name,
        });
    }
    for (community, _) in &reviewed {
        if !communities.iter().any(|c| c.id == community.id) {
            communities.push(community.clone());
        }
    }
    let community = if query.community_id.is_empty() {
        communities.first().cloned()
    } else {
        Some(
            communities
                .iter()
                .find(|c| c.id == query.community_id)
                .cloned()
                .ok_or(AppError::Forbidden)?,
        )
    };
    let category = match query.category.as_str() {
        "" => None,
        other => Some(WishCategory::parse(other).ok_or(AppError::WishCategory)?),
    };
    let status = match query.status.as_str() {
        "" => None,
        other => Some(
            WishStatus::parse(other)
                .filter(|s| ON_WALL.contains(s))
                .ok_or(AppError::BadPayload)?,
        ),
    };
    let reviews_here = community
        .as_ref()
        .is_some_and(|c| reviewed.iter().any(|(r, _)| r.id == c.id));
    let (counts, wishes) = match &community {
        Some(c) => (
            store::counts(&mut conn, &c.id).await?,
            store::wall_cards(
                &mut conn,
                &c.id,
                category.map(WishCategory::as_str),
                status.map(WishStatus::as_str),
                query.urgent,
            )
            .await?
            .into_iter()
            .map(store::CardRow::card)
            .collect(),
        ),
        None => (WishCounts::default(), Vec::new()),
    };
    let mine = own_wishes(&mut conn, &actor.user_id).await?;
    let pledged = my_pledges(&mut conn, &actor.user_id).await?;
    let reviewed_communities: Vec<&str> = reviewed
        .iter()
        .map(|(community, _)| community.id.as_str())
        .collect();
    let to_review = store::pending_in(&mut conn, &reviewed_communities).await?;
    let resident_here =
        !party && home.is_some() && community.as_ref().map(|c| &c.id) == home.as_ref();
    Ok(WishWall {
        community,
        communities,
        counts,
        wishes,
        mine,
        pledged,
        can_post: resident_here || reviews_here,
        posts_for_others: reviews_here,
        to_review,
        fetched_at: now(),
    })
}

/// What the asker posted, newest first, with a refusal's reason and the parts that wait
/// for their confirmation.
async fn own_wishes(conn: &mut Conn, user_id: &str) -> AppResult<Vec<MyWish>> {
    let rows = store::posted_cards(&mut *conn, user_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let reject_reason = row.reject_reason.clone();
            let awaiting = row.awaiting as u32;
            MyWish {
                card: row.card(),
                reject_reason,
                awaiting,
            }
        })
        .collect())
}

/// The asker's own wishes, for the home page.
pub async fn own_wishes_of(pool: &Pool, user_id: &str) -> AppResult<Vec<MyWish>> {
    own_wishes(&mut *pool.acquire().await?, user_id).await
}

/// Wishes waiting for review in the communities paired with `branch_id`, for one who
/// reviews there.
pub async fn reviews_waiting(pool: &Pool, actor: &Actor, branch_id: &str) -> AppResult<i64> {
    if !can(actor, Action::ReviewWish, &org_path(pool, branch_id).await?) {
        return Ok(0);
    }
    Ok(store::pending_paired_with(pool, branch_id, &actor.user_id).await?)
}

/// Wishes the member pledged and has not marked done yet.
pub async fn pledges_to_finish(pool: &Pool, user_id: &str) -> AppResult<Vec<NamedRef>> {
    Ok(my_pledges(&mut *pool.acquire().await?, user_id)
        .await?
        .into_iter()
        .filter(|p| p.status == PledgeStatus::Active)
        .map(|p| NamedRef {
            id: p.card.id,
            name: p.card.title,
        })
        .collect())
}

/// The asker's own pledges still at work, newest first.
async fn my_pledges(conn: &mut Conn, user_id: &str) -> AppResult<Vec<MyPledge>> {
    let rows = store::pledge_cards(&mut *conn, user_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| MyPledge {
            quantity: row.quantity as u32,
            status: PledgeStatus::parse(&row.pledge_status).unwrap_or(PledgeStatus::Active),
            card: row.card.card(),
        })
        .collect())
}

/// The wish's own photos (`None`) or one pledge's proofs.
fn owned_by(photos: &[(String, Option<String>)], pledge: Option<&str>) -> Vec<String> {
    photos
        .iter()
        .filter(|(_, owner)| owner.as_deref() == pledge)
        .map(|(id, _)| id.clone())
        .collect()
}

async fn confirm_days(conn: &mut Conn, branch_id: Option<&str>) -> AppResult<i64> {
    let days = store::confirm_days(&mut *conn, branch_id).await?;
    Ok(days.unwrap_or(DEFAULT_CONFIRM_DAYS))
}

fn card_of(wish: &WishRow, pledges: &[PledgeRow], photo: Option<String>) -> WishCard {
    let rules: Vec<Pledge> = pledges.iter().map(PledgeRow::rule).collect();
    WishCard {
        id: wish.id.clone(),
        title: wish.title.clone(),
        category: WishCategory::parse(&wish.category).unwrap_or(WishCategory::Other),
        status: wish.status(),
        needed_by: wish.needed_by,
        target: wish.target as u32,
        target_asked: wish.target_asked.map(|t| t as u32),
        unit: wish.unit.clone(),
        covered: super::rules::covered(&rules),
        photo,
        created_at: wish.created_at,
    }
}

pub async fn detail(pool: &Pool, actor: &Actor, id: &str) -> AppResult<WishDetail> {
    let mut conn = pool.acquire().await?;
    let wish = store::wish_row(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pledges = store::pledge_rows(&mut conn, id).await?;
    let standing = standing(&mut conn, actor, &wish, &pledges).await?;
    let all_photos = store::photos_of(&mut conn, id).await?;
    let photos = owned_by(&all_photos, None);
    let views = pledges
        .iter()
        .map(|p| PledgeView {
            id: p.id.clone(),
            name: p.name.clone(),
            unit_pledge: p.branch_id.is_some(),
            quantity: p.quantity as u32,
            status: p.status(),
            proof_note: p.proof_note.clone(),
            photos: owned_by(&all_photos, Some(&p.id)),
            done_at: p.done_at,
            confirmed_how: p.confirmed_how.clone(),
            thanks: p.thanks.clone(),
            mine: is_own_pledge(actor, p, &standing.reviewer_branches),
        })
        .collect();
    let confirm_days = confirm_days(&mut conn, wish.branch_id.as_deref()).await?;
    let sees_poster_side = standing.is_poster || standing.is_reviewer();
    if standing.sees_contact() {
        audit_reveal(pool, actor, &wish).await?;
    }
    Ok(WishDetail {
        card: card_of(&wish, &pledges, photos.first().cloned()),
        story: wish.story.clone(),
        community: wish.community.clone(),
        photos,
        on_behalf_of: sees_poster_side
            .then(|| wish.on_behalf_of.clone())
            .flatten(),
        reject_reason: sees_poster_side
            .then(|| wish.reject_reason.clone())
            .flatten(),
        pledges: views,
        contact: standing.sees_contact().then(|| wish.contact()),
        is_poster: standing.is_poster,
        is_reviewer: standing.is_reviewer(),
        may_pledge: standing.reported_member && !standing.is_poster,
        unit_branches: standing.reviewer_branches.clone(),
        confirm_days,
        fetched_at: now(),
    })
}

pub async fn reviews(pool: &Pool, actor: &Actor) -> AppResult<ReviewQueue> {
    let mut conn = pool.acquire().await?;
    let all = store::all_branches(&mut conn).await?;
    let mut branches = Vec::new();
    for (id, name) in all {
        if !can(actor, Action::ReviewWish, &org_path(&mut *conn, &id).await?) {
            continue;
        }
        let communities = store::communities_paired_with(&mut conn, &id)
            .await?
            .into_iter()
            .map(|(id, name)| NamedRef { id, name })
            .collect();
        let confirm_days = confirm_days(&mut conn, Some(&id)).await?;
        branches.push(BranchWishSettings {
            branch: NamedRef { id, name },
            communities,
            confirm_days,
        });
    }
    if branches.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut communities: Vec<&NamedRef> =
        branches.iter().flat_map(|b| b.communities.iter()).collect();
    communities.sort_by(|a, b| a.id.cmp(&b.id));
    communities.dedup_by(|a, b| a.id == b.id);
    let mut items = Vec::new();
    for community in communities {
        let ids = store::pending_ids(&mut conn, &community.id).await?;
        for id in ids {
            let wish = store::wish_row(&mut conn, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let photos = owned_by(&store::photos_of(&mut conn, &id).await?, None);
            audit_reveal(pool, actor, &wish).await?;
            items.push(ReviewItem {
                card: card_of(&wish, &[], photos.first().cloned()),
                story: wish.story.clone(),
                community: wish.community.clone(),
                contact: wish.contact(),
                on_behalf_of: wish.on_behalf_of.clone(),
                photos,
            });
        }
    }
    Ok(ReviewQueue { items, branches })
}

/// The first paired branch the asker reviews `wish` for, or Forbidden.
pub(super) async fn reviewing_branch(
    conn: &mut Conn,
    actor: &Actor,
    community_id: &str,
) -> AppResult<NamedRef> {
    reviewer_branches(conn, actor, community_id)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::Forbidden)
}

/// A paired branch's verdict on a pending wish: on the wall, or (with a reason the
/// resident reads) refused. Nobody reviews a wish they posted.
pub async fn review(
    pool: &Pool,
    actor: &Actor,
    wish_id: &str,
    refusal: Option<&str>,
) -> AppResult<()> {
    let reason = refusal
        .map(crate::meetings::rules::normalize_reason)
        .transpose()?;
    let mut tx = pool.begin().await?;
    let wish = store::wish_row(&mut tx, wish_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let branch = reviewing_branch(&mut tx, actor, &wish.community_id).await?;
    if wish.poster_id == actor.user_id {
        return Err(AppError::OwnWish);
    }
    let event = match reason {
        Some(_) => Event::Reject,
        None if is_overdue(wish.needed_by, now()) => return Err(AppError::WishOverdue),
        None => Event::Approve,
    };
    let next = step(wish.status(), event, wish.target as u32, &[])?;
    let changed = store::set_verdict(
        &mut tx,
        wish_id,
        next,
        reason.as_deref(),
        reason.is_none().then(now),
        &branch.id,
        &actor.user_id,
        now(),
    )
    .await?;
    if !changed {
        return Err(AppError::WishIllegal);
    }
    let action = if reason.is_some() {
        "reject_wish"
    } else {
        "approve_wish"
    };
    let detail = reason.as_deref().unwrap_or(&wish.title);
    audit(
        &mut *tx,
        &actor.user_id,
        action,
        Some(&branch.id),
        Some(wish_id),
        Some(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_confirm_days(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    days: &str,
) -> AppResult<()> {
    let path = org_path(pool, branch_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    crate::auth::authz::authorize(actor, Action::ReviewWish, &path)?;
    let days: i64 = days
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=CONFIRM_DAYS_MAX).contains(d))
        .ok_or(AppError::BadPayload)?;
    let mut tx = pool.begin().await?;
    store::set_confirm_days(&mut tx, branch_id, days).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "wish_confirm_days",
        Some(branch_id),
        None,
        Some(&days.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The pledge named by an op, if the asker holds it.
pub(super) async fn own_pledge(
    conn: &mut Conn,
    actor: &Actor,
    pledge_id: &str,
) -> AppResult<(PledgeRow, WishRow)> {
    let pledge = store::pledge_row(&mut *conn, pledge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let wish = store::wish_row(&mut *conn, &pledge.wish_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let leads = match pledge.branch_id {
        Some(_) => reviewer_branches(conn, actor, &wish.community_id).await?,
        None => Vec::new(),
    };
    if !is_own_pledge(actor, &pledge, &leads) {
        return Err(AppError::Forbidden);
    }
    Ok((pledge, wish))
}

/// Re-derives a wish's status after one of its pledges changed.
pub(super) async fn follow_pledges(
    conn: &mut Conn,
    wish: &WishRow,
    event: Event,
) -> AppResult<WishStatus> {
    let pledges: Vec<Pledge> = store::pledge_rows(&mut *conn, &wish.id)
        .await?
        .iter()
        .map(PledgeRow::rule)
        .collect();
    let next = step(wish.status(), event, wish.target as u32, &pledges)?;
    store::set_wish_status(&mut *conn, &wish.id, next).await?;
    Ok(next)
}

/// Confirms a fulfilled part (the poster, or the branch's timer) and gives its member
/// the wish rule's points, once per wish and member.
pub(super) async fn confirm(
    conn: &mut Conn,
    wish: &WishRow,
    pledge: &PledgeRow,
    how: &str,
    thanks: Option<&str>,
) -> AppResult<WishStatus> {
    let next = pledge_step(pledge.status(), Event::Confirm)?;
    store::set_pledge_confirmed(&mut *conn, &pledge.id, next, now(), how, thanks).await?;
    if pledge.branch_id.is_none() {
        match crate::points::service::award_for_wish(conn, &pledge.user_id, &wish.id, &wish.title)
            .await
        {
            // A claimer who has left every branch has no ledger to credit.
            Ok(_) | Err(AppError::NotInBranch) => {}
            Err(other) => return Err(other),
        }
    }
    follow_pledges(conn, wish, Event::Confirm).await
}

/// The 30 s timer: wishes past their date close what nobody took ([`expire`]);
/// fulfilments the poster left unanswered past the branch's period are confirmed. One
/// wish's trouble is logged and the others go on. Returns (expired, confirmed).
pub async fn tick(pool: &Pool) -> AppResult<(usize, usize)> {
    let now = now();
    let overdue = store::overdue_ids(pool, now).await?;
    let mut expired = 0;
    for id in overdue {
        match expire_one(pool, &id, now).await {
            Ok(changed) => expired += usize::from(changed),
            Err(error) => tracing::warn!(wish = %id, %error, "expiring a wish failed"),
        }
    }
    let done = store::done_pledges(pool).await?;
    let mut confirmed = 0;
    for (pledge_id, done_at, days) in done {
        if !auto_confirm_due(done_at, days.unwrap_or(DEFAULT_CONFIRM_DAYS), now) {
            continue;
        }
        match auto_confirm(pool, &pledge_id).await {
            Ok(changed) => confirmed += usize::from(changed),
            Err(error) => tracing::warn!(pledge = %pledge_id, %error, "auto-confirm failed"),
        }
    }
    Ok((expired, confirmed))
}

async fn expire_one(pool: &Pool, id: &str, now: i64) -> AppResult<bool> {
    let mut tx = pool.begin().await?;
    let wish = store::wish_row(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pledges: Vec<Pledge> = store::pledge_rows(&mut tx, id)
        .await?
        .iter()
        .map(PledgeRow::rule)
        .collect();
    if !is_overdue(wish.needed_by, now) {
        return Ok(false);
    }
    let Ok((status, target)) = expire(wish.status(), wish.target as u32, &pledges) else {
        return Ok(false);
    };
    store::set_expired(&mut tx, id, status, target).await?;
    tx.commit().await?;
    Ok(true)
}

async fn auto_confirm(pool: &Pool, pledge_id: &str) -> AppResult<bool> {
    let mut tx = pool.begin().await?;
    let pledge = store::pledge_row(&mut tx, pledge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if pledge.status() != PledgeStatus::Done {
        return Ok(false);
    }
    let wish = store::wish_row(&mut tx, &pledge.wish_id)
        .await?
        .ok_or(AppError::NotFound)?;
    confirm(&mut tx, &wish, &pledge, "auto", None).await?;
    tx.commit().await?;
    Ok(true)
}
