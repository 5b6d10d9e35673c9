//! The home page per role: a member's next meeting and what waits, a secretary's queues, a
//! resident's wishes, the 党委's branches with red months. Each item leads to its page.

use super::api::fetch_home;
use super::{BranchDesk, HomeOverview, MemberDay, NextMeeting, ResidentDay};
use crate::auth::authz::Role;
use crate::auth::Me;
use crate::i18n::{tr, Msg};
use crate::meetings::rules::{LeaveStatus, Period};
use crate::offline::views::{server_clock, use_offline, Freshness};
use crate::shell::fetched::fetched;
use crate::shell::time::{format_date, format_datetime};
use crate::shell::{use_user, Empty, ErrorNote, Loading};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Home() -> impl IntoView {
    let user = use_user();
    view! {
        <section class="home">
            <header class="hero">
                <h1>{tr(Msg::AppName)}</h1>
                <p>{tr(Msg::HomeLead)}</p>
            </header>
            <Suspense fallback=Loading>
                {move || user.get().map(|result| match result {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(None) => view! {
                        <div class="card actions">
                            <a class="button" href="/login">{tr(Msg::Login)}</a>
                            <a class="button secondary" href="/register">{tr(Msg::RegisterResident)}</a>
                        </div>
                    }.into_any(),
                    Ok(Some(me)) => view! { <Today me/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Today(me: Me) -> impl IntoView {
    let offline = use_offline();
    let overview = fetched(move || offline.version.get(), |_| fetch_home());
    let branch = me.branch().map(|b| b.org_name.clone());
    let is_admin = me.orgs_with(Role::Admin).next().is_some();
    // The invite box is for a party member not yet in a branch; the 党委 and residents
    // have their own pages (a resident joins from 我的 if invited).
    let needs_branch = branch.is_none() && !is_admin && me.party_status.is_some();
    let place = branch.or_else(|| {
        me.orgs_with(Role::Admin)
            .next()
            .map(|r| r.org_name.clone())
            .or_else(|| me.community.clone().map(|c| c.name))
    });
    view! {
        <div class="card greeting">
            <p class="hello">{tr(Msg::Hello)} "，" {me.name.clone()}</p>
            {match place {
                Some(name) => view! { <p class="branch-name">{name}</p> }.into_any(),
                None => view! { <p class="muted">{tr(Msg::NotInBranch)}</p> }.into_any(),
            }}
        </div>
        {needs_branch.then(|| view! { <crate::orgs::views::JoinBox/> })}
        <Transition fallback=Loading>
            {move || overview.get().map(|result| match result {
                Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                Ok(home) => sections(home).into_any(),
            })}
        </Transition>
        {is_admin.then(|| view! {
            <section class="card">
                <h2>{tr(Msg::AdminTools)}</h2>
                <div class="link-grid">
                    <A href="/admin" attr:class="tile">{tr(Msg::OrgTree)}</A>
                    <A href="/admin/compliance" attr:class="tile">{tr(Msg::SubtreeCompliance)}</A>
                    <A href="/admin/stars" attr:class="tile">{tr(Msg::Stars)}</A>
                    <A href="/admin/records" attr:class="tile">{tr(Msg::RecordsToReview)}</A>
                </div>
            </section>
        })}
    }
}

fn sections(home: HomeOverview) -> impl IntoView {
    // A secretary's queues first: that is their day's work.
    view! {
        <Freshness fetched_at=home.fetched_at/>
        {home.desks.into_iter().map(desk_view).collect_view()}
        {home.member.map(member_view)}
        {home.resident.map(resident_view)}
        {home.red_branches.map(|branches| view! {
            <section class="card red-branches">
                <h2>{tr(Msg::RedBranches)}</h2>
                {branches.is_empty().then(|| view! { <Empty msg=Msg::NoRedBranches/> })}
                <ul class="plain">
                    {branches.into_iter().map(|b| {
                        let href = format!("/branch/{}/compliance", b.branch.id);
                        let months = b.short_months.iter().map(|m| format!("{m}月")).collect::<Vec<_>>().join("、");
                        view! {
                            <li data-branch=b.branch.id.clone()>
                                <A href=href><strong>{b.branch.name.clone()}</strong></A>
                                <p class="muted">{tr(Msg::RedMonths)} "：" {months}</p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

fn member_view(day: MemberDay) -> impl IntoView {
    let nothing_waits = day.tasks.is_empty()
        && day.pledges_to_finish.is_empty()
        && day.refused.is_empty()
        && !day.review_to_write;
    view! {
        <section class="card next-meeting">
            <h2>{tr(Msg::NextMeeting)}</h2>
            {match day.next_meeting {
                Some(next) => next_meeting_view(next).into_any(),
                None => view! { <Empty msg=Msg::NoUpcomingMeeting/> }.into_any(),
            }}
        </section>
        <section class="card waiting">
            <div class="member-head">
                <h2>{tr(Msg::Waiting)}</h2>
                <A href="/points" attr:class="chip month-points">
                    {tr(Msg::PointsThisMonth)} " " <strong data-testid="month-points">{day.points_this_month}</strong> " " {tr(Msg::PointsUnit)}
                </A>
            </div>
            {nothing_waits.then(|| view! { <Empty msg=Msg::NothingWaiting/> })}
            <ul class="plain todo">
                {day.review_to_write.then(|| view! {
                    <li class="todo-review"><A href="/review">{tr(Msg::MemberReview)} "：" {tr(Msg::SelfReview)}</A></li>
                })}
                {day.tasks.into_iter().map(|task| view! {
                    <li class="todo-task"><A href="/points">{tr(Msg::TaskToHandIn)} "：" {task.name}</A></li>
                }).collect_view()}
                {day.pledges_to_finish.into_iter().map(|wish| {
                    let href = format!("/wishes/{}", wish.id);
                    view! { <li class="todo-pledge"><A href=href>{tr(Msg::PledgeToFinish)} "：" {wish.name}</A></li> }
                }).collect_view()}
                {day.refused.into_iter().map(|r| view! {
                    <li class="todo-refused">
                        <A href=r.href.clone()><strong>{tr(Msg::StatusRejected)} "：" {r.what.clone()}</strong></A>
                        {(!r.note.is_empty()).then(|| view! { <p class="request-note">{r.note.clone()}</p> })}
                        <p class="error reject-reason">{r.reason.clone()}</p>
                        <p class="muted">{format_date(r.at)}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

fn next_meeting_view(next: NextMeeting) -> impl IntoView {
    let m = next.summary;
    let page = format!("/meetings/{}", m.id);
    let checkin = format!("/checkin/{}", m.id);
    let leave = next.my_leave.map(|status| {
        let (class, msg) = match status {
            LeaveStatus::Pending => ("badge leave", Msg::LeavePending),
            LeaveStatus::Approved => ("badge green leave", Msg::LeaveApproved),
            LeaveStatus::Refused => ("badge red leave", Msg::LeaveRefused),
        };
        view! { <span class=class>{tr(msg)}</span> }
    });
    let present = m.my_presence.is_some_and(|p| p.is_present());
    let (opens, closes) = (next.checkin_opens_at, next.checkin_closes_at);
    // The button comes when the window opens by the server's clock as this phone knows it,
    // also on a copy of the page read with no signal.
    let clock = server_clock(std::time::Duration::from_secs(15));
    let open = move || {
        clock
            .get()
            .is_some_and(|t| opens > 0 && (opens..closes).contains(&t))
    };
    view! {
        <A href=page attr:class="meeting-link" attr:data-meeting=m.id.clone()>
            <div class="member-head">
                <strong>{m.title.clone()}</strong>
                <span class="badge">{m.kind.label_zh()}</span>
                {leave}
            </div>
            <p class="muted">{format_datetime(m.starts_at)} " · " {m.place.clone()}</p>
        </A>
        {if present {
            view! { <p class="ok checked-in">{tr(Msg::CheckedIn)}</p> }.into_any()
        } else {
            view! {
                {move || open().then(|| view! {
                    <A href=checkin.clone() attr:class="button wide checkin-now">{tr(Msg::CheckInNow)}</A>
                })}
            }.into_any()
        }}
    }
}

fn desk_view(desk: BranchDesk) -> impl IntoView {
    let id = desk.branch.id.clone();
    let points = format!("/branch/{id}/points");
    let leave = desk
        .leave_meeting
        .clone()
        .map(|m| format!("/meetings/{m}"))
        .unwrap_or_else(|| "/meetings".into());
    let compliance = format!("/branch/{id}/compliance");
    let members = format!("/branch/{id}/members");
    let invites = format!("/branch/{id}/invites");
    let stars = format!("/branch/{id}/stars");
    let returned = desk.returned_records.clone();
    let review = format!("/branch/{id}/review");
    let group_name = |group: &Option<String>| {
        group
            .as_ref()
            .and_then(|g| desk.groups.iter().find(|x| &x.id == g))
            .map(|g| format!("（{}）", g.name))
            .unwrap_or_default()
    };
    let due: Vec<String> = desk
        .due_this_month
        .iter()
        .map(|c| {
            let period = match c.kind.requirement().0 {
                Period::Month => "",
                Period::Quarter => "本季度",
                Period::Year => "本年度",
            };
            format!("{period}{}{}", c.kind.label_zh(), group_name(&c.group_id))
        })
        .collect();
    let count = |n: i64, msg: Msg, href: String, key: &'static str| {
        let class = if n > 0 {
            "tile count-tile busy"
        } else {
            "tile count-tile"
        };
        view! {
            <A href=href attr:class=class attr:data-queue=key>
                <strong>{n}</strong>
                <span>{tr(msg)}</span>
            </A>
        }
    };
    view! {
        <section class="card desk" data-branch=id.clone()>
            <h2>{tr(Msg::SecretaryTools)}</h2>
            <p class="muted">{desk.branch.name.clone()}</p>
            {(!returned.is_empty()).then(|| view! {
                <div class="returned-records" data-testid="returned-records">
                    <p class="error">{tr(Msg::ReturnedRecords)}</p>
                    <ul class="plain">
                        {returned.into_iter().map(|m| {
                            let href = format!("/meetings/{}", m.id);
                            view! { <li><A href=href>{m.name}</A></li> }
                        }).collect_view()}
                    </ul>
                </div>
            })}
            <div class="link-grid counts">
                {count(desk.points_waiting, Msg::PointsWaiting, points, "points")}
                {count(desk.wishes_waiting, Msg::WishesWaiting, "/review/wishes".into(), "wishes")}
                {count(desk.leave_waiting, Msg::LeaveWaiting, leave, "leave")}
            </div>
            <A href=compliance.clone() attr:class="due-this-month">
                {if due.is_empty() {
                    view! { <p class="ok">{tr(Msg::AllDueHeld)}</p> }.into_any()
                } else {
                    view! { <p class="error" data-due=due.len()>{tr(Msg::DueThisMonth)} "：" {due.join("、")}</p> }.into_any()
                }}
            </A>
            <div class="link-grid">
                <A href=members attr:class="tile">{tr(Msg::Members)}</A>
                <A href=invites attr:class="tile">{tr(Msg::Invites)}</A>
                <A href=compliance attr:class="tile">{tr(Msg::Compliance)}</A>
                <A href="/review/wishes" attr:class="tile">{tr(Msg::WishReview)}</A>
                <A href=stars attr:class="tile">{tr(Msg::Stars)}</A>
                <A href=review attr:class="tile">{tr(Msg::MemberReview)}</A>
            </div>
        </section>
    }
}

fn resident_view(day: ResidentDay) -> impl IntoView {
    view! {
        <section class="card my-wishes-home">
            <div class="member-head">
                <h2>{tr(Msg::MyWishes)}</h2>
                <A href="/wishes" attr:class="chip">{tr(Msg::PostWish)}</A>
            </div>
            {day.wishes.is_empty().then(|| view! { <Empty msg=Msg::WishesEmpty/> })}
            <ul class="plain">
                {day.wishes.into_iter().map(|w| {
                    let href = format!("/wishes/{}", w.card.id);
                    view! {
                        <li data-wish=w.card.id.clone()>
                            <A href=href>
                                <div class="member-head">
                                    <strong>{w.card.title.clone()}</strong>
                                    <span class="badge">{w.card.status.label_zh()}</span>
                                    {(w.awaiting > 0).then(|| view! { <span class="badge red awaiting">{tr(Msg::AwaitingConfirm)} " " {w.awaiting}</span> })}
                                </div>
                            </A>
                            {w.reject_reason.clone().map(|r| view! { <p class="error reject-reason">{r}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
