//! clausier: social insertion clauses in French public contracts.
//!
//! `build_rocket` assembles the whole application from a validated `Config`; the binary and
//! the tests both use it.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod jobs;
#[cfg(test)]
mod layers;
pub mod openapi;
pub mod pages;
pub mod reminders;
pub mod reports;
pub mod seed;
pub mod store;
pub mod xlsx_samples;

use std::time::Instant;

use rocket::data::ToByteUnit;
use rocket::fairing::{AdHoc, Fairing, Info, Kind};
use rocket::figment::providers::{Env, Format, Toml};
use rocket::figment::{Figment, Profile};
use rocket::{Build, Data, Request, Response, Rocket};

use crate::auth::password::HashLimiter;
use crate::auth::TokenKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;

/// The key under which a generated JWT secret is kept in the database.
const JWT_SECRET_KEY: &str = "jwt_secret";

/// Rocket's own settings: built-in defaults (so the binary runs from any folder), raised
/// body limits for uploads, then Rocket.toml (or ROCKET_CONFIG) and ROCKET_* variables.
pub fn rocket_figment() -> Figment {
    let limits = rocket::data::Limits::default()
        .limit("json", 20.mebibytes())
        .limit("bytes", 20.mebibytes())
        .limit("string", 20.mebibytes())
        .limit("data-form", 21.mebibytes())
        .limit("file", 20.mebibytes())
        .limit("form", 64.kibibytes());
    let profile = Profile::from_env_or("ROCKET_PROFILE", rocket::Config::DEFAULT_PROFILE);
    Figment::from(rocket::Config::default())
        .merge(("limits", limits))
        .merge(("log_level", rocket::config::LogLevel::Off))
        .merge(("cli_colors", false))
        .merge(Toml::file(Env::var_or("ROCKET_CONFIG", "Rocket.toml")).nested())
        .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
        .select(profile)
}

/// Opens the database, applies migrations, loads the signing key, and builds the app.
/// The service as run: the system clock.
pub fn build_rocket(config: Config) -> anyhow::Result<Rocket<Build>> {
    build_rocket_with(config, rocket_figment(), Clock::system())
}

/// The service on a given clock (tests choose the date they run on).
pub fn build_rocket_with(
    config: Config,
    figment: Figment,
    clock: Clock,
) -> anyhow::Result<Rocket<Build>> {
    // Rocket logs through the `log` crate and installs its own logger when none is set: send
    // its records to `tracing` instead, where `log_filter` keeps one line per request. (The
    // binary's `init_logging` has already done so; this covers embedders such as the tests.)
    let _ = tracing_log::LogTracer::init();
    let pool = db::build_pool(&config.database, config.database_pool_size)?;
    let secret = {
        let mut conn = pool.get().map_err(|e| {
            anyhow::anyhow!("cannot connect to {}: {e}", config.database.redacted())
        })?;
        db::run_migrations(&mut conn)?;
        match &config.jwt_secret {
            Some(s) => s.clone(),
            None => store::settings::get_or_init(
                &mut conn,
                JWT_SECRET_KEY,
                auth::token::generate_secret,
            )
            .map_err(|e| anyhow::anyhow!("cannot read or store the signing key: {e}"))?,
        }
    };
    let keys = TokenKeys::new(secret.as_bytes(), config.token_ttl_seconds);
    reminders::scheduler::check(&config)?;
    let mailer = reminders::Mailer::from_config(&config)?;
    tracing::info!("{}", mailer.describe());
    let v1 = api::v1_routes();
    let spec = openapi::document(&v1);
    let hash_limiter =
        HashLimiter::new(config.password_hash_concurrency, config.password_hash_queue);
    let rocket = rocket::custom(figment)
        .manage(Db::new(pool, clock.clone()))
        .manage(clock)
        .manage(keys)
        .manage(hash_limiter)
        .manage(auth::CallerCache::default())
        .manage(app::report_cache::ReportCache::default())
        .manage(app::read_log::RecentReads::default())
        .manage(config)
        .manage(mailer)
        .manage(reminders::scheduler::SchedulerHandle::default())
        .attach(RequestLog)
        .attach(AdHoc::on_liftoff("scheduler", |rocket| {
            Box::pin(async move {
                let (Some(db), Some(config), Some(mailer), Some(handle)) = (
                    rocket.state::<Db>(),
                    rocket.state::<Config>(),
                    rocket.state::<reminders::Mailer>(),
                    rocket.state::<reminders::scheduler::SchedulerHandle>(),
                ) else {
                    return;
                };
                let started =
                    reminders::scheduler::start(db.clone(), mailer.clone(), config.clone()).await;
                match started {
                    Ok(Some(s)) => handle.set(s).await,
                    Ok(None) => tracing::info!("scheduled jobs are disabled"),
                    Err(e) => tracing::error!("cannot start the scheduler: {e:#}"),
                }
            })
        }))
        .attach(AdHoc::on_shutdown("scheduler stop", |rocket| {
            Box::pin(async move {
                if let Some(handle) = rocket.state::<reminders::scheduler::SchedulerHandle>() {
                    handle.stop().await;
                }
            })
        }))
        .attach(AdHoc::on_liftoff("announce", |rocket| {
            Box::pin(async move {
                let c = rocket.config();
                tracing::info!("clausier listening on http://{}:{}", c.address, c.port);
            })
        }))
        .mount("/", rocket::routes![api::health, api::ready])
        .mount("/api/v1", v1)
        .mount("/", pages::routes())
        .mount("/", openapi::routes(spec))
        .register("/", rocket::catchers![api::problem_catcher]);
    Ok(rocket)
}

/// One log line per request: method, route template, status, duration. The template (not the
/// URI) is logged so that no query value or person's data ends up in the logs.
struct RequestLog;

#[derive(Clone, Copy)]
struct Started(Option<Instant>);

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "request log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Started(Some(Instant::now())));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // API answers carry the caller's data (people, hours): never kept by a cache.
        if req.uri().path().starts_with("/api/") && !res.headers().contains("Cache-Control") {
            res.set_raw_header("Cache-Control", "no-store");
        }
        let elapsed = req
            .local_cache(|| Started(None))
            .0
            .map(|t| t.elapsed().as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        let route = req
            .route()
            .map(|r| r.uri.path().to_string())
            .unwrap_or_else(|| "(no route)".into());
        tracing::info!(
            target: "clausier::request",
            "{} {} {} {:.1}ms",
            req.method(),
            route,
            res.status().code,
            elapsed
        );
    }
}

/// Whether a log record is one of Rocket's remarks about a request: the guard that failed
/// (with a debug dump of its error, which may quote what the client sent), the catcher chosen,
/// "no matching routes", a client that left mid-download (targets ending in `::_`: Rocket's
/// indented lines, its generated route code included), and the request's URI with its query
/// (`rocket::server` at `info`). The request line of `RequestLog` says all of that in one line
/// (method, route template, status) without the query; server errors are logged by our code
/// with their cause (database errors in `src/error.rs`), and a handler's panic by the panic
/// hook. Rocket's warnings and errors that are not about one request (a connection that
/// failed, the launch, the shutdown) stay.
pub fn is_rocket_request_remark(meta: &tracing::Metadata<'_>) -> bool {
    let target = meta.target();
    target == "_"
        || target.ends_with("::_")
        || (target.starts_with("rocket::server") && *meta.level() > tracing::Level::WARN)
}

/// The filter of the service's logs: `RUST_LOG` (default `info`, Rocket's own lines from
/// `warn`), without Rocket's per-request remarks, so that each request logs one line.
pub fn log_filter<S>() -> impl tracing_subscriber::layer::Filter<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use tracing_subscriber::filter::{filter_fn, FilterExt};
    let env = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,rocket=warn,r2d2=warn,tokio_cron_scheduler=warn")
    });
    env.and(filter_fn(|meta| !is_rocket_request_remark(meta)))
}

/// Logs to stdout, one line per request, `RUST_LOG` style filter, `info` by default.
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_filter(log_filter());
    let _ = tracing_subscriber::registry().with(layer).try_init();
}
