//! `/review`: a member writes and marks, with or without signal, and sees their own result;
//! `/branch/:id/review`: the committee opens the year's review, reads the tally and decides.

use super::api::{fetch_board, fetch_my_reviews, CloseReview, DecideReview, OpenReview};
use super::rules::{Grade, DEFAULT_EXCELLENT_CAP_PERCENT};
use super::{BoardRow, CastReviewMarks, MyReview, WriteSelfReview};
use crate::auth::views::SubmitButton;
use crate::error::AppError;
use crate::i18n::{tr, Msg};
use crate::offline::views::use_offline;
use crate::shell::fetched::fetched;
use crate::shell::{
    action_error, route_param, saved_version, year_in_query, Empty, ErrorNote, Loading, PageHeader,
    WithUser,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use std::collections::HashMap;

fn grade_badge(grade: Grade) -> impl IntoView {
    let class = match grade {
        Grade::Excellent => "badge green",
        Grade::Qualified => "badge",
        Grade::Basic | Grade::Unqualified => "badge red",
    };
    view! { <span class=class data-grade=grade.as_str()>{grade.label_zh()}</span> }
}

#[component]
pub fn MyReviewPage() -> impl IntoView {
    // Read again once the outbox is known in the browser (what waits there fills the forms,
    // and the answer is kept for a visit with no signal), then not redrawn by later syncs:
    // what the member types stays; the outbox says what waits to be sent.
    let offline = use_offline();
    let outbox_read = Memo::new(move |_| offline.version.get() > 0);
    let mine = fetched(move || outbox_read.get(), |_| fetch_my_reviews());
    let drafts = Drafts {
        texts: RwSignal::new(HashMap::new()),
        marks: RwSignal::new(HashMap::new()),
    };
    view! {
        <PageHeader title=Msg::MemberReview back="/"/>
        <WithUser view=move |_| view! {
            <p class="muted">{tr(Msg::MemberReviewLead)}</p>
            <Transition fallback=Loading>
                {move || mine.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <div class="card"><Empty msg=Msg::NoReviewYet/></div> }.into_any(),
                    Ok(list) => list.into_iter().map(|review| my_review(review, drafts)).collect_view().into_any(),
                })}
            </Transition>
        }/>
    }
}

/// What the member typed and marked, by review. Kept above the list: the list is drawn again
/// when it is read again (once the outbox is known), and a form drawn anew must not lose
/// what was typed or chosen in the meantime.
#[derive(Clone, Copy)]
struct Drafts {
    texts: RwSignal<HashMap<String, String>>,
    marks: RwSignal<HashMap<String, HashMap<String, Grade>>>,
}

fn my_review(review: MyReview, drafts: Drafts) -> impl IntoView {
    let offline = use_offline();
    let id = StoredValue::new(review.id.clone());
    // What waits in the outbox for this review, newest last.
    let pending_self = move || {
        offline
            .ops
            .get()
            .into_iter()
            .filter_map(|op| Some((op.clone(), op.payload_as::<WriteSelfReview>()?)))
            .rfind(|(_, w)| id.with_value(|id| &w.review_id == id))
    };
    let pending_marks = move || {
        offline
            .ops
            .get()
            .into_iter()
            .filter_map(|op| Some((op.clone(), op.payload_as::<CastReviewMarks>()?)))
            .rfind(|(_, m)| id.with_value(|id| &m.review_id == id))
    };
    let text = RwSignal::new(
        drafts
            .texts
            .with_untracked(|texts| texts.get(&review.id).cloned())
            .or_else(|| pending_self().map(|(_, w)| w.text))
            .or(review.self_text.clone())
            .unwrap_or_default(),
    );
    let chosen: RwSignal<HashMap<String, Grade>> = RwSignal::new(
        drafts
            .marks
            .with_untracked(|marks| marks.get(&review.id).cloned())
            .unwrap_or_else(|| {
                pending_marks()
                    .map(|(_, m)| m.marks)
                    .unwrap_or(review.marks.clone())
                    .into_iter()
                    .collect()
            }),
    );
    let type_text = move |typed: String| {
        id.with_value(|id| {
            drafts.texts.update(|texts| {
                texts.insert(id.clone(), typed.clone());
            })
        });
        text.set(typed);
    };
    let choose = move |subject: String, grade: Grade| {
        chosen.update(|c| {
            c.insert(subject, grade);
        });
        id.with_value(|id| {
            drafts.marks.update(|marks| {
                marks.insert(id.clone(), chosen.get_untracked());
            })
        });
    };
    let self_error = RwSignal::new(None::<AppError>);
    let marks_error = RwSignal::new(None::<AppError>);
    let self_sent = RwSignal::new(review.self_text.is_some());
    let marks_sent = RwSignal::new(!review.marks.is_empty());
    let write = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match super::rules::normalize_self_text(&text.get_untracked()) {
            Err(e) => self_error.set(Some(e)),
            Ok(text) => {
                self_error.set(None);
                let op = WriteSelfReview {
                    review_id: id.get_value(),
                    text,
                };
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local(async move {
                    match crate::offline::client::enqueue(&op).await {
                        Ok(_) => self_sent.set(true),
                        Err(e) => self_error.set(Some(e)),
                    }
                });
                #[cfg(not(feature = "hydrate"))]
                let _ = op;
            }
        }
    };
    let cast = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let marks: Vec<(String, Grade)> = chosen.get_untracked().into_iter().collect();
        if marks.is_empty() {
            marks_error.set(Some(AppError::BallotEmpty));
            return;
        }
        marks_error.set(None);
        let op = CastReviewMarks {
            review_id: id.get_value(),
            marks,
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::offline::client::enqueue(&op).await {
                Ok(_) => marks_sent.set(true),
                Err(e) => marks_error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = op;
    };
    let status = move |pending: Option<crate::offline::QueuedOp>, sent: bool| match pending {
        Some(op) if op.is_rejected() => op
            .error
            .map(|error| view! { <ErrorNote error/> }.into_any()),
        Some(_) => Some(
            view! { <p class="badge" data-status="pending">{tr(Msg::StatusPending)}</p> }
                .into_any(),
        ),
        None => sent.then(|| {
            view! { <p class="ok" data-status="sent">{tr(Msg::ReviewSent)}</p> }.into_any()
        }),
    };
    let open = review.open;
    let voting = review.voting;
    let others = review.others.clone();
    view! {
        <section class="card my-review" data-review=review.id.clone()>
            <h2>{review.branch.name.clone()} " · " {review.year} "年"</h2>
            {(!open).then(|| view! { <p class="badge">{tr(Msg::ReviewClosedNote)}</p> })}
            <div class="my-result" data-testid="my-result">
                <h3>{tr(Msg::MyResult)}</h3>
                {match review.result.clone() {
                    Some((grade, reason)) => view! {
                        <p>{grade_badge(grade)}</p>
                        {reason.map(|r| view! { <p class="muted">{r}</p> })}
                    }.into_any(),
                    None => view! { <p class="muted">{tr(Msg::ResultPending)}</p> }.into_any(),
                }}
            </div>
        </section>
        {open.then(|| view! {
            <section class="card">
                <h3>{tr(Msg::SelfReview)}</h3>
                <form on:submit=write class="self-review">
                    <label>{tr(Msg::SelfReview)}
                        <textarea name="self_text" rows="4" maxlength="500" prop:value=move || text.get()
                            on:input=move |ev| type_text(event_target_value(&ev))></textarea>
                    </label>
                    {move || self_error.get().map(|error| view! { <ErrorNote error/> })}
                    {move || status(pending_self().map(|(op, _)| op), self_sent.get())}
                    <button type="submit">{tr(Msg::SaveSelfReview)}</button>
                </form>
            </section>
        })}
        {(open && !voting).then(|| view! { <p class="card muted">{tr(Msg::Probationary)}</p> })}
        {(open && voting).then(|| view! {
            <section class="card">
                <h3>{tr(Msg::PeerMarks)}</h3>
                <p class="muted">{tr(Msg::MarksAnonymous)}</p>
                <form on:submit=cast class="ballot">
                    {others.into_iter().map(|person| {
                        let subject = StoredValue::new(person.user_id.clone());
                        view! {
                            <fieldset class="peer" data-person=person.name.clone()>
                                <legend>{person.name.clone()}</legend>
                                <div class="grades">
                                    {Grade::ALL.into_iter().map(|grade| view! {
                                        <label>
                                            <input type="radio" name=format!("grade-{}", person.user_id) value=grade.as_str()
                                                prop:checked=move || subject.with_value(|s| chosen.with(|c| c.get(s) == Some(&grade)))
                                                on:change=move |_| choose(subject.get_value(), grade)/>
                                            {grade.label_zh()}
                                        </label>
                                    }).collect_view()}
                                </div>
                            </fieldset>
                        }
                    }).collect_view()}
                    {move || marks_error.get().map(|error| view! { <ErrorNote error/> })}
                    {move || status(pending_marks().map(|(op, _)| op), marks_sent.get())}
                    <button type="submit">{tr(Msg::SendMarks)}</button>
                </form>
            </section>
        })}
    }
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let branch = route_param("id");
    let year = year_in_query();
    let open = ServerAction::<OpenReview>::new();
    let decide = ServerAction::<DecideReview>::new();
    let close = ServerAction::<CloseReview>::new();
    let opened = saved_version(open.value());
    let decided = saved_version(decide.value());
    let closed = saved_version(close.value());
    let data = fetched(
        move || {
            (
                branch.get(),
                year.get(),
                opened.get(),
                decided.get(),
                closed.get(),
            )
        },
        |(b, y, ..)| fetch_board(b, y),
    );
    view! {
        <PageHeader title=Msg::MemberReview back="/"/>
        <WithUser view=move |_| view! {
            <Transition fallback=Loading>
                {move || data.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(board) => view! {
                        <div class="card">
                            <h2>{board.branch.name.clone()} " · " {board.year} "年"</h2>
                            <p class="muted">{tr(Msg::MemberReviewLead)}</p>
                        </div>
                        {match board.review {
                            None if !board.can_open => view! { <div class="card"><Empty msg=Msg::NoReviewYet/></div> }.into_any(),
                            None => view! {
                                <section class="card">
                                    <Empty msg=Msg::NoReviewYet/>
                                    {action_error(open.value())}
                                    <ActionForm action=open>
                                        <input type="hidden" name="branch_id" value=board.branch.id.clone()/>
                                        <label>{tr(Msg::ExcellentCap)}
                                            <input name="excellent_cap" type="number" min="1" max="100" value=DEFAULT_EXCELLENT_CAP_PERCENT/>
                                        </label>
                                        <SubmitButton pending=open.pending().into() label=Msg::OpenReview busy=Msg::Saving/>
                                    </ActionForm>
                                </section>
                            }.into_any(),
                            Some(review) => {
                                let review_id = review.id.clone();
                                let closing_id = review.id.clone();
                                let summary = format!(
                                    "参评 {} 人，正式党员 {} 人，已有 {} 人提交互评；优秀最多 {} 名（{}%）",
                                    review.rows.len(), review.voters, review.ballots,
                                    review.excellent_allowed, review.excellent_cap_percent,
                                );
                                view! {
                                    <section class="card">
                                        <p data-testid="review-summary">{summary}</p>
                                        {if review.open {
                                            view! {
                                                <details class="close-review">
                                                    <summary class="chip">{tr(Msg::CloseReview)}</summary>
                                                    <p class="muted">{tr(Msg::CloseReviewWarning)}</p>
                                                    <ActionForm action=close>
                                                        <input type="hidden" name="review_id" value=closing_id/>
                                                        <button type="submit" class="secondary">{tr(Msg::ConfirmClose)}</button>
                                                    </ActionForm>
                                                </details>
                                            }.into_any()
                                        } else {
                                            view! { <p class="badge">{tr(Msg::ReviewClosedNote)}</p> }.into_any()
                                        }}
                                        {action_error(decide.value())}
                                    </section>
                                    <ul class="plain">
                                        {review.rows.into_iter().map(|row| board_row(review_id.clone(), row, decide)).collect_view()}
                                    </ul>
                                }.into_any()
                            }
                        }}
                    }.into_any(),
                })}
            </Transition>
        }/>
    }
}

fn board_row(
    review_id: String,
    row: BoardRow,
    decide: ServerAction<DecideReview>,
) -> impl IntoView {
    let tally = row.tally.map(|counts| {
        Grade::ALL
            .into_iter()
            .zip(counts)
            .map(|(g, n)| format!("{} {n}", g.label_zh()))
            .collect::<Vec<_>>()
            .join(" · ")
    });
    let decided = row.result.as_ref().map(|(g, _)| *g);
    view! {
        <li class="card board-row" data-person=row.member.name.clone()>
            <div class="member-head">
                <strong>{row.member.name.clone()}</strong>
                {(!row.member.voting).then(|| view! { <span class="badge">"预备党员"</span> })}
                {decided.map(grade_badge)}
            </div>
            <p class="self-text">{row.self_text.clone().unwrap_or_else(|| "（未填写自我评价）".into())}</p>
            <p class="muted tally" data-testid="tally">
                {tr(Msg::Tally)} "："
                {match tally {
                    Some(tally) => tally.into_any(),
                    None => tr(Msg::TallyHidden).into_any(),
                }}
            </p>
            {row.result.as_ref().and_then(|(_, r)| r.clone()).map(|r| view! { <p class="muted">{r}</p> })}
            {row.can_decide.then(|| view! { <details>
                <summary class="chip">{tr(Msg::Decide)}</summary>
                <ActionForm action=decide>
                    <input type="hidden" name="review_id" value=review_id/>
                    <input type="hidden" name="user_id" value=row.member.user_id.clone()/>
                    <label>{tr(Msg::ReviewResult)}
                        <select name="grade">
                            {Grade::ALL.into_iter().map(|g| view! {
                                <option value=g.as_str() selected=decided.map_or(g == Grade::Qualified, |d| d == g)>{g.label_zh()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>{tr(Msg::DecisionReason)}<input name="reason" maxlength="200"/></label>
                    <SubmitButton pending=decide.pending().into() label=Msg::Decide busy=Msg::Saving/>
                </ActionForm>
            </details> })}
        </li>
    }
}
