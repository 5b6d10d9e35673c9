//! Wish server functions (reads and the secretary's review) and the server side of the
//! wish ops. Every change of state goes through [`super::rules::step`].

use super::{ReviewQueue, WishDetail, WishWall};
use crate::error::AppError;
use leptos::prelude::*;

/// A community's wall. `community_id` empty: the asker's own (or first reviewed) one;
/// `category` and `status` empty: all; `urgent`: nearest needed-by date first.
#[server(endpoint = "wish_wall")]
pub async fn fetch_wall(
    community_id: String,
    category: String,
    status: String,
    urgent: bool,
) -> Result<WishWall, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::wall(
        &state.pool,
        &actor,
        service::WallQuery {
            community_id,
            category,
            status,
            urgent,
        },
    )
    .await
}

#[server(endpoint = "wish_detail")]
pub async fn fetch_wish(id: String) -> Result<WishDetail, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::detail(&state.pool, &actor, &id).await
}

#[server(endpoint = "wish_reviews")]
pub async fn fetch_reviews() -> Result<ReviewQueue, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::reviews(&state.pool, &actor).await
}

#[server(endpoint = "approve_wish")]
pub async fn approve_wish(wish_id: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::review(&state.pool, &actor, &wish_id, None).await
}

#[server(endpoint = "reject_wish")]
pub async fn reject_wish(wish_id: String, reason: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::review(&state.pool, &actor, &wish_id, Some(&reason)).await
}

/// Days after which an unanswered fulfilment counts as confirmed, for a branch's wishes.
#[server(endpoint = "wish_confirm_days")]
pub async fn set_confirm_days(branch_id: String, days: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::set_confirm_days(&state.pool, &actor, &branch_id, &days).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::super::rules::{
        auto_confirm_due, check_draft, check_pledge, expire, is_overdue, pledge_step, sees_contact,
        step, Event, Pledge, PledgeStatus, WishCategory, WishStatus, ADDRESS_MAX, PHOTOS_MAX,
        THANKS_MAX,
    };
    use super::super::{
        BranchWishSettings, ConfirmPledge, Contact, FulfilPledge, MyPledge, MyWish, PledgeView,
        PledgeWish, PostWish, ReleasePledge, ReviewItem, ReviewQueue, WishCard, WishCounts,
        WishDetail, WishWall, WithdrawWish, CONFIRM_DAYS_MAX,
    };
    use crate::auth::authz::{can, Action, Actor};
    use crate::auth::session::org_path;
    use crate::auth::NamedRef;
    use crate::db::{Conn, Pool};
    use crate::error::{AppError, AppResult};
    use crate::offline::api::service::{ApplyOp, OpContext};
    use crate::state::{audit, now};

    const DEFAULT_CONFIRM_DAYS: i64 = 7;
    /// The statuses a wish shows on its community's wall.
    const ON_WALL: [WishStatus; 4] = [
        WishStatus::Published,
        WishStatus::Claimed,
        WishStatus::Fulfilled,
        WishStatus::Confirmed,
    ];

    #[derive(sqlx::FromRow)]
    struct WishRow {
        id: String,
        community_id: String,
        community: String,
        poster_id: String,
        on_behalf_of: Option<String>,
        title: String,
        story: String,
        category: String,
        needed_by: i64,
        target: i64,
        target_asked: Option<i64>,
        unit: Option<String>,
        contact_name: String,
        contact_phone: String,
        contact_address: String,
        status: String,
        reject_reason: Option<String>,
        branch_id: Option<String>,
        created_at: i64,
    }

    impl WishRow {
        fn status(&self) -> WishStatus {
            WishStatus::parse(&self.status).unwrap_or(WishStatus::Pending)
        }

        fn contact(&self) -> Contact {
            Contact {
                name: self.contact_name.clone(),
                phone: self.contact_phone.clone(),
                address: self.contact_address.clone(),
            }
        }
    }

    #[derive(sqlx::FromRow)]
    struct PledgeRow {
        id: String,
        wish_id: String,
        user_id: String,
        branch_id: Option<String>,
        name: String,
        quantity: i64,
        status: String,
        proof_note: Option<String>,
        done_at: Option<i64>,
        confirmed_how: Option<String>,
        thanks: Option<String>,
    }

    impl PledgeRow {
        fn status(&self) -> PledgeStatus {
            PledgeStatus::parse(&self.status).unwrap_or(PledgeStatus::Released)
        }

        fn rule(&self) -> Pledge {
            Pledge {
                quantity: self.quantity as u32,
                status: self.status(),
            }
        }
    }

    #[derive(sqlx::FromRow)]
    struct CardRow {
        id: String,
        title: String,
        category: String,
        status: String,
        needed_by: i64,
        target: i64,
        target_asked: Option<i64>,
        unit: Option<String>,
        covered: i64,
        photo: Option<String>,
        created_at: i64,
        reject_reason: Option<String>,
        awaiting: i64,
    }

    impl CardRow {
        fn card(self) -> WishCard {
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

    const CARD_COLUMNS: &str = "w.id, w.title, w.category, w.status, w.needed_by, w.target, w.target_asked, w.unit, w.created_at, w.reject_reason,
         CAST(COALESCE((SELECT SUM(p.quantity) FROM wish_pledges p WHERE p.wish_id = w.id AND p.status <> 'released'), 0) AS BIGINT) AS covered,
         (SELECT f.id FROM wish_photos f WHERE f.wish_id = w.id AND f.pledge_id IS NULL ORDER BY f.created_at, f.id LIMIT 1) AS photo,
         (SELECT COUNT(*) FROM wish_pledges p WHERE p.wish_id = w.id AND p.status = 'done') AS awaiting";

    async fn wish_row(conn: &mut Conn, id: &str) -> AppResult<WishRow> {
        crate::db::query_as(
            "SELECT w.id, w.community_id, c.name AS community, w.poster_id, w.on_behalf_of, w.title, w.story,
                    w.category, w.needed_by, w.target, w.target_asked, w.unit, w.contact_name, w.contact_phone,
                    w.contact_address, w.status, w.reject_reason, w.branch_id, w.created_at
             FROM wishes w JOIN communities c ON c.id = w.community_id WHERE w.id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)
    }

    /// A pledge with the name it shows: the member's, or the branch's for a unit pledge.
    const PLEDGE_SELECT: &str = "SELECT p.id, p.wish_id, p.user_id, p.branch_id, COALESCE(o.name, u.name) AS name,
             p.quantity, p.status, p.proof_note, p.done_at, p.confirmed_how, p.thanks
         FROM wish_pledges p JOIN users u ON u.id = p.user_id LEFT JOIN orgs o ON o.id = p.branch_id";

    async fn pledge_rows(conn: &mut Conn, wish_id: &str) -> AppResult<Vec<PledgeRow>> {
        Ok(crate::db::query_as(&format!(
            "{PLEDGE_SELECT} WHERE p.wish_id = ? ORDER BY p.created_at, p.id"
        ))
        .bind(wish_id)
        .fetch_all(&mut *conn)
        .await?)
    }

    async fn pledge_row(conn: &mut Conn, pledge_id: &str) -> AppResult<PledgeRow> {
        crate::db::query_as(&format!("{PLEDGE_SELECT} WHERE p.id = ?"))
            .bind(pledge_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The asker's home (resident) or reported (member) community, and whether they are a
    /// party member.
    async fn own_community(conn: &mut Conn, user_id: &str) -> AppResult<(Option<String>, bool)> {
        let row: (Option<String>, Option<String>) =
            crate::db::query_as("SELECT community_id, party_status FROM users WHERE id = ?")
                .bind(user_id)
                .fetch_one(&mut *conn)
                .await?;
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
        let found: Option<bool> = crate::db::query_scalar(
            "SELECT TRUE FROM memberships m
             JOIN orgs o ON o.id = m.org_id AND o.kind = 'branch'
             JOIN branch_communities bc ON bc.branch_id = m.org_id AND bc.community_id = ?2
             WHERE m.user_id = ?1 AND m.role = 'member' LIMIT 1",
        )
        .bind(user_id)
        .bind(community_id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(found.is_some())
    }

    /// Pledges one member holds not yet done: each one shows a resident's contact.
    const PLEDGES_AT_WORK: i64 = 5;

    /// A resident's own wishes: at most this many posted in a day, and open at once.
    const WISHES_PER_DAY: i64 = 5;
    const WISHES_OPEN: i64 = 10;

    /// Pledges a member let go of within a day before which new pledges wait: a cycle of
    /// pledging and releasing would show one resident's contact after another.
    const RELEASES_PER_DAY: i64 = 3;

    /// Writes who saw a resident's contact, when, for which wish (not the poster's own).
    async fn audit_reveal(conn: &mut Conn, actor: &Actor, wish: &WishRow) -> AppResult<()> {
        if wish.poster_id != actor.user_id {
            audit(
                &mut *conn,
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
        let pairs: Vec<(String, String, String, String)> = crate::db::query_as(
            "SELECT c.id, c.name, o.id, o.name FROM branch_communities bc
             JOIN communities c ON c.id = bc.community_id JOIN orgs o ON o.id = bc.branch_id
             WHERE ?1 IS NULL OR bc.community_id = ?1
             ORDER BY c.name, o.name",
        )
        .bind(community_id)
        .fetch_all(&mut *conn)
        .await?;
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
    async fn reviewer_branches(
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
        let involved =
            standing.is_poster || standing.is_reviewer() || !standing.own_pledges.is_empty();
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
        Ok(crate::db::query_scalar(
            "SELECT COUNT(*) FROM wish_pledges p
             WHERE p.status IN ('done', 'confirmed') AND p.done_at >= ?2 AND p.done_at < ?3
               AND (p.branch_id = ?1 OR p.user_id IN
                      (SELECT user_id FROM memberships WHERE org_id = ?1 AND role = 'member'))",
        )
        .bind(branch_id)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?)
    }

    /// The wish a photo (its own or a proof) belongs to, if it is a wish's.
    pub async fn wish_of_photo(pool: &Pool, photo_id: &str) -> AppResult<Option<String>> {
        Ok(
            crate::db::query_scalar("SELECT wish_id FROM wish_photos WHERE id = ?")
                .bind(photo_id)
                .fetch_optional(pool)
                .await?,
        )
    }

    /// `/media/…` for a wish's photos and proofs: whoever may see the wish.
    pub async fn may_view_wish(pool: &Pool, actor: &Actor, wish_id: &str) -> AppResult<()> {
        let mut conn = pool.acquire().await?;
        let wish = wish_row(&mut conn, wish_id).await?;
        let pledges = pledge_rows(&mut conn, wish_id).await?;
        standing(&mut conn, actor, &wish, &pledges)
            .await
            .map(|_| ())
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
            let name: String = crate::db::query_scalar("SELECT name FROM communities WHERE id = ?")
                .bind(home)
                .fetch_one(&mut *conn)
                .await?;
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
                counts(&mut conn, &c.id).await?,
                wall_cards(&mut conn, &c.id, category, status, query.urgent).await?,
            ),
            None => (WishCounts::default(), Vec::new()),
        };
        let mine = own_wishes(&mut conn, &actor.user_id).await?;
        let pledged = my_pledges(&mut conn, &actor.user_id).await?;
        let to_review = pending_in(&mut conn, &reviewed).await?;
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
        let rows: Vec<CardRow> = crate::db::query_as(&format!(
            "SELECT {CARD_COLUMNS} FROM wishes w WHERE w.poster_id = ? ORDER BY w.created_at DESC LIMIT 50"
        ))
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
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

    /// Wishes waiting for review in the given pairings' communities.
    async fn pending_in(conn: &mut Conn, reviewed: &[(NamedRef, NamedRef)]) -> AppResult<i64> {
        if reviewed.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM wishes WHERE status = 'pending' AND community_id IN ({})",
            crate::db::numbered_placeholders(1, reviewed.len())
        );
        Ok(crate::db::query_scalar(&sql)
            .bind_each(reviewed.iter().map(|(community, _)| &community.id))
            .fetch_one(&mut *conn)
            .await?)
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
        Ok(crate::db::query_scalar(
            "SELECT COUNT(*) FROM wishes w JOIN branch_communities bc ON bc.community_id = w.community_id
             WHERE bc.branch_id = ? AND w.status = 'pending' AND w.poster_id <> ?",
        )
        .bind(branch_id)
        .bind(&actor.user_id)
        .fetch_one(pool)
        .await?)
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

    async fn wall_cards(
        conn: &mut Conn,
        community_id: &str,
        category: Option<WishCategory>,
        status: Option<WishStatus>,
        urgent: bool,
    ) -> AppResult<Vec<WishCard>> {
        // Most urgent: open wishes by their date, then the rest; newest: by publication.
        let order = if urgent {
            "(w.status <> 'published'), w.needed_by, w.published_at DESC"
        } else {
            "w.published_at DESC, w.id DESC"
        };
        let rows: Vec<CardRow> = crate::db::query_as(&format!(
            "SELECT {CARD_COLUMNS} FROM wishes w
             WHERE w.community_id = ?1
               AND w.status IN ('published', 'claimed', 'fulfilled', 'confirmed')
               AND (?2 IS NULL OR w.category = ?2) AND (?3 IS NULL OR w.status = ?3)
             ORDER BY {order} LIMIT 200"
        ))
        .bind(community_id)
        .bind(category.map(WishCategory::as_str))
        .bind(status.map(WishStatus::as_str))
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows.into_iter().map(CardRow::card).collect())
    }

    /// The asker's own pledges still at work, newest first.
    async fn my_pledges(conn: &mut Conn, user_id: &str) -> AppResult<Vec<MyPledge>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            card: CardRow,
            quantity: i64,
            pledge_status: String,
        }
        let rows: Vec<Row> = crate::db::query_as(&format!(
            "SELECT {CARD_COLUMNS}, p.quantity, p.status AS pledge_status
             FROM wish_pledges p JOIN wishes w ON w.id = p.wish_id
             WHERE p.user_id = ? AND p.branch_id IS NULL AND p.status IN ('active', 'done')
             ORDER BY p.created_at DESC LIMIT 50"
        ))
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| MyPledge {
                quantity: row.quantity as u32,
                status: PledgeStatus::parse(&row.pledge_status).unwrap_or(PledgeStatus::Active),
                card: row.card.card(),
            })
            .collect())
    }

    /// The figures a community is judged by.
    async fn counts(conn: &mut Conn, community_id: &str) -> AppResult<WishCounts> {
        let row: (i64, i64, i64, i64, i64) = crate::db::query_as(
            "SELECT
                CAST(COALESCE(SUM(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN status IN ('claimed', 'fulfilled', 'confirmed') THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN status IN ('fulfilled', 'confirmed') THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN unit IS NOT NULL AND published_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN unit IS NOT NULL AND status IN ('fulfilled', 'confirmed') THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM wishes WHERE community_id = ?",
        )
        .bind(community_id)
        .fetch_one(&mut *conn)
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
    async fn photos_of(conn: &mut Conn, wish_id: &str) -> AppResult<Vec<(String, Option<String>)>> {
        Ok(crate::db::query_as(
            "SELECT id, pledge_id FROM wish_photos WHERE wish_id = ? ORDER BY created_at, id",
        )
        .bind(wish_id)
        .fetch_all(&mut *conn)
        .await?)
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
        let days: Option<i64> = crate::db::query_scalar(
            "SELECT wish_confirm_days FROM branch_settings WHERE branch_id = ?",
        )
        .bind(branch_id)
        .fetch_optional(&mut *conn)
        .await?;
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
            covered: super::super::rules::covered(&rules),
            photo,
            created_at: wish.created_at,
        }
    }

    pub async fn detail(pool: &Pool, actor: &Actor, id: &str) -> AppResult<WishDetail> {
        let mut conn = pool.acquire().await?;
        let wish = wish_row(&mut conn, id).await?;
        let pledges = pledge_rows(&mut conn, id).await?;
        let standing = standing(&mut conn, actor, &wish, &pledges).await?;
        let all_photos = photos_of(&mut conn, id).await?;
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
            audit_reveal(&mut conn, actor, &wish).await?;
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
        let all: Vec<(String, String)> =
            crate::db::query_as("SELECT id, name FROM orgs WHERE kind = 'branch' ORDER BY name")
                .fetch_all(&mut *conn)
                .await?;
        let mut branches = Vec::new();
        for (id, name) in all {
            if !can(actor, Action::ReviewWish, &org_path(&mut *conn, &id).await?) {
                continue;
            }
            let communities = crate::db::query_as::<(String, String)>(
                "SELECT c.id, c.name FROM branch_communities bc JOIN communities c ON c.id = bc.community_id
                 WHERE bc.branch_id = ? ORDER BY c.name",
            )
            .bind(&id)
            .fetch_all(&mut *conn)
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
            let ids: Vec<String> = crate::db::query_scalar(
                "SELECT id FROM wishes WHERE community_id = ? AND status = 'pending' ORDER BY created_at",
            )
            .bind(&community.id)
            .fetch_all(&mut *conn)
            .await?;
            for id in ids {
                let wish = wish_row(&mut conn, &id).await?;
                let photos = owned_by(&photos_of(&mut conn, &id).await?, None);
                audit_reveal(&mut conn, actor, &wish).await?;
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
    async fn reviewing_branch(
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
        let mut tx = pool.begin_write().await?;
        let wish = wish_row(&mut tx, wish_id).await?;
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
        let changed = crate::db::query(
            "UPDATE wishes SET status = ?, reject_reason = ?, published_at = ?, branch_id = ?,
                 reviewed_by = ?, reviewed_at = ?
             WHERE id = ? AND status = 'pending'",
        )
        .bind(next.as_str())
        .bind(&reason)
        .bind(reason.is_none().then(now))
        .bind(&branch.id)
        .bind(&actor.user_id)
        .bind(now())
        .bind(wish_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
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
        let mut tx = pool.begin_write().await?;
        crate::db::query(
            "INSERT INTO branch_settings (branch_id, wish_confirm_days) VALUES (?, ?)
             ON CONFLICT (branch_id) DO UPDATE SET wish_confirm_days = excluded.wish_confirm_days",
        )
        .bind(branch_id)
        .bind(days)
        .execute(&mut *tx)
        .await?;
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

    /// Re-derives a wish's status after one of its pledges changed.
    async fn follow_pledges(
        conn: &mut Conn,
        wish: &WishRow,
        event: Event,
    ) -> AppResult<WishStatus> {
        let pledges: Vec<Pledge> = pledge_rows(conn, &wish.id)
            .await?
            .iter()
            .map(PledgeRow::rule)
            .collect();
        let next = step(wish.status(), event, wish.target as u32, &pledges)?;
        crate::db::query("UPDATE wishes SET status = ? WHERE id = ?")
            .bind(next.as_str())
            .bind(&wish.id)
            .execute(&mut *conn)
            .await?;
        Ok(next)
    }

    /// Confirms a fulfilled part (the poster, or the branch's timer) and gives its member
    /// the wish rule's points, once per wish and member.
    async fn confirm(
        conn: &mut Conn,
        wish: &WishRow,
        pledge: &PledgeRow,
        how: &str,
        thanks: Option<&str>,
    ) -> AppResult<WishStatus> {
        let next = pledge_step(pledge.status(), Event::Confirm)?;
        crate::db::query(
            "UPDATE wish_pledges SET status = ?, confirmed_at = ?, confirmed_how = ?, thanks = ? WHERE id = ?",
        )
        .bind(next.as_str())
        .bind(now())
        .bind(how)
        .bind(thanks)
        .bind(&pledge.id)
        .execute(&mut *conn)
        .await?;
        if pledge.branch_id.is_none() {
            match crate::points::service::award_for_wish(
                conn,
                &pledge.user_id,
                &wish.id,
                &wish.title,
            )
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
        let overdue: Vec<String> = crate::db::query_scalar(
            "SELECT id FROM wishes WHERE status IN ('pending', 'published') AND needed_by < ?",
        )
        .bind(now)
        .fetch_all(pool)
        .await?;
        let mut expired = 0;
        for id in overdue {
            match expire_one(pool, &id, now).await {
                Ok(changed) => expired += usize::from(changed),
                Err(error) => tracing::warn!(wish = %id, %error, "expiring a wish failed"),
            }
        }
        let done: Vec<(String, i64, Option<i64>)> = crate::db::query_as(
            "SELECT p.id, p.done_at, s.wish_confirm_days FROM wish_pledges p
             JOIN wishes w ON w.id = p.wish_id LEFT JOIN branch_settings s ON s.branch_id = w.branch_id
             WHERE p.status = 'done'",
        )
        .fetch_all(pool)
        .await?;
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
        let mut tx = pool.begin_write().await?;
        let wish = wish_row(&mut tx, id).await?;
        let pledges: Vec<Pledge> = pledge_rows(&mut tx, id)
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
        crate::db::query(
            "UPDATE wishes SET status = ?, target = ?,
                 target_asked = CASE WHEN ? < target THEN COALESCE(target_asked, target) ELSE target_asked END
             WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(target)
        .bind(target)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn auto_confirm(pool: &Pool, pledge_id: &str) -> AppResult<bool> {
        let mut tx = pool.begin_write().await?;
        let pledge = pledge_row(&mut tx, pledge_id).await?;
        if pledge.status() != PledgeStatus::Done {
            return Ok(false);
        }
        let wish = wish_row(&mut tx, &pledge.wish_id).await?;
        confirm(&mut tx, &wish, &pledge, "auto", None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn store_photos(
        ctx: &OpContext<'_>,
        conn: &mut Conn,
        wish_id: &str,
        pledge_id: Option<&str>,
        photos: &[String],
    ) -> AppResult<()> {
        let (kind, owner) = match pledge_id {
            Some(pledge) => ("pledge", pledge),
            None => ("wish", wish_id),
        };
        let stored =
            crate::uploads::store::accept_all(ctx, conn, kind, owner, photos, PHOTOS_MAX).await?;
        for (id, clean) in stored {
            crate::db::query(
                "INSERT INTO wish_photos (id, wish_id, pledge_id, width, height, bytes, uploaded_by, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&id)
            .bind(wish_id)
            .bind(pledge_id)
            .bind(clean.width)
            .bind(clean.height)
            .bind(clean.jpeg.len() as i64)
            .bind(&ctx.actor.user_id)
            .bind(now())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    fn bounded(text: &str, max: usize) -> Option<String> {
        let text = text.trim();
        (!text.is_empty() && text.chars().count() <= max).then(|| text.to_string())
    }

    impl ApplyOp for PostWish {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            uuid::Uuid::parse_str(&self.id).map_err(|_| AppError::BadPayload)?;
            let draft = check_draft(
                &self.title,
                &self.story,
                &self.category,
                &self.target,
                &self.unit,
            )?;
            let made_at = ctx.received_at;
            let needed_by = crate::shell::time::end_of_day(&self.needed_by)
                .filter(|end| !is_overdue(*end, made_at))
                .ok_or(AppError::WishNeededBy)?;
            let address = bounded(&self.address, ADDRESS_MAX).ok_or(AppError::WishAddress)?;
            if self.on_behalf_of.is_none() {
                let (today, open): (i64, i64) = crate::db::query_as(
                    "SELECT COUNT(CASE WHEN created_at > ?2 THEN 1 END),
                            COUNT(CASE WHEN status IN ('pending', 'published', 'claimed') THEN 1 END)
                     FROM wishes WHERE poster_id = ?1 AND on_behalf_of IS NULL",
                )
                .bind(&ctx.actor.user_id)
                .bind(ctx.received_at - 86_400)
                .fetch_one(&mut *conn)
                .await?;
                if today >= WISHES_PER_DAY || open >= WISHES_OPEN {
                    return Err(AppError::WishQuota);
                }
            }
            let (home, party) = own_community(conn, &ctx.actor.user_id).await?;
            let (name, phone): (String, String) =
                crate::db::query_as("SELECT name, phone FROM users WHERE id = ?")
                    .bind(&ctx.actor.user_id)
                    .fetch_one(&mut *conn)
                    .await?;
            // A reviewer may post for a resident who has no phone of their own to use.
            let (on_behalf_of, contact_name, contact_phone) = match &self.on_behalf_of {
                Some(resident) => {
                    reviewing_branch(conn, ctx.actor, &self.community_id).await?;
                    let resident = crate::auth::rules::normalize_name(resident)?;
                    let phone = crate::auth::rules::normalize_phone(
                        self.contact_phone.as_deref().unwrap_or_default(),
                    )?;
                    (Some(resident.clone()), resident, phone)
                }
                None if !party && home.as_deref() == Some(&self.community_id) => {
                    (None, name, phone)
                }
                None => return Err(AppError::Forbidden),
            };
            let (target, unit) = match draft.crowdfunding {
                Some((target, unit)) => (target, Some(unit)),
                None => (1, None),
            };
            let inserted = crate::db::query(
                "INSERT INTO wishes (id, community_id, poster_id, on_behalf_of, title, story, category,
                     needed_by, target, unit, contact_name, contact_phone, contact_address, status, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&self.id)
            .bind(&self.community_id)
            .bind(&ctx.actor.user_id)
            .bind(&on_behalf_of)
            .bind(&draft.title)
            .bind(&draft.story)
            .bind(draft.category.as_str())
            .bind(needed_by)
            .bind(target)
            .bind(&unit)
            .bind(&contact_name)
            .bind(&contact_phone)
            .bind(&address)
            .bind(made_at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Err(AppError::BadPayload);
            }
            store_photos(ctx, conn, &self.id, None, &self.photos).await?;
            Ok(serde_json::json!({ "wish": self.id }))
        }
    }

    impl ApplyOp for PledgeWish {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            uuid::Uuid::parse_str(&self.id).map_err(|_| AppError::BadPayload)?;
            let wish = wish_row(conn, &self.wish_id).await?;
            match &self.branch_id {
                Some(branch) => {
                    let leads = reviewer_branches(conn, ctx.actor, &wish.community_id).await?;
                    if !leads.iter().any(|b| &b.id == branch) {
                        return Err(AppError::Forbidden);
                    }
                }
                None => {
                    let (community, party) = own_community(conn, &ctx.actor.user_id).await?;
                    if wish.poster_id == ctx.actor.user_id || !party {
                        return Err(AppError::Forbidden);
                    }
                    if community.as_deref() != Some(&wish.community_id) {
                        return Err(AppError::NotReported);
                    }
                    if !in_paired_branch(conn, &ctx.actor.user_id, &wish.community_id).await? {
                        return Err(AppError::NotPaired);
                    }
                    let released: i64 = crate::db::query_scalar(
                        "SELECT COUNT(*) FROM wish_pledges WHERE user_id = ? AND branch_id IS NULL
                         AND status = 'released' AND released_at > ?",
                    )
                    .bind(&ctx.actor.user_id)
                    .bind(ctx.received_at - 86_400)
                    .fetch_one(&mut *conn)
                    .await?;
                    if released >= RELEASES_PER_DAY {
                        return Err(AppError::PledgeLimit);
                    }
                    let at_work: i64 = crate::db::query_scalar(
                        "SELECT COUNT(*) FROM wish_pledges WHERE user_id = ? AND branch_id IS NULL
                         AND status = 'active'",
                    )
                    .bind(&ctx.actor.user_id)
                    .fetch_one(&mut *conn)
                    .await?;
                    if at_work >= PLEDGES_AT_WORK {
                        return Err(AppError::TooManyPledges);
                    }
                }
            }
            if wish.unit.is_none() && self.quantity != 1 {
                return Err(AppError::WishQuantity);
            }
            let made_at = ctx.received_at;
            if is_overdue(wish.needed_by, made_at) {
                return Err(AppError::WishOverdue);
            }
            let mut pledges: Vec<Pledge> = pledge_rows(conn, &wish.id)
                .await?
                .iter()
                .map(PledgeRow::rule)
                .collect();
            if wish.status() == WishStatus::Published {
                check_pledge(wish.target as u32, &pledges, self.quantity)?;
            }
            pledges.push(Pledge {
                quantity: self.quantity,
                status: PledgeStatus::Active,
            });
            let next = step(wish.status(), Event::Pledge, wish.target as u32, &pledges)?;
            crate::db::query(
                "INSERT INTO wish_pledges (id, wish_id, user_id, branch_id, quantity, status, created_at)
                 VALUES (?, ?, ?, ?, ?, 'active', ?)",
            )
            .bind(&self.id)
            .bind(&wish.id)
            .bind(&ctx.actor.user_id)
            .bind(&self.branch_id)
            .bind(self.quantity)
            .bind(made_at)
            .execute(&mut *conn)
            .await
            .map_err(|_| AppError::BadPayload)?;
            crate::db::query("UPDATE wishes SET status = ? WHERE id = ?")
                .bind(next.as_str())
                .bind(&wish.id)
                .execute(&mut *conn)
                .await?;
            Ok(serde_json::json!({ "pledge": self.id, "wish_status": next.as_str() }))
        }
    }

    /// The pledge named by an op, if the asker holds it.
    async fn own_pledge(
        conn: &mut Conn,
        actor: &Actor,
        pledge_id: &str,
    ) -> AppResult<(PledgeRow, WishRow)> {
        let pledge = pledge_row(conn, pledge_id).await?;
        let wish = wish_row(conn, &pledge.wish_id).await?;
        let leads = match pledge.branch_id {
            Some(_) => reviewer_branches(conn, actor, &wish.community_id).await?,
            None => Vec::new(),
        };
        if !is_own_pledge(actor, &pledge, &leads) {
            return Err(AppError::Forbidden);
        }
        Ok((pledge, wish))
    }

    impl ApplyOp for ReleasePledge {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let (pledge, wish) = own_pledge(conn, ctx.actor, &self.pledge_id).await?;
            let next = pledge_step(pledge.status(), Event::Release)?;
            crate::db::query("UPDATE wish_pledges SET status = ?, released_at = ? WHERE id = ?")
                .bind(next.as_str())
                .bind(now())
                .bind(&pledge.id)
                .execute(&mut *conn)
                .await?;
            let status = follow_pledges(conn, &wish, Event::Release).await?;
            Ok(serde_json::json!({ "wish_status": status.as_str() }))
        }
    }

    impl ApplyOp for FulfilPledge {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let (pledge, wish) = own_pledge(conn, ctx.actor, &self.pledge_id).await?;
            let note = crate::points::normalize_note(&self.note)?;
            if self.photos.is_empty() {
                return Err(AppError::ProofRequired);
            }
            let next = pledge_step(pledge.status(), Event::Fulfil)?;
            crate::db::query(
                "UPDATE wish_pledges SET status = ?, proof_note = ?, done_at = ? WHERE id = ?",
            )
            .bind(next.as_str())
            .bind(&note)
            .bind(ctx.received_at)
            .bind(&pledge.id)
            .execute(&mut *conn)
            .await?;
            store_photos(ctx, conn, &wish.id, Some(&pledge.id), &self.photos).await?;
            let status = follow_pledges(conn, &wish, Event::Fulfil).await?;
            Ok(serde_json::json!({ "wish_status": status.as_str() }))
        }
    }

    impl ApplyOp for ConfirmPledge {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let pledge = pledge_row(conn, &self.pledge_id).await?;
            let wish = wish_row(conn, &pledge.wish_id).await?;
            if wish.poster_id != ctx.actor.user_id {
                return Err(AppError::Forbidden);
            }
            let thanks = match self.thanks.trim() {
                "" => None,
                text => Some(bounded(text, THANKS_MAX).ok_or(AppError::TextTooLong)?),
            };
            // Confirmed offline, but the branch's timer got there first: keep the thanks.
            if pledge.status() == PledgeStatus::Confirmed
                && pledge.confirmed_how.as_deref() == Some("auto")
            {
                crate::db::query(
                    "UPDATE wish_pledges SET confirmed_how = 'poster', thanks = ? WHERE id = ?",
                )
                .bind(&thanks)
                .bind(&pledge.id)
                .execute(&mut *conn)
                .await?;
                return Ok(serde_json::json!({ "wish_status": wish.status }));
            }
            let status = confirm(conn, &wish, &pledge, "poster", thanks.as_deref()).await?;
            Ok(serde_json::json!({ "wish_status": status.as_str() }))
        }
    }

    impl ApplyOp for WithdrawWish {
        async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
            let wish = wish_row(conn, &self.wish_id).await?;
            if wish.poster_id != ctx.actor.user_id {
                return Err(AppError::Forbidden);
            }
            let next = follow_pledges(conn, &wish, Event::Withdraw).await?;
            Ok(serde_json::json!({ "wish_status": next.as_str() }))
        }
    }
}
