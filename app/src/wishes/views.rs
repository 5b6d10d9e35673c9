//! The 心愿 tab (a community's wall, its counts, posting, one's own wishes), a wish's page
//! (pledge, release, fulfil with proof, confirm and thank, withdraw, review) and the
//! reviewer's queue.

use super::api::{fetch_reviews, fetch_wall, fetch_wish, ApproveWish, RejectWish, SetConfirmDays};
#[cfg(feature = "hydrate")]
use super::rules::PHOTOS_MAX;
use super::rules::{PledgeStatus, WishCategory, WishStatus};
#[cfg(feature = "hydrate")]
use super::FulfilPledge;
use super::{
    BranchWishSettings, ConfirmPledge, PledgeView, PledgeWish, PostWish, ReleasePledge, ReviewItem,
    WishCard, WishDetail, WishWall, WithdrawWish,
};
use crate::auth::views::SubmitButton;
use crate::error::AppError;
use crate::i18n::{tr, Msg};
use crate::offline::views::{use_offline, Freshness};
use crate::offline::OfflineOp;
use crate::orgs::api::CreateCommunity;
use crate::shell::fetched::fetched;
use crate::shell::time::format_date;
use crate::shell::{action_error, route_param, Empty, ErrorNote, Loading, PageHeader, WithUser};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use std::collections::HashMap;

fn status_class(status: WishStatus) -> &'static str {
    match status {
        WishStatus::Published => "badge green wish-status",
        WishStatus::Rejected | WishStatus::Expired | WishStatus::Withdrawn => {
            "badge red wish-status"
        }
        WishStatus::Confirmed => "badge dark wish-status",
        _ => "badge wish-status",
    }
}

fn progress(card: &WishCard) -> Option<String> {
    card.unit
        .as_ref()
        .map(|unit| format!("{}/{} {unit}", card.covered, card.target))
}

fn media(id: &str) -> String {
    format!("/media/{id}.jpg")
}

/// Queues `op`, reporting a failure (the outbox itself unavailable) into `error`.
fn send<O: OfflineOp + Clone>(op: O, error: RwSignal<Option<AppError>>, done: impl Fn() + 'static) {
    error.set(None);
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        match crate::offline::client::enqueue(&op).await {
            Ok(_) => done(),
            Err(e) => error.set(Some(e)),
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (op, done);
}

/// Text typed per item (a pledge's proof note or thanks, a refusal's reason), owned by the
/// page: a refresh of the list redraws the fields with what was typed.
#[derive(Clone, Copy)]
struct Drafts(RwSignal<HashMap<String, String>>);

impl Drafts {
    fn new() -> Self {
        Self(RwSignal::new(HashMap::new()))
    }

    fn get(&self, key: &str) -> String {
        self.0.with(|m| m.get(key).cloned().unwrap_or_default())
    }

    fn get_untracked(&self, key: &str) -> String {
        self.0
            .with_untracked(|m| m.get(key).cloned().unwrap_or_default())
    }

    fn set(&self, key: &str, value: String) {
        self.0.update(|m| {
            m.insert(key.to_string(), value);
        });
    }
}

/// Photos chosen per form, owned by the page: a refresh redraws file inputs empty, so
/// the choice lives here and the form says how many are chosen. The files themselves are
/// browser objects, kept only in the browser (a server-side local signal would be dropped
/// on another thread).
#[derive(Clone, Copy)]
struct Chosen {
    counts: RwSignal<HashMap<String, usize>>,
    #[cfg(feature = "hydrate")]
    files: StoredValue<HashMap<String, Vec<web_sys::File>>, LocalStorage>,
}

impl Chosen {
    fn new() -> Self {
        Self {
            counts: RwSignal::new(HashMap::new()),
            #[cfg(feature = "hydrate")]
            files: StoredValue::new_local(HashMap::new()),
        }
    }

    fn count(&self, key: &str) -> usize {
        self.counts.with(|m| m.get(key).copied().unwrap_or(0))
    }

    fn keep(&self, key: &str, ev: &leptos::ev::Event) {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(ev);
            let files = crate::offline::client::chosen_files(Some(&input));
            self.counts.update(|m| {
                m.insert(key.to_string(), files.len());
            });
            self.files.update_value(|m| {
                m.insert(key.to_string(), files);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (key, ev);
    }

    #[cfg(feature = "hydrate")]
    fn files(&self, key: &str) -> Vec<web_sys::File> {
        self.files
            .with_value(|m| m.get(key).cloned())
            .unwrap_or_default()
    }

    #[cfg(feature = "hydrate")]
    fn clear(&self, key: &str) {
        self.files.update_value(|m| {
            m.remove(key);
        });
        self.counts.update(|m| {
            m.remove(key);
        });
    }

    fn view(self, key: String) -> impl IntoView {
        move || {
            let n = self.count(&key);
            (n > 0).then(|| view! { <p class="muted chosen">{tr(Msg::PhotosChosen)} " " {n}</p> })
        }
    }
}

/// The wall's filters and the post form, owned by the page so a refresh keeps them.
#[derive(Clone, Copy)]
struct WallState {
    community: RwSignal<String>,
    category: RwSignal<String>,
    status: RwSignal<String>,
    urgent: RwSignal<bool>,
    post: PostState,
}

#[derive(Clone, Copy)]
struct PostState {
    open: RwSignal<bool>,
    title: RwSignal<String>,
    story: RwSignal<String>,
    category: RwSignal<String>,
    needed_by: RwSignal<String>,
    target: RwSignal<String>,
    unit: RwSignal<String>,
    address: RwSignal<String>,
    on_behalf_of: RwSignal<String>,
    phone: RwSignal<String>,
    photos: Chosen,
    /// The post form's error, kept here so a refresh does not hide it.
    error: RwSignal<Option<AppError>>,
    sent: RwSignal<bool>,
}

const POST_PHOTOS: &str = "post";

impl PostState {
    fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            title: RwSignal::new(String::new()),
            story: RwSignal::new(String::new()),
            category: RwSignal::new("living".to_string()),
            needed_by: RwSignal::new(String::new()),
            target: RwSignal::new(String::new()),
            unit: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            on_behalf_of: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            photos: Chosen::new(),
            error: RwSignal::new(None),
            sent: RwSignal::new(false),
        }
    }

    #[cfg(feature = "hydrate")]
    fn clear(&self) {
        for field in [
            self.title,
            self.story,
            self.needed_by,
            self.target,
            self.unit,
            self.on_behalf_of,
            self.phone,
        ] {
            field.set(String::new());
        }
    }
}

#[component]
pub fn WishesPage() -> impl IntoView {
    let offline = use_offline();
    let state = WallState {
        community: RwSignal::new(String::new()),
        category: RwSignal::new(String::new()),
        status: RwSignal::new(String::new()),
        urgent: RwSignal::new(false),
        post: PostState::new(),
    };
    let wall = fetched(
        move || {
            (
                offline.version.get(),
                state.community.get(),
                state.category.get(),
                state.status.get(),
                state.urgent.get(),
            )
        },
        |(_, community, category, status, urgent)| fetch_wall(community, category, status, urgent),
    );
    view! {
        <PageHeader title=Msg::TabWishes/>
        <WithUser view=move |_| view! {
            <Transition fallback=Loading>
                {move || wall.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(w) => wall_view(w, state).into_any(),
                })}
            </Transition>
        }/>
    }
}

fn wall_view(w: WishWall, state: WallState) -> impl IntoView {
    let Some(community) = w.community.clone() else {
        return view! {
            <section class="card">
                <Empty msg=Msg::WishesReportFirst/>
                <A href="/me" attr:class="button">{tr(Msg::ReportToCommunity)}</A>
            </section>
        }
        .into_any();
    };
    let head = view! {
        <section class="card wish-head">
            <Freshness fetched_at=w.fetched_at/>
            {if w.communities.len() > 1 {
                let chosen = community.id.clone();
                view! {
                    <label>{tr(Msg::Community)}
                        <select name="community" on:change=move |ev| state.community.set(event_target_value(&ev))>
                            {w.communities.iter().map(|c| view! {
                                <option value=c.id.clone() selected=c.id == chosen>{c.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                }.into_any()
            } else {
                view! { <h2>{community.name.clone()}</h2> }.into_any()
            }}
            <div class="figures wish-counts">
                <div class="figure" data-count="published"><strong>{w.counts.published}</strong><span>{tr(Msg::WishCountPublished)}</span></div>
                <div class="figure" data-count="claimed"><strong>{w.counts.claimed}</strong><span>{tr(Msg::WishCountClaimed)}</span></div>
                <div class="figure" data-count="fulfilled"><strong>{w.counts.fulfilled}</strong><span>{tr(Msg::WishCountFulfilled)}</span></div>
                <div class="figure" data-count="crowd-published"><strong>{w.counts.crowdfunded_published}</strong><span>{tr(Msg::WishCountCrowdPublished)}</span></div>
                <div class="figure" data-count="crowd-fulfilled"><strong>{w.counts.crowdfunded_fulfilled}</strong><span>{tr(Msg::WishCountCrowdFulfilled)}</span></div>
            </div>
            {w.posts_for_others.then(|| view! {
                <A href="/review/wishes" attr:class="chip review-link">{tr(Msg::WishReview)} {(w.to_review > 0).then(|| format!("（{}）", w.to_review))}</A>
            })}
        </section>
    }
    .into_any();
    let post = w.can_post.then(|| {
        view! { <PostForm community_id=community.id.clone() for_others=w.posts_for_others state=state.post/> }.into_any()
    });
    view! {
        {head}
        {post}
        {mine_view(w.mine.clone()).into_any()}
        {pledged_view(w.pledged.clone()).into_any()}
        {filters_view(state).into_any()}
        {cards_view(w.wishes.clone()).into_any()}
    }
    .into_any()
}

fn filters_view(state: WallState) -> impl IntoView {
    view! {
        <section class="card wish-filters">
            <div class="row wrap">
                <select name="category" aria-label=move || tr(Msg::WishCategory)()
                    on:change=move |ev| state.category.set(event_target_value(&ev))>
                    <option value="" selected=move || state.category.get().is_empty()>{tr(Msg::AllCategories)}</option>
                    {WishCategory::ALL.into_iter().map(|c| view! {
                        <option value=c.as_str() selected=move || state.category.get() == c.as_str()>{c.label_zh()}</option>
                    }).collect_view()}
                </select>
                <select name="status" aria-label=move || tr(Msg::WishStatusFilter)()
                    on:change=move |ev| state.status.set(event_target_value(&ev))>
                    <option value="" selected=move || state.status.get().is_empty()>{tr(Msg::AllStatuses)}</option>
                    {[WishStatus::Published, WishStatus::Claimed, WishStatus::Fulfilled, WishStatus::Confirmed].into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || state.status.get() == s.as_str()>{s.label_zh()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="row wrap">
                <button type="button" class="chip" class:active=move || !state.urgent.get()
                    on:click=move |_| state.urgent.set(false)>{tr(Msg::SortNewest)}</button>
                <button type="button" class="chip" class:active=move || state.urgent.get()
                    on:click=move |_| state.urgent.set(true)>{tr(Msg::SortUrgent)}</button>
            </div>
        </section>
    }
}

fn card_item(card: WishCard) -> impl IntoView {
    let href = format!("/wishes/{}", card.id);
    let progress = progress(&card);
    view! {
        <li class="wish" data-wish=card.id.clone() data-status=card.status.as_str()>
            <A href=href attr:class="wish-link">
                {card.photo.clone().map(|id| view! { <img class="wish-thumb" src=media(&id) loading="lazy" alt=""/> })}
                <div class="wish-text">
                    <div class="member-head">
                        <strong class="wish-title">{card.title.clone()}</strong>
                        <span class=status_class(card.status)>{card.status.label_zh()}</span>
                    </div>
                    <p class="muted">
                        <span class="badge">{card.category.label_zh()}</span>
                        " " {tr(Msg::NeededBy)} " " {format_date(card.needed_by)}
                        {progress.map(|p| view! { " · " <span class="wish-progress">{tr(Msg::Crowdfunded)} " " {p}</span> })}
                    </p>
                </div>
            </A>
        </li>
    }
}

fn cards_view(cards: Vec<WishCard>) -> impl IntoView {
    view! {
        <section class="card wish-wall">
            <h3>{tr(Msg::WishWall)}</h3>
            {cards.is_empty().then(|| view! { <Empty msg=Msg::WishesEmpty/> })}
            <ul class="plain wishes">
                {cards.into_iter().map(|c| card_item(c).into_any()).collect_view()}
            </ul>
        </section>
    }
}

fn mine_view(mine: Vec<super::MyWish>) -> impl IntoView {
    let offline = use_offline();
    let waiting = move || {
        offline
            .ops
            .get()
            .into_iter()
            .filter_map(|op| op.payload_as::<PostWish>().map(|p| (p, op)))
            .collect::<Vec<_>>()
    };
    let empty = mine.is_empty();
    view! {
        {move || {
            let waiting = waiting();
            (!empty || !waiting.is_empty()).then(|| view! {
                <section class="card my-wishes">
                    <h3>{tr(Msg::MyWishes)}</h3>
                    <ul class="plain">
                        {waiting.into_iter().map(|(post, op)| view! {
                            <li class="wish waiting">
                                <div class="member-head">
                                    <strong>{post.title.clone()}</strong>
                                    <span class="badge">{tr(if op.is_rejected() { Msg::StatusRejected } else { Msg::StatusPending })}</span>
                                </div>
                                {op.error.clone().map(|error| view! { <ErrorNote error/> })}
                            </li>
                        }).collect_view()}
                        {mine.clone().into_iter().map(|m| view! {
                            <li class="wish mine" data-status=m.card.status.as_str()>
                                <A href=format!("/wishes/{}", m.card.id)>
                                    <div class="member-head">
                                        <strong>{m.card.title.clone()}</strong>
                                        <span class=status_class(m.card.status)>{m.card.status.label_zh()}</span>
                                    </div>
                                </A>
                                {(m.awaiting > 0).then(|| view! {
                                    <p class="awaiting"><span class="badge green">{tr(Msg::AwaitingConfirm)} " " {m.awaiting}</span></p>
                                })}
                                {m.reject_reason.clone().map(|r| view! { <p class="error reject-reason">{tr(Msg::WishRejectReason)} "：" {r}</p> })}
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })
        }}
    }
}

/// What the asker took on and has not seen confirmed yet, whichever community it is in.
fn pledged_view(pledged: Vec<super::MyPledge>) -> impl IntoView {
    (!pledged.is_empty()).then(|| {
        view! {
            <section class="card my-pledges">
                <h3>{tr(Msg::MyPledges)}</h3>
                <ul class="plain">
                    {pledged.into_iter().map(|p| {
                        let label = if p.status == PledgeStatus::Done { Msg::DoneAwaitingConfirm } else { Msg::PledgeToFulfil };
                        view! {
                            <li class="wish pledged" data-status=p.status.as_str()>
                                <A href=format!("/wishes/{}", p.card.id)>
                                    <div class="member-head">
                                        <strong>{p.card.title.clone()}</strong>
                                        <span class="badge">{tr(label)}</span>
                                    </div>
                                    {p.card.unit.clone().map(|unit| view! { <p class="muted">"×" {p.quantity} " " {unit}</p> })}
                                </A>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn PostForm(community_id: String, for_others: bool, state: PostState) -> impl IntoView {
    let error = state.error;
    let community = StoredValue::new(community_id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = super::rules::check_draft(
            &state.title.get_untracked(),
            &state.story.get_untracked(),
            &state.category.get_untracked(),
            &state.target.get_untracked(),
            &state.unit.get_untracked(),
        );
        // Posting for a resident: their name and phone are checked here too, beside the field.
        let resident = if for_others {
            crate::auth::rules::normalize_name(&state.on_behalf_of.get_untracked())
                .and_then(|_| crate::auth::rules::normalize_phone(&state.phone.get_untracked()))
                .map(|_| ())
        } else {
            Ok(())
        };
        let local = match checked {
            Err(e) => Err(AppError::from(e)),
            Ok(_) if resident.is_err() => resident,
            Ok(_) if crate::shell::time::end_of_day(&state.needed_by.get_untracked()).is_none() => {
                Err(AppError::WishNeededBy)
            }
            Ok(_) if state.address.get_untracked().trim().is_empty() => Err(AppError::WishAddress),
            Ok(_) => Ok(()),
        };
        if let Err(e) = local {
            error.set(Some(e));
            return;
        }
        error.set(None);
        state.sent.set(false);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let result = async {
                let on_behalf = state.on_behalf_of.get_untracked();
                let op = PostWish {
                    id: uuid::Uuid::now_v7().to_string(),
                    community_id: community.get_value(),
                    title: state.title.get_untracked(),
                    story: state.story.get_untracked(),
                    category: state.category.get_untracked(),
                    needed_by: state.needed_by.get_untracked(),
                    target: state.target.get_untracked(),
                    unit: state.unit.get_untracked(),
                    address: state.address.get_untracked(),
                    on_behalf_of: for_others.then_some(on_behalf),
                    contact_phone: for_others.then(|| state.phone.get_untracked()),
                    photos: crate::offline::client::resize_files(
                        state.photos.files(POST_PHOTOS),
                        PHOTOS_MAX,
                    )
                    .await?,
                };
                crate::offline::client::enqueue(&op).await
            };
            match result.await {
                Ok(_) => {
                    state.clear();
                    state.photos.clear(POST_PHOTOS);
                    state.sent.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = community;
    };
    // Each error beside the field it is about; the rest above the button.
    let field_of = |error: &AppError| -> Option<&'static str> {
        Some(match error {
            AppError::WishTitle => "title",
            AppError::WishStory => "story",
            AppError::WishCategory => "category",
            AppError::WishNeededBy => "needed_by",
            AppError::WishTarget => "target",
            AppError::WishUnit => "unit",
            AppError::WishAddress => "address",
            AppError::NameRequired | AppError::NameTooLong => "on_behalf_of",
            AppError::PhoneRequired | AppError::PhoneInvalid => "contact_phone",
            _ => return None,
        })
    };
    let error_at = move |name: &'static str| {
        move || {
            error
                .get()
                .filter(|e| field_of(e) == Some(name))
                .map(|error| view! { <ErrorNote error/> })
        }
    };
    let text = move |label: Msg,
                     signal: RwSignal<String>,
                     name: &'static str,
                     kind: &'static str,
                     max: usize| {
        view! {
            <label>{tr(label)}
                <input type=kind name=name maxlength=max prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))/>
            </label>
            {error_at(name)}
        }
    };
    view! {
        // A button and a form drawn only when open, not <details>: Chromium on phones left
        // the date input of a form inside a re-opened <details> without a box.
        <section class="card post-wish">
            <button type="button" class="secondary toggle" aria-expanded=move || state.open.get().to_string()
                on:click=move |_| state.open.update(|open| *open = !*open)>
                {tr(if for_others { Msg::PostWishForResident } else { Msg::PostWish })}
            </button>
            {move || state.open.get().then(|| view! {
            <form on:submit=submit>
                {for_others.then(|| view! {
                    {text(Msg::ResidentName, state.on_behalf_of, "on_behalf_of", "text", crate::auth::rules::NAME_MAX)}
                    {text(Msg::ResidentPhone, state.phone, "contact_phone", "tel", 11)}
                })}
                {text(Msg::WishTitle, state.title, "title", "text", super::rules::TITLE_MAX)}
                <label>{tr(Msg::WishStory)}
                    <textarea name="story" rows="4" maxlength=super::rules::STORY_MAX prop:value=move || state.story.get() on:input=move |ev| state.story.set(event_target_value(&ev))></textarea>
                </label>
                {error_at("story")}
                <label>{tr(Msg::WishCategory)}
                    <select name="category" on:change=move |ev| state.category.set(event_target_value(&ev))>
                        {WishCategory::ALL.into_iter().map(|c| view! {
                            <option value=c.as_str() selected=move || state.category.get() == c.as_str()>{c.label_zh()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {error_at("category")}
                {text(Msg::NeededBy, state.needed_by, "needed_by", "date", 10)}
                <fieldset class="crowd">
                    <legend>{tr(Msg::CrowdfundingOptional)}</legend>
                    <div class="row">
                        {text(Msg::CrowdTarget, state.target, "target", "number", 5)}
                        {text(Msg::CrowdUnit, state.unit, "unit", "text", super::rules::UNIT_MAX)}
                    </div>
                </fieldset>
                {text(Msg::ContactAddress, state.address, "address", "text", super::rules::ADDRESS_MAX)}
                <p class="muted">{tr(Msg::ContactPrivate)}</p>
                <label>{tr(Msg::WishPhotos)}<input type="file" accept="image/*" multiple name="photos"
                    on:change=move |ev| state.photos.keep(POST_PHOTOS, &ev)/></label>
                {state.photos.view(POST_PHOTOS.to_string())}
                {move || error.get().filter(|e| field_of(e).is_none()).map(|error| view! { <ErrorNote error/> })}
                {move || state.sent.get().then(|| view! { <p class="ok" role="status">{tr(Msg::WishQueued)}</p> })}
                <button type="submit">{tr(Msg::PostWishSubmit)}</button>
            </form>
            })}
        </section>
    }
}

/// What a wish's page keeps across refreshes: text being typed.
#[derive(Clone, Copy)]
struct DetailState {
    quantity: RwSignal<String>,
    unit_branch: RwSignal<String>,
    /// Keyed by pledge id.
    proof: Drafts,
    thanks: Drafts,
    photos: Chosen,
    reason: RwSignal<String>,
    error: RwSignal<Option<AppError>>,
}

#[component]
pub fn WishPage() -> impl IntoView {
    let id = route_param("id");
    let offline = use_offline();
    let approve = ServerAction::<ApproveWish>::new();
    let reject = ServerAction::<RejectWish>::new();
    let wish = fetched(
        move || {
            (
                id.get(),
                offline.version.get(),
                approve.version().get(),
                reject.version().get(),
            )
        },
        |(id, ..)| fetch_wish(id),
    );
    let state = DetailState {
        quantity: RwSignal::new("1".to_string()),
        unit_branch: RwSignal::new(String::new()),
        proof: Drafts::new(),
        thanks: Drafts::new(),
        photos: Chosen::new(),
        reason: RwSignal::new(String::new()),
        error: RwSignal::new(None),
    };
    view! {
        <PageHeader title=Msg::WishDetail back="/wishes"/>
        <WithUser view=move |_| view! {
            <Transition fallback=Loading>
                {move || wish.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(w) => detail_view(w, state, approve, reject).into_any(),
                })}
            </Transition>
        }/>
    }
}

fn detail_view(
    w: WishDetail,
    state: DetailState,
    approve: ServerAction<ApproveWish>,
    reject: ServerAction<RejectWish>,
) -> impl IntoView {
    let offline = use_offline();
    let wish_id = StoredValue::new(w.card.id.clone());
    let pledge_ids = StoredValue::new(w.pledges.iter().map(|p| p.id.clone()).collect::<Vec<_>>());
    // Ops for this wish still in the outbox: waiting, or refused with their reason.
    let ours = move || {
        offline
            .ops
            .get()
            .into_iter()
            .filter(|op| {
                op.names("wish_id", &wish_id.get_value())
                    || pledge_ids.with_value(|ids| ids.iter().any(|id| op.names("pledge_id", id)))
            })
            .collect::<Vec<_>>()
    };
    let progress = progress(&w.card);
    let head = view! {
        <section class="card wish-detail" data-status=w.card.status.as_str()>
            <Freshness fetched_at=w.fetched_at/>
            <div class="member-head">
                <h2 class="wish-title">{w.card.title.clone()}</h2>
                <span class=status_class(w.card.status)>{w.card.status.label_zh()}</span>
            </div>
            <p class="muted">
                <span class="badge">{w.card.category.label_zh()}</span> " " {w.community.clone()}
                " · " {tr(Msg::NeededBy)} " " {format_date(w.card.needed_by)}
            </p>
            {w.card.target_asked.map(|asked| view! {
                <p class="muted closed-part">{tr(Msg::TargetAsked)} " " {asked} " · " {tr(Msg::ClosedAtDate)}</p>
            })}
            {progress.map(|p| view! {
                <p class="wish-progress"><strong>{tr(Msg::Crowdfunded)} " " {p}</strong></p>
                <progress max=w.card.target value=w.card.covered></progress>
            })}
            <p class="pre story">{w.story.clone()}</p>
            {(!w.photos.is_empty()).then(|| view! {
                <div class="photos">
                    {w.photos.iter().map(|id| view! {
                        <a href=media(id) target="_blank"><img src=media(id) loading="lazy" alt=""/></a>
                    }).collect_view()}
                </div>
            })}
            {w.reject_reason.clone().map(|r| view! { <p class="error reject-reason">{tr(Msg::WishRejectReason)} "：" {r}</p> })}
        </section>
    }
    .into_any();
    let contact = w.contact.clone().map(|c| {
        view! {
            <section class="card contact" data-testid="contact">
                <h3>{tr(Msg::Contact)}</h3>
                {w.on_behalf_of.clone().map(|name| view! { <p class="muted">{tr(Msg::PostedOnBehalf)} " " {name}</p> })}
                <p>{c.name} " · " <a href=format!("tel:{}", c.phone)>{c.phone.clone()}</a></p>
                <p>{c.address}</p>
            </section>
        }
        .into_any()
    });
    let outbox = move || {
        ours().into_iter().map(|op| {
            view! {
                <p class="queued" data-kind=op.kind.clone()>
                    <span class="badge">{tr(if op.is_rejected() { Msg::StatusRejected } else { Msg::StatusPending })}</span>
                    " " {op.summary.clone()}
                </p>
                {op.error.clone().map(|error| view! { <ErrorNote error/> })}
            }
        }).collect_view()
    };
    let actions = actions_view(&w, state, approve, reject).into_any();
    let pledges = pledges_view(&w, state).into_any();
    view! {
        {head}
        {contact}
        <div class="wish-outbox">{outbox}</div>
        {move || state.error.get().map(|error| view! { <div class="card"><ErrorNote error/></div> })}
        {actions}
        {pledges}
    }
}

fn actions_view(
    w: &WishDetail,
    state: DetailState,
    approve: ServerAction<ApproveWish>,
    reject: ServerAction<RejectWish>,
) -> impl IntoView {
    let id = StoredValue::new(w.card.id.clone());
    let open = w.card.status == WishStatus::Published;
    let remaining = w.card.target.saturating_sub(w.card.covered);
    let crowdfunded = w.card.unit.is_some();
    let pledge = move |branch_id: Option<String>| {
        let quantity = if crowdfunded {
            match state.quantity.get_untracked().trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    state.error.set(Some(AppError::WishQuantity));
                    return;
                }
            }
        } else {
            1
        };
        let op = PledgeWish {
            id: uuid::Uuid::now_v7().to_string(),
            wish_id: id.get_value(),
            quantity,
            branch_id,
        };
        send(op, state.error, || {});
    };
    let quantity_input = move || {
        crowdfunded.then(|| view! {
            <label>{tr(Msg::PledgeQuantity)} " " <span class="muted">{tr(Msg::Remaining)} " " {remaining}</span>
                <input type="number" name="quantity" min="1" max=remaining
                    prop:value=move || state.quantity.get() on:input=move |ev| state.quantity.set(event_target_value(&ev))/>
            </label>
        })
    };
    let member_pledge = (w.may_pledge && open).then(|| {
        view! {
            <section class="card pledge-box">
                {quantity_input()}
                <button type="button" class="pledge" on:click=move |_| pledge(None)>{tr(Msg::PledgeWish)}</button>
            </section>
        }
        .into_any()
    });
    let unit_pledge = (!w.unit_branches.is_empty() && open).then(|| {
        let branches = w.unit_branches.clone();
        if state.unit_branch.get_untracked().is_empty() {
            state.unit_branch.set(branches[0].id.clone());
        }
        view! {
            <details class="card unit-pledge">
                <summary>{tr(Msg::UnitPledge)}</summary>
                <label>{tr(Msg::Branch)}
                    <select name="branch" on:change=move |ev| state.unit_branch.set(event_target_value(&ev))>
                        {branches.into_iter().map(|b| {
                            let id = b.id.clone();
                            view! { <option value=b.id.clone() selected=move || state.unit_branch.get() == id>{b.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {quantity_input()}
                <button type="button" on:click=move |_| pledge(Some(state.unit_branch.get_untracked()))>{tr(Msg::UnitPledge)}</button>
            </details>
        }
        .into_any()
    });
    let withdraw = (w.is_poster
        && matches!(w.card.status, WishStatus::Pending | WishStatus::Published)
        && w.card.covered == 0)
        .then(|| {
            view! {
                <section class="card">
                    <button type="button" class="secondary withdraw" on:click=move |_| {
                        send(WithdrawWish { wish_id: id.get_value() }, state.error, || {});
                    }>{tr(Msg::WithdrawWish)}</button>
                </section>
            }
            .into_any()
        });
    let review = (w.is_reviewer && w.card.status == WishStatus::Pending).then(|| {
        view! {
            <section class="card review-box">
                <h3>{tr(Msg::WishReview)}</h3>
                <ActionForm action=approve>
                    <input type="hidden" name="wish_id" value=id.get_value()/>
                    <SubmitButton pending=approve.pending().into() label=Msg::ApproveWish busy=Msg::Saving/>
                </ActionForm>
                {action_error(approve.value())}
                <ActionForm action=reject>
                    <input type="hidden" name="wish_id" value=id.get_value()/>
                    <label>{tr(Msg::WishRejectReason)}
                        <textarea name="reason" rows="2" prop:value=move || state.reason.get() on:input=move |ev| state.reason.set(event_target_value(&ev))></textarea>
                    </label>
                    <SubmitButton pending=reject.pending().into() label=Msg::RejectWish busy=Msg::Saving/>
                </ActionForm>
                {action_error(reject.value())}
            </section>
        }
        .into_any()
    });
    view! { {review} {member_pledge} {unit_pledge} {withdraw} }
}

fn pledges_view(w: &WishDetail, state: DetailState) -> impl IntoView {
    let is_poster = w.is_poster;
    let confirm_days = w.confirm_days;
    let pledges = w.pledges.clone();
    (!pledges.is_empty()).then(|| {
        view! {
            <section class="card pledges">
                <h3>{tr(Msg::Pledges)}</h3>
                <ul class="plain">
                    {pledges.into_iter().map(|p| pledge_item(p, is_poster, confirm_days, state).into_any()).collect_view()}
                </ul>
            </section>
        }
    })
}

fn pledge_item(
    p: PledgeView,
    is_poster: bool,
    confirm_days: i64,
    state: DetailState,
) -> impl IntoView {
    let pledge_id = StoredValue::new(p.id.clone());
    let fulfil = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let key = pledge_id.get_value();
        let note = state.proof.get_untracked(&key);
        if let Err(e) = crate::points::normalize_note(&note) {
            state.error.set(Some(e));
            return;
        }
        if state.photos.count(&key) == 0 {
            state.error.set(Some(AppError::ProofRequired));
            return;
        }
        state.error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let result = async {
                let op = FulfilPledge {
                    pledge_id: key.clone(),
                    note,
                    photos: crate::offline::client::resize_files(
                        state.photos.files(&key),
                        PHOTOS_MAX,
                    )
                    .await?,
                };
                crate::offline::client::enqueue(&op).await
            };
            match result.await {
                Ok(_) => {
                    state.proof.set(&key, String::new());
                    state.photos.clear(&key);
                }
                Err(e) => state.error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = note;
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let key = pledge_id.get_value();
        let op = ConfirmPledge {
            pledge_id: key.clone(),
            thanks: state.thanks.get_untracked(&key),
        };
        send(op, state.error, move || {
            state.thanks.set(&key, String::new())
        });
    };
    let release = move |_| {
        send(
            ReleasePledge {
                pledge_id: pledge_id.get_value(),
            },
            state.error,
            || {},
        );
    };
    let badge = match p.status {
        PledgeStatus::Active => "badge",
        PledgeStatus::Done => "badge green",
        PledgeStatus::Confirmed => "badge dark",
        PledgeStatus::Released => "badge red",
    };
    let active_mine = p.mine && p.status == PledgeStatus::Active;
    let to_confirm = is_poster && p.status == PledgeStatus::Done;
    view! {
        <li class="pledge" class:mine=p.mine data-status=p.status.as_str()>
            <div class="member-head">
                <strong>{p.name.clone()} {p.unit_pledge.then(|| view! { " " <span class="badge">{tr(Msg::UnitPledgeBadge)}</span> })}</strong>
                <span>"×" {p.quantity} " " <span class=badge>{p.status.label_zh()}</span></span>
            </div>
            {p.proof_note.clone().map(|note| view! { <p class="pre proof-note">{note}</p> })}
            {(!p.photos.is_empty()).then(|| view! {
                <div class="photos">
                    {p.photos.iter().map(|id| view! {
                        <a href=media(id) target="_blank"><img src=media(id) loading="lazy" alt=""/></a>
                    }).collect_view()}
                </div>
            })}
            {p.done_at.map(|at| view! { <p class="muted">{tr(Msg::FulfilledOn)} " " {format_date(at)}</p> })}
            {(p.confirmed_how.as_deref() == Some("auto")).then(|| view! { <p class="muted">{tr(Msg::AutoConfirmed)}</p> })}
            {p.thanks.clone().map(|t| view! { <p class="thanks">{tr(Msg::Thanks)} "：" {t}</p> })}
            {active_mine.then(|| view! {
                <form class="fulfil" on:submit=fulfil>
                    <label>{tr(Msg::ProofNote)}
                        <textarea name="proof" rows="2" prop:value=move || state.proof.get(&pledge_id.get_value())
                            on:input=move |ev| state.proof.set(&pledge_id.get_value(), event_target_value(&ev))></textarea>
                    </label>
                    <label>{tr(Msg::ProofPhoto)}<input type="file" accept="image/*" multiple name="proof_photos"
                        on:change=move |ev| state.photos.keep(&pledge_id.get_value(), &ev)/></label>
                    {state.photos.view(pledge_id.get_value())}
                    <div class="row wrap">
                        <button type="submit">{tr(Msg::MarkFulfilled)}</button>
                        <button type="button" class="secondary release" on:click=release>{tr(Msg::ReleasePledge)}</button>
                    </div>
                </form>
            })}
            {to_confirm.then(|| view! {
                <form class="confirm" on:submit=confirm>
                    <p class="muted">{tr(Msg::ConfirmLead)} " " {confirm_days} " " {tr(Msg::Days)}</p>
                    <label>{tr(Msg::ThanksOptional)}
                        <input type="text" name="thanks" prop:value=move || state.thanks.get(&pledge_id.get_value())
                            on:input=move |ev| state.thanks.set(&pledge_id.get_value(), event_target_value(&ev))/>
                    </label>
                    <button type="submit">{tr(Msg::ConfirmFulfilled)}</button>
                </form>
            })}
        </li>
    }
}

/// `/review/wishes`: pending wishes of the communities the asker's branches are paired
/// with, and how long a fulfilment waits for the resident.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let approve = ServerAction::<ApproveWish>::new();
    let reject = ServerAction::<RejectWish>::new();
    let days = ServerAction::<SetConfirmDays>::new();
    let pair = ServerAction::<CreateCommunity>::new();
    let reasons = Drafts::new();
    let queue = fetched(
        move || {
            (
                approve.version().get(),
                reject.version().get(),
                days.version().get(),
                pair.version().get(),
            )
        },
        |_| fetch_reviews(),
    );
    view! {
        <PageHeader title=Msg::WishReview back="/wishes"/>
        <WithUser view=move |_| view! {
            <Transition fallback=Loading>
                {move || queue.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(q) => view! {
                        <section class="card review-queue">
                            {action_error(approve.value())}
                            {action_error(reject.value())}
                            {q.items.is_empty().then(|| view! { <Empty msg=Msg::NoWishesToReview/> })}
                            <ul class="plain">
                                {q.items.into_iter().map(|item| review_item(item, approve, reject, reasons).into_any()).collect_view()}
                            </ul>
                        </section>
                        {q.branches.into_iter().map(|b| branch_settings(b, days, pair).into_any()).collect_view()}
                    }.into_any(),
                })}
            </Transition>
        }/>
    }
}

/// A branch's 结对共建 communities (pairing one more creates it when new) and how long its
/// wishes' fulfilments wait for the resident.
fn branch_settings(
    b: BranchWishSettings,
    days: ServerAction<SetConfirmDays>,
    pair: ServerAction<CreateCommunity>,
) -> impl IntoView {
    let (days_id, pair_id) = (b.branch.id.clone(), b.branch.id.clone());
    view! {
        <section class="card branch-wishes" data-branch=b.branch.id.clone()>
            <h3>{b.branch.name.clone()}</h3>
            <p class="muted">{tr(Msg::PairedCommunities)}</p>
            {b.communities.is_empty().then(|| view! { <p class="muted">{tr(Msg::NoPairedCommunity)}</p> })}
            <ul class="plain paired">
                {b.communities.iter().map(|c| view! { <li>{c.name.clone()}</li> }).collect_view()}
            </ul>
            <ActionForm action=pair>
                <input type="hidden" name="branch_id" value=pair_id/>
                <label>{tr(Msg::PairCommunity)}<input name="name" autocomplete="off"/></label>
                {action_error(pair.value())}
                <SubmitButton pending=pair.pending().into() label=Msg::Pair busy=Msg::Saving/>
            </ActionForm>
            <ActionForm action=days>
                <input type="hidden" name="branch_id" value=days_id/>
                <label>{tr(Msg::AutoConfirmPeriod)}
                    <input type="number" name="days" min="1" max=super::CONFIRM_DAYS_MAX value=b.confirm_days/>
                </label>
                {action_error(days.value())}
                <SubmitButton pending=days.pending().into() label=Msg::Save busy=Msg::Saving/>
            </ActionForm>
        </section>
    }
}

fn review_item(
    item: ReviewItem,
    approve: ServerAction<ApproveWish>,
    reject: ServerAction<RejectWish>,
    reasons: Drafts,
) -> impl IntoView {
    let id = item.card.id.clone();
    let key = StoredValue::new(id.clone());
    let href = format!("/wishes/{id}");
    let (approve_id, reject_id) = (id.clone(), id.clone());
    let progress = progress(&item.card);
    view! {
        <li class="review-item" data-wish=id>
            <div class="member-head">
                <A href=href><strong>{item.card.title.clone()}</strong></A>
                <span class="badge">{item.card.category.label_zh()}</span>
            </div>
            <p class="muted">{item.community.clone()} " · " {tr(Msg::NeededBy)} " " {format_date(item.card.needed_by)}
                {progress.map(|p| view! { " · " {tr(Msg::Crowdfunded)} " " {p} })}</p>
            <p class="pre">{item.story.clone()}</p>
            {(!item.photos.is_empty()).then(|| view! {
                <div class="photos">
                    {item.photos.iter().map(|p| view! { <img src=media(p) loading="lazy" alt=""/> }).collect_view()}
                </div>
            })}
            <p class="contact">{item.on_behalf_of.clone().map(|n| view! { {tr(Msg::PostedOnBehalf)} " " {n} " · " })}
                {item.contact.name.clone()} " · " {item.contact.phone.clone()} " · " {item.contact.address.clone()}</p>
            <div class="row wrap">
                <ActionForm action=approve>
                    <input type="hidden" name="wish_id" value=approve_id/>
                    <button type="submit">{tr(Msg::ApproveWish)}</button>
                </ActionForm>
                <details class="reject">
                    <summary class="chip danger">{tr(Msg::RejectWish)}</summary>
                    <ActionForm action=reject>
                        <input type="hidden" name="wish_id" value=reject_id/>
                        <label>{tr(Msg::WishRejectReason)}<textarea name="reason" rows="2"
                            prop:value=move || reasons.get(&key.get_value())
                            on:input=move |ev| reasons.set(&key.get_value(), event_target_value(&ev))></textarea></label>
                        <button type="submit" class="secondary">{tr(Msg::RejectWish)}</button>
                    </ActionForm>
                </details>
            </div>
        </li>
    }
}
