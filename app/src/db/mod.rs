//! What belongs to the database as a whole rather than to one capability.

use sqlx::SqlitePool;

/// Claims tick `tick` of the periodic job `name` for `holder`: true for exactly one
/// claimant per tick, however many servers share the database, because the row's key
/// decides (an insert either lands or meets the row another server wrote).
pub async fn claim_tick(
    pool: &SqlitePool,
    name: &str,
    tick: i64,
    holder: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO timer_ticks (name, tick, holder, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name, tick) DO NOTHING",
    )
    .bind(name)
    .bind(tick)
    .bind(holder)
    .bind(crate::state::now())
    .execute(pool)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Forgets claimed ticks that started before `before` (UTC seconds).
pub async fn forget_ticks(pool: &SqlitePool, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM timer_ticks WHERE started_at < $1")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(())
}
