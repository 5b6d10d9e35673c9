//! The home page (with each role's tools) and the page for unknown paths; the other tabs
//! belong to their capabilities.

use super::{use_user, ErrorNote, Loading, PageHeader};
use crate::auth::authz::Role;
use crate::i18n::{tr, Msg};
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
                    Ok(Some(me)) => {
                        let branch = me.branch().map(|b| b.org_name.clone());
                        let in_branch = branch.is_some();
                        let secretary_of: Vec<_> = me.orgs_with(Role::Secretary).cloned().collect();
                        let is_admin = me.orgs_with(Role::Admin).next().is_some();
                        let is_resident = me.party_status.is_none();
                        view! {
                            <crate::offline::views::Freshness fetched_at=me.fetched_at/>
                            <div class="card greeting">
                                <p class="hello">{tr(Msg::Hello)} "，" {me.name.clone()}</p>
                                {match branch {
                                    Some(name) => view! { <p class="branch-name">{name}</p> }.into_any(),
                                    None if is_resident => view! {
                                        <p class="muted">{me.community.clone().map(|c| c.name)}</p>
                                    }.into_any(),
                                    None => view! { <p class="muted">{tr(Msg::NotInBranch)}</p> }.into_any(),
                                }}
                            </div>
                            {in_branch.then(|| view! {
                                <div class="link-grid">
                                    <A href="/suggestions" attr:class="tile">{tr(Msg::Suggestions)}</A>
                                    <A href="/outbox" attr:class="tile">{tr(Msg::Outbox)}</A>
                                </div>
                            })}
                            {(!secretary_of.is_empty()).then(|| view! {
                                <section class="card">
                                    <h2>{tr(Msg::SecretaryTools)}</h2>
                                    {secretary_of.into_iter().map(|org| {
                                        let members = format!("/branch/{}/members", org.org_id);
                                        let invites = format!("/branch/{}/invites", org.org_id);
                                        let compliance = format!("/branch/{}/compliance", org.org_id);
                                        view! {
                                            <p class="muted">{org.org_name.clone()}</p>
                                            <div class="link-grid">
                                                <A href=members attr:class="tile">{tr(Msg::Members)}</A>
                                                <A href=invites attr:class="tile">{tr(Msg::Invites)}</A>
                                                <A href=compliance attr:class="tile">{tr(Msg::Compliance)}</A>
                                                <A href="/review/wishes" attr:class="tile">{tr(Msg::WishReview)}</A>
                                            </div>
                                        }
                                    }).collect_view()}
                                </section>
                            })}
                            {is_admin.then(|| view! {
                                <section class="card">
                                    <h2>{tr(Msg::AdminTools)}</h2>
                                    <div class="link-grid">
                                        <A href="/admin" attr:class="tile">{tr(Msg::OrgTree)}</A>
                                        <A href="/admin/compliance" attr:class="tile">{tr(Msg::SubtreeCompliance)}</A>
                                    </div>
                                </section>
                            })}
                            <form class="card inline-form" method="get" action="/join">
                                <label for="join-code">{tr(Msg::EnterInviteCode)}</label>
                                <div class="row">
                                    <input id="join-code" name="code" autocomplete="off" autocapitalize="characters"/>
                                    <button type="submit">{tr(Msg::JoinBranch)}</button>
                                </div>
                            </form>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageHeader title=Msg::NotFoundTitle/>
        <div class="card">
            <A href="/" attr:class="button">{tr(Msg::GoHome)}</A>
        </div>
    }
}
