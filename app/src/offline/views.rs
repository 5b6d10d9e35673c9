use super::QueuedOp;
use crate::i18n::{tr, use_i18n, Msg};
use crate::shell::time::{format_datetime, format_time};
use crate::shell::{Empty, ErrorNote, PageHeader};
use leptos::prelude::*;
use leptos_router::components::A;

/// The server's time as this phone knows it (its clock corrected by the offset the outbox
/// measured), read again every `period` while the calling view lives. `None` until the
/// browser starts it, so a page the server rendered hydrates as it was rendered.
pub fn server_clock(period: std::time::Duration) -> ReadSignal<Option<i64>> {
    let (clock, set_clock) = signal(None::<i64>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            use super::client::server_now;
            set_clock.set(Some(server_now()));
            if let Ok(ticking) =
                set_interval_with_handle(move || set_clock.set(Some(server_now())), period)
            {
                on_cleanup(move || ticking.clear());
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_clock, period);
    clock
}

/// A photo chosen in a file input, as a view that queues photos handles it: shrunk on the
/// phone and queued as the op `make` builds from its data URL; `queued` says it is, `error`
/// why not. The input is cleared so that the same photo can be chosen again.
pub fn queue_chosen_photo<O: super::OfflineOp>(
    ev: leptos::ev::Event,
    queued: RwSignal<bool>,
    error: RwSignal<Option<crate::error::AppError>>,
    make: impl FnOnce(String) -> O + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        let Some(file) = super::client::take_chosen_photo(&ev) else {
            return;
        };
        error.set(None);
        leptos::task::spawn_local(async move {
            let queued_photo = async {
                let data = super::client::resize_photo(file).await?;
                super::client::enqueue(&make(data)).await
            };
            match queued_photo.await {
                Ok(_) => queued.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, queued, error, make);
}

/// The ops of kind `O` in the outbox that `mine` picks, with the reason each was refused.
pub fn waiting_ops<O: super::OfflineOp>(
    offline: OfflineState,
    mine: impl Fn(&O) -> bool,
) -> Vec<(O, Option<crate::error::AppError>)> {
    offline
        .ops
        .get()
        .into_iter()
        .filter_map(|op| {
            let payload = op.payload_as::<O>()?;
            mine(&payload).then_some((payload, op.error))
        })
        .collect()
}

/// What the views know of the outbox and the network, kept fresh by browser events.
#[derive(Clone, Copy)]
pub struct OfflineState {
    pub ops: RwSignal<Vec<QueuedOp>>,
    pub online: RwSignal<bool>,
    pub update_ready: RwSignal<bool>,
    /// Bumped on every outbox change, so views that show server data refetch after a sync.
    pub version: RwSignal<u64>,
    /// The last read of the outbox asked for ([`OfflineState::refresh`]); the server
    /// never reads the outbox.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    asked: StoredValue<u64>,
}

impl OfflineState {
    /// Ops still to be sent (a refused op waits for nothing: it is counted apart).
    pub fn waiting(&self) -> usize {
        self.ops
            .with(|ops| ops.iter().filter(|op| !op.is_rejected()).count())
    }

    pub fn refused(&self) -> usize {
        self.ops
            .with(|ops| ops.iter().filter(|op| op.is_rejected()).count())
    }

    pub fn refresh(&self) {
        #[cfg(feature = "hydrate")]
        {
            let state = *self;
            // Two changes in a row (a form saved, then another) start two reads, which may
            // finish out of order: only the last one asked for is shown, never an older
            // outbox over a newer.
            let ticket = state.asked.get_value() + 1;
            state.asked.set_value(ticket);
            leptos::task::spawn_local(async move {
                let ops = super::client::queued().await;
                if state.asked.get_value() == ticket {
                    state.ops.set(ops);
                    state.version.update(|v| *v += 1);
                }
            });
        }
    }
}

pub fn use_offline() -> OfflineState {
    expect_context::<OfflineState>()
}

pub fn provide_offline() -> OfflineState {
    let state = OfflineState {
        ops: RwSignal::new(Vec::new()),
        online: RwSignal::new(true),
        update_ready: RwSignal::new(false),
        version: RwSignal::new(0),
        asked: StoredValue::new(0),
    };
    provide_context(state);
    #[cfg(feature = "hydrate")]
    crate::shell::boot::after_hydration(move || watch_browser(state));
    state
}

/// Follows the network and the outbox from browser events, once the page has hydrated.
#[cfg(feature = "hydrate")]
fn watch_browser(state: OfflineState) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(window) = web_sys::window() else {
        return;
    };
    let listen = |event: &str, handler: Box<dyn Fn()>| {
        let closure = Closure::<dyn Fn()>::new(handler);
        let _ = window.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        closure.forget();
    };
    listen("zhibu-outbox-changed", Box::new(move || state.refresh()));
    listen("online", Box::new(move || state.online.set(true)));
    listen("offline", Box::new(move || state.online.set(false)));
    // What the outbox found when it last asked the server: the truth where
    // navigator.onLine is wrong (older WebViews, a reload with no network).
    let reachable =
        Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
            if let Some(up) = event.detail().as_bool() {
                state.online.set(up);
            }
        });
    let _ = window
        .add_event_listener_with_callback("zhibu-network", reachable.as_ref().unchecked_ref());
    reachable.forget();
    listen(
        "zhibu-update-ready",
        Box::new(move || state.update_ready.set(true)),
    );
    state.online.set(super::client::is_online());
    super::client::start();
    state.refresh();
}

/// The strip above every page: a new version, no signal, ops waiting to be sent.
#[component]
pub fn StatusStrip() -> impl IntoView {
    let offline = use_offline();
    view! {
        {move || offline.update_ready.get().then(|| view! {
            <div class="strip update" role="status">
                <span>{tr(Msg::NewVersion)}</span>
                <button type="button" class="chip" on:click=move |_| {
                    #[cfg(feature = "hydrate")]
                    super::client::apply_update();
                }>{tr(Msg::Reload)}</button>
            </div>
        })}
        {move || {
            let waiting = offline.waiting();
            let refused = offline.refused();
            let online = offline.online.get();
            (waiting > 0 || refused > 0 || !online).then(|| view! {
                <div class="strip" class:offline=!online>
                    {(!online).then(|| view! { <span class="badge dark">{tr(Msg::Offline)}</span> })}
                    {(waiting > 0).then(|| view! {
                        <A href="/outbox" attr:class="outbox-link">
                            {tr(Msg::Outbox)} " " <span class="count" data-testid="outbox-count">{waiting}</span>
                        </A>
                    })}
                    {(refused > 0).then(|| view! {
                        <A href="/outbox" attr:class="outbox-link refused">
                            {tr(Msg::StatusRejected)} " " <span class="count" data-testid="refused-count">{refused}</span>
                        </A>
                    })}
                </div>
            })
        }}
    }
}

/// "离线 · 更新于 HH:MM" when the data on screen may be old.
#[component]
pub fn Freshness(fetched_at: i64) -> impl IntoView {
    let offline = use_offline();
    move || {
        (!offline.online.get()).then(|| {
            view! {
                <p class="freshness" title=format_datetime(fetched_at)>
                    {tr(Msg::Offline)} " · " {tr(Msg::UpdatedAt)} " " {format_time(fetched_at)}
                </p>
            }
        })
    }
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    let offline = use_offline();
    let i18n = use_i18n();
    #[cfg(feature = "hydrate")]
    let no_service_worker = !super::client::has_service_worker();
    #[cfg(not(feature = "hydrate"))]
    let no_service_worker = false;
    view! {
        <PageHeader title=Msg::Outbox back="/"/>
        <section class="card">
            <p class="lead">{tr(Msg::OutboxLead)}</p>
            {no_service_worker.then(|| view! { <p class="muted">{tr(Msg::NoServiceWorker)}</p> })}
            <button type="button" class="secondary" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                super::client::sync_now();
            }>{tr(Msg::SyncNow)}</button>
        </section>
        {move || {
            let ops = offline.ops.get();
            if ops.is_empty() {
                view! { <div class="card"><Empty msg=Msg::OutboxEmpty/></div> }.into_any()
            } else {
                view! {
                    <ul class="outbox">
                        {ops.into_iter().map(|op| {
                            let rejected = op.is_rejected();
                            let op_id = op.op_id.clone();
                            view! {
                                <li class="card op" class:rejected=rejected data-op=op.op_id.clone()>
                                    <div class="member-head">
                                        <span class=if rejected { "badge red" } else { "badge" }>
                                            {move || i18n.t(if rejected { Msg::StatusRejected } else { Msg::StatusPending })}
                                        </span>
                                        <span class="muted">{format_datetime(op.created_at)}</span>
                                    </div>
                                    <p class="summary">{op.summary.clone()}</p>
                                    {op.error.clone().map(|error| view! { <ErrorNote error/> })}
                                    {rejected.then(|| view! {
                                        <button type="button" class="chip" on:click=move |_| {
                                            #[cfg(feature = "hydrate")]
                                            {
                                                let op_id = op_id.clone();
                                                leptos::task::spawn_local(async move {
                                                    super::client::dismiss(&op_id).await;
                                                });
                                            }
                                            #[cfg(not(feature = "hydrate"))]
                                            let _ = &op_id;
                                        }>{tr(Msg::Dismiss)}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        }}
    }
}
