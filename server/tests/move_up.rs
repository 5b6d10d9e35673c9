//! Moving up: a county's SQLite database, a year of records in it, copied into
//! PostgreSQL and verified. Runs in the PostgreSQL pass of the test command.

mod support;

use app::db::move_up::{move_up, MoveError};
use app::db::Pool;
use support::*;

#[tokio::test]
async fn a_county_moves_up_with_every_row_and_the_ledger_intact() {
    if !on_postgres() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let county = Pool::open(&format!("sqlite://{}", dir.join("county.db").display()))
        .await
        .unwrap();
    lived_in_county(&county, &dir).await;
    // A photo a storage outage left in the database moves with it, bytes and all.
    let pending = vec![0xFF, 0xD8, 0x00, 0x01, 0xFF, 0xD9];
    app::db::query("INSERT INTO pending_photos (id, jpeg, created_at) VALUES ('p', ?, 1)")
        .bind(pending.clone())
        .execute(&county)
        .await
        .unwrap();
    let province = Pool::open(&fresh_database_url(&dir).await).await.unwrap();

    let report = move_up(&county, &province).await.unwrap();
    let moved: Vec<u8> = app::db::query_scalar("SELECT jpeg FROM pending_photos WHERE id = 'p'")
        .fetch_one(&province)
        .await
        .unwrap();
    assert_eq!(moved, pending);
    // Planner statistics come with the copy, not a minute into the first day's traffic.
    let analysed: bool = app::db::query_scalar(
        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'attendance'",
    )
    .fetch_one(&province)
    .await
    .unwrap();
    assert!(analysed, "the copied tables are analysed");
    for table in [
        "users",
        "meetings",
        "attendance",
        "point_entries",
        "wishes",
        "wish_pledges",
        "leave_requests",
    ] {
        let rows: i64 = app::db::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&province)
            .await
            .unwrap();
        assert!(rows > 0, "{table} has rows in the demo year");
        assert_eq!(report.rows[table], rows, "{table}");
    }
    let ledger = "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries";
    let county_total: i64 = app::db::query_scalar(ledger)
        .fetch_one(&county)
        .await
        .unwrap();
    let province_total: i64 = app::db::query_scalar(ledger)
        .fetch_one(&province)
        .await
        .unwrap();
    assert_eq!(
        (report.ledger_total, province_total),
        (county_total, county_total)
    );
    let reversals: i64 =
        app::db::query_scalar("SELECT COUNT(*) FROM point_entries WHERE reverses IS NOT NULL")
            .fetch_one(&province)
            .await
            .unwrap();
    assert_eq!(
        reversals, 1,
        "a reversal arrives after the entry it reverses"
    );

    // The copy is the province's now: a second move would mix two counties.
    assert!(matches!(
        move_up(&county, &province).await,
        Err(MoveError::TargetNotEmpty)
    ));
    assert!(matches!(
        move_up(&province, &county).await,
        Err(MoveError::Engines)
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The driver speaks TLS: `sslmode=require` connects encrypted (the test cluster serves
/// Debian's self-signed certificate), and `verify-full` refuses a certificate that no
/// known authority signed.
#[tokio::test]
async fn a_postgres_connection_can_require_tls() {
    if !on_postgres() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    let url = fresh_database_url(&dir).await;
    let encrypted = Pool::open(&format!("{url}?sslmode=require")).await.unwrap();
    let ssl: bool =
        app::db::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&encrypted)
            .await
            .unwrap();
    assert!(ssl, "the connection is encrypted");
    assert!(
        Pool::connect(&format!("{url}?sslmode=verify-full"))
            .await
            .is_err(),
        "a self-signed certificate is not trusted"
    );
}
