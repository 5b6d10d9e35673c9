use super::api::{
    fetch_admin_overview, fetch_invite, fetch_members, list_invites, AppointSecretary,
    CreateCommunity, CreateInvite, CreateOrg, JoinBranch, RegisterMember, RemoveMember,
    RevokeInvite, SetMemberGroup, SetPartyStatus,
};
use super::rules::{InviteState, OrgKind};
use super::{kind_label, MemberRow};
use crate::auth::views::{navigate_on_success, NewPasswordField, PhoneField, SubmitButton};
use crate::auth::PartyStatus;
use crate::i18n::{tr, use_i18n, Msg};
use crate::shell::fetched::fetched;
use crate::shell::time::{format_date, format_datetime};
use crate::shell::{
    action_error, route_param, use_user, Empty, ErrorNote, Loading, PageHeader, WithUser,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A box to type an invite code, for whoever has no branch yet (home and 我的).
#[component]
pub fn JoinBox() -> impl IntoView {
    view! {
        <form class="card inline-form join-box" method="get" action="/join">
            <label for="join-code">{tr(Msg::EnterInviteCode)}</label>
            <div class="row">
                <input id="join-code" name="code" autocomplete="off" autocapitalize="characters"/>
                <button type="submit">{tr(Msg::JoinBranch)}</button>
            </div>
        </form>
    }
}

#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let code = Memo::new(move |_| {
        params
            .read()
            .get("code")
            .or_else(|| query.read().get("code"))
            .unwrap_or_default()
    });
    let info = fetched(move || code.get(), fetch_invite);
    let user = use_user();
    let join = ServerAction::<JoinBranch>::new();
    let register = ServerAction::<RegisterMember>::new();
    navigate_on_success(join.value(), || "/".into());
    navigate_on_success(register.value(), || "/".into());
    view! {
        <PageHeader title=Msg::JoinBranch back="/"/>
        <Suspense fallback=Loading>
            {move || info.get().map(|result| match result {
                Err(error) => view! {
                    <div class="card">
                        <ErrorNote error/>
                        <form method="get" action="/join" class="inline-form">
                            <label for="code">{tr(Msg::EnterInviteCode)}</label>
                            <div class="row">
                                <input id="code" name="code" autocomplete="off" autocapitalize="characters"/>
                                <button type="submit">{tr(Msg::JoinBranch)}</button>
                            </div>
                        </form>
                    </div>
                }.into_any(),
                Ok(invite) => {
                    let code = invite.code.clone();
                    view! {
                        <div class="card">
                            <p class="lead">{tr(Msg::JoinLead)}</p>
                            <h2 class="branch-name">{invite.branch.name.clone()}</h2>
                            <p class="muted">{tr(Msg::ExpiresAt)} " " {format_datetime(invite.expires_at)}</p>
                        </div>
                        {move || {
                            let code = code.clone();
                            user.get().map(move |me| match me {
                                Ok(Some(me)) => view! {
                                    <div class="card">
                                        <p>{me.name.clone()} " · " {me.phone.clone()}</p>
                                        <ActionForm action=join>
                                            <input type="hidden" name="code" value=code.clone()/>
                                            {action_error(join.value())}
                                            <SubmitButton pending=join.pending().into() label=Msg::JoinAsMe busy=Msg::Saving/>
                                        </ActionForm>
                                    </div>
                                }.into_any(),
                                _ => {
                                    let login_href = format!("/login?next=/join/{code}");
                                    view! {
                                    <div class="card">
                                        <h2>{tr(Msg::JoinNew)}</h2>
                                        <ActionForm action=register>
                                            <input type="hidden" name="code" value=code.clone()/>
                                            <label>{tr(Msg::Name)}<input name="name" autocomplete="name"/></label>
                                            <PhoneField/>
                                            <NewPasswordField label=Msg::Password/>
                                            {action_error(register.value())}
                                            <SubmitButton pending=register.pending().into() label=Msg::JoinBranch busy=Msg::Saving/>
                                        </ActionForm>
                                        <p class="switch">{tr(Msg::HaveAccount)} " "
                                            <a href=login_href>{tr(Msg::Login)}</a>
                                        </p>
                                    </div>
                                }.into_any()
                                }
                            })
                        }}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let branch_id = route_param("id");
    let set_group = ServerAction::<SetMemberGroup>::new();
    let set_status = ServerAction::<SetPartyStatus>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let create_group = ServerAction::<CreateOrg>::new();
    let members = fetched(
        move || {
            (
                branch_id.get(),
                set_group.version().get(),
                set_status.version().get(),
                remove.version().get(),
                create_group.version().get(),
            )
        },
        |(id, ..)| fetch_members(id),
    );
    let i18n = use_i18n();
    view! {
        <PageHeader title=Msg::Members back="/"/>
        {action_error(set_group.value())}
        {action_error(set_status.value())}
        {action_error(remove.value())}
        <Transition fallback=Loading>
            {move || members.get().map(|result| match result {
                Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                Ok(list) => {
                    let count = list.members.len();
                    let groups = list.groups.clone();
                    let can_manage = list.can_manage;
                    let branch = list.branch.id.clone();
                    view! {
                        <div class="card">
                            <h2>{list.branch.name.clone()}</h2>
                            <p class="muted">{count} " " {tr(Msg::MemberCount)}</p>
                            {can_manage.then(|| {
                                let parent_id = branch.clone();
                                view! {
                                <ActionForm action=create_group>
                                    <input type="hidden" name="parent_id" value=parent_id/>
                                    <input type="hidden" name="kind" value="group"/>
                                    <div class="row">
                                        <input name="name" aria-label=move || i18n.t(Msg::Group) placeholder=move || i18n.t(Msg::Group)/>
                                        <button type="submit">{tr(Msg::Create)}</button>
                                    </div>
                                    {action_error(create_group.value())}
                                </ActionForm>
                            }})}
                        </div>
                        {if list.members.is_empty() {
                            view! { <div class="card"><Empty msg=Msg::NoMembers/></div> }.into_any()
                        } else {
                            view! {
                                <ul class="member-list">
                                    {list.members.into_iter().map(|m| view! {
                                        <MemberCard member=m groups=groups.clone() branch_id=branch.clone()
                                            can_manage set_group set_status remove/>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn MemberCard(
    member: MemberRow,
    groups: Vec<crate::auth::NamedRef>,
    branch_id: String,
    can_manage: bool,
    set_group: ServerAction<SetMemberGroup>,
    set_status: ServerAction<SetPartyStatus>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = member.party_status;
    let current_group = member
        .group
        .as_ref()
        .map(|g| g.id.clone())
        .unwrap_or_default();
    let user_id = member.user_id.clone();
    let group_select = {
        let (branch_id, user_id) = (branch_id.clone(), user_id.clone());
        view! {
            <select aria-label=move || i18n.t(Msg::Group) on:change=move |ev| {
                set_group.dispatch(SetMemberGroup {
                    branch_id: branch_id.clone(),
                    user_id: user_id.clone(),
                    group_id: event_target_value(&ev),
                });
            }>
                <option value="" selected=current_group.is_empty()>{tr(Msg::NoGroup)}</option>
                {groups.into_iter().map(|g| {
                    let selected = g.id == current_group;
                    view! { <option value=g.id selected=selected>{g.name}</option> }
                }).collect_view()}
            </select>
        }
    };
    let toggle_status = {
        let (branch_id, user_id) = (branch_id.clone(), user_id.clone());
        let (next, label) = match status {
            Some(PartyStatus::Probationary) => (PartyStatus::Full, Msg::SetFull),
            _ => (PartyStatus::Probationary, Msg::PartyProbationary),
        };
        view! {
            <button type="button" class="chip" on:click=move |_| {
                set_status.dispatch(SetPartyStatus {
                    branch_id: branch_id.clone(),
                    user_id: user_id.clone(),
                    status: next.as_str().to_string(),
                });
            }>{tr(label)}</button>
        }
    };
    let remove_button = {
        let (branch_id, user_id) = (branch_id.clone(), user_id.clone());
        view! {
            <button type="button" class="chip danger" on:click=move |_| {
                let confirmed = {
                    #[cfg(feature = "hydrate")]
                    {
                        web_sys::window()
                            .and_then(|w| w.confirm_with_message(i18n.t(Msg::ConfirmRemove)).ok())
                            .unwrap_or(false)
                    }
                    #[cfg(not(feature = "hydrate"))]
                    {
                        false
                    }
                };
                if confirmed {
                    remove.dispatch(RemoveMember { branch_id: branch_id.clone(), user_id: user_id.clone() });
                }
            }>{tr(Msg::RemoveMember)}</button>
        }
    };
    view! {
        <li class="card member" data-user=member.user_id.clone()>
            <div class="member-head">
                <strong>{member.name.clone()}</strong>
                {member.is_secretary.then(|| view! { <span class="badge red">{tr(Msg::RoleSecretary)}</span> })}
                {member.is_group_leader.then(|| view! { <span class="badge">{tr(Msg::RoleGroupLeader)}</span> })}
                <span class="badge">{tr(match status {
                    Some(PartyStatus::Probationary) => Msg::PartyProbationary,
                    _ => Msg::PartyFull,
                })}</span>
            </div>
            <p class="muted">{member.phone.clone()} " · " {tr(Msg::JoinedAt)} " " {format_date(member.joined_at)}</p>
            {if can_manage {
                view! { <div class="row wrap">{group_select} {toggle_status} {remove_button}</div> }.into_any()
            } else {
                view! { <p class="muted">{member.group.map(|g| g.name)}</p> }.into_any()
            }}
        </li>
    }
}

/// The link as the member will receive it, with this server's origin.
fn absolute_url(path: &str) -> String {
    format!("{}{path}", crate::shell::origin())
}

#[component]
fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <button type="button" class="chip" on:click=move |_| {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&text);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &text;
            copied.set(true);
        }>{move || if copied.get() { tr(Msg::Copied)() } else { tr(Msg::Copy)() }}</button>
    }
}

#[component]
pub fn InvitesPage() -> impl IntoView {
    let branch_id = route_param("id");
    let create = ServerAction::<CreateInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let invites = fetched(
        move || {
            (
                branch_id.get(),
                create.version().get(),
                revoke.version().get(),
            )
        },
        |(id, ..)| list_invites(id),
    );
    view! {
        <PageHeader title=Msg::Invites back="/"/>
        <section class="card">
            <h2>{tr(Msg::NewInvite)}</h2>
            <ActionForm action=create>
                <input type="hidden" name="branch_id" value=move || branch_id.get()/>
                <label>
                    {tr(Msg::ValidDays)}
                    <select name="valid_days">
                        <option value="1">"1"</option>
                        <option value="3">"3"</option>
                        <option value="7" selected>"7"</option>
                        <option value="30">"30"</option>
                    </select>
                </label>
                {action_error(create.value())}
                <SubmitButton pending=create.pending().into() label=Msg::NewInvite busy=Msg::Saving/>
            </ActionForm>
            {move || create.value().get().and_then(|r| r.ok()).map(|invite| {
                let path = format!("/join/{}", invite.code);
                let full = absolute_url(&path);
                view! {
                    <div class="new-invite" data-code=invite.code.clone()>
                        <p>{tr(Msg::InviteCode)}</p>
                        <p class="code">{invite.code.clone()}</p>
                        <p>{tr(Msg::InviteLink)}</p>
                        <p><a class="invite-link" href=path>{full.clone()}</a></p>
                        <CopyButton text=full/>
                    </div>
                }
            })}
        </section>
        {action_error(revoke.value())}
        <Transition fallback=Loading>
            {move || invites.get().map(|result| match result {
                Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                Ok(list) if list.is_empty() => view! { <div class="card"><Empty msg=Msg::NoInvites/></div> }.into_any(),
                Ok(list) => view! {
                    <ul class="invite-list">
                        {list.into_iter().map(|invite| {
                            let (state_label, class) = match invite.state {
                                InviteState::Active => (Msg::Active, "badge green"),
                                InviteState::Expired => (Msg::Expired, "badge"),
                                InviteState::Revoked => (Msg::Revoked, "badge"),
                            };
                            let id = invite.id.clone();
                            view! {
                                <li class="card invite" data-code=invite.code.clone()>
                                    <div class="member-head">
                                        <strong class="code">{invite.code.clone()}</strong>
                                        <span class=class>{tr(state_label)}</span>
                                    </div>
                                    <p class="muted">{tr(Msg::ExpiresAt)} " " {format_datetime(invite.expires_at)}
                                        " · " {tr(Msg::Uses)} " " {invite.uses}</p>
                                    {(invite.state == InviteState::Active).then(|| view! {
                                        <button type="button" class="chip danger" on:click=move |_| {
                                            revoke.dispatch(RevokeInvite { invite_id: id.clone() });
                                        }>{tr(Msg::Revoke)}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let create_org = ServerAction::<CreateOrg>::new();
    let appoint = ServerAction::<AppointSecretary>::new();
    let community = ServerAction::<CreateCommunity>::new();
    let overview = fetched(
        move || {
            (
                create_org.version().get(),
                appoint.version().get(),
                community.version().get(),
            )
        },
        |_| fetch_admin_overview(),
    );
    let i18n = use_i18n();
    view! {
        <PageHeader title=Msg::OrgTree back="/"/>
        <WithUser view=move |_| view! {
            <Transition fallback=Loading>
                {move || overview.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(data) => {
                        let parents: Vec<_> = data.orgs.iter()
                            .filter(|o| o.kind != OrgKind::Group)
                            .map(|o| (o.id.clone(), o.name.clone()))
                            .collect();
                        let branches: Vec<_> = data.orgs.iter()
                            .filter(|o| o.kind == OrgKind::Branch)
                            .map(|o| (o.id.clone(), o.name.clone()))
                            .collect();
                        let options = |list: &[(String, String)]| list.iter().cloned()
                            .map(|(id, name)| view! { <option value=id>{name}</option> })
                            .collect_view();
                        let parent_options = options(&parents);
                        let secretary_options = options(&branches);
                        let pairing_options = options(&branches);
                        view! {
                            <section class="card">
                                <ul class="tree">
                                    {data.orgs.iter().map(|o| view! {
                                        <li style=format!("padding-left:{}rem", o.depth)>
                                            <span class="badge">{tr(kind_label(o.kind))}</span> " "
                                            <strong>{o.name.clone()}</strong>
                                            {(o.kind == OrgKind::Branch || o.kind == OrgKind::Group).then(|| view! {
                                                <span class="muted">" · " {o.member_count} " " {tr(Msg::MemberCount)}</span>
                                            })}
                                            {(!o.secretaries.is_empty()).then(|| view! {
                                                <span class="muted">" · " {tr(Msg::Secretary)} " " {o.secretaries.join("、")}</span>
                                            })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            <section class="card">
                                <h2>{tr(Msg::NewOrg)}</h2>
                                <ActionForm action=create_org>
                                    <label>{tr(Msg::Parent)}<select name="parent_id">{parent_options}</select></label>
                                    <label>{tr(Msg::OrgKind)}
                                        <select name="kind">
                                            <option value="branch">{tr(Msg::KindBranch)}</option>
                                            <option value="general_branch">{tr(Msg::KindGeneralBranch)}</option>
                                            <option value="committee">{tr(Msg::KindCommittee)}</option>
                                            <option value="group">{tr(Msg::KindGroup)}</option>
                                        </select>
                                    </label>
                                    <label>{tr(Msg::OrgName)}<input name="name"/></label>
                                    {action_error(create_org.value())}
                                    <SubmitButton pending=create_org.pending().into() label=Msg::Create busy=Msg::Saving/>
                                </ActionForm>
                            </section>
                            <section class="card">
                                <h2>{tr(Msg::AppointSecretary)}</h2>
                                <ActionForm action=appoint>
                                    <label>{tr(Msg::KindBranch)}<select name="branch_id">{secretary_options}</select></label>
                                    <label>{tr(Msg::SecretaryPhone)}
                                        <input name="phone" type="tel" inputmode="numeric" placeholder=move || i18n.t(Msg::PhonePlaceholder)/>
                                    </label>
                                    {action_error(appoint.value())}
                                    {move || matches!(appoint.value().get(), Some(Ok(()))).then(|| view! { <p class="ok">{tr(Msg::Done)}</p> })}
                                    <SubmitButton pending=appoint.pending().into() label=Msg::AppointSecretary busy=Msg::Saving/>
                                </ActionForm>
                            </section>
                            <section class="card">
                                <h2>{tr(Msg::Communities)}</h2>
                                <ul class="plain">
                                    {data.communities.iter().map(|c| view! {
                                        <li>{c.name.clone()}
                                            {(!c.paired_branches.is_empty()).then(|| view! {
                                                <span class="muted">" · " {tr(Msg::PairedWith)} " "
                                                    {c.paired_branches.iter().map(|b| b.name.clone()).collect::<Vec<_>>().join("、")}</span>
                                            })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                                <h3>{tr(Msg::NewCommunity)}</h3>
                                <ActionForm action=community>
                                    <label>{tr(Msg::PairedWith)}<select name="branch_id">{pairing_options}</select></label>
                                    <label>{tr(Msg::OrgName)}<input name="name"/></label>
                                    {action_error(community.value())}
                                    <SubmitButton pending=community.pending().into() label=Msg::Create busy=Msg::Saving/>
                                </ActionForm>
                            </section>
                        }.into_any()
                    }
                })}
            </Transition>
        }/>
    }
}
