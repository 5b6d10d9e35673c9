use super::api::{fetch_code_key, fetch_my_meetings, fetch_schedulable_orgs, ScheduleMeeting};
use super::checkin::{code_for_slot, format_code, slot_of};
use super::qr::{checkin_url, qr_svg};
use super::rules::{presence_label, MeetingKind};
use crate::auth::views::SubmitButton;
use crate::i18n::{tr, Msg};
use crate::offline::views::{server_clock, use_offline};
use crate::shell::fetched::fetched;
use crate::shell::time::{format_datetime, now_secs};
use crate::shell::{
    action_error, route_param, year_in_query, Empty, ErrorNote, Loading, PageHeader, WithUser,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn MeetingsPage() -> impl IntoView {
    let offline = use_offline();
    let schedule = ServerAction::<ScheduleMeeting>::new();
    let meetings = fetched(
        move || (schedule.version().get(), offline.version.get()),
        |_| fetch_my_meetings(),
    );
    view! {
        <PageHeader title=Msg::TabMeetings/>
        <WithUser view=move |_| view! {
            <div class="card"><super::scan::ScanButton/></div>
            <ScheduleForm schedule/>
            <Transition fallback=Loading>
                {move || meetings.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <div class="card"><Empty msg=Msg::MeetingsEmpty/></div> }.into_any(),
                    Ok(list) => {
                        let now = now_secs();
                        let (upcoming, past): (Vec<_>, Vec<_>) = list.into_iter().partition(|m| m.ends_at > now);
                        view! {
                            {(!upcoming.is_empty()).then(|| view! { <h2 class="section">{tr(Msg::Upcoming)}</h2> })}
                            <ul class="meeting-list">{upcoming.into_iter().rev().map(meeting_card).collect_view()}</ul>
                            {(!past.is_empty()).then(|| view! { <h2 class="section">{tr(Msg::Past)}</h2> })}
                            <ul class="meeting-list">{past.into_iter().map(meeting_card).collect_view()}</ul>
                        }.into_any()
                    }
                })}
            </Transition>
        }/>
    }
}

fn meeting_card(m: super::MeetingSummary) -> impl IntoView {
    let href = format!("/meetings/{}", m.id);
    view! {
        <li class="card meeting" data-meeting=m.id.clone()>
            <A href=href attr:class="meeting-link">
                <div class="member-head">
                    <strong>{m.title.clone()}</strong>
                    <span class="badge">{m.kind.label_zh()}</span>
                    {m.my_presence.map(|p| view! { <span class="badge green presence">{tr(presence_label(p))}</span> })}
                    {m.cancelled.then(|| view! { <span class="badge red">{tr(Msg::Cancelled)}</span> })}
                    {m.recorded_later.then(|| view! { <span class="badge corrected">{tr(Msg::RecordedLater)}</span> })}
                </div>
                <p class="muted">{format_datetime(m.starts_at)} " · " {m.place.clone()}</p>
            </A>
        </li>
    }
}

/// Shown to whoever may schedule for some branch or group; a group gets 党小组会 only.
#[component]
fn ScheduleForm(schedule: ServerAction<ScheduleMeeting>) -> impl IntoView {
    let orgs = fetched(|| (), |_| fetch_schedulable_orgs());
    let chosen = RwSignal::new(None::<String>);
    view! {
        <Transition fallback=|| ()>
            {move || orgs.get().and_then(Result::ok).filter(|o| !o.is_empty()).map(|orgs| {
                let orgs = StoredValue::new(orgs);
                let is_group = move || orgs.with_value(|orgs| {
                    let id = chosen.get();
                    orgs.iter().find(|o| Some(&o.id) == id.as_ref()).or(orgs.first()).is_some_and(|o| o.is_group)
                });
                view! {
                    <details class="card schedule">
                        <summary>{tr(Msg::ScheduleMeeting)}</summary>
                        <ActionForm action=schedule>
                            <label>{tr(Msg::MeetingOrg)}
                                <select name="org_id" on:change=move |ev| chosen.set(Some(event_target_value(&ev)))>
                                    {orgs.get_value().into_iter().map(|o| view! {
                                        <option value=o.id.clone()>{if o.is_group { format!("　{}", o.name) } else { o.name.clone() }}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            {move || if is_group() {
                                view! { <input type="hidden" name="kind" value=MeetingKind::GroupMeeting.as_str()/> }.into_any()
                            } else {
                                view! {
                                    <label>{tr(Msg::MeetingKind)}
                                        <select name="kind">
                                            {MeetingKind::ALL.into_iter().filter(|k| *k != MeetingKind::GroupMeeting).map(|k| view! {
                                                <option value=k.as_str()>{k.label_zh()}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                }.into_any()
                            }}
                            <label>{tr(Msg::MeetingTitle)}<input name="title" maxlength="40"/></label>
                            <label>{tr(Msg::MeetingAgenda)}<textarea name="agenda" rows="3"></textarea></label>
                            <label>{tr(Msg::MeetingPlace)}<input name="place" maxlength="100"/></label>
                            <label>{tr(Msg::StartsAt)}<input name="starts_at" type="datetime-local"/></label>
                            <label>{tr(Msg::EndsAt)}<input name="ends_at" type="datetime-local"/></label>
                            <label>{tr(Msg::PastReason)}<input name="past_reason" maxlength="200"/></label>
                            {action_error(schedule.value())}
                            <SubmitButton pending=schedule.pending().into() label=Msg::ScheduleMeeting busy=Msg::Saving/>
                        </ActionForm>
                    </details>
                }
            })}
        </Transition>
    }
}

/// The rotating 签到码: computed on this phone from the meeting's key, so it keeps turning
/// with no signal once the key has been loaded. It follows the server's clock (the phone's
/// corrected by the offset the outbox measured), so members' check-ins agree with the
/// server's receipt even when this phone's clock is off.
#[component]
pub fn CodeScreen() -> impl IntoView {
    let id = route_param("id");
    let key = fetched(move || id.get(), fetch_code_key);
    let clock = server_clock(std::time::Duration::from_secs(1));
    let now = move || clock.get().unwrap_or_else(now_secs);
    view! {
        <PageHeader title=Msg::ShowCode back="/meetings"/>
        <Suspense fallback=Loading>
            {move || key.get().map(|result| match result {
                Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                Ok(key) => {
                    let key = StoredValue::new(key);
                    view! {
                        <section class="card code-screen">
                            <h2>{key.with_value(|k| k.title.clone())}</h2>
                            {move || {
                                let slot = slot_of(now());
                                let (first, last) = key.with_value(|k| (k.first_slot, k.last_slot));
                                if slot < first || slot > last {
                                    return view! { <p class="muted">{tr(Msg::ErrCheckinOutsideWindow)}</p> }.into_any();
                                }
                                let code = key.with_value(|k| format_code(code_for_slot(k.secret.as_bytes(), &k.meeting_id, slot)));
                                let url = key.with_value(|k| checkin_url(&crate::shell::origin(), &k.meeting_id, slot, &code));
                                let svg = qr_svg(&url).unwrap_or_default();
                                let left = 30 - now().rem_euclid(30);
                                view! {
                                    <div class="qr" inner_html=svg data-url=url></div>
                                    <p class="code big-code" data-testid="checkin-code">{code}</p>
                                    <p class="muted">{left} " s"</p>
                                }.into_any()
                            }}
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// 三会一课 compliance: each required kind against its frequency, months that fell short in red.
#[component]
pub fn CompliancePage() -> impl IntoView {
    let branch = route_param("id");
    let year = year_in_query();
    let data = fetched(
        move || (branch.get(), year.get()),
        |(b, y)| super::api::fetch_compliance(b, y),
    );
    view! {
        <PageHeader title=Msg::Compliance back="/"/>
        <Transition fallback=Loading>
            {move || data.get().map(|result| match result {
                Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                Ok(c) => {
                    let group_name = |id: &Option<String>| {
                        id.as_ref()
                            .and_then(|id| c.groups.iter().find(|g| &g.id == id))
                            .map(|g| format!(" · {}", g.name))
                            .unwrap_or_default()
                    };
                    let mut rows: Vec<(String, Vec<&super::rules::PeriodCheck>)> = Vec::new();
                    for check in &c.checks {
                        let label = format!("{}{}", check.kind.label_zh(), group_name(&check.group_id));
                        match rows.iter_mut().find(|(l, _)| *l == label) {
                            Some((_, cells)) => cells.push(check),
                            None => rows.push((label, vec![check])),
                        }
                    }
                    let short = super::rules::short_months(&c.checks);
                    let csv = format!("/branch/{}/meetings.csv?year={}", branch.get_untracked(), c.year);
                    view! {
                        <section class="card">
                            <h2>{c.year} " · " {tr(Msg::ComplianceLead)}</h2>
                            <p><a href=csv download rel="external" class="chip" data-testid="export-csv">{tr(Msg::ExportCsv)}</a></p>
                            <div class="months">
                                {(1..=12u32).map(|m| {
                                    let class = if m > c.until_month { "month pending" } else if short.contains(&m) { "month short" } else { "month ok" };
                                    view! { <span class=class data-month=m>{m} "月"</span> }
                                }).collect_view()}
                            </div>
                            {rows.is_empty().then(|| view! { <Empty msg=Msg::ComplianceNothingYet/> })}
                            <ul class="plain compliance">
                                {rows.into_iter().map(|(label, cells)| view! {
                                    <li data-kind=label.clone()>
                                        <strong>{label.clone()}</strong>
                                        <div class="cells">
                                            {cells.into_iter().map(|cell| {
                                                let name = match cell.kind.requirement().0 {
                                                    super::rules::Period::Month => format!("{}月", cell.period),
                                                    super::rules::Period::Quarter => format!("Q{}", cell.period),
                                                    super::rules::Period::Year => "全年".to_string(),
                                                };
                                                let later = cell.recorded_later;
                                                view! {
                                                    <span class=if cell.short() { "cell short" } else { "cell ok" } data-period=cell.period data-recorded-later=later>
                                                        {name} " " {cell.held} "/" {cell.required}
                                                        {(later > 0).then(|| view! { " · " {tr(Msg::RecordedLater)} {later} })}
                                                    </span>
                                                }
                                            }).collect_view()}
                                        </div>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The admin's view: every branch below, its year in twelve chips, each linking to its
/// calendar.
#[component]
pub fn SubtreeCompliancePage() -> impl IntoView {
    let year = year_in_query();
    let data = fetched(move || year.get(), super::api::fetch_subtree_compliance);
    view! {
        <PageHeader title=Msg::SubtreeCompliance back="/"/>
        <Transition fallback=Loading>
            {move || data.get().map(|result| match result {
                Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                Ok(list) if list.is_empty() => view! { <div class="card"><Empty msg=Msg::ComplianceNothingYet/></div> }.into_any(),
                Ok(list) => view! {
                    <p class="muted">{year.get()} " · " {tr(Msg::ComplianceLead)}</p>
                    <ul class="plain">
                        {list.into_iter().map(|b| {
                            let href = format!("/branch/{}/compliance?year={}", b.branch.id, year.get_untracked());
                            view! {
                                <li class="card" data-branch=b.branch.id.clone() data-short=b.short_months.len()>
                                    <A href=href><strong>{b.branch.name.clone()}</strong></A>
                                    <div class="months">
                                        {(1..=12u32).map(|m| {
                                            let class = if m > b.until_month { "month pending" } else if b.short_months.contains(&m) { "month short" } else { "month ok" };
                                            view! { <span class=class data-month=m>{m}</span> }
                                        }).collect_view()}
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </Transition>
    }
}
