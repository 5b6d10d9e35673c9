use super::api::fetch_my_suggestions;
use super::{normalize_body, SubmitSuggestion};
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Msg};
use crate::offline::views::{use_offline, Freshness};
use crate::shell::fetched::fetched;
use crate::shell::time::format_datetime;
use crate::shell::{Empty, ErrorNote, Loading, PageHeader, WithUser};
use leptos::prelude::*;

#[component]
pub fn SuggestionsPage() -> impl IntoView {
    let offline = use_offline();
    let i18n = use_i18n();
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let queued = RwSignal::new(false);
    let mine = fetched(move || offline.version.get(), |_| fetch_my_suggestions());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        queued.set(false);
        match normalize_body(&body.get_untracked()) {
            Err(e) => error.set(Some(e)),
            Ok(text) => {
                error.set(None);
                let op = SubmitSuggestion {
                    id: uuid::Uuid::now_v7().to_string(),
                    body: text,
                };
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local(async move {
                    match crate::offline::client::enqueue(&op).await {
                        Ok(_) => {
                            body.set(String::new());
                            queued.set(true);
                        }
                        Err(e) => error.set(Some(e)),
                    }
                });
                #[cfg(not(feature = "hydrate"))]
                let _ = op;
            }
        }
    };
    let pending = move || {
        offline
            .ops
            .get()
            .into_iter()
            .filter_map(|op| {
                let suggestion: SubmitSuggestion = op.payload_as()?;
                Some((op, suggestion))
            })
            .collect::<Vec<_>>()
    };
    view! {
        <PageHeader title=Msg::Suggestions back="/"/>
        <WithUser view=move |_| view! {
            <section class="card">
                <p class="lead">{tr(Msg::SuggestionLead)}</p>
                <form on:submit=submit>
                    <label>
                        {tr(Msg::SuggestionBody)}
                        <textarea name="body" rows="4" maxlength="500"
                            prop:value=move || body.get()
                            on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                    </label>
                    {move || error.get().map(|error| view! { <ErrorNote error/> })}
                    {move || queued.get().then(|| view! { <p class="ok" role="status">{tr(Msg::Queued)}</p> })}
                    <button type="submit">{tr(Msg::Submit)}</button>
                </form>
            </section>
            <section class="card">
                <h2>{tr(Msg::MySuggestions)}</h2>
                <ul class="plain suggestions">
                    {move || pending().into_iter().map(|(op, suggestion)| {
                        let rejected = op.is_rejected();
                        view! {
                            <li class="suggestion" class:pending=!rejected class:rejected=rejected data-status=op.status.clone()>
                                <span class=if rejected { "badge red" } else { "badge" }>
                                    {move || i18n.t(if rejected { Msg::StatusRejected } else { Msg::StatusPending })}
                                </span>
                                " " {suggestion.body.clone()}
                                {op.error.clone().map(|error| view! { <ErrorNote error/> })}
                            </li>
                        }
                    }).collect_view()}
                    <Transition fallback=Loading>
                        {move || mine.get().map(|result| match result {
                            Err(error) => view! { <li><ErrorNote error/></li> }.into_any(),
                            Ok(list) => {
                                let fetched_at = list.fetched_at;
                                view! {
                                    <Freshness fetched_at/>
                                    {(list.items.is_empty() && pending().is_empty()).then(|| view! { <li><Empty msg=Msg::NoSuggestions/></li> })}
                                    {list.items.into_iter().map(|item| view! {
                                        <li class="suggestion sent">
                                            <span class="muted">{format_datetime(item.written_at)}</span>
                                            " " {item.body}
                                        </li>
                                    }).collect_view()}
                                }.into_any()
                            }
                        })}
                    </Transition>
                </ul>
            </section>
        }/>
    }
}
