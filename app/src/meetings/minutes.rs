//! Upward review of meeting records: the 党委 above marks a held meeting's record 已审阅 or
//! returns it with a comment; the secretary sees returned records first, and saving the
//! minutes again sends the record back for another look.

use crate::auth::NamedRef;
use crate::error::AppError;
use crate::i18n::{tr, Msg};
use crate::shell::fetched::fetched;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordStatus {
    /// 待审阅: nobody above has looked yet.
    Waiting,
    /// 已审阅.
    Reviewed,
    /// 已退回: returned with a comment, not changed since.
    Returned,
    /// 已修改: minutes saved again after a return, waiting for another look.
    Revised,
}

impl RecordStatus {
    pub fn label(self) -> Msg {
        match self {
            RecordStatus::Waiting => Msg::RecordWaiting,
            RecordStatus::Reviewed => Msg::RecordReviewed,
            RecordStatus::Returned => Msg::RecordReturned,
            RecordStatus::Revised => Msg::RecordRevised,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Waiting => "waiting",
            RecordStatus::Reviewed => "reviewed",
            RecordStatus::Returned => "returned",
            RecordStatus::Revised => "revised",
        }
    }
}

/// The latest verdict and when the minutes were last saved make the record's status.
pub fn record_status(latest: Option<(&str, i64)>, minutes_saved_at: Option<i64>) -> RecordStatus {
    match latest {
        None => RecordStatus::Waiting,
        Some(("returned", at)) if minutes_saved_at.is_some_and(|saved| saved > at) => {
            RecordStatus::Revised
        }
        Some(("returned", _)) => RecordStatus::Returned,
        Some(_) => RecordStatus::Reviewed,
    }
}

pub const COMMENT_MAX_CHARS: usize = 500;

/// A return says why; a review may add a word.
pub fn check_comment(returned: bool, comment: &str) -> Result<String, AppError> {
    let comment = comment.trim();
    if comment.chars().count() > COMMENT_MAX_CHARS {
        Err(AppError::TextTooLong)
    } else if returned && comment.is_empty() {
        Err(AppError::ReasonRequired)
    } else {
        Ok(comment.to_string())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub returned: bool,
    pub comment: String,
    pub by: String,
    pub at: i64,
}

/// What the meeting page shows of the record's review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordReview {
    pub status: RecordStatus,
    pub latest: Option<Verdict>,
    pub can_review: bool,
}

/// A record on the 党委's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLine {
    pub meeting: NamedRef,
    pub branch: String,
    pub kind: super::rules::MeetingKind,
    pub starts_at: i64,
    pub has_minutes: bool,
    pub status: RecordStatus,
}

#[server(endpoint = "review_record", output = crate::json::Answer)]
pub async fn review_record(
    meeting_id: String,
    verdict: String,
    #[server(default)] comment: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let returned = match verdict.as_str() {
        "reviewed" => false,
        "returned" => true,
        _ => return Err(AppError::BadPayload),
    };
    service::review(&state.pool, &actor, &meeting_id, returned, &comment).await
}

#[server(endpoint = "records_to_review", output = crate::json::Answer)]
pub async fn fetch_records(year: i64) -> Result<Vec<RecordLine>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::records(&state.pool, &actor, year).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::{check_comment, record_status, RecordLine, RecordReview, RecordStatus, Verdict};
    use crate::auth::authz::{authorize, can, Action, Actor};
    use crate::auth::NamedRef;
    use crate::db::Pool;
    use crate::error::{AppError, AppResult};
    use crate::meetings::rules::MeetingKind;
    use crate::meetings::store::{self, NewVerdict, RecordRow};
    use crate::state::{audit, new_id, now};

    async fn record(pool: &Pool, meeting_id: &str) -> AppResult<RecordRow> {
        store::record_row(pool, meeting_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// For those who run the meeting and the 党委s above it.
    pub async fn record_review(
        pool: &Pool,
        actor: &Actor,
        meeting_id: &str,
    ) -> AppResult<RecordReview> {
        let meeting = record(pool, meeting_id).await?;
        let path = crate::orgs::service::committee_path(pool, &meeting.org_id).await?;
        let can_review = can(actor, Action::ReviewMinutes, &path);
        let full_path = crate::auth::session::org_path(pool, &meeting.org_id).await?;
        if !can_review && !can(actor, Action::ScheduleMeeting, &full_path) {
            return Err(AppError::Forbidden);
        }
        let latest = store::latest_verdict(pool, meeting_id).await?;
        Ok(RecordReview {
            status: record_status(
                latest.as_ref().map(|v| (v.verdict.as_str(), v.reviewed_at)),
                meeting.minutes_saved_at,
            ),
            latest: latest.map(|v| Verdict {
                returned: v.verdict == "returned",
                comment: v.comment,
                by: v.by_name,
                at: v.reviewed_at,
            }),
            can_review: can_review && meeting.starts_at <= now() && meeting.cancelled_at.is_none(),
        })
    }

    pub async fn review(
        pool: &Pool,
        actor: &Actor,
        meeting_id: &str,
        returned: bool,
        comment: &str,
    ) -> AppResult<()> {
        let meeting = record(pool, meeting_id).await?;
        let path = crate::orgs::service::committee_path(pool, &meeting.org_id).await?;
        authorize(actor, Action::ReviewMinutes, &path)?;
        if meeting.cancelled_at.is_some() {
            return Err(AppError::MeetingCancelled);
        }
        if meeting.starts_at > now() {
            return Err(AppError::MeetingNotStarted);
        }
        let comment = check_comment(returned, comment)?;
        let mut tx = pool.begin().await?;
        store::add_verdict(
            &mut tx,
            &NewVerdict {
                id: &new_id(),
                meeting_id,
                verdict: if returned { "returned" } else { "reviewed" },
                comment: &comment,
                by: &actor.user_id,
                at: now(),
            },
        )
        .await?;
        audit(
            &mut *tx,
            &actor.user_id,
            if returned {
                "return_minutes"
            } else {
                "review_minutes"
            },
            Some(&meeting.org_id),
            Some(meeting_id),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The held meetings of `year` of every branch (and its groups) below the 党委s the
    /// actor keeps: those waiting for a look first, then returned, then reviewed.
    pub async fn records(pool: &Pool, actor: &Actor, year: i64) -> AppResult<Vec<RecordLine>> {
        let committees = crate::orgs::service::committees_kept_by(pool, actor).await?;
        let roots: Vec<&str> = committees.iter().map(|c| c.id.as_str()).collect();
        if roots.is_empty() {
            return Err(AppError::Forbidden);
        }
        let branches = crate::orgs::service::branches_under(pool, &roots).await?;
        if branches.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = branches.iter().map(|b| b.id.as_str()).collect();
        let (from, to) = crate::shell::time::shanghai_year_range(year);
        let rows = store::held_records(pool, &ids, now(), from, to).await?;
        let mut lines: Vec<RecordLine> = rows
            .into_iter()
            .filter_map(|row| {
                let status = record_status(
                    row.verdict.as_deref().zip(row.reviewed_at),
                    row.minutes_saved_at,
                );
                Some(RecordLine {
                    kind: MeetingKind::parse(&row.kind)?,
                    meeting: NamedRef {
                        id: row.id,
                        name: row.title,
                    },
                    branch: row.branch,
                    starts_at: row.starts_at,
                    has_minutes: row.has_minutes,
                    status,
                })
            })
            .collect();
        lines.sort_by_key(|l| match l.status {
            RecordStatus::Waiting | RecordStatus::Revised => 0,
            RecordStatus::Returned => 1,
            RecordStatus::Reviewed => 2,
        });
        Ok(lines)
    }

    /// Records of the branch (and its groups) returned and not changed since: the
    /// secretary's desk shows them first.
    pub async fn returned_for_branch(pool: &Pool, branch_id: &str) -> AppResult<Vec<NamedRef>> {
        let rows = store::returned_records(pool, branch_id).await?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, saved, at)| {
                record_status(Some(("returned", *at)), *saved) == RecordStatus::Returned
            })
            .map(|(id, name, ..)| NamedRef { id, name })
            .collect())
    }
}

/// The record's review on the meeting page: its status and the 党委's word, and for the
/// 党委 the two verdicts.
pub fn record_review_view(
    meeting_id: String,
    r: RecordReview,
    review: ServerAction<ReviewRecord>,
) -> impl IntoView {
    use crate::auth::views::SubmitButton;
    use crate::shell::action_error;
    use crate::shell::time::format_datetime;
    use leptos::form::ActionForm;
    let badge = if r.status == RecordStatus::Returned {
        "badge red"
    } else {
        "badge"
    };
    view! {
        <section class="card record-review assess" data-status=r.status.as_str()>
            <h2>{tr(Msg::RecordReview)}</h2>
            <p><span class=badge>{tr(r.status.label())}</span></p>
            {r.latest.map(|v| view! {
                {(!v.comment.is_empty()).then(|| view! {
                    <p class=if v.returned { "error" } else { "muted" }>{v.comment.clone()}</p>
                })}
                <p class="muted">{v.by.clone()} " · " {format_datetime(v.at)}</p>
            })}
            {r.can_review.then(|| view! {
                {action_error(review.value())}
                <ActionForm action=review>
                    <input type="hidden" name="meeting_id" value=meeting_id/>
                    <div class="verdict">
                        <label><input type="radio" name="verdict" value="reviewed" checked/>{tr(Msg::MarkReviewed)}</label>
                        <label><input type="radio" name="verdict" value="returned"/>{tr(Msg::ReturnRecord)}</label>
                    </div>
                    <label>{tr(Msg::ReviewComment)}<textarea name="comment" maxlength="500" rows="2"></textarea></label>
                    <SubmitButton pending=review.pending().into() label=Msg::Submit busy=Msg::Saving/>
                </ActionForm>
            })}
        </section>
    }
}

/// `/admin/records`: the year's held meetings of every branch below, those waiting first.
#[component]
pub fn RecordsPage() -> impl IntoView {
    use crate::shell::time::{format_datetime, now_secs, shanghai_year_month};
    use crate::shell::{Empty, ErrorNote, Loading, PageHeader, WithUser};
    use leptos_router::components::A;
    let year = shanghai_year_month(now_secs()).0;
    let data = fetched(move || year, fetch_records);
    view! {
        <PageHeader title=Msg::RecordsToReview back="/"/>
        <WithUser view=move |_| view! {
            <p class="muted">{tr(Msg::RecordsLead)}</p>
            <Transition fallback=Loading>
                {move || data.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <div class="card"><Empty msg=Msg::NoRecords/></div> }.into_any(),
                    Ok(list) => view! {
                        <ul class="plain">
                            {list.into_iter().map(|line| {
                                let href = format!("/meetings/{}", line.meeting.id);
                                let class = match line.status {
                                    RecordStatus::Returned => "badge red",
                                    RecordStatus::Reviewed => "badge green",
                                    RecordStatus::Waiting | RecordStatus::Revised => "badge",
                                };
                                view! {
                                    <li class="card record" data-meeting=line.meeting.id.clone() data-status=line.status.as_str()>
                                        <div class="member-head">
                                            <A href=href><strong>{line.meeting.name.clone()}</strong></A>
                                            <span class=class>{tr(line.status.label())}</span>
                                        </div>
                                        <p class="muted">
                                            {line.branch.clone()} " · " {line.kind.label_zh()} " · " {format_datetime(line.starts_at)}
                                        </p>
                                        {(!line.has_minutes).then(|| view! { <p class="error">{tr(Msg::NoMinutes)}</p> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        }/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_stands_until_the_minutes_change() {
        assert_eq!(record_status(None, Some(5)), RecordStatus::Waiting);
        assert_eq!(
            record_status(Some(("reviewed", 10)), Some(20)),
            RecordStatus::Reviewed
        );
        assert_eq!(
            record_status(Some(("returned", 10)), Some(5)),
            RecordStatus::Returned
        );
        assert_eq!(
            record_status(Some(("returned", 10)), None),
            RecordStatus::Returned
        );
        assert_eq!(
            record_status(Some(("returned", 10)), Some(10)),
            RecordStatus::Returned
        );
        assert_eq!(
            record_status(Some(("returned", 10)), Some(11)),
            RecordStatus::Revised
        );
    }

    #[test]
    fn a_return_says_why() {
        assert_eq!(check_comment(true, "  "), Err(AppError::ReasonRequired));
        assert_eq!(check_comment(false, "  "), Ok(String::new()));
        assert_eq!(
            check_comment(true, " 缺少参会人数 "),
            Ok("缺少参会人数".into())
        );
        assert_eq!(
            check_comment(false, &"字".repeat(COMMENT_MAX_CHARS + 1)),
            Err(AppError::TextTooLong)
        );
    }
}
