//! The 积分 tab (balance, rank, ledger, claims, tasks) and the secretary's approval queue.

use super::api::{
    fetch_branch_entries, fetch_points_home, fetch_queue, fetch_rules, ApprovePoints, PublishTask,
    RejectPoints, ReverseEntry, SaveRule, SetRanking,
};
use super::{Leaderboard, PointsHome, QueueItem, SignUpTask, SubmitTask};
use crate::auth::views::SubmitButton;
use crate::error::AppError;
use crate::i18n::{tr, Msg};
use crate::offline::views::{use_offline, Freshness};
use crate::offline::OfflineOp;
use crate::shell::fetched::fetched;
use crate::shell::time::{format_date, format_datetime};
use crate::shell::{action_error, route_param, Empty, ErrorNote, Loading, PageHeader, WithUser};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

fn signed(points: i64) -> String {
    if points > 0 {
        format!("+{points}")
    } else {
        points.to_string()
    }
}

#[component]
pub fn PointsPage() -> impl IntoView {
    let offline = use_offline();
    let home = fetched(move || offline.version.get(), |_| fetch_points_home());
    // Owned here, not by the refreshed view: a sync landing while someone fills in a claim
    // redraws the page but keeps what they chose and typed.
    let claim = ClaimState {
        open: RwSignal::new(false),
        rule: RwSignal::new(String::new()),
        note: RwSignal::new(String::new()),
        sent: RwSignal::new(false),
    };
    view! {
        <PageHeader title=Msg::TabPoints/>
        <WithUser view=move |_| view! {
            <Transition fallback=Loading>
                {move || home.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(h) => home_view(h, claim).into_any(),
                })}
            </Transition>
        }/>
    }
}

#[derive(Clone, Copy)]
struct ClaimState {
    open: RwSignal<bool>,
    rule: RwSignal<String>,
    note: RwSignal<String>,
    sent: RwSignal<bool>,
}

fn home_view(h: PointsHome, claim: ClaimState) -> impl IntoView {
    view! {
        {upper_view(h.clone()).into_any()}
        {(!h.claimable.is_empty()).then(|| view! { <ClaimForm rules=h.claimable.clone() state=claim/> }.into_any())}
        {requests_view(&h).into_any()}
        {ledger_view(&h).into_any()}
    }
}

fn upper_view(h: PointsHome) -> impl IntoView {
    let queue = format!("/branch/{}/points", h.branch_id);
    let branch = h.branch_id.clone();
    let summary = view! {
        <section class="card points-summary">
            <Freshness fetched_at=h.fetched_at/>
            <p class="muted">{h.branch_name.clone()}</p>
            <div class="figures">
                <div class="figure" data-total="balance"><strong>{h.balance}</strong><span>{tr(Msg::PointsBalance)}</span></div>
                <div class="figure" data-total="month"><strong>{h.this_month}</strong><span>{tr(Msg::PointsThisMonth)}</span></div>
                <div class="figure" data-total="year"><strong>{h.this_year}</strong><span>{tr(Msg::PointsThisYear)}</span></div>
                {h.rank.map(|rank| view! {
                    <div class="figure" data-total="rank"><strong>{rank}</strong><span>{tr(Msg::PointsRank)}</span></div>
                })}
            </div>
            {h.can_approve.then(|| view! { <A href=queue attr:class="chip">{tr(Msg::ApprovalQueue)}</A> })}
        </section>
    }
    .into_any();
    view! {
        {summary}
        {h.board.clone().map(|initial| view! { <Board branch_id=branch initial/> }.into_any())}
        {tasks_view(h.tasks.clone()).into_any()}
    }
}

/// The board starts with this month (part of the page's answer); other periods are asked
/// for when chosen.
#[component]
fn Board(branch_id: String, initial: Leaderboard) -> impl IntoView {
    let period = RwSignal::new(initial.period.clone());
    let board = RwSignal::new(Ok::<Leaderboard, AppError>(initial));
    let id = StoredValue::new(branch_id);
    let choose = move |value: &'static str| {
        period.set(value.to_string());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            board.set(super::api::fetch_leaderboard(id.get_value(), value.to_string()).await);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, board);
    };
    let chip = move |value: &'static str, label: Msg| {
        view! {
            <button type="button" class="chip" class:active=move || period.get() == value
                on:click=move |_| choose(value)>{tr(label)}</button>
        }
    };
    view! {
        <section class="card board">
            <h3>{tr(Msg::Leaderboard)}</h3>
            <div class="row wrap">
                {chip("month", Msg::PeriodMonth)}
                {chip("quarter", Msg::PeriodQuarter)}
                {chip("year", Msg::PeriodYear)}
            </div>
            {move || match board.get() {
                Err(error) => view! { <ErrorNote error/> }.into_any(),
                Ok(b) => {
                    let mine_shown = b.top.iter().any(|r| r.me);
                    view! {
                        <ol class="plain board-rows">
                            {b.top.into_iter().map(|r| view! {
                                <li class:me=r.me><span class="rank">{r.rank}</span> {r.name} <strong>{r.points}</strong></li>
                            }).collect_view()}
                        </ol>
                        {(!mine_shown).then_some(b.mine).flatten().map(|r| view! {
                            <p class="my-place">{tr(Msg::MyPlace)} "：" {r.rank} " · " {r.points}</p>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}

fn tasks_view(tasks: Vec<super::TaskView>) -> impl IntoView {
    view! {
        <section class="card tasks">
            <h3>{tr(Msg::Tasks)}</h3>
            {tasks.is_empty().then(|| view! { <p class="muted">{tr(Msg::NoTasks)}</p> })}
            <ul class="plain">
                {tasks.into_iter().map(|t| view! { <TaskItem task=t/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn TaskItem(task: super::TaskView) -> impl IntoView {
    let offline = use_offline();
    let id = StoredValue::new(task.id.clone());
    let error = RwSignal::new(None::<AppError>);
    let note = RwSignal::new(String::new());
    let photos = NodeRef::<leptos::html::Input>::new();
    let queued = move |kind: &'static str| {
        offline
            .ops
            .get()
            .into_iter()
            .any(|op| op.kind == kind && op.names("task_id", &id.get_value()))
    };
    let sign_up = move |_| {
        let op = SignUpTask {
            task_id: id.get_value(),
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::offline::client::enqueue(&op).await {
                error.set(Some(e));
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = op;
    };
    let hand_in = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked();
        if let Err(e) = super::normalize_note(&text) {
            error.set(Some(e));
            return;
        }
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let result = async {
                let op = SubmitTask {
                    task_id: id.get_value(),
                    note: text,
                    photos: crate::offline::client::resize_chosen(
                        photos.get_untracked(),
                        super::PHOTOS_MAX,
                    )
                    .await?,
                };
                crate::offline::client::enqueue(&op).await
            };
            match result.await {
                Ok(_) => note.set(String::new()),
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (text, photos);
    };
    let full = task.taken >= task.places;
    let status = task.my_status.clone();
    view! {
        <li class="task" data-task=task.id.clone()>
            <div class="member-head">
                <strong>{task.title.clone()}</strong>
                <span class="badge green">{signed(task.points)}</span>
                {status.clone().map(|s| {
                    let label = match s.as_str() {
                        "signed" => Msg::TaskSigned,
                        "submitted" => Msg::TaskSubmitted,
                        "approved" => Msg::TaskApproved,
                        _ => Msg::StatusRefusedReason,
                    };
                    view! { <span class="badge task-status" data-status=s>{tr(label)}</span> }
                })}
            </div>
            {(!task.description.is_empty()).then(|| view! { <p class="pre">{task.description.clone()}</p> })}
            <p class="muted">{tr(Msg::TaskPlaces)} " " {task.taken} "/" {task.places} " · " {tr(Msg::TaskDeadline)} " " {format_datetime(task.deadline)}</p>
            {move || {
                if queued(SignUpTask::KIND) || queued(SubmitTask::KIND) {
                    return view! { <span class="badge">{tr(Msg::StatusPending)}</span> }.into_any();
                }
                match status.as_deref() {
                    None if !full => view! { <button type="button" class="chip" on:click=sign_up>{tr(Msg::SignUp)}</button> }.into_any(),
                    Some("signed") => view! {
                        <form class="hand-in" on:submit=hand_in>
                            <label>{tr(Msg::PointsNote)}
                                <textarea name="note" rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                            </label>
                            <label>{tr(Msg::PointsPhotos)}<input type="file" accept="image/*" multiple node_ref=photos name="photos"/></label>
                            <button type="submit">{tr(Msg::SubmitTaskDone)}</button>
                        </form>
                    }.into_any(),
                    _ => ().into_any(),
                }
            }}
            {move || error.get().map(|error| view! { <ErrorNote error/> })}
        </li>
    }
}

#[component]
fn ClaimForm(rules: Vec<super::RuleView>, state: ClaimState) -> impl IntoView {
    let ClaimState {
        open,
        rule,
        note,
        sent,
    } = state;
    if rule.get_untracked().is_empty() || !rules.iter().any(|r| r.id == rule.get_untracked()) {
        rule.set(rules.first().map(|r| r.id.clone()).unwrap_or_default());
    }
    let error = RwSignal::new(None::<AppError>);
    let photos = NodeRef::<leptos::html::Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked();
        if let Err(e) = super::normalize_note(&text) {
            error.set(Some(e));
            return;
        }
        error.set(None);
        sent.set(false);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let result = async {
                let op = super::ClaimPoints {
                    id: uuid::Uuid::now_v7().to_string(),
                    rule_id: rule.get_untracked(),
                    note: text,
                    photos: crate::offline::client::resize_chosen(
                        photos.get_untracked(),
                        super::PHOTOS_MAX,
                    )
                    .await?,
                };
                crate::offline::client::enqueue(&op).await
            };
            match result.await {
                Ok(_) => {
                    note.set(String::new());
                    sent.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (text, photos, sent);
    };
    view! {
        <details class="card claim" prop:open=move || open.get() on:toggle=crate::shell::follow_details(open)>
            <summary>{tr(Msg::PointsClaim)}</summary>
            <form on:submit=submit>
                <label>{tr(Msg::PointsRule)}
                    <select name="rule" on:change=move |ev| rule.set(event_target_value(&ev))>
                        {rules.into_iter().map(|r| {
                            let cap = r.cap.map(|(period, n)| format!("（每{}最多 {n} 分）", if period == super::rules::CapPeriod::Month { "月" } else { "年" })).unwrap_or_default();
                            let id = r.id.clone();
                            view! { <option value=r.id.clone() selected=move || rule.get() == id>{format!("{} {} {}", r.name, signed(r.points), cap)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(Msg::PointsNote)}
                    <textarea name="note" rows="3" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
                <label>{tr(Msg::PointsPhotos)}<input type="file" accept="image/*" multiple node_ref=photos name="photos"/></label>
                {move || error.get().map(|error| view! { <ErrorNote error/> })}
                {move || sent.get().then(|| view! { <p class="ok" role="status">{tr(Msg::PointsClaimQueued)}</p> })}
                <button type="submit">{tr(Msg::PointsClaim)}</button>
            </form>
        </details>
    }
}

fn requests_view(h: &PointsHome) -> impl IntoView {
    let requests = h.requests.clone();
    (!requests.is_empty()).then(|| {
        view! {
            <section class="card requests">
                <h3>{tr(Msg::PointsRequests)}</h3>
                <ul class="plain">
                    {requests.into_iter().map(|r| {
                        let rejected = r.status == "rejected";
                        let badge = if rejected { "badge red" } else { "badge" };
                        let label = match r.status.as_str() {
                            "rejected" => Msg::StatusRefusedReason,
                            "unpaid" => Msg::StatusApprovedUnpaid,
                            _ => Msg::StatusWaiting,
                        };
                        view! {
                            <li class="request" data-status=r.status.clone()>
                                <div class="member-head">
                                    <strong>{r.title.clone()}</strong>
                                    <span class=badge>{tr(label)}</span>
                                </div>
                                {(!r.note.is_empty()).then(|| view! { <p class="request-note">{r.note.clone()}</p> })}
                                {r.reason.clone().map(|reason| view! { <p class="error reject-reason">{reason}</p> })}
                                {(r.status == "unpaid").then(|| view! { <p class="muted">{tr(Msg::UnpaidWhy)}</p> })}
                                <p class="muted">{format_date(r.created_at)}</p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

fn ledger_view(h: &PointsHome) -> impl IntoView {
    let entries = h.entries.clone();
    view! {
        <section class="card ledger">
            <h3>{tr(Msg::PointsLedger)}</h3>
            {entries.is_empty().then(|| view! { <Empty msg=Msg::PointsNoEntries/> })}
            <ul class="plain">
                {entries.into_iter().map(|e| {
                    let sign = if e.points >= 0 { "plus" } else { "minus" };
                    view! {
                    <li class="entry" class:reversed=e.reversed data-source=e.source_kind.clone()>
                        <div class="member-head">
                            <span>{e.title.clone()}</span>
                            <strong class=sign>{signed(e.points)}</strong>
                        </div>
                        <p class="muted">{format_date(e.created_at)} " · " {super::rules::source_label(&e.source_kind)}
                            " · " {e.category.label_zh()} {e.reason.clone().map(|r| format!(" · {r}"))}</p>
                    </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// `/branch/:id/points`: pending claims and hand-ins, one tap or many at once, and new tasks.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let branch = route_param("id");
    let oldest_first = RwSignal::new(false);
    let approve = ServerAction::<ApprovePoints>::new();
    let reject = ServerAction::<RejectPoints>::new();
    let publish = ServerAction::<PublishTask>::new();
    let selected = RwSignal::new(Vec::<String>::new());
    // The item a refusal was last sent for: its error shows there, not at the top.
    let refusing = RwSignal::new(None::<String>);
    let queue = fetched(
        move || {
            (
                branch.get(),
                oldest_first.get(),
                approve.version().get(),
                reject.version().get(),
            )
        },
        |(b, oldest, ..)| fetch_queue(b, oldest),
    );
    Effect::new(move |_| {
        approve.version().track();
        selected.set(Vec::new());
    });
    view! {
        <PageHeader title=Msg::ApprovalQueue back="/points"/>
        <WithUser view=move |_| view! {
            <section class="card">
                <div class="row wrap">
                    <A href=move || format!("/branch/{}/points/rules", branch.get()) attr:class="chip">{tr(Msg::PointRules)}</A>
                    <button type="button" class="chip" class:active=move || !oldest_first.get() on:click=move |_| oldest_first.set(false)>{tr(Msg::NewestFirst)}</button>
                    <button type="button" class="chip" class:active=move || oldest_first.get() on:click=move |_| oldest_first.set(true)>{tr(Msg::OldestFirst)}</button>
                </div>
                {action_error(approve.value())}
                <Transition fallback=Loading>
                    {move || queue.get().map(|result| match result {
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                        Ok(items) if items.is_empty() => view! { <Empty msg=Msg::QueueEmpty/> }.into_any(),
                        Ok(items) => {
                            let all: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
                            view! {
                                <div class="row wrap batch">
                                    <button type="button" class="chip" on:click=move |_| selected.set(all.clone())>{tr(Msg::SelectAll)}</button>
                                    <button type="button" disabled=move || selected.with(Vec::is_empty)
                                        on:click=move |_| { approve.dispatch(ApprovePoints { keys: selected.get_untracked(), points: None }); }>
                                        {tr(Msg::ApproveSelected)} " (" {move || selected.with(Vec::len)} ")"
                                    </button>
                                </div>
                                <ul class="plain queue">
                                    {items.into_iter().map(|item| queue_item(item, selected, approve, reject, refusing)).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    })}
                </Transition>
            </section>
            <section class="card">
                <h3>{tr(Msg::ExportLedger)}</h3>
                <form method="get" class="csv-form" action=move || format!("/branch/{}/points.csv", branch.get())>
                    <div class="row wrap">
                        <label>{tr(Msg::PeriodFrom)}<input type="date" name="from"/></label>
                        <label>{tr(Msg::PeriodTo)}<input type="date" name="to"/></label>
                    </div>
                    <button type="submit" class="chip">{tr(Msg::ExportCsv)}</button>
                </form>
            </section>
            <details class="card">
                <summary>{tr(Msg::PublishTask)}</summary>
                <ActionForm action=publish>
                    <input type="hidden" name="branch_id" value=move || branch.get()/>
                    <label>{tr(Msg::TaskTitle)}<input name="title"/></label>
                    <label>{tr(Msg::TaskDescription)}<textarea name="description" rows="3"></textarea></label>
                    <label>{tr(Msg::TaskPoints)}<input name="points" type="number" min="1" max="100" value="5"/></label>
                    <label>{tr(Msg::TaskPlaces)}<input name="places" type="number" min="1" max="1000" value="10"/></label>
                    <label>{tr(Msg::TaskDeadline)}<input name="deadline" type="datetime-local"/></label>
                    {action_error(publish.value())}
                    {move || matches!(publish.value().get(), Some(Ok(_))).then(|| view! { <p class="ok" role="status">{tr(Msg::Saved)}</p> })}
                    <SubmitButton pending=publish.pending().into() label=Msg::PublishTask busy=Msg::Saving/>
                </ActionForm>
            </details>
        }/>
    }
}

fn queue_item(
    item: QueueItem,
    selected: RwSignal<Vec<String>>,
    approve: ServerAction<ApprovePoints>,
    reject: ServerAction<RejectPoints>,
    refusing: RwSignal<Option<String>>,
) -> impl IntoView {
    let key = StoredValue::new(item.key.clone());
    // A plain copy, not `key`: the form's handlers can run after the item was drawn anew
    // (and `key` disposed) by the action they dispatched.
    let refuse = {
        let key = item.key.clone();
        move |_| refusing.set(Some(key.clone()))
    };
    let error_here = move || {
        (refusing.get().as_deref() == Some(key.get_value().as_str()))
            .then(|| reject.value().get().and_then(|r| r.err()))
            .flatten()
            .map(|error| view! { <ErrorNote error/> })
    };
    let fewer = RwSignal::new(item.points.to_string());
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        selected.update(|s| {
            s.retain(|k| *k != key.get_value());
            if on {
                s.push(key.get_value());
            }
        });
    };
    view! {
        <li class="queue-item" data-key=item.key.clone()>
            <label class="member-head pick">
                <input type="checkbox" prop:checked=move || selected.with(|s| s.contains(&key.get_value())) on:change=toggle/>
                <strong>{item.member.clone()}</strong>
                <span>{item.title.clone()}</span>
                <span class="badge green">{signed(item.points)}</span>
            </label>
            <p class="pre">{item.note.clone()}</p>
            <div class="photos">
                {item.photos.into_iter().map(|src| {
                    let href = src.clone();
                    view! { <a href=href target="_blank"><img src=src loading="lazy" alt=""/></a> }
                }).collect_view()}
            </div>
            <p class="muted">{format_datetime(item.submitted_at)}</p>
            <div class="row wrap">
                <button type="button" class="chip" on:click=move |_| { approve.dispatch(ApprovePoints { keys: vec![key.get_value()], points: None }); }>{tr(Msg::Approve)}</button>
                <details>
                    <summary class="chip">{tr(Msg::ApproveFewer)}</summary>
                    <form class="row" on:submit=move |ev| {
                        ev.prevent_default();
                        let points = fewer.get_untracked().trim().parse::<i64>().ok();
                        if points.is_some() {
                            approve.dispatch(ApprovePoints { keys: vec![key.get_value()], points });
                        }
                    }>
                        <input type="number" min="0" max=item.points name="points" aria-label=move || tr(Msg::PointsGiven)()
                            prop:value=move || fewer.get() on:input=move |ev| fewer.set(event_target_value(&ev))/>
                        <button type="submit" class="secondary">{tr(Msg::Approve)}</button>
                    </form>
                </details>
                <details>
                    <summary class="chip danger">{tr(Msg::Refuse)}</summary>
                    // An ActionForm still posts before the app has loaded on a slow phone.
                    <ActionForm action=reject on:submit=refuse>
                        <input type="hidden" name="key" value=key.get_value()/>
                        <label>{tr(Msg::RejectReason)}
                            <input name="reason" maxlength="200"/>
                        </label>
                        {error_here}
                        <button type="submit" class="secondary">{tr(Msg::Refuse)}</button>
                    </ActionForm>
                </details>
            </div>
        </li>
    }
}

/// `/branch/:id/points/rules`: the catalogue, each rule editable; new claimed rules.
#[component]
pub fn RulesPage() -> impl IntoView {
    let branch = route_param("id");
    let save = ServerAction::<SaveRule>::new();
    let reverse = ServerAction::<ReverseEntry>::new();
    let ranking = ServerAction::<SetRanking>::new();
    let recent = fetched(
        move || {
            (
                branch.get(),
                reverse.version().get(),
                ranking.version().get(),
            )
        },
        |(b, ..)| fetch_branch_entries(b),
    );
    let rules = fetched(
        move || (branch.get(), save.version().get()),
        |(b, _)| fetch_rules(b),
    );
    view! {
        <PageHeader title=Msg::PointRules back="/points"/>
        <WithUser view=move |_| view! {
            <p class="muted">{tr(Msg::PointRulesLead)}</p>
            {action_error(save.value())}
            <Transition fallback=Loading>
                {move || rules.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(list) => view! {
                        <ul class="plain rules">
                            {list.into_iter().map(|r| rule_form(branch.get_untracked(), Some(r), save)).collect_view()}
                        </ul>
                        <details class="card">
                            <summary>{tr(Msg::AddRule)}</summary>
                            {rule_form(branch.get_untracked(), None, save)}
                        </details>
                    }.into_any(),
                })}
            </Transition>
            <Transition fallback=Loading>
                {move || recent.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok((entries, ranked)) => view! {
                        <section class="card">
                            <label class="switch">
                                <input type="checkbox" prop:checked=ranked on:change=move |ev| {
                                    ranking.dispatch(SetRanking { branch_id: branch.get_untracked(), enabled: event_target_checked(&ev) });
                                }/>
                                {tr(Msg::ShowRanking)}
                            </label>
                        </section>
                        <section class="card recent-entries">
                            <h3>{tr(Msg::RecentEntries)}</h3>
                            {action_error(reverse.value())}
                            <ul class="plain">
                                {entries.into_iter().map(|b| {
                                    let e = b.entry;
                                    let correctable = !e.reversed && e.source_kind != "correction";
                                    let entry_id = e.id.clone();
                                    view! {
                                        <li class="entry" class:reversed=e.reversed data-entry=e.id.clone()>
                                            <div class="member-head">
                                                <strong>{b.member}</strong>
                                                <span>{e.title.clone()}</span>
                                                <strong class="plus">{signed(e.points)}</strong>
                                            </div>
                                            <p class="muted">{format_date(e.created_at)} {e.reason.clone().map(|r| format!(" · {r}"))}</p>
                                            {correctable.then(|| view! {
                                                <details>
                                                    <summary class="chip">{tr(Msg::ReverseEntry)}</summary>
                                                    <ActionForm action=reverse>
                                                        <input type="hidden" name="entry_id" value=entry_id/>
                                                        <label>{tr(Msg::CorrectionReason)}<input name="reason"/></label>
                                                        <button type="submit" class="secondary">{tr(Msg::ReverseEntry)}</button>
                                                    </ActionForm>
                                                </details>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                })}
            </Transition>
        }/>
    }
}

fn rule_form(
    branch_id: String,
    rule: Option<super::RuleView>,
    save: ServerAction<SaveRule>,
) -> impl IntoView {
    use super::rules::{CapPeriod, Category};
    let r = rule.clone();
    let cap_period = r.as_ref().and_then(|r| r.cap).map(|(p, _)| p);
    let form = view! {
        <ActionForm action=save>
            <input type="hidden" name="rule[branch_id]" value=branch_id/>
            <input type="hidden" name="rule[rule_id]" value=r.as_ref().map(|r| r.id.clone()).unwrap_or_default()/>
            <label>{tr(Msg::RuleName)}<input name="rule[name]" value=r.as_ref().map(|r| r.name.clone()).unwrap_or_default()/></label>
            <div class="row">
                <label>{tr(Msg::TaskPoints)}<input name="rule[points]" type="number" min="-100" max="100" value=r.as_ref().map(|r| r.points).unwrap_or(1)/></label>
                <label>{tr(Msg::RuleCategory)}
                    <select name="rule[category]">
                        {Category::ALL.into_iter().map(|c| view! {
                            <option value=c.as_str() selected=r.as_ref().is_some_and(|r| r.category == c)>{c.label_zh()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="row">
                <label>{tr(Msg::RuleCap)}
                    <select name="rule[cap_period]">
                        <option value="" selected=cap_period.is_none()>{tr(Msg::RuleCapNone)}</option>
                        <option value="month" selected=cap_period == Some(CapPeriod::Month)>{tr(Msg::RuleCapMonth)}</option>
                        <option value="year" selected=cap_period == Some(CapPeriod::Year)>{tr(Msg::RuleCapYear)}</option>
                    </select>
                </label>
                <label>" "<input name="rule[cap_points]" type="number" min="1" value=r.as_ref().and_then(|r| r.cap).map(|(_, n)| n.to_string()).unwrap_or_default()/></label>
            </div>
            <label class="switch"><input type="checkbox" name="rule[active]" value="on" checked=r.as_ref().is_none_or(|r| r.active)/>{tr(Msg::RuleActive)}</label>
            <SubmitButton pending=save.pending().into() label=Msg::SaveRule busy=Msg::Saving/>
        </ActionForm>
    };
    match rule {
        Some(rule) => view! {
            <li class="card rule" data-rule=rule.id.clone()>
                <details>
                    <summary>
                        <strong>{rule.name.clone()}</strong> " " {signed(rule.points)}
                        {rule.auto.is_some().then(|| view! { <span class="badge">{tr(Msg::RuleAuto)}</span> })}
                        {(!rule.active).then(|| view! { <span class="badge red">"停用"</span> })}
                    </summary>
                    {form}
                </details>
            </li>
        }.into_any(),
        None => form.into_any(),
    }
}
