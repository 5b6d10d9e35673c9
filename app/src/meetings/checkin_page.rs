//! `/checkin/:id`: where a scanned QR lands (`?s=slot&c=code`) and where the 6 digits can be
//! typed. The page shows one truthful state at a time: the member's check-in as the server
//! recorded it (已签到, with its time and how it came), or the op waiting in the outbox
//! (待同步), or the server's refusal with what to do; the form is there whenever a new
//! attempt makes sense.
//!
//! A page opened by the phone's camera queues its check-in from `offline.js` before the
//! wasm arrives (and, with no signal, from the service worker's check-in shell); this view
//! queues it for scans inside the app, which change the route without loading a page. The
//! outbox takes each scanned code once.

use super::api::fetch_checkin_view;
use super::rules::{presence_label, Presence};
use super::{CheckIn, CheckinProof, CheckinView};
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Msg};
use crate::offline::views::use_offline;
use crate::offline::QueuedOp;
use crate::shell::fetched::fetched;
use crate::shell::time::{format_datetime, format_duration, format_time};
use crate::shell::{route_param, ErrorNote, PageHeader, WithUser};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CheckinPage() -> impl IntoView {
    view! {
        <PageHeader title=Msg::CheckIn back="/meetings"/>
        <WithUser view=move |_| view! { <CheckinState/> }/>
    }
}

#[component]
fn CheckinState() -> impl IntoView {
    let query = use_query_map();
    let meeting_id = route_param("id");
    let offline = use_offline();
    let error = RwSignal::new(None::<AppError>);
    // Held here: the form is drawn again whenever the state changes, the digits stay.
    let code = RwSignal::new(String::new());
    let detail = fetched(
        move || (meeting_id.get(), offline.version.get()),
        |(id, _)| fetch_checkin_view(id),
    );
    // A code scanned inside the app: queued once, with the time of the scan.
    Effect::new(move |_| {
        let q = query.get();
        let id = meeting_id.get();
        if let (Some(slot), Some(code)) =
            (q.get("s").and_then(|s| s.parse::<i64>().ok()), q.get("c"))
        {
            #[cfg(feature = "hydrate")]
            leptos::task::spawn_local(async move {
                let scanned_at = crate::shell::time::now_secs();
                if let Err(e) =
                    crate::offline::client::queue_checkin(&id, slot, &code, scanned_at).await
                {
                    error.set(Some(e));
                }
            });
            #[cfg(not(feature = "hydrate"))]
            let _ = (id, slot, code);
        }
    });
    let ops_here = move || {
        offline
            .ops
            .get()
            .into_iter()
            .filter(|op| {
                op.payload_as::<CheckIn>()
                    .is_some_and(|c| c.meeting_id == meeting_id.get())
            })
            .collect::<Vec<_>>()
    };
    view! {
        <Transition fallback=|| ()>
            {move || {
                let detail = detail.get().and_then(|r| r.ok());
                let state = state_of(detail.as_ref(), &ops_here());
                let show_form = matches!(state, State::Idle | State::Refused(_));
                let name = state.name();
                view! {
                    <section class="card checkin" data-state=name>
                        {meeting_head(detail.as_ref())}
                        {state_view(state)}
                        {move || error.get().map(|error| view! { <ErrorNote error/> })}
                    </section>
                    {show_form.then(|| view! { <DigitsForm meeting_id code error/> })}
                }
            }}
        </Transition>
    }
}

/// What the page says, most certain first.
enum State {
    /// The server recorded the member present: by a code (its proof), or by 补录.
    CheckedIn(Option<CheckinProof>, Presence),
    /// A check-in waits in the outbox.
    Waiting,
    /// The server refused the last one; the member may try again.
    Refused(QueuedOp),
    Idle,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::CheckedIn(..) => "checked-in",
            State::Waiting => "waiting",
            State::Refused(_) => "refused",
            State::Idle => "idle",
        }
    }
}

fn state_of(detail: Option<&CheckinView>, ops: &[QueuedOp]) -> State {
    if let Some(d) = detail {
        if let Some(presence) = d.summary.my_presence.filter(|p| p.is_present()) {
            return State::CheckedIn(d.my_checkin.clone(), presence);
        }
    }
    if ops.iter().any(|op| !op.is_rejected()) {
        return State::Waiting;
    }
    match ops.iter().rev().find(|op| op.is_rejected()) {
        Some(op) => State::Refused(op.clone()),
        None => State::Idle,
    }
}

fn meeting_head(detail: Option<&CheckinView>) -> impl IntoView {
    match detail {
        Some(d) => view! {
            <h2>{d.summary.title.clone()}</h2>
            <p class="muted">{format_datetime(d.summary.starts_at)} " · " {d.summary.place.clone()}</p>
        }
        .into_any(),
        None => view! { <p class="muted">{tr(Msg::MeetingInfoLater)}</p> }.into_any(),
    }
}

fn state_view(state: State) -> impl IntoView {
    let i18n = use_i18n();
    match state {
        State::CheckedIn(proof, presence) => match proof {
            Some(proof) => {
                let delay = proof.delay_secs();
                view! {
                        <p class="ok checked-in" role="status" data-offline=proof.offline.to_string()>
                            {tr(Msg::CheckedIn)} " · " {format_time(proof.at)} " · " {tr(presence_label(presence))}
                            {delay.map(|secs| view! {
                                " · " {tr(Msg::CheckinOffline)} "（" {move || format_duration(secs, i18n.locale.get())} {tr(Msg::SyncedAfter)} "）"
                            })}
                        </p>
                    }
                    .into_any()
            }
            None => {
                view! { <p class="ok checked-in" role="status">{tr(Msg::CheckinCorrectedNote)}</p> }
                    .into_any()
            }
        },
        State::Waiting => {
            view! { <p class="pending-sync" role="status">{tr(Msg::CheckinWaiting)}</p> }.into_any()
        }
        State::Refused(op) => {
            let op_id = op.op_id.clone();
            view! {
                <div class="refused">
                    {op.error.clone().map(|error| view! { <ErrorNote error/> })}
                    <button type="button" class="chip" on:click=move |_| {
                        #[cfg(feature = "hydrate")]
                        {
                            let op_id = op_id.clone();
                            leptos::task::spawn_local(async move {
                                crate::offline::client::dismiss(&op_id).await;
                            });
                        }
                        #[cfg(not(feature = "hydrate"))]
                        let _ = &op_id;
                    }>{tr(Msg::Dismiss)}</button>
                </div>
            }
            .into_any()
        }
        State::Idle => ().into_any(),
    }
}

/// The 6 digits typed from the screen, for the slot of the server's time as this phone
/// knows it; also the way in when the camera cannot be used.
#[component]
fn DigitsForm(
    meeting_id: Memo<String>,
    code: RwSignal<String>,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let digits = code.get_untracked().trim().to_string();
        if !super::checkin::is_well_formed(&digits) {
            error.set(Some(AppError::CheckinMalformed));
            return;
        }
        error.set(None);
        #[cfg(feature = "hydrate")]
        {
            use crate::offline::client::{queue_checkin, server_now};
            let id = meeting_id.get_untracked();
            let slot = super::checkin::slot_of(server_now());
            leptos::task::spawn_local(async move {
                let now = crate::shell::time::now_secs();
                match queue_checkin(&id, slot, &digits, now).await {
                    Ok(_) => code.set(String::new()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (meeting_id, digits);
    };
    view! {
        <section class="card">
            <form on:submit=submit>
                <label>{tr(Msg::CheckinDigits)}
                    <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                </label>
                <button type="submit">{tr(Msg::CheckIn)}</button>
            </form>
            <super::scan::ScanButton/>
        </section>
    }
}
