//! The home page's answer, put together from each capability's service: it keeps no
//! tables of its own.

use super::{BranchDesk, HomeOverview, MemberDay, NextMeeting, Refusal, ResidentDay};
use crate::auth::authz::{Actor, Role};
use crate::auth::NamedRef;
use crate::db::Pool;
use crate::error::AppResult;
use crate::state::now;

/// Refusals older than this no longer wait on the home page (they stay under 积分/会议).
const REFUSALS_SHOWN_SECS: i64 = 30 * 86_400;

pub async fn overview(pool: &Pool, actor: &Actor) -> AppResult<HomeOverview> {
    let me = crate::auth::service::load_me(pool, &actor.user_id).await?;
    let member = match me.branch() {
        Some(branch) => Some(member_day(pool, &actor.user_id, &branch.org_id).await?),
        None => None,
    };
    let mut desks = Vec::new();
    for role in me.orgs_with(Role::Secretary) {
        desks.push(desk(pool, actor, &role.org_id, &role.org_name).await?);
    }
    let resident = if me.party_status.is_none() {
        Some(ResidentDay {
            wishes: crate::wishes::service::own_wishes_of(pool, &actor.user_id).await?,
        })
    } else {
        None
    };
    let red_branches = if me.orgs_with(Role::Admin).next().is_some() {
        let year = crate::shell::time::shanghai_year_month(now()).0;
        let years = crate::meetings::service::subtree_compliance(pool, actor, year).await?;
        Some(
            years
                .into_iter()
                .filter(|y| !y.short_months.is_empty())
                .collect(),
        )
    } else {
        None
    };
    Ok(HomeOverview {
        member,
        desks,
        resident,
        red_branches,
        fetched_at: now(),
    })
}

async fn member_day(pool: &Pool, user_id: &str, branch_id: &str) -> AppResult<MemberDay> {
    use crate::points::service as points;
    let next_meeting = crate::meetings::service::next_meeting(pool, user_id)
        .await?
        .map(
            |(summary, checkin_opens_at, checkin_closes_at)| NextMeeting {
                my_leave: summary.my_leave,
                summary,
                checkin_opens_at,
                checkin_closes_at,
            },
        );
    let since = now() - REFUSALS_SHOWN_SECS;
    let mut refused: Vec<Refusal> = points::refused_since(pool, user_id, branch_id, since)
        .await?
        .into_iter()
        .map(|(what, note, reason, at)| Refusal {
            what,
            note,
            reason,
            at,
            href: "/points".into(),
        })
        .collect();
    for (title, asked, note, at, meeting) in
        crate::meetings::service::leave_refused(pool, user_id).await?
    {
        refused.push(Refusal {
            what: format!("请假：{title}"),
            note: asked,
            reason: note,
            at,
            href: format!("/meetings/{meeting}"),
        });
    }
    refused.sort_by_key(|r| std::cmp::Reverse(r.at));
    Ok(MemberDay {
        next_meeting,
        points_this_month: points::month_points(pool, user_id, branch_id).await?,
        tasks: points::tasks_to_hand_in(pool, user_id, branch_id).await?,
        pledges_to_finish: crate::wishes::service::pledges_to_finish(pool, user_id).await?,
        refused,
        review_to_write: crate::reviews::service::waits_for(pool, user_id).await?,
    })
}

async fn desk(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    branch_name: &str,
) -> AppResult<BranchDesk> {
    let (leave_waiting, leave_meeting) =
        crate::meetings::service::leave_waiting(pool, branch_id, &actor.user_id).await?;
    Ok(BranchDesk {
        branch: NamedRef {
            id: branch_id.to_string(),
            name: branch_name.to_string(),
        },
        points_waiting: crate::points::service::waiting_count(pool, branch_id, &actor.user_id)
            .await?,
        wishes_waiting: crate::wishes::service::reviews_waiting(pool, actor, branch_id).await?,
        leave_waiting,
        leave_meeting,
        due_this_month: crate::meetings::service::due_this_month(pool, branch_id).await?,
        groups: crate::orgs::service::branch_groups(pool, branch_id).await?,
        returned_records: crate::meetings::minutes::service::returned_for_branch(pool, branch_id)
            .await?,
    })
}
