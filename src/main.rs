//! The clausier binary: `serve` (default), `migrate`, `create-user`.

use std::process::ExitCode;

use clausier::auth::password::{check_password_strength, generate_password, hash_password};
use clausier::auth::{FunderScope, Role};
use clausier::clock::Clock;
use clausier::config::Config;
use clausier::store::users::{self, NewUser};
use clausier::{build_rocket, db};

const USAGE: &str = "usage: clausier [serve]
       clausier migrate
       clausier anonymise
       clausier demo                      fill an empty database with a demo territory, then serve
       clausier bench-data --scale departement|national [--years N] [--seed S]
       clausier reminders run [--now RFC3339]
       clausier create-user --structure NAME --role admin|facilitator|contractor|funder --email E
                            [--password P] [--organisation ID] [--scope structures:ID,ID|territory:CODE|all]

Configuration: Rocket.toml and CLAUSIER_* variables (see README.md).";

fn main() -> ExitCode {
    limit_malloc_arenas();
    clausier::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(),
        Some("migrate") => migrate(),
        Some("create-user") => create_user(&args[1..]),
        Some("anonymise") => anonymise(),
        Some("demo") => demo(),
        Some("bench-data") => bench_data(&args[1..]),
        Some("reminders") => reminders(&args[1..]),
        Some("-h") | Some("--help") | Some("help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clausier: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config() -> anyhow::Result<Config> {
    Config::load().map_err(|e| anyhow::anyhow!(e))
}

fn serve() -> anyhow::Result<()> {
    let config = load_config()?;
    tracing::info!("database: {}", config.database.redacted());
    let rocket = build_rocket(config)?;
    rocket::execute(async move { rocket.launch().await })
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("server failed: {e}"))
}

fn migrate() -> anyhow::Result<()> {
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if applied.is_empty() {
        println!("{}: up to date", config.database.redacted());
    } else {
        for m in applied {
            println!("applied {m}");
        }
    }
    Ok(())
}

/// Reads `--name value` pairs.
fn flags(args: &[String]) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let name = a
            .strip_prefix("--")
            .ok_or_else(|| anyhow::anyhow!("unexpected argument `{a}`\n{USAGE}"))?;
        let value = it
            .next()
            .ok_or_else(|| anyhow::anyhow!("--{name} needs a value"))?;
        out.insert(name.to_string(), value.clone());
    }
    Ok(out)
}

fn create_user(args: &[String]) -> anyhow::Result<()> {
    let f = flags(args)?;
    let get = |k: &str| {
        f.get(k)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("--{k} is required\n{USAGE}"))
    };
    let structure = get("structure")?;
    let role_text = get("role")?;
    let role = Role::parse(&role_text).ok_or_else(|| {
        anyhow::anyhow!("--role `{role_text}`: expected admin, facilitator, contractor or funder")
    })?;
    let email = get("email")?;
    if email.parse::<lettre::Address>().is_err() {
        anyhow::bail!("--email `{email}` is not a valid email address");
    }
    let scope = match f.get("scope") {
        Some(s) if role != Role::Funder => anyhow::bail!("--scope `{s}` applies to funders only"),
        Some(s) => FunderScope::parse(s).map_err(|e| anyhow::anyhow!(e))?,
        None => FunderScope::Own,
    };
    let organisation_id = match f.get("organisation") {
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| anyhow::anyhow!("--organisation must be a number"))?,
        ),
        None => None,
    };
    if role == Role::Contractor && organisation_id.is_none() {
        anyhow::bail!("a contractor account needs --organisation ID");
    }
    let (password, generated) = match f.get("password") {
        Some(p) => (p.clone(), false),
        None => (generate_password(), true),
    };
    check_password_strength(&password).map_err(|m| anyhow::anyhow!("--password {m}"))?;
    let hash = hash_password(&password)?;
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let user = db::write_tx(&mut conn, |c| {
        let (structure_id, _) = users::find_or_create_structure(c, structure.trim())?;
        if let Some(org) = organisation_id {
            if users::organisation_kind(c, structure_id, org)?.is_none() {
                return Err(clausier::error::ApiError::invalid(
                    "organisation",
                    "no such organisation in this structure",
                ));
            }
        }
        users::create(
            c,
            NewUser {
                structure_id,
                email: &email,
                password_hash: &hash,
                role: role.as_str(),
                organisation_id,
                funder_scope: scope.to_db(),
            },
        )
    })
    .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    println!(
        "created {} {} in structure {} (id {})",
        user.role, user.email, structure, user.structure_id
    );
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}

/// Anonymises the people whose last activity is older than the retention period.
fn anonymise() -> anyhow::Result<()> {
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let ids = clausier::jobs::anonymise(&mut conn, &config, Clock::system().today())
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    println!("{} person(s) anonymised", ids.len());
    Ok(())
}

/// The month before today's: the last month with hours in generated data.
fn last_complete_month() -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = Clock::system().today();
    let first = today.with_day(1).unwrap_or(today);
    first
        .pred_opt()
        .and_then(|d| d.with_day(1))
        .unwrap_or(first)
}

/// Fills an empty database with a small realistic territory, prints the logins, and serves.
fn demo() -> anyhow::Result<()> {
    use clausier::seed::{generate, Scale, SeedOptions};
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let password = generate_password();
    let options = SeedOptions {
        scale: Scale::Demo,
        years: 2,
        seed: 2026,
        last_month: last_complete_month(),
        password_hash: hash_password(&password)?,
        open_placements: 0,
    };
    match generate(&mut conn, &options) {
        Ok(report) => {
            println!(
                "demo data: {} contracts, {} clauses, {} people, {} placements, {} monthly reports ({} hours validated)",
                report.contracts,
                report.clauses,
                report.persons,
                report.placements,
                report.entries,
                report.validated_hours / 100
            );
            println!("logins (password for all: {password}):");
            for (role, email) in &report.users {
                println!("  {role:<12} {email}");
            }
            let year = chrono::Datelike::year(&options.last_month);
            println!("annual report: http://127.0.0.1:8000/reports/annual/{year} (log in as the facilitator or the funder)");
        }
        Err(e) if e.status == 409 => {
            println!("the database already holds data: serving it as it is")
        }
        Err(e) => anyhow::bail!("{}", e.detail),
    }
    drop(conn);
    drop(pool);
    serve()
}

/// Generates the benchmark data sets.
fn bench_data(args: &[String]) -> anyhow::Result<()> {
    use clausier::seed::{generate, Scale, SeedOptions};
    let f = flags(args)?;
    let scale_text = f
        .get("scale")
        .cloned()
        .unwrap_or_else(|| "departement".into());
    let scale = Scale::parse(&scale_text)
        .filter(|s| *s != Scale::Demo)
        .ok_or_else(|| {
            anyhow::anyhow!("--scale `{scale_text}`: expected departement or national")
        })?;
    let years: u32 = f
        .get("years")
        .map(|y| y.parse())
        .transpose()
        .map_err(|_| anyhow::anyhow!("--years must be a number"))?
        .unwrap_or(1);
    if !(1..=10).contains(&years) {
        anyhow::bail!("--years must be between 1 and 10");
    }
    let seed: u64 = f
        .get("seed")
        .map(|s| s.parse())
        .transpose()
        .map_err(|_| anyhow::anyhow!("--seed must be a number"))?
        .unwrap_or(1);
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let options = SeedOptions {
        scale,
        years,
        seed,
        last_month: last_complete_month(),
        password_hash: hash_password(BENCH_PASSWORD)?,
        open_placements: 5000,
    };
    let r = generate(&mut conn, &options).map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    println!(
        "{scale_text}, years {:?}, seed {seed}: {} structures, {} organisations, {} contracts, {} clauses, {} people, {} placements, {} monthly entries, {} validated hours, in {:.1} s",
        r.years, r.structures, r.organisations, r.contracts, r.clauses, r.persons, r.placements, r.entries, r.validated_hours / 100, r.seconds
    );
    println!(
        "accounts (password `{BENCH_PASSWORD}`): {}",
        r.users
            .iter()
            .map(|(_, e)| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// The password of generated benchmark accounts (local synthetic data only).
const BENCH_PASSWORD: &str = "bench-password-2026";
/// `clausier reminders run [--now RFC3339]`: runs the reminder job once (queues what is due at
/// `now`, sends what is ready), prints what it did, and exits.
fn reminders(args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("run") => {}
        _ => anyhow::bail!("expected `clausier reminders run [--now RFC3339]`\n{USAGE}"),
    }
    let f = flags(&args[1..])?;
    if let Some(k) = f.keys().find(|k| k.as_str() != "now") {
        anyhow::bail!("unknown option --{k}\n{USAGE}");
    }
    let now = match f.get("now") {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| {
                anyhow::anyhow!(
                    "--now `{s}` is not an RFC 3339 time ({e}), e.g. 2026-04-10T09:30:00+02:00"
                )
            })?
            .with_timezone(&chrono::Utc),
        None => Clock::system().now(),
    };
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 2)?;
    {
        let mut conn = pool.get()?;
        db::run_migrations(&mut conn)?;
    }
    let mailer = clausier::reminders::Mailer::from_config(&config)?;
    println!("{}", mailer.describe());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(clausier::reminders::run(&pool, &mailer, &config, now))?;
    println!("reminders at {}", now.to_rfc3339());
    for (rule, stage, to, subject) in &report.queued {
        println!("queued {rule}/{stage} to {to}: {subject}");
    }
    for (id, to, subject) in &report.sent {
        println!("sent #{id} to {to}: {subject}");
    }
    println!(
        "{} queued, {} sent, {} to retry, {} failed",
        report.queued.len(),
        report.sent.len(),
        report.retrying,
        report.failed
    );
    if report.errors > 0 {
        anyhow::bail!(
            "{} clause(s) could not be processed (see the log)",
            report.errors
        );
    }
    Ok(())
}

/// glibc gives each thread that allocates its own malloc arena and keeps what is freed in
/// it; with Rocket's workers and the blocking pool that multiplies the memory a large
/// report leaves behind. Two arenas keep the server's peak memory near one report's need.
///
/// glibc also raises its mmap threshold to the size of each large block freed (up to
/// 32 MiB): after the first Argon2 hash (one 19 MiB block) every later one was carved from
/// the arenas, which fragmented and kept it all: 100 logins at once, two hashes at a time,
/// left the server at 750 MB. A fixed threshold of 4 MiB keeps blocks that large mapped on
/// their own and gives them back when freed (the same flood now peaks under 70 MB).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings; called first thing in main, before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
