use app::state::AppState;
use app::uploads::photos::Photos;
use server::{backup, config::Config, leptos_options, router, seed, settings};
use std::{net::SocketAddr, path::PathBuf, process::ExitCode};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "zhibu — 支部通 server

USAGE:
  zhibu [serve]                 run the web app (default)
  zhibu migrate                 create or update the database and exit
  zhibu seed-demo               add the demo: organisation, people and a year of records
  zhibu create-admin --phone P --name N --org ORG
                                make P an admin of the 党委 ORG (created if missing);
                                the password is read from ZHIBU_ADMIN_PASSWORD or stdin
  zhibu backup FILE             write a consistent copy of the SQLite database to FILE
                                (PostgreSQL: pg_dump, see docs/deployment.md)
  zhibu move-up --to URL        copy the SQLite database into the empty PostgreSQL
                                database at URL, verified by row counts and ledger sums

Configuration: zhibu.toml (or ZHIBU_CONFIG), then DATABASE_URL (sqlite://… or
postgres://…), ZHIBU_ADDRESS,
ZHIBU_DATA_DIR, ZHIBU_SECURE_COOKIES, ZHIBU_ALLOWED_ORIGINS, ZHIBU_LOG_JSON.
ZHIBU_SEED_DEMO=1 seeds the demo (a branch's year, today's meeting open) when serving
into an empty database; ZHIBU_SEED_DEMO=base only its organisation and people.";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config);
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(config).await,
        Some("migrate") => open(&config)
            .await
            .map(|_| println!("database is up to date")),
        Some("seed-demo") => seed_demo(&config).await,
        Some("create-admin") => create_admin(&config, &args[1..]).await,
        Some("backup") => match args.get(1) {
            Some(file) => run_backup(&config, PathBuf::from(file)).await,
            None => Err("backup needs a target FILE".into()),
        },
        Some("move-up") => match flag(&args, "--to") {
            Some(url) => move_up(&config, url).await,
            None => Err("move-up needs --to postgres://…".into()),
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other}\n\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(config: &Config) -> Result<app::db::Pool, BoxError> {
    let url = config.database_url();
    if app::db::engine_of(&url) == Some(app::db::Engine::Sqlite) {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    Ok(app::db::Pool::open(&url).await?)
}

async fn seed_demo(config: &Config) -> Result<(), BoxError> {
    let pool = open(config).await?;
    seed_lived_in(&pool, &config.photos()?).await
}

/// The demo organisation with a year of its life, and today's meeting open for check-in;
/// a database with accounts of its own is left alone.
async fn seed_lived_in(pool: &app::db::Pool, uploads: &Photos) -> Result<(), BoxError> {
    let report = seed::seed_demo(pool).await?;
    if !report.refused {
        if !server::demo::has_history(pool).await? {
            server::demo::seed_history(pool, uploads).await?;
        }
        server::demo::live_meeting(pool).await?;
    }
    print_seed(report);
    Ok(())
}

fn print_seed(report: seed::SeedReport) {
    if report.refused {
        println!("the database already holds accounts of its own: the demo is not added");
        return;
    }
    if !report.created {
        println!("demo data already present; passwords were printed when it was created");
        return;
    }
    println!(
        "demo data created; every demo account's password is {}",
        seed::DEMO_PASSWORD
    );
    for (phone, name, role) in report.accounts {
        println!("  {phone}  {name}  {role}");
    }
}

async fn serve(config: Config) -> Result<(), BoxError> {
    let pool = open(&config).await?;
    let settings = settings(&config)?;
    // "1": the lived-in demo; "base": its people only, for the browser tests.
    match std::env::var("ZHIBU_SEED_DEMO").as_deref() {
        Ok("1") => seed_lived_in(&pool, &settings.photos).await?,
        Ok("base") => print_seed(seed::seed_demo(&pool).await?),
        _ => {}
    }
    let photos = settings.photos.clone();
    let state = AppState::new(leptos_options(&config), pool.clone(), settings);
    let app = router(state, config.allowed_origins.clone());
    tokio::spawn(server::timers::run(
        pool.clone(),
        photos,
        server::timers::PERIOD,
    ));
    let listener = server::listen(config.address)?;
    tracing::info!(address = %config.address, "listening on http://{}", config.address);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

async fn create_admin(config: &Config, args: &[String]) -> Result<(), BoxError> {
    let (Some(phone), Some(name), Some(org)) = (
        flag(args, "--phone"),
        flag(args, "--name"),
        flag(args, "--org"),
    ) else {
        return Err(format!("create-admin needs --phone, --name and --org\n\n{USAGE}").into());
    };
    let password = match std::env::var("ZHIBU_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password:");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let pool = open(config).await?;
    let user_id = server::seed::create_admin(&pool, phone, name, org, password).await?;
    println!("{phone} is now an admin of {org} (user {user_id})");
    Ok(())
}

async fn move_up(config: &Config, target_url: &str) -> Result<(), BoxError> {
    let source = open(config).await?;
    let target = app::db::Pool::open(target_url).await?;
    let report = app::db::move_up::move_up(&source, &target).await?;
    for (table, rows) in &report.rows {
        println!("  {table:<24} {rows:>9} rows");
    }
    println!(
        "copied and verified (rows per table, ledger sums per member; total {} points)",
        report.ledger_total
    );
    println!("now point DATABASE_URL at the PostgreSQL database and start the servers");
    Ok(())
}

async fn run_backup(config: &Config, target: PathBuf) -> Result<(), BoxError> {
    let pool = open(config).await?;
    backup(&pool, &target).await?;
    println!("backup written to {}", target.display());
    Ok(())
}
