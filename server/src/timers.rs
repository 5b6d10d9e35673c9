//! Periodic work: 应到 is fixed when a meeting starts, also when nobody opens the meeting
//! then; attendance points are given once it has ended; wishes expire and unanswered
//! fulfilments are confirmed after their branch's period; failed logins older than a day
//! are forgotten; photos left pending by a storage outage are moved into storage; at night
//! the planner statistics of the tables a 主题党日 burst writes are gathered. Any number of
//! servers may share the database: each tick, and each night's statistics, run on the one
//! server that claims them first.

use app::db::Pool;
use app::shell::time::SHANGHAI_OFFSET_SECS;
use app::state::now;
use app::uploads::photos::Photos;
use std::time::Duration;

pub const PERIOD: Duration = Duration::from_secs(30);
const JOB: &str = "timers";
const TICKS_KEPT_SECS: i64 = 24 * 3600;
const STATISTICS_JOB: &str = "statistics";
/// Shanghai hours in which the burst tables' statistics are gathered: no branch meets then.
const STATISTICS_HOURS: std::ops::Range<i64> = 3..5;

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
    if !claimed(pool, JOB, tick, holder).await {
        return false;
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
    if let Err(error) = app::uploads::service::store_all_pending(pool, photos).await {
        tracing::warn!(?error, "moving pending photos into storage failed");
    }
    if let Err(error) = app::db::forget_ticks(pool, now() - TICKS_KEPT_SECS).await {
        tracing::warn!(%error, "forgetting old timer ticks failed");
    }
    refresh_statistics_at_night(pool, holder, now()).await;
    true
}

/// Whether `holder` claimed tick `tick` of `job`; a claim that fails counts as another's.
async fn claimed(pool: &Pool, job: &str, tick: i64, holder: &str) -> bool {
    match app::db::claim_tick(pool, job, tick, holder).await {
        Ok(claimed) => claimed,
        Err(error) => {
            tracing::warn!(%error, job, "claiming a timer tick failed");
            false
        }
    }
}

/// The night (its Shanghai day number) whose statistics may be gathered at `secs`, if
/// `secs` falls within [`STATISTICS_HOURS`].
pub fn statistics_night(secs: i64) -> Option<i64> {
    let local = secs + SHANGHAI_OFFSET_SECS;
    STATISTICS_HOURS
        .contains(&(local.rem_euclid(86_400) / 3_600))
        .then(|| local.div_euclid(86_400))
}

/// Gathers the burst tables' statistics if `secs` is at night and no server has done so
/// this night yet; whether this server did. A failure waits for the next night (the
/// tables keep the statistics they had).
pub async fn refresh_statistics_at_night(pool: &Pool, holder: &str, secs: i64) -> bool {
    let Some(night) = statistics_night(secs) else {
        return false;
    };
    if !claimed(pool, STATISTICS_JOB, night, holder).await {
        return false;
    }
    if let Err(error) = app::db::refresh_statistics(pool).await {
        tracing::warn!(%error, "gathering the burst tables' statistics failed");
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

    #[test]
    fn statistics_are_gathered_between_three_and_five_in_shanghai() {
        // 2026-01-01T00:00:00Z is 08:00 in Shanghai, on day 20,454 since 1970.
        let new_year = 1_767_225_600;
        let day = 20_454;
        assert_eq!(statistics_night(new_year), None, "08:00");
        assert_eq!(statistics_night(new_year - 5 * 3_600), Some(day), "03:00");
        assert_eq!(
            statistics_night(new_year - 3 * 3_600 - 1),
            Some(day),
            "04:59:59"
        );
        assert_eq!(statistics_night(new_year - 3 * 3_600), None, "05:00");
        assert_eq!(statistics_night(new_year - 5 * 3_600 - 1), None, "02:59:59");
        // 19:00 UTC is 03:00 of the next day in Shanghai: that day's night.
        assert_eq!(statistics_night(new_year + 19 * 3_600), Some(day + 1));
    }
}
