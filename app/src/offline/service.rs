//! How the server applies the outbox's ops: each at most once, in order, at the server's
//! receipt time, in the writers' turn.

use super::rules::{is_transient, MAX_BATCH};
use super::store;
use super::{OfflineOp, OpEnvelope, OpOutcome, OpReply};
use crate::auth::authz::Actor;
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::state::now;
use crate::uploads::photos::{Photos, Reencoded};
use std::sync::Arc;

/// What an op is applied with besides its payload.
pub struct OpContext<'a> {
    pub actor: &'a Actor,
    /// The phone's time of the op corrected by its measured clock offset (information;
    /// only the check-in rule reads it, and only to allow an offline room).
    pub phone_time: i64,
    /// When the server received the batch: the time that decides rights.
    pub received_at: i64,
    /// Where photos are stored.
    pub uploads: &'a Photos,
    /// The op's photos, decoded and cleaned before its transaction began.
    pub photos: &'a crate::uploads::photos::Prepared,
    /// Files to write once the op is applied: a refused op leaves none on disk.
    files: std::sync::Mutex<Vec<(String, Arc<Reencoded>)>>,
    /// The op's row in `applied_ops` ([`OpContext::claim`]).
    new_op: store::NewOp<'a>,
    row: std::sync::Mutex<OpRow>,
}

/// Where the op's row in `applied_ops` stands in the op's transaction.
#[derive(Clone, Debug, PartialEq)]
enum OpRow {
    Unwritten,
    /// Written by this request, with the answer it was given, if any yet.
    Written(Option<OpOutcome>),
    /// Another request had recorded the op: this one must write nothing.
    RecordedBefore,
}

impl OpContext<'_> {
    /// Keeps a cleaned photo to be stored under `id` if the op is applied.
    pub fn keep_file(&self, id: &str, photo: &Arc<Reencoded>) {
        if let Ok(mut files) = self.files.lock() {
            files.push((id.to_string(), Arc::clone(photo)));
        }
    }

    fn take_files(&self) -> Vec<(String, Arc<Reencoded>)> {
        self.files
            .lock()
            .map(|mut files| std::mem::take(&mut *files))
            .unwrap_or_default()
    }

    pub fn op_id(&self) -> &str {
        self.new_op.op_id
    }

    fn row(&self) -> OpRow {
        self.row
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Writes the op's row, with `answer` when it is known already, before the op writes
    /// anything: a concurrent replay of the op (the same id, whatever its payload) waits
    /// on that row and then finds it. False when another request recorded the op first:
    /// then the op must write nothing, and its answer is that request's. True at once when
    /// the row is this request's already.
    pub async fn claim(&self, conn: &mut Conn, answer: Option<&OpOutcome>) -> AppResult<bool> {
        match self.row() {
            OpRow::Written(_) => return Ok(true),
            OpRow::RecordedBefore => return Ok(false),
            OpRow::Unwritten => {}
        }
        let text = answer
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| AppError::Internal)?;
        let written = store::insert(conn, &self.new_op, text.as_deref()).await?;
        let row = if written {
            OpRow::Written(answer.cloned())
        } else {
            OpRow::RecordedBefore
        };
        *self
            .row
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = row;
        Ok(written)
    }
}

/// How the server applies one kind of op, inside the transaction that records it.
pub trait ApplyOp: OfflineOp {
    /// True when every refusal of the op comes before its first write: a refused op
    /// then has nothing to undo, and the savepoint around it (two statements in the
    /// writers' turn) is skipped. Such an op also writes its row in `applied_ops` only
    /// once it has decided, with its answer (one statement instead of two): its `apply`
    /// must call [`OpContext::claim`] before its first write, and write nothing when that
    /// says the op was recorded before.
    const REFUSES_BEFORE_WRITING: bool = false;

    fn apply(
        self,
        ctx: &OpContext<'_>,
        conn: &mut Conn,
    ) -> impl std::future::Future<Output = AppResult<serde_json::Value>> + Send;

    /// Runs after a final refusal, once the op's effects are undone; what it writes is
    /// kept with the refusal (a refused check-in stays on the sheet).
    fn refused(
        self,
        _ctx: &OpContext<'_>,
        _conn: &mut Conn,
        _error: &AppError,
    ) -> impl std::future::Future<Output = AppResult<()>> + Send {
        async { Ok(()) }
    }
}

/// Applies one op inside a savepoint of `conn`: a refused op's effects are undone and
/// its answer kept. A transient error comes back as `Err`, for the caller to retry.
async fn run<O: ApplyOp>(
    envelope: &OpEnvelope,
    ctx: &OpContext<'_>,
    conn: &mut Conn,
) -> AppResult<OpOutcome> {
    let decode = || O::deserialize(&envelope.payload);
    let Ok(op) = decode() else {
        return Ok(OpOutcome::Rejected(AppError::BadPayload));
    };
    let undoable = !O::REFUSES_BEFORE_WRITING;
    if undoable {
        // The op's row first, before whatever the op reads to decide. Recorded before:
        // `record` answers with that request's outcome, whatever is returned here.
        if !ctx.claim(conn, None).await? {
            return Ok(OpOutcome::Retry(AppError::Internal));
        }
        conn.savepoint("op_effects").await?;
    }
    match op.apply(ctx, conn).await {
        Ok(value) => {
            if undoable {
                conn.release("op_effects").await?;
            }
            Ok(OpOutcome::Applied(value))
        }
        Err(error) => {
            // Refusing after its claim, an op that refuses before writing may have written
            // (no savepoint to undo it): only a rollback of the whole transaction is safe.
            if !undoable && matches!(ctx.row(), OpRow::Written(_)) {
                tracing::error!(
                    ?error,
                    kind = O::KIND,
                    "an op refused after it was recorded"
                );
                return Err(AppError::Internal);
            }
            // The database's own trouble leaves the transaction to be rolled back whole.
            if undoable && error != AppError::Internal {
                conn.rollback_to("op_effects").await?;
            }
            if is_transient(&error) {
                return Err(error);
            }
            // Recorded with its refusal before what the refusal writes.
            let refusal = OpOutcome::Rejected(error.clone());
            if !ctx.claim(conn, Some(&refusal)).await? {
                return Ok(refusal);
            }
            let op = decode().map_err(|_| AppError::Internal)?;
            op.refused(ctx, conn, &error).await?;
            Ok(refusal)
        }
    }
}

/// Every offline-capable op kind, one line per capability.
async fn dispatch(
    envelope: &OpEnvelope,
    ctx: &OpContext<'_>,
    conn: &mut Conn,
) -> AppResult<OpOutcome> {
    use crate::meetings::{AddMeetingPhoto, CheckIn, RequestLeave};
    use crate::points::{ClaimPoints, SignUpTask, SubmitTask};
    use crate::reviews::{CastReviewMarks, WriteSelfReview};
    use crate::stars::AddStarPhoto;
    use crate::suggestions::SubmitSuggestion;
    use crate::wishes::{
        ConfirmPledge, FulfilPledge, PledgeWish, PostWish, ReleasePledge, WithdrawWish,
    };
    match envelope.kind.as_str() {
        SubmitSuggestion::KIND => run::<SubmitSuggestion>(envelope, ctx, conn).await,
        CheckIn::KIND => run::<CheckIn>(envelope, ctx, conn).await,
        RequestLeave::KIND => run::<RequestLeave>(envelope, ctx, conn).await,
        AddMeetingPhoto::KIND => run::<AddMeetingPhoto>(envelope, ctx, conn).await,
        ClaimPoints::KIND => run::<ClaimPoints>(envelope, ctx, conn).await,
        SignUpTask::KIND => run::<SignUpTask>(envelope, ctx, conn).await,
        SubmitTask::KIND => run::<SubmitTask>(envelope, ctx, conn).await,
        PostWish::KIND => run::<PostWish>(envelope, ctx, conn).await,
        PledgeWish::KIND => run::<PledgeWish>(envelope, ctx, conn).await,
        ReleasePledge::KIND => run::<ReleasePledge>(envelope, ctx, conn).await,
        FulfilPledge::KIND => run::<FulfilPledge>(envelope, ctx, conn).await,
        ConfirmPledge::KIND => run::<ConfirmPledge>(envelope, ctx, conn).await,
        WithdrawWish::KIND => run::<WithdrawWish>(envelope, ctx, conn).await,
        WriteSelfReview::KIND => run::<WriteSelfReview>(envelope, ctx, conn).await,
        CastReviewMarks::KIND => run::<CastReviewMarks>(envelope, ctx, conn).await,
        AddStarPhoto::KIND => run::<AddStarPhoto>(envelope, ctx, conn).await,
        _ => Ok(OpOutcome::Rejected(AppError::UnknownOp)),
    }
}

/// Photos decoded for one sync request at most (a phone's batch of 3 MB holds fewer).
pub const PHOTOS_PER_REQUEST: usize = 16;

/// The kinds whose payloads carry photos: only theirs are decoded, and before the
/// transaction.
fn carries_photos(kind: &str) -> bool {
    use crate::meetings::AddMeetingPhoto;
    use crate::points::{ClaimPoints, SubmitTask};
    use crate::stars::AddStarPhoto;
    use crate::wishes::{FulfilPledge, PostWish};
    [
        AddMeetingPhoto::KIND,
        AddStarPhoto::KIND,
        ClaimPoints::KIND,
        SubmitTask::KIND,
        PostWish::KIND,
        FulfilPledge::KIND,
    ]
    .contains(&kind)
}

/// Applies `envelope` at most once. The op's row is written in the same transaction as its
/// effects and before the first of them ([`OpContext::claim`]): a concurrent replay waits
/// for that transaction and then finds the recorded outcome. A check-in that names no
/// meeting (see [`turn`]) is answered before that, every time the same, since meetings are
/// never deleted.
pub async fn apply_once(
    pool: &Pool,
    actor: &Actor,
    uploads: &Photos,
    envelope: OpEnvelope,
    received_at: i64,
    photo_budget: &mut usize,
    storage_up: &mut bool,
) -> AppResult<OpOutcome> {
    if uuid::Uuid::parse_str(&envelope.op_id).is_err() {
        return Ok(OpOutcome::Rejected(AppError::BadPayload));
    }
    // Made by someone else on a shared phone: not this session's to send, and not
    // recorded, so its maker can still send it once signed in again.
    if envelope
        .user_id
        .as_ref()
        .is_some_and(|maker| maker != &actor.user_id)
    {
        return Ok(OpOutcome::Retry(AppError::OpOfAnotherUser));
    }
    // A replay is answered without decoding its photos again. (Any other replay finds
    // its row in `record`, a read fewer for the crowd of a 主题党日.)
    let (photos, used) = if carries_photos(&envelope.kind) {
        if store::exists(pool, &envelope.op_id).await? {
            return recorded_outcome(pool, actor, &envelope.op_id).await;
        }
        crate::uploads::photos::Prepared::of(&envelope.payload, *photo_budget).await
    } else {
        Default::default()
    };
    *photo_budget -= used;
    let key = match turn(pool, &envelope).await? {
        Turn::Keyed(key) => Some(key),
        Turn::WithAll => None,
        Turn::Answered(error) => return Ok(OpOutcome::Rejected(error)),
    };
    let op_id = envelope.op_id.clone();
    let (actor_of_op, uploads_of_op) = (actor.clone(), uploads.clone());
    let recorded = pool
        .write_grouped(key.as_deref(), move |conn| {
            Box::pin(async move {
                record(
                    conn,
                    &actor_of_op,
                    &uploads_of_op,
                    &envelope,
                    received_at,
                    &photos,
                )
                .await
            })
        })
        .await?;
    let (outcome, files) = match recorded {
        Recorded::Now { outcome, files } => (outcome, files),
        Recorded::Before => return recorded_outcome(pool, actor, &op_id).await,
    };
    // Served from the database meanwhile; the timer moves what is left. Once storage
    // has failed, the rest of the request does not wait for it again.
    for (id, photo) in &files {
        if !*storage_up {
            break;
        }
        if let Err(error) =
            crate::uploads::service::store_pending(pool, uploads, id, &photo.jpeg).await
        {
            tracing::warn!(?error, photo = %id, "photo left pending");
            *storage_up = false;
        }
    }
    Ok(outcome)
}

/// What the transaction of an op found.
enum Recorded {
    /// Applied or refused now, with the photos to move into storage.
    Now {
        outcome: OpOutcome,
        files: Vec<(String, Arc<Reencoded>)>,
    },
    /// Another request recorded the op first.
    Before,
}

/// The op's row, its effects and its outcome, in the transaction `conn` is in. An op
/// to be retried leaves nothing behind, so it does not spoil the other writes sharing
/// the transaction ([`Pool::write_grouped`]); an `Err` is the database's trouble.
async fn record(
    conn: &mut Conn,
    actor: &Actor,
    uploads: &Photos,
    envelope: &OpEnvelope,
    received_at: i64,
    photos: &crate::uploads::photos::Prepared,
) -> AppResult<Recorded> {
    let ctx = OpContext {
        actor,
        phone_time: envelope.phone_time(),
        received_at,
        uploads,
        photos,
        files: Default::default(),
        new_op: store::NewOp {
            op_id: &envelope.op_id,
            user_id: &actor.user_id,
            kind: &envelope.kind,
            applied_at: received_at,
            made_at: envelope.phone_time(),
        },
        row: std::sync::Mutex::new(OpRow::Unwritten),
    };
    let outcome = match dispatch(envelope, &ctx, conn).await {
        Ok(outcome) => outcome,
        // Whatever the op wrote is undone by now (its savepoint, or it refuses before
        // writing); an error of the database's may have left more and spoils the
        // transaction.
        Err(AppError::Internal) => return Err(AppError::Internal),
        Err(error) => {
            if recorded_before(conn, &ctx).await? {
                return Ok(Recorded::Before);
            }
            forget(conn, &ctx).await?;
            return Ok(Recorded::Now {
                outcome: OpOutcome::Retry(error),
                files: Vec::new(),
            });
        }
    };
    // An op this server does not know is answered, not kept: nothing to replay.
    if outcome == OpOutcome::Rejected(AppError::UnknownOp) {
        if recorded_before(conn, &ctx).await? {
            return Ok(Recorded::Before);
        }
        forget(conn, &ctx).await?;
        return Ok(Recorded::Now {
            outcome,
            files: Vec::new(),
        });
    }
    if ctx.row() == OpRow::RecordedBefore {
        return Ok(Recorded::Before);
    }
    // The photos go into storage after the commit, not under the write lock: until then
    // they are kept in the transaction itself, so the record never lacks its picture.
    let files = match outcome {
        OpOutcome::Applied(_) => ctx.take_files(),
        _ => Vec::new(),
    };
    for (id, photo) in &files {
        crate::uploads::service::keep_pending(&mut *conn, id, &photo.jpeg).await?;
    }
    match ctx.row() {
        OpRow::Written(Some(answer)) if answer == outcome => {}
        OpRow::Written(_) => {
            let answer = serde_json::to_string(&outcome).map_err(|_| AppError::Internal)?;
            store::set_outcome(conn, &envelope.op_id, &answer).await?;
        }
        // Decided without writing anything (an op that refuses before writing, answered
        // from what is there; a payload that does not decode): the row and its answer in
        // one statement, unless another request recorded the op meanwhile.
        OpRow::Unwritten => {
            if !ctx.claim(conn, Some(&outcome)).await? {
                return Ok(Recorded::Before);
            }
        }
        OpRow::RecordedBefore => return Ok(Recorded::Before),
    }
    Ok(Recorded::Now { outcome, files })
}

/// Whether an op answered without claiming its row (put off, or of a kind not known) had
/// been recorded before: a replay gets its recorded answer, not a new one (a refused
/// check-in replayed once its member is being slowed down).
async fn recorded_before(conn: &mut Conn, ctx: &OpContext<'_>) -> AppResult<bool> {
    Ok(match ctx.row() {
        OpRow::Unwritten => store::exists(&mut *conn, ctx.op_id()).await?,
        OpRow::Written(_) => false,
        OpRow::RecordedBefore => true,
    })
}

/// Takes back the op's row, if this request wrote it, for an op that is answered but not
/// kept.
async fn forget(conn: &mut Conn, ctx: &OpContext<'_>) -> AppResult<()> {
    if matches!(ctx.row(), OpRow::Written(_)) {
        store::delete(conn, ctx.op_id()).await?;
    }
    Ok(())
}

/// Where an op's transaction takes its turn.
enum Turn {
    /// Only with writers of the same key (and every unkeyed one).
    Keyed(String),
    /// With all writers.
    WithAll,
    /// In none: the op is answered without a transaction, and not kept.
    Answered(AppError),
}

/// A check-in, the whole crowd of a 主题党日 at once, takes turns only with check-ins of its
/// meeting's branch; every other op with all writers. (SQLite has one writer at a time
/// whatever the key.) A check-in that names no meeting of ours, or none at all, changes
/// nothing whenever it is sent, so it is answered at once: queued for a writer's turn like
/// any other op, a signed-in member's few hundred of them a batch would hold up every
/// branch's crowd.
async fn turn(pool: &Pool, envelope: &OpEnvelope) -> AppResult<Turn> {
    use crate::meetings::CheckIn;
    use serde::Deserialize;
    if envelope.kind != CheckIn::KIND {
        return Ok(Turn::WithAll);
    }
    let Ok(op) = CheckIn::deserialize(&envelope.payload) else {
        return Ok(Turn::Answered(AppError::BadPayload));
    };
    Ok(
        match crate::meetings::service::meeting_turn_key(pool, &op.meeting_id).await? {
            Some(branch) => Turn::Keyed(branch),
            None => Turn::Answered(AppError::NotFound),
        },
    )
}

async fn recorded_outcome(pool: &Pool, actor: &Actor, op_id: &str) -> AppResult<OpOutcome> {
    match store::owner_and_outcome(pool, op_id).await? {
        Some((owner, Some(outcome))) if owner == actor.user_id => {
            serde_json::from_str(&outcome).map_err(|_| AppError::Internal)
        }
        Some((owner, _)) if owner != actor.user_id => Ok(OpOutcome::Rejected(AppError::Forbidden)),
        _ => Ok(OpOutcome::Retry(AppError::Internal)),
    }
}

/// Applies ops in order and stops at the first one that must be retried, so nothing
/// after it overtakes it.
pub async fn apply_batch(
    pool: &Pool,
    actor: &Actor,
    uploads: &Photos,
    ops: Vec<OpEnvelope>,
) -> AppResult<Vec<OpReply>> {
    let received_at = now();
    let mut photo_budget = PHOTOS_PER_REQUEST;
    let mut storage_up = true;
    let mut replies = Vec::with_capacity(ops.len().min(MAX_BATCH));
    for envelope in ops.into_iter().take(MAX_BATCH) {
        let op_id = envelope.op_id.clone();
        let outcome = match apply_once(
            pool,
            actor,
            uploads,
            envelope,
            received_at,
            &mut photo_budget,
            &mut storage_up,
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(error) => OpOutcome::Retry(error),
        };
        let stop = matches!(outcome, OpOutcome::Retry(_));
        let message = match &outcome {
            OpOutcome::Rejected(error) => Some(error.message(Locale::Zh).to_string()),
            _ => None,
        };
        replies.push(OpReply {
            op_id,
            outcome,
            message,
        });
        if stop {
            break;
        }
    }
    Ok(replies)
}
