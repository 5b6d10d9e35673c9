//! The server side of the wish ops, applied once each at the server's receipt time.

use super::rules::{
    check_draft, check_pledge, is_overdue, pledge_step, step, Event, Pledge, PledgeStatus,
    WishStatus, ADDRESS_MAX, PHOTOS_MAX, THANKS_MAX,
};
use super::service::{
    confirm, follow_pledges, in_paired_branch, own_community, own_pledge, reviewer_branches,
    reviewing_branch,
};
use super::store::{self, NewPhoto, NewWish, PledgeRow};
use super::{ConfirmPledge, FulfilPledge, PledgeWish, PostWish, ReleasePledge, WithdrawWish};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::offline::service::{ApplyOp, OpContext};
use crate::state::now;

/// Pledges one member holds not yet done: each one shows a resident's contact.
const PLEDGES_AT_WORK: i64 = 5;

/// A resident's own wishes: at most this many posted in a day, and open at once.
const WISHES_PER_DAY: i64 = 5;
const WISHES_OPEN: i64 = 10;

/// Pledges a member let go of within a day before which new pledges wait: a cycle of
/// pledging and releasing would show one resident's contact after another.
const RELEASES_PER_DAY: i64 = 3;

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
        crate::uploads::service::accept_all(ctx, conn, kind, owner, photos, PHOTOS_MAX).await?;
    for (id, clean) in stored {
        store::insert_photo(
            &mut *conn,
            &NewPhoto {
                id: &id,
                wish_id,
                pledge_id,
                width: clean.width,
                height: clean.height,
                bytes: clean.jpeg.len(),
                by: &ctx.actor.user_id,
                at: now(),
            },
        )
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
            let (today, open) = store::own_posted_since_and_open(
                &mut *conn,
                &ctx.actor.user_id,
                ctx.received_at - 86_400,
            )
            .await?;
            if today >= WISHES_PER_DAY || open >= WISHES_OPEN {
                return Err(AppError::WishQuota);
            }
        }
        let (home, party) = own_community(conn, &ctx.actor.user_id).await?;
        let (name, phone) = store::user_name_and_phone(&mut *conn, &ctx.actor.user_id).await?;
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
            None if !party && home.as_deref() == Some(&self.community_id) => (None, name, phone),
            None => return Err(AppError::Forbidden),
        };
        let (target, unit) = match draft.crowdfunding {
            Some((target, unit)) => (target, Some(unit)),
            None => (1, None),
        };
        let inserted = store::insert_wish(
            &mut *conn,
            &NewWish {
                id: &self.id,
                community_id: &self.community_id,
                poster_id: &ctx.actor.user_id,
                on_behalf_of: on_behalf_of.as_deref(),
                title: &draft.title,
                story: &draft.story,
                category: draft.category,
                needed_by,
                target,
                unit: unit.as_deref(),
                contact_name: &contact_name,
                contact_phone: &contact_phone,
                contact_address: &address,
                at: made_at,
            },
        )
        .await?;
        if !inserted {
            return Err(AppError::BadPayload);
        }
        store_photos(ctx, conn, &self.id, None, &self.photos).await?;
        Ok(serde_json::json!({ "wish": self.id }))
    }
}

impl ApplyOp for PledgeWish {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        uuid::Uuid::parse_str(&self.id).map_err(|_| AppError::BadPayload)?;
        let wish = store::wish_row(&mut *conn, &self.wish_id)
            .await?
            .ok_or(AppError::NotFound)?;
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
                let released =
                    store::releases_since(&mut *conn, &ctx.actor.user_id, ctx.received_at - 86_400)
                        .await?;
                if released >= RELEASES_PER_DAY {
                    return Err(AppError::PledgeLimit);
                }
                let at_work = store::pledges_at_work(&mut *conn, &ctx.actor.user_id).await?;
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
        let mut pledges: Vec<Pledge> = store::pledge_rows(&mut *conn, &wish.id)
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
        store::insert_pledge(
            &mut *conn,
            &self.id,
            &wish.id,
            &ctx.actor.user_id,
            self.branch_id.as_deref(),
            self.quantity,
            made_at,
        )
        .await
        .map_err(|_| AppError::BadPayload)?;
        store::set_wish_status(&mut *conn, &wish.id, next).await?;
        Ok(serde_json::json!({ "pledge": self.id, "wish_status": next.as_str() }))
    }
}

impl ApplyOp for ReleasePledge {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let (pledge, wish) = own_pledge(conn, ctx.actor, &self.pledge_id).await?;
        let next = pledge_step(pledge.status(), Event::Release)?;
        store::set_pledge_released(&mut *conn, &pledge.id, next, now()).await?;
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
        store::set_pledge_done(&mut *conn, &pledge.id, next, &note, ctx.received_at).await?;
        store_photos(ctx, conn, &wish.id, Some(&pledge.id), &self.photos).await?;
        let status = follow_pledges(conn, &wish, Event::Fulfil).await?;
        Ok(serde_json::json!({ "wish_status": status.as_str() }))
    }
}

impl ApplyOp for ConfirmPledge {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let pledge = store::pledge_row(&mut *conn, &self.pledge_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let wish = store::wish_row(&mut *conn, &pledge.wish_id)
            .await?
            .ok_or(AppError::NotFound)?;
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
            store::set_poster_thanks(&mut *conn, &pledge.id, thanks.as_deref()).await?;
            return Ok(serde_json::json!({ "wish_status": wish.status }));
        }
        let status = confirm(conn, &wish, &pledge, "poster", thanks.as_deref()).await?;
        Ok(serde_json::json!({ "wish_status": status.as_str() }))
    }
}

impl ApplyOp for WithdrawWish {
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let wish = store::wish_row(&mut *conn, &self.wish_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if wish.poster_id != ctx.actor.user_id {
            return Err(AppError::Forbidden);
        }
        let next = follow_pledges(conn, &wish, Event::Withdraw).await?;
        Ok(serde_json::json!({ "wish_status": next.as_str() }))
    }
}
