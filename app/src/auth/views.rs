use super::api::{list_communities, ChangePassword, Login, Logout, RegisterResident};
use super::{NamedRef, PartyStatus};
use crate::i18n::{tr, use_i18n, Locale, Msg};
use crate::orgs::{kind_label, role_label};
use crate::shell::fetched::fetched;
use crate::shell::{
    action_error, hard_navigate, safe_next, ErrorNote, Loading, PageHeader, WithUser,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

/// Goes to `target` with a full load once `action` has succeeded.
pub fn navigate_on_success<T, S>(value: S, target: impl Fn() -> String + 'static)
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, crate::error::AppError>>> + 'static,
{
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            // Pages and answers cached for the previous user must not show to the next;
            // the next page learns who is signed in from the server.
            #[cfg(feature = "hydrate")]
            {
                let target = target();
                leptos::task::spawn_local(async move {
                    crate::offline::client::user_changed(None).await;
                    hard_navigate(&target);
                });
            }
            #[cfg(not(feature = "hydrate"))]
            hard_navigate(&target());
        }
    });
}

#[component]
pub fn PhoneField() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>
            {tr(Msg::Phone)}
            <input name="phone" type="tel" inputmode="numeric" autocomplete="username"
                placeholder=move || i18n.t(Msg::PhonePlaceholder)/>
        </label>
    }
}

#[component]
pub fn NewPasswordField(
    #[prop(default = "password")] name: &'static str,
    label: Msg,
) -> impl IntoView {
    view! {
        <label>
            {tr(label)}
            <input name=name type="password" autocomplete="new-password"/>
            <small class="hint">{tr(Msg::PasswordHint)}</small>
        </label>
    }
}

#[component]
pub fn SubmitButton(pending: Signal<bool>, label: Msg, busy: Msg) -> impl IntoView {
    view! {
        <button type="submit" disabled=move || pending.get()>
            {move || if pending.get() { tr(busy)() } else { tr(label)() }}
        </button>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    navigate_on_success(login.value(), move || {
        safe_next(query.read_untracked().get("next"))
    });
    view! {
        <PageHeader title=Msg::Login/>
        <div class="card">
            <p class="lead">{tr(Msg::LoginLead)}</p>
            <ActionForm action=login>
                <PhoneField/>
                <label>
                    {tr(Msg::Password)}
                    <input name="password" type="password" autocomplete="current-password"/>
                </label>
                {action_error(login.value())}
                <SubmitButton pending=login.pending().into() label=Msg::Login busy=Msg::LoggingIn/>
            </ActionForm>
            <p class="switch">{tr(Msg::NoAccount)} " " <A href="/register">{tr(Msg::RegisterResident)}</A></p>
        </div>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<RegisterResident>::new();
    let communities = fetched(|| (), |_| list_communities());
    let i18n = use_i18n();
    navigate_on_success(register.value(), || "/".into());
    view! {
        <PageHeader title=Msg::RegisterResident back="/login"/>
        <div class="card">
            <p class="lead">{tr(Msg::RegisterLead)}</p>
            <ActionForm action=register>
                <PhoneField/>
                <label>{tr(Msg::Name)}<input name="name" autocomplete="name"/></label>
                <NewPasswordField label=Msg::Password/>
                <label>
                    {tr(Msg::Community)}
                    <Suspense fallback=Loading>
                        {move || communities.get().map(|result| match result {
                            Ok(list) => view! {
                                <select name="community_id">
                                    <option value="">{move || i18n.t(Msg::ChooseCommunity)}</option>
                                    {list.into_iter().map(|c| view! { <option value=c.id>{c.name}</option> }).collect_view()}
                                </select>
                            }.into_any(),
                            Err(error) => view! { <ErrorNote error/> }.into_any(),
                        })}
                    </Suspense>
                </label>
                {action_error(register.value())}
                <SubmitButton pending=register.pending().into() label=Msg::Register busy=Msg::Saving/>
            </ActionForm>
            <p class="switch">{tr(Msg::HaveAccount)} " " <A href="/login">{tr(Msg::Login)}</A></p>
        </div>
    }
}

#[component]
pub fn MePage() -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let change = ServerAction::<ChangePassword>::new();
    navigate_on_success(logout.value(), || "/login".into());
    let lang_button = move |locale: Locale, label: &'static str| {
        view! {
            <button type="button" class=move || if i18n.locale.get() == locale { "chip active" } else { "chip" }
                on:click=move |_| i18n.set(locale)>{label}</button>
        }
    };
    view! {
        <PageHeader title=Msg::TabMe/>
        <WithUser view=move |me| {
            let status = match me.party_status {
                Some(PartyStatus::Full) => Msg::PartyFull,
                Some(PartyStatus::Probationary) => Msg::PartyProbationary,
                None => Msg::Resident,
            };
            view! {
                <section class="card profile">
                    <h2>{me.name.clone()}</h2>
                    <p class="muted">{me.phone.clone()}</p>
                    <p><span class="badge">{tr(status)}</span></p>
                    {me.community.clone().map(|c| view! { <p>{tr(Msg::Community)} "：" {c.name}</p> })}
                </section>
                {me.party_status.is_some().then(|| view! { <ReportCard current=me.community.clone()/> })}
                {(me.branch().is_none() && me.orgs_with(crate::auth::authz::Role::Admin).next().is_none())
                    .then(|| view! { <crate::orgs::views::JoinBox/> })}
                {(!me.roles.is_empty()).then(|| view! {
                    <section class="card">
                        <h2>{tr(Msg::MyOrgs)}</h2>
                        <ul class="plain">
                            {me.roles.iter().map(|r| view! {
                                <li>{r.org_name.clone()} " · " {tr(kind_label(r.org_kind))} " · " <strong>{tr(role_label(r.role))}</strong></li>
                            }).collect_view()}
                        </ul>
                    </section>
                })}
            }
        }/>
        <section class="card">
            <h2>{tr(Msg::Language)}</h2>
            <div class="row">{lang_button(Locale::Zh, "中文")} {lang_button(Locale::En, "English")}</div>
        </section>
        <section class="card">
            <h2>{tr(Msg::ChangePassword)}</h2>
            <ActionForm action=change>
                <label>{tr(Msg::OldPassword)}<input name="old_password" type="password" autocomplete="current-password"/></label>
                <NewPasswordField name="new_password" label=Msg::NewPassword/>
                {action_error(change.value())}
                {move || matches!(change.value().get(), Some(Ok(()))).then(|| view! { <p class="ok" role="status">{tr(Msg::PasswordChanged)}</p> })}
                <SubmitButton pending=change.pending().into() label=Msg::Save busy=Msg::Saving/>
            </ActionForm>
        </section>
        <section class="card">
            <ActionForm action=logout>
                <button type="submit" class="secondary wide">{tr(Msg::Logout)}</button>
            </ActionForm>
        </section>
    }
}

/// 在职党员到社区报到, for party members.
#[component]
fn ReportCard(current: Option<NamedRef>) -> impl IntoView {
    let report = ServerAction::<super::api::ReportToCommunity>::new();
    let communities = fetched(|| (), |_| super::api::report_communities());
    let reported = move || {
        report
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| current.clone())
    };
    view! {
        <section class="card report">
            <h2>{tr(Msg::ReportToCommunity)}</h2>
            <p class="muted">{tr(Msg::ReportLead)}</p>
            {move || reported().map(|c| view! { <p class="ok" data-testid="reported">{tr(Msg::Reported)} "：" {c.name}</p> })}
            <ActionForm action=report attr:class="row">
                <Transition fallback=|| ()>
                    {move || communities.get().and_then(Result::ok).map(|list| if list.is_empty() {
                        view! { <p class="muted">{tr(Msg::NoReportCommunity)}</p> }.into_any()
                    } else {
                        view! {
                            <select name="community_id" aria-label=move || tr(Msg::Community)()>
                                {list.into_iter().map(|c| view! { <option value=c.id.clone()>{c.name}</option> }).collect_view()}
                            </select>
                        }.into_any()
                    })}
                </Transition>
                <button type="submit">{tr(Msg::Report)}</button>
            </ActionForm>
            {action_error(report.value())}
        </section>
    }
}
