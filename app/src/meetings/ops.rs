//! The server side of the meeting ops (check-in, leave, photos), applied once each at the
//! server's receipt time.

use super::checkin::{judge_arrival, slot_start, verify, Arrival, CheckinRefusal, CheckinTimes};
use super::rules::{normalize_reason, Presence};
use super::service::{code_window, freeze_if_started, refusal_error};
use super::store::{self, CheckinFacts, NewCheckin, NewFile, NewRefusal};
use super::{AddMeetingPhoto, CheckIn, RequestLeave};
use crate::auth::authz::{authorize, Action};
use crate::auth::session::org_path;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::offline::service::{ApplyOp, OpContext};
use crate::offline::OpOutcome;
use crate::state::now;

const MAX_WRONG_CODES: i64 = 10;
const GUESS_WINDOW_SECS: i64 = 600;

fn error_refusal(error: &AppError) -> Option<CheckinRefusal> {
    CheckinRefusal::ALL
        .into_iter()
        .find(|r| &refusal_error(*r) == error)
}

/// A check-in's answer: the member's line as recorded.
fn line_answer(
    presence: &str,
    slot: Option<i64>,
    arrival: Option<&str>,
    received_at: i64,
    scanned_at: Option<i64>,
) -> serde_json::Value {
    serde_json::json!({
        "presence": presence,
        "slot": slot,
        "arrival": arrival,
        "received_at": received_at,
        "scanned_at": scanned_at,
    })
}

impl ApplyOp for CheckIn {
    const REFUSES_BEFORE_WRITING: bool = true;

    /// Present on the spot only when the slot the code proves, the phone's corrected
    /// scan time and the server's receipt time agree (`checkin::judge_arrival`); the
    /// line's time is the slot's. A second check-in of the same member answers with the
    /// first. After the meeting's points were given, the ledger follows the sheet.
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let actor = ctx.actor;
        let facts = store::checkin_facts(
            &mut *conn,
            &self.meeting_id,
            &actor.user_id,
            ctx.received_at - GUESS_WINDOW_SECS,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        let CheckinFacts {
            secret,
            starts_at,
            ends_at,
            opens_before,
            created_at,
            frozen_at,
            points_at,
            ..
        } = facts;
        if facts.cancelled_at.is_some() {
            return Err(AppError::MeetingCancelled);
        }
        // A meeting recorded afterwards has no codes to prove anything: 补录 only.
        if facts.recorded_reason.is_some() {
            return Err(AppError::MeetingRecordedLater);
        }
        if let (Some(presence), Some(received_at)) = (&facts.line_presence, facts.line_received_at)
        {
            return Ok(line_answer(
                presence,
                facts.line_slot,
                facts.line_arrival.as_deref(),
                received_at,
                facts.line_scanned_at,
            ));
        }
        if !facts.expected {
            return Err(AppError::NotExpected);
        }
        // Six digits, two valid at a time: ten wrong tries in ten minutes and the
        // member's next ones wait (the outbox retries them later).
        if facts.wrong_lately >= MAX_WRONG_CODES {
            return Err(AppError::RateLimited);
        }
        let window = code_window(starts_at, ends_at, opens_before, created_at);
        let slot = verify(
            secret.as_bytes(),
            &self.meeting_id,
            window,
            self.slot,
            &self.code,
        )
        .map_err(refusal_error)?;
        let arrival = judge_arrival(CheckinTimes {
            slot,
            scanned_at: ctx.phone_time,
            received_at: ctx.received_at,
            meeting_ends_at: ends_at,
        })
        .map_err(refusal_error)?;
        let presence = if slot_start(slot) > starts_at {
            Presence::Late
        } else {
            Presence::OnTime
        };
        let arrival = match arrival {
            Arrival::Online => "online",
            Arrival::Offline { .. } => "offline",
        };
        let answer = line_answer(
            presence.as_str(),
            Some(slot),
            Some(arrival),
            ctx.received_at,
            Some(ctx.phone_time),
        );
        // Every refusal is above: from here on it writes (REFUSES_BEFORE_WRITING), once
        // the op is recorded with this answer. Recorded by another request meanwhile (a
        // replay under another meeting's turn), it writes nothing and that answer stands.
        if !ctx
            .claim(conn, Some(&OpOutcome::Applied(answer.clone())))
            .await?
        {
            return Ok(answer);
        }
        // The crowd of a 主题党日 finds 应到 frozen: only the first check-in after the
        // start (if the timer has not come by yet) freezes it.
        if frozen_at.is_none() {
            freeze_if_started(&mut *conn, &self.meeting_id).await?;
        }
        store::insert_checkin(
            &mut *conn,
            &NewCheckin {
                meeting_id: &self.meeting_id,
                user_id: &actor.user_id,
                presence,
                slot,
                received_at: ctx.received_at,
                arrival,
                scanned_at: ctx.phone_time,
            },
        )
        .await?;
        if points_at.is_some() {
            // Past the refusals, a failure can only be retried: the whole transaction
            // is undone and the phone sends the check-in again.
            crate::points::service::checked_in_after_points(conn, &self.meeting_id, &actor.user_id)
                .await
                .map_err(|error| {
                    tracing::error!(?error, meeting = %self.meeting_id, "points after a check-in");
                    AppError::Internal
                })?;
        }
        Ok(answer)
    }

    /// A refusal of the code or of its times is kept, typed, for the sheet and for the
    /// limit on guessing.
    async fn refused(
        self,
        ctx: &OpContext<'_>,
        conn: &mut Conn,
        error: &AppError,
    ) -> AppResult<()> {
        let Some(refusal) = error_refusal(error) else {
            return Ok(());
        };
        store::insert_refusal(
            &mut *conn,
            &NewRefusal {
                op_id: ctx.op_id(),
                meeting_id: &self.meeting_id,
                user_id: &ctx.actor.user_id,
                reason: refusal,
                slot: self.slot,
                scanned_at: ctx.phone_time,
                received_at: ctx.received_at,
            },
        )
        .await?;
        Ok(())
    }
}

impl ApplyOp for RequestLeave {
    /// Asked before the start (by the time the phone recorded, clamped by the sync
    /// protocol); asking again replaces a pending or refused request, never an approval.
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        let actor = ctx.actor;
        let meeting = store::start_and_cancellation(&mut *conn, &self.meeting_id).await?;
        let (starts_at, cancelled_at) = meeting.ok_or(AppError::NotFound)?;
        if cancelled_at.is_some() {
            return Err(AppError::MeetingCancelled);
        }
        // In time by the server's receipt: a phone's clock cannot ask after the fact.
        let asked_at = ctx.received_at;
        if asked_at >= starts_at {
            return Err(AppError::LeaveTooLate);
        }
        if !store::is_expected(&mut *conn, &self.meeting_id, &actor.user_id).await? {
            return Err(AppError::NotExpected);
        }
        let reason = normalize_reason(&self.reason)?;
        store::request_leave(
            &mut *conn,
            &self.meeting_id,
            &actor.user_id,
            self.kind,
            &reason,
            asked_at,
        )
        .await?;
        let status = store::leave_status(&mut *conn, &self.meeting_id, &actor.user_id).await?;
        Ok(serde_json::json!({ "status": status }))
    }
}

impl ApplyOp for AddMeetingPhoto {
    /// For those who manage the meeting. The photo is re-encoded before it is stored.
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        use crate::uploads::{photos::phone_photo_id, service as uploads};
        if !matches!(self.kind.as_str(), "photo" | "sheet") {
            return Err(AppError::BadPayload);
        }
        let org_id = store::meeting_org(&mut *conn, &self.meeting_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let path = org_path(&mut *conn, &org_id).await?;
        authorize(ctx.actor, Action::ScheduleMeeting, &path)?;
        phone_photo_id(&self.id)?;
        let existing = store::meeting_of_file(&mut *conn, &self.id).await?;
        if let Some(meeting_id) = existing {
            return if meeting_id == self.meeting_id {
                Ok(serde_json::json!({ "id": self.id }))
            } else {
                Err(AppError::BadPayload)
            };
        }
        uploads::unclaimed(conn, &self.id).await?;
        let clean = ctx.photos.get(&self.data)?;
        uploads::count_upload(conn, &self.id, &ctx.actor.user_id, clean.jpeg.len()).await?;
        ctx.keep_file(&self.id, &clean);
        store::insert_file(
            &mut *conn,
            &NewFile {
                id: &self.id,
                meeting_id: &self.meeting_id,
                kind: &self.kind,
                width: clean.width,
                height: clean.height,
                bytes: clean.jpeg.len() as i64,
                uploaded_by: &ctx.actor.user_id,
                created_at: now(),
            },
        )
        .await?;
        Ok(serde_json::json!({ "id": self.id }))
    }
}
