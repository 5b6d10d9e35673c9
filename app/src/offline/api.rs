//! The sync endpoint: the outbox posts its ops here, in order, a batch at a time.

use super::{OpEnvelope, OpReply};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "sync", input = Json)]
pub async fn sync_ops(ops: Vec<OpEnvelope>) -> Result<Vec<OpReply>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    service::apply_batch(
        &state.pool,
        &state.op_writer,
        &actor,
        &state.settings.uploads_dir,
        ops,
    )
    .await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::super::rules::{is_transient, MAX_BATCH};
    use super::super::{OfflineOp, OpEnvelope, OpOutcome, OpReply};
    use crate::auth::authz::Actor;
    use crate::error::{AppError, AppResult};
    use crate::i18n::Locale;
    use crate::state::now;
    use crate::uploads::store::Reencoded;
    use sqlx::{SqliteConnection, SqlitePool};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;
    use tokio::sync::{mpsc, oneshot};

    /// What an op is applied with besides its payload.
    pub struct OpContext<'a> {
        pub actor: &'a Actor,
        pub op_id: &'a str,
        /// The phone's time of the op corrected by its measured clock offset (information;
        /// only the check-in rule reads it, and only to allow an offline room).
        pub phone_time: i64,
        /// When the server received the batch: the time that decides rights.
        pub received_at: i64,
        /// Where uploaded photos are stored.
        pub uploads: &'a Path,
        /// The op's photos, decoded and cleaned before its transaction began.
        pub photos: &'a crate::uploads::store::Prepared,
        /// Files to write once the op is applied: a refused op leaves none on disk.
        files: std::sync::Mutex<Vec<(String, Arc<Reencoded>)>>,
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
    }

    /// How the server applies one kind of op, inside the transaction that records it.
    pub trait ApplyOp: OfflineOp {
        fn apply(
            self,
            ctx: &OpContext<'_>,
            conn: &mut SqliteConnection,
        ) -> impl std::future::Future<Output = AppResult<serde_json::Value>> + Send;

        /// Runs after a final refusal, once the op's effects are undone; what it writes is
        /// kept with the refusal (a refused check-in stays on the sheet).
        fn refused(
            self,
            _ctx: &OpContext<'_>,
            _conn: &mut SqliteConnection,
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
        conn: &mut SqliteConnection,
    ) -> AppResult<OpOutcome> {
        let decode = || serde_json::from_value::<O>(envelope.payload.clone());
        let Ok(op) = decode() else {
            return Ok(OpOutcome::Rejected(AppError::BadPayload));
        };
        let mut effects = sqlx::Acquire::begin(&mut *conn).await?;
        match op.apply(ctx, &mut effects).await {
            Ok(value) => {
                effects.commit().await?;
                Ok(OpOutcome::Applied(value))
            }
            Err(error) if is_transient(&error) => Err(error),
            Err(error) => {
                effects.rollback().await?;
                let op = decode().map_err(|_| AppError::Internal)?;
                op.refused(ctx, conn, &error).await?;
                Ok(OpOutcome::Rejected(error))
            }
        }
    }

    /// Every offline-capable op kind, one line per capability.
    async fn dispatch(
        envelope: &OpEnvelope,
        ctx: &OpContext<'_>,
        conn: &mut SqliteConnection,
    ) -> AppResult<OpOutcome> {
        use crate::meetings::{AddMeetingPhoto, CheckIn, RequestLeave};
        use crate::points::{ClaimPoints, SignUpTask, SubmitTask};
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
        use crate::wishes::{FulfilPledge, PostWish};
        [
            AddMeetingPhoto::KIND,
            ClaimPoints::KIND,
            SubmitTask::KIND,
            PostWish::KIND,
            FulfilPledge::KIND,
        ]
        .contains(&kind)
    }

    /// Ops applied in one transaction at most: a crowd checking in at once shares commits.
    const WRITE_BATCH: usize = 256;

    /// One op waiting for the writer, with everything it is applied with.
    struct Job {
        actor: Actor,
        envelope: OpEnvelope,
        received_at: i64,
        photos: crate::uploads::store::Prepared,
        uploads: PathBuf,
        reply: oneshot::Sender<AppResult<OpOutcome>>,
    }

    /// The server's one writer of ops. SQLite lets one transaction write at a time; ops
    /// racing for that lock on many connections spend the burst of a 主题党日 sleeping in
    /// its busy handler. Here they queue instead, and whatever queued while a transaction
    /// ran is applied in the next one, each op in a savepoint of its own.
    #[derive(Clone, Debug)]
    pub struct OpWriter {
        jobs: mpsc::Sender<Job>,
    }

    impl OpWriter {
        /// Starts the writer on the current tokio runtime.
        pub fn start(pool: SqlitePool) -> Self {
            let (jobs, queue) = mpsc::channel(4 * WRITE_BATCH);
            tokio::spawn(write_loop(pool, queue));
            OpWriter { jobs }
        }
    }

    async fn write_loop(pool: SqlitePool, mut queue: mpsc::Receiver<Job>) {
        while let Some(first) = queue.recv().await {
            let mut batch = vec![first];
            while batch.len() < WRITE_BATCH {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            // A panic in one batch drops its replies (each waiting request hears Retry),
            // not the writer.
            let _ = tokio::spawn(write_batch(pool.clone(), batch)).await;
        }
    }

    /// Applies a batch in one transaction and answers each op once it is committed.
    async fn write_batch(pool: SqlitePool, batch: Vec<Job>) {
        let mut tx = match crate::state::begin_write(&pool).await {
            Ok(tx) => tx,
            Err(error) => {
                let error = AppError::from(error);
                for job in batch {
                    let _ = job.reply.send(Err(error.clone()));
                }
                return;
            }
        };
        let mut answers = Vec::with_capacity(batch.len());
        for job in batch {
            let outcome = apply_in(&mut tx, &job).await;
            answers.push((job.reply, outcome));
        }
        match tx.commit().await {
            Ok(()) => {
                for (reply, outcome) in answers {
                    let _ = reply.send(outcome);
                }
            }
            Err(error) => {
                let error = AppError::from(error);
                for (reply, _) in answers {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }

    /// Applies one op at most once, in a savepoint of the batch's transaction. The op's row
    /// is inserted first, with its effects: a replay finds the recorded outcome.
    async fn apply_in(conn: &mut SqliteConnection, job: &Job) -> AppResult<OpOutcome> {
        let envelope = &job.envelope;
        let mut op = sqlx::Acquire::begin(&mut *conn).await?;
        let inserted = sqlx::query(
            "INSERT INTO applied_ops (op_id, user_id, kind, applied_at, made_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (op_id) DO NOTHING",
        )
        .bind(&envelope.op_id)
        .bind(&job.actor.user_id)
        .bind(&envelope.kind)
        .bind(job.received_at)
        .bind(envelope.phone_time())
        .execute(&mut *op)
        .await?
        .rows_affected();
        if inserted == 0 {
            op.rollback().await?;
            return recorded_outcome(conn, &job.actor, &envelope.op_id).await;
        }
        let ctx = OpContext {
            actor: &job.actor,
            op_id: &envelope.op_id,
            phone_time: envelope.phone_time(),
            received_at: job.received_at,
            uploads: &job.uploads,
            photos: &job.photos,
            files: Default::default(),
        };
        let outcome = match dispatch(envelope, &ctx, &mut op).await {
            Ok(outcome) => outcome,
            Err(error) => {
                op.rollback().await?;
                return Ok(OpOutcome::Retry(error));
            }
        };
        // An op this server does not know is answered, not kept: nothing to replay.
        if outcome == OpOutcome::Rejected(AppError::UnknownOp) {
            op.rollback().await?;
            return Ok(outcome);
        }
        if matches!(outcome, OpOutcome::Applied(_)) {
            for (id, photo) in ctx.take_files() {
                if let Err(error) =
                    crate::uploads::store::save(&job.uploads, &id, &photo.jpeg).await
                {
                    op.rollback().await?;
                    return Ok(OpOutcome::Retry(error));
                }
            }
        }
        sqlx::query("UPDATE applied_ops SET outcome = ? WHERE op_id = ?")
            .bind(serde_json::to_string(&outcome).map_err(|_| AppError::Internal)?)
            .bind(&envelope.op_id)
            .execute(&mut *op)
            .await?;
        op.commit().await?;
        Ok(outcome)
    }

    /// Applies `envelope` at most once through the writer; photos are decoded first, here,
    /// so the writer never waits for a decode.
    pub async fn apply_once(
        pool: &SqlitePool,
        writer: &OpWriter,
        actor: &Actor,
        uploads: &Path,
        envelope: &OpEnvelope,
        received_at: i64,
        photo_budget: &mut usize,
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
        // A replay is answered without decoding its photos again.
        if op_exists(pool, &envelope.op_id).await? {
            return recorded_outcome(&mut *pool.acquire().await?, actor, &envelope.op_id).await;
        }
        let (photos, used) = if carries_photos(&envelope.kind) {
            crate::uploads::store::Prepared::of(&envelope.payload, *photo_budget).await
        } else {
            Default::default()
        };
        *photo_budget -= used;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            actor: actor.clone(),
            envelope: envelope.clone(),
            received_at,
            photos,
            uploads: uploads.to_path_buf(),
            reply,
        };
        writer
            .jobs
            .send(job)
            .await
            .map_err(|_| AppError::Internal)?;
        answer.await.map_err(|_| AppError::Internal)?
    }

    async fn op_exists(pool: &SqlitePool, op_id: &str) -> AppResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM applied_ops WHERE op_id = ?")
            .bind(op_id)
            .fetch_optional(pool)
            .await?;
        Ok(found.is_some())
    }

    async fn recorded_outcome(
        conn: &mut SqliteConnection,
        actor: &Actor,
        op_id: &str,
    ) -> AppResult<OpOutcome> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT user_id, outcome FROM applied_ops WHERE op_id = ?")
                .bind(op_id)
                .fetch_optional(&mut *conn)
                .await?;
        match row {
            Some((owner, Some(outcome))) if owner == actor.user_id => {
                serde_json::from_str(&outcome).map_err(|_| AppError::Internal)
            }
            Some((owner, _)) if owner != actor.user_id => {
                Ok(OpOutcome::Rejected(AppError::Forbidden))
            }
            _ => Ok(OpOutcome::Retry(AppError::Internal)),
        }
    }

    /// Applies ops in order and stops at the first one that must be retried, so nothing
    /// after it overtakes it.
    pub async fn apply_batch(
        pool: &SqlitePool,
        writer: &OpWriter,
        actor: &Actor,
        uploads: &Path,
        ops: Vec<OpEnvelope>,
    ) -> AppResult<Vec<OpReply>> {
        let received_at = now();
        let mut photo_budget = PHOTOS_PER_REQUEST;
        let mut replies = Vec::with_capacity(ops.len().min(MAX_BATCH));
        for envelope in ops.into_iter().take(MAX_BATCH) {
            let outcome = match apply_once(
                pool,
                writer,
                actor,
                uploads,
                &envelope,
                received_at,
                &mut photo_budget,
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
                op_id: envelope.op_id,
                outcome,
                message,
            });
            if stop {
                break;
            }
        }
        Ok(replies)
    }
}
