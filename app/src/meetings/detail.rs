//! One meeting's page: what it is, the member's own line (check in, ask for leave), and
//! for those who manage it the attendance sheet with leave decisions and 补录, minutes,
//! photos, editing and cancelling.

use super::api::{
    fetch_meeting, CancelMeeting, CorrectAttendance, DecideLeave, EditMeeting, SaveMinutes,
};
use super::rules::{presence_label, LeaveKind, LeaveStatus, MeetingKind, Presence};
use super::{
    CheckinProof, LeaveInfo, MeetingDetail, RefusedCheckin, RequestLeave, Sheet, SheetRow,
};
use crate::auth::views::SubmitButton;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Msg};
use crate::offline::views::{use_offline, Freshness};
use crate::shell::fetched::fetched;
use crate::shell::time::{format_datetime, format_duration, format_local_datetime, format_time};
use crate::shell::{action_error, route_param, ErrorNote, Loading, PageHeader, WithUser};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

fn leave_label(status: LeaveStatus) -> Msg {
    match status {
        LeaveStatus::Pending => Msg::LeavePending,
        LeaveStatus::Approved => Msg::LeaveApproved,
        LeaveStatus::Refused => Msg::LeaveRefused,
    }
}

fn presence_class(presence: Option<Presence>) -> &'static str {
    match presence {
        Some(Presence::OnTime | Presence::Late) => "badge green presence",
        Some(Presence::Corrected) => "badge corrected presence",
        Some(Presence::Absent) => "badge red presence",
        _ => "badge presence",
    }
}

#[component]
pub fn MeetingPage() -> impl IntoView {
    let id = route_param("id");
    let offline = use_offline();
    let decide = ServerAction::<DecideLeave>::new();
    let correct = ServerAction::<CorrectAttendance>::new();
    let cancel = ServerAction::<CancelMeeting>::new();
    let edit = ServerAction::<EditMeeting>::new();
    let minutes = ServerAction::<SaveMinutes>::new();
    let review = ServerAction::<super::minutes::ReviewRecord>::new();
    let detail = fetched(
        move || {
            (
                id.get(),
                decide.version().get(),
                correct.version().get(),
                cancel.version().get(),
                edit.version().get(),
                minutes.version().get(),
                review.version().get(),
                offline.version.get(),
            )
        },
        |(id, ..)| fetch_meeting(id),
    );
    let actions = Actions {
        decide,
        correct,
        cancel,
        edit,
        minutes,
        review,
        row: RwSignal::new(None),
        leave: LeaveDraft::new(),
    };
    view! {
        <PageHeader title=Msg::MeetingDetails back="/meetings"/>
        <WithUser view=move |_| view! {
            <Transition fallback=Loading>
                {move || detail.get().map(|result| match result {
                    // Never opened and no signal: the digits can still be typed.
                    Err(error) => view! {
                        <div class="card">
                            <ErrorNote error/>
                            <A href=format!("/checkin/{}", id.get()) attr:class="chip">{tr(Msg::CheckIn)}</A>
                        </div>
                    }.into_any(),
                    Ok(d) => meeting_view(d, actions).into_any(),
                })}
            </Transition>
        }/>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    decide: ServerAction<DecideLeave>,
    correct: ServerAction<CorrectAttendance>,
    cancel: ServerAction<CancelMeeting>,
    edit: ServerAction<EditMeeting>,
    minutes: ServerAction<SaveMinutes>,
    review: ServerAction<super::minutes::ReviewRecord>,
    /// The member whose line a decision or 补录 was last sent for: its error shows there.
    row: RwSignal<Option<String>>,
    leave: LeaveDraft,
}

/// The leave form as the member left it. Kept above the page's data: the page is drawn
/// again whenever it is read again (once the outbox is known, moments after it opens, and
/// after each sync), and a form drawn anew must not close or lose what was chosen or typed.
#[derive(Clone, Copy)]
struct LeaveDraft {
    open: RwSignal<bool>,
    kind: RwSignal<LeaveKind>,
    reason: RwSignal<String>,
    queued: RwSignal<bool>,
}

impl LeaveDraft {
    fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            kind: RwSignal::new(LeaveKind::Personal),
            reason: RwSignal::new(String::new()),
            queued: RwSignal::new(false),
        }
    }
}

fn meeting_view(d: MeetingDetail, actions: Actions) -> impl IntoView {
    let m = d.summary.clone();
    let code = format!("/meetings/{}/code", m.id);
    let checkin = format!("/checkin/{}", m.id);
    let open = !m.cancelled && !d.ended;
    let head = view! {
        <section class="card meeting-detail" data-meeting=m.id.clone()>
            <Freshness fetched_at=d.fetched_at/>
            <div class="member-head">
                <h2>{m.title.clone()}</h2>
                <span class="badge">{m.kind.label_zh()}</span>
                {m.cancelled.then(|| view! { <span class="badge red">{tr(Msg::Cancelled)}</span> })}
            </div>
            <p class="muted">{d.org_name.clone()}</p>
            <p>{format_datetime(m.starts_at)} " – " {format_datetime(m.ends_at)}</p>
            {(!m.place.is_empty()).then(|| view! { <p>{tr(Msg::MeetingPlace)} "：" {m.place.clone()}</p> })}
            {(!d.agenda.is_empty()).then(|| view! {
                <h3>{tr(Msg::MeetingAgenda)}</h3>
                <p class="pre">{d.agenda.clone()}</p>
            })}
            {d.cancel_reason.clone().map(|reason| view! { <p class="error" data-testid="cancel-reason">{tr(Msg::CancelReason)} "：" {reason}</p> })}
            {d.recorded_reason.clone().map(|reason| view! { <p class="correction" data-testid="recorded-reason">{tr(Msg::RecordedLater)} "：" {reason}</p> })}
            <div class="row wrap">
                {(open && d.expected).then(|| view! { <A href=checkin attr:class="chip">{tr(Msg::CheckIn)}</A> })}
                {(open && d.can_manage).then(|| view! { <A href=code attr:class="chip">{tr(Msg::ShowCode)}</A> })}
            </div>
        </section>
    }
    .into_any();
    view! {
        {head}
        {(d.expected && (d.summary.my_presence.is_some() || d.my_leave.is_some() || !d.started))
            .then(|| my_line(&d, actions.leave).into_any())}
        {d.sheet.clone().map(|sheet| sheet_view(d.summary.id.clone(), d.summary.kind, d.started, sheet, actions).into_any())}
        {minutes_view(&d, actions.minutes).into_any()}
        {d.record_review.clone().map(|r| super::minutes::record_review_view(d.summary.id.clone(), r, actions.review).into_any())}
        {view! { <super::photos::PhotosSection meeting_id=d.summary.id.clone() files=d.files.clone() can_add=d.can_manage/> }.into_any()}
        {(d.can_manage && !m.cancelled).then(|| manage_view(&d, actions).into_any())}
    }
}

/// The member's own line: presence, leave status, and the leave form before the start.
fn my_line(d: &MeetingDetail, draft: LeaveDraft) -> impl IntoView {
    let meeting_id = d.summary.id.clone();
    let can_ask = !d.started && !d.summary.cancelled;
    let leave = d.my_leave.clone();
    view! {
        <section class="card my-line">
            <div class="member-head">
                {d.summary.my_presence.map(|p| view! { <span class=presence_class(Some(p))>{tr(presence_label(p))}</span> })}
                {leave.clone().map(|l| leave_badge(&l))}
            </div>
            {leave.as_ref().and_then(|l| l.note.clone()).map(|note| view! { <p class="muted leave-note">{note}</p> })}
            {can_ask.then(|| view! { <LeaveForm meeting_id draft/> })}
        </section>
    }
}

fn leave_badge(leave: &LeaveInfo) -> impl IntoView {
    let class = match leave.status {
        LeaveStatus::Approved => "badge green leave",
        LeaveStatus::Refused => "badge red leave",
        LeaveStatus::Pending => "badge leave",
    };
    view! { <span class=class data-status=leave.status.as_str()>{tr(leave_label(leave.status))} " · " {leave.kind.label_zh()}</span> }
}

/// 请假 goes through the outbox: asked on the way to the meeting with no signal, it still
/// counts by the time it was asked.
#[component]
fn LeaveForm(meeting_id: String, draft: LeaveDraft) -> impl IntoView {
    let offline = use_offline();
    let LeaveDraft {
        open,
        kind,
        reason,
        queued,
    } = draft;
    let error = RwSignal::new(None::<AppError>);
    let id = StoredValue::new(meeting_id);
    let pending = move || {
        offline
            .ops
            .get()
            .into_iter()
            .filter(|op| {
                op.payload_as::<RequestLeave>()
                    .is_some_and(|l| id.with_value(|id| &l.meeting_id == id))
            })
            .collect::<Vec<_>>()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let op = RequestLeave {
            meeting_id: id.get_value(),
            kind: kind.get_untracked(),
            reason: reason.get_untracked().trim().to_string(),
        };
        if let Err(e) = super::rules::normalize_reason(&op.reason) {
            error.set(Some(e));
            return;
        }
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::offline::client::enqueue(&op).await {
                Ok(_) => {
                    queued.set(true);
                    reason.set(String::new());
                }
                Err(e) => error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (op, queued);
    };
    view! {
        <details class="leave-form" prop:open=move || open.get() on:toggle=crate::shell::follow_details(open)>
            <summary>{tr(Msg::AskLeave)}</summary>
            <form on:submit=submit>
                <label>{tr(Msg::LeaveKind)}
                    <select name="kind" on:change=move |ev| {
                        if let Some(k) = LeaveKind::parse(&event_target_value(&ev)) { kind.set(k) }
                    }>
                        {LeaveKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k>{k.label_zh()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(Msg::LeaveReason)}
                    <textarea name="reason" rows="2" maxlength="200" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                </label>
                {move || error.get().map(|error| view! { <ErrorNote error/> })}
                <button type="submit">{tr(Msg::AskLeave)}</button>
            </form>
        </details>
        {move || queued.get().then(|| view! { <p class="ok" role="status">{tr(Msg::LeaveQueued)}</p> })}
        {move || pending().into_iter().map(|op| view! {
            <div class="op" class:rejected=op.is_rejected() data-status=op.status.clone()>
                <span class="badge">{op.summary.clone()}</span>
                {op.error.clone().map(|error| view! { <ErrorNote error/> })}
            </div>
        }).collect_view()}
    }
}

fn sheet_view(
    meeting_id: String,
    kind: MeetingKind,
    started: bool,
    sheet: Sheet,
    actions: Actions,
) -> impl IntoView {
    let t = sheet.totals;
    let quorum = (kind == MeetingKind::GeneralMeeting && started).then(|| {
        if t.has_quorum() {
            view! { <p class="ok quorum" data-quorum="met">{tr(Msg::QuorumMet)} " (" {t.voting_present} "/" {t.voting_expected} ")"</p> }
        } else {
            view! { <p class="error quorum" data-quorum="missed">{tr(Msg::QuorumMissed)} " (" {t.voting_present} "/" {t.voting_expected} ")"</p> }
        }
    });
    let figure = |label: Msg, value: u32, key: &'static str| {
        view! { <div class="figure" data-total=key><strong>{value}</strong><span>{tr(label)}</span></div> }
    };
    let id = StoredValue::new(meeting_id);
    view! {
        <section class="card sheet">
            <h3>{tr(Msg::AttendanceSheet)}</h3>
            <div class="figures">
                {figure(Msg::SheetExpected, t.expected, "expected")}
                {figure(Msg::SheetPresent, t.present, "present")}
                {figure(Msg::PresenceLate, t.late, "late")}
                {figure(Msg::PresenceLeave, t.leave, "leave")}
                {figure(Msg::PresenceAbsent, t.absent, "absent")}
                {figure(Msg::PresenceCorrected, t.corrected, "corrected")}
                {(t.awaiting > 0).then(|| figure(Msg::SheetAwaiting, t.awaiting, "awaiting"))}
            </div>
            {quorum}
            {(!sheet.frozen).then(|| view! { <p class="hint">{tr(Msg::SheetLiveNote)}</p> })}
            <ul class="plain sheet-rows">
                {sheet.rows.iter().map(|row| {
                    let namesake = sheet.rows.iter().filter(|r| r.name == row.name).count() > 1;
                    sheet_row(id.get_value(), started, row.clone(), namesake, actions)
                }).collect_view()}
            </ul>
        </section>
    }
}

/// How a member's check-in came: its time, and for 离线签到 how long it took to arrive.
fn checkin_line(proof: &CheckinProof) -> impl IntoView {
    let i18n = use_i18n();
    let delay = proof.delay_secs();
    view! {
        <p class="muted checkin-proof" data-offline=proof.offline.to_string()>
            {tr(Msg::CheckIn)} " " {format_time(proof.at)}
            {delay.map(|secs| view! {
                " · " <span class="badge offline-checkin">{tr(Msg::CheckinOffline)}</span>
                " " {move || format_duration(secs, i18n.locale.get())} {tr(Msg::SyncedAfter)}
            })}
        </p>
    }
}

/// A check-in the server refused, beside the member it concerns: the secretary decides
/// whether to record 补录.
fn refused_line(refused: &RefusedCheckin) -> impl IntoView {
    let error = refused.error.clone();
    let code = format!("{error:?}");
    view! {
        <div class="refused-checkin" data-error=code>
            <p class="muted">
                {tr(Msg::CheckinRefusedAt)} " · " {tr(Msg::ScannedAt)} " " {format_time(refused.scanned_at)}
                " · " {tr(Msg::ReceivedAt)} " " {format_time(refused.received_at)}
            </p>
            <ErrorNote error/>
        </div>
    }
}

fn sheet_row(
    meeting_id: String,
    started: bool,
    row: SheetRow,
    namesake: bool,
    actions: Actions,
) -> impl IntoView {
    let pending_leave = !row.mine
        && row
            .leave
            .as_ref()
            .is_some_and(|l| l.status == LeaveStatus::Pending);
    let correctable = !row.mine && started && !row.presence.is_some_and(Presence::is_present);
    let (m1, m2, m3) = (meeting_id.clone(), meeting_id.clone(), meeting_id);
    let (u1, u2, u3) = (
        row.user_id.clone(),
        row.user_id.clone(),
        row.user_id.clone(),
    );
    // Plain copies, not a value the row's owner holds: a submit's handlers can run after
    // the row was drawn anew (and its owner disposed) by the action they dispatched.
    let acting = {
        let this_row = row.user_id.clone();
        move |_| actions.row.set(Some(this_row.clone()))
    };
    let this_row = row.user_id.clone();
    let errors_here = move || {
        (actions.row.get().as_deref() == Some(this_row.as_str())).then(|| {
            view! {
                {action_error(actions.decide.value())}
                {action_error(actions.correct.value())}
            }
        })
    };
    view! {
        <li data-user=row.user_id.clone() data-presence=row.presence.map(|p| p.as_str()).unwrap_or("awaiting")>
            <div class="member-head">
                <strong>{row.name.clone()}</strong>
                {namesake.then(|| view! { <span class="muted phone-tail">{tr(Msg::PhoneTail)} {row.phone_tail.clone()}</span> })}
                {(!row.voting).then(|| view! { <span class="badge">"预备"</span> })}
                <span class=presence_class(row.presence)>
                    {match row.presence { Some(p) => tr(presence_label(p))(), None => tr(Msg::SheetAwaiting)() }}
                </span>
            </div>
            {row.checkin.as_ref().map(checkin_line)}
            {row.refused.as_ref().map(refused_line)}
            {row.correction.clone().map(|reason| view! { <p class="correction">{tr(Msg::CorrectionReason)} "：" {reason}</p> })}
            {row.leave.clone().map(|l| view! {
                <p class="muted">{leave_badge(&l)} " " {l.reason.clone()}</p>
            })}
            {pending_leave.then(|| view! {
                <div class="row wrap decide">
                    <ActionForm action=actions.decide attr:class="inline-form" on:submit=acting.clone()>
                        <input type="hidden" name="meeting_id" value=m1/>
                        <input type="hidden" name="user_id" value=u1/>
                        <input type="hidden" name="decision" value="approve"/>
                        <input type="hidden" name="note" value=""/>
                        <button type="submit" class="chip">{tr(Msg::Approve)}</button>
                    </ActionForm>
                    <details>
                        <summary class="chip danger">{tr(Msg::Refuse)}</summary>
                        <ActionForm action=actions.decide on:submit=acting.clone()>
                            <input type="hidden" name="meeting_id" value=m2/>
                            <input type="hidden" name="user_id" value=u2/>
                            <input type="hidden" name="decision" value="refuse"/>
                            <label>{tr(Msg::DecisionNote)}<input name="note" maxlength="200"/></label>
                            <button type="submit" class="secondary">{tr(Msg::Refuse)}</button>
                        </ActionForm>
                    </details>
                </div>
            })}
            {correctable.then(|| view! {
                <details class="correct">
                    <summary class="chip">{tr(Msg::Correct)}</summary>
                    <ActionForm action=actions.correct on:submit=acting>
                        <input type="hidden" name="meeting_id" value=m3/>
                        <input type="hidden" name="user_id" value=u3/>
                        <label>{tr(Msg::CorrectionReason)}<input name="reason" maxlength="200"/></label>
                        <p class="hint">{tr(Msg::CorrectionLead)}</p>
                        <SubmitButton pending=actions.correct.pending().into() label=Msg::Correct busy=Msg::Saving/>
                    </ActionForm>
                </details>
            })}
            {errors_here}
        </li>
    }
}

fn minutes_view(d: &MeetingDetail, save: ServerAction<SaveMinutes>) -> impl IntoView {
    let text = d.minutes.clone();
    let meeting_id = d.summary.id.clone();
    view! {
        <section class="card minutes">
            <h3>{tr(Msg::Minutes)}</h3>
            {if d.can_manage {
                view! {
                    <ActionForm action=save>
                        <input type="hidden" name="meeting_id" value=meeting_id/>
                        <textarea name="minutes" rows="6">{text}</textarea>
                        {action_error(save.value())}
                        {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <p class="ok" role="status">{tr(Msg::Saved)}</p> })}
                        <SubmitButton pending=save.pending().into() label=Msg::SaveMinutes busy=Msg::Saving/>
                    </ActionForm>
                }.into_any()
            } else if text.is_empty() {
                view! { <p class="muted">{tr(Msg::NoMinutes)}</p> }.into_any()
            } else {
                view! { <p class="pre">{text}</p> }.into_any()
            }}
        </section>
    }
}

fn manage_view(d: &MeetingDetail, actions: Actions) -> impl IntoView {
    let m = d.summary.clone();
    let agenda = d.agenda.clone();
    let (id1, id2) = (m.id.clone(), m.id.clone());
    view! {
        <details class="card">
            <summary>{tr(Msg::EditMeeting)}</summary>
            <ActionForm action=actions.edit>
                <input type="hidden" name="meeting_id" value=id1/>
                <label>{tr(Msg::MeetingTitle)}<input name="title" maxlength="40" value=m.title.clone()/></label>
                <label>{tr(Msg::MeetingAgenda)}<textarea name="agenda" rows="3">{agenda}</textarea></label>
                <label>{tr(Msg::MeetingPlace)}<input name="place" maxlength="100" value=m.place.clone()/></label>
                <label>{tr(Msg::StartsAt)}<input name="starts_at" type="datetime-local" value=format_local_datetime(m.starts_at)/></label>
                <label>{tr(Msg::EndsAt)}<input name="ends_at" type="datetime-local" value=format_local_datetime(m.ends_at)/></label>
                <label>{tr(Msg::EditReason)}<input name="reason" maxlength="200"/></label>
                {action_error(actions.edit.value())}
                <SubmitButton pending=actions.edit.pending().into() label=Msg::EditMeeting busy=Msg::Saving/>
            </ActionForm>
        </details>
        <details class="card">
            <summary>{tr(Msg::CancelMeeting)}</summary>
            <ActionForm action=actions.cancel>
                <input type="hidden" name="meeting_id" value=id2/>
                <label>{tr(Msg::CancelReason)}<input name="reason" maxlength="200"/></label>
                {action_error(actions.cancel.value())}
                <button type="submit" class="secondary">{tr(Msg::CancelMeeting)}</button>
            </ActionForm>
        </details>
    }
}
