//! Periodic work: 应到 is fixed when a meeting starts, also when nobody opens the meeting
//! then; attendance points are given once it has ended; wishes expire and unanswered
//! fulfilments are confirmed after their branch's period; failed logins older than a day
//! are forgotten; photos left pending by a storage outage are moved into storage. Any number of servers may share the database: each tick runs on the one
//! server that claims it first.

use app::db::Pool;
use app::state::now;
use app::uploads::store::Photos;
use std::time::Duration;

pub const PERIOD: Duration = Duration::from_secs(30);
const JOB: &str = "timers";
const TICKS_KEPT_SECS: i64 = 24 * 3600;

/// Runs the periodic work every `period` for as long as the server runs.
pub async fn run(pool: Pool, photos: Photos, period: Duration) {
    // Who claimed a tick, for whoever reads `timer_ticks`: one id per server process.
    let holder = app::state::new_id();
    let mut interval = tokio::time::interval(period);
    loop {
        interval.tick().await;
        run_tick(&pool, &photos, &holder, tick_at(now(), period)).await;
    }
}

/// The tick a time falls in, by the server's clock: servers whose clocks agree to within a
/// period share their ticks.
pub fn tick_at(secs: i64, period: Duration) -> i64 {
    secs / period.as_secs().max(1) as i64
}

/// Runs tick `tick` if `holder` is first to claim it; whether it ran. One job's failure
/// does not keep the others from running.
pub async fn run_tick(pool: &Pool, photos: &Photos, holder: &str, tick: i64) -> bool {
    match app::db::claim_tick(pool, JOB, tick, holder).await {
        Ok(true) => {}
        Ok(false) => return false,
        Err(error) => {
            tracing::warn!(%error, "claiming the timer tick failed");
            return false;
        }
    }
    if let Err(error) = app::meetings::service::freeze_started(pool).await {
        tracing::warn!(%error, "freezing started meetings failed");
    }
    if let Err(error) = app::points::service::award_ended_meetings(pool).await {
        tracing::warn!(%error, "attendance points failed");
    }
    if let Err(error) = app::wishes::service::tick(pool).await {
        tracing::warn!(%error, "wish timer failed");
    }
    if let Err(error) = app::auth::session::forget_old_attempts(pool).await {
        tracing::warn!(%error, "clearing old login attempts failed");
    }
    if let Err(error) = app::uploads::store::store_all_pending(pool, photos).await {
        tracing::warn!(?error, "moving pending photos into storage failed");
    }
    if let Err(error) = app::db::forget_ticks(pool, now() - TICKS_KEPT_SECS).await {
        tracing::warn!(%error, "forgetting old timer ticks failed");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_whose_clocks_agree_share_a_tick() {
        assert_eq!(tick_at(60, PERIOD), 2);
        assert_eq!(tick_at(89, PERIOD), 2);
        assert_eq!(tick_at(90, PERIOD), 3);
        assert_eq!(tick_at(5, Duration::from_secs(0)), 5);
    }
}
