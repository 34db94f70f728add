//! The clausier binary: the command line (clap), each command a small function over the
//! library. `serve` is the default when no command is given.

use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};

use clausier::auth::password::{check_password_strength, generate_password, hash_password};
use clausier::auth::{FunderScope, Role};
use clausier::clock::Clock;
use clausier::config::Config;
use clausier::domain::ids::OrganisationId;
use clausier::store::users::{self, NewUser};
use clausier::{build_rocket, db};

/// Social insertion clauses in French public contracts: the server and its operator commands.
#[derive(Debug, Parser)]
#[command(
    name = "clausier",
    version,
    after_help = "Without a command, clausier serves (like `clausier serve`).\n\
                  Configuration: Rocket.toml and CLAUSIER_* variables (see README.md)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply the database migrations, then serve the API and the pages (the default)
    Serve,
    /// Apply the database migrations and exit
    Migrate,
    /// Anonymise the people inactive for longer than the retention period, and exit
    Anonymise,
    /// Fill an empty database with a small demo territory, print its logins, then serve
    Demo,
    /// Generate a benchmark data set (synthetic people, clauses and hours) into the database
    BenchData(BenchDataArgs),
    /// The reminder job
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// Create a user account (a generated password is printed once)
    CreateUser(CreateUserArgs),
}

#[derive(Debug, clap::Args)]
struct BenchDataArgs {
    /// Size of the data set: one département or the whole country
    #[arg(long, default_value = "departement", value_parser = ["departement", "national"])]
    scale: String,
    /// Number of years of hours, ending with the last complete month (1 to 10)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
    years: u32,
    /// Seed of the random generator (the same seed gives the same data)
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum RemindersCommand {
    /// Run the reminder job once (queue what is due, send what is ready), print what it did
    Run {
        /// The time to run at, instead of now (e.g. 2026-04-10T09:05:00+02:00)
        #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Debug, clap::Args)]
struct CreateUserArgs {
    /// Name of the facilitation structure (created when it does not exist)
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    structure: String,
    /// Role of the account
    #[arg(long, value_parser = PossibleValuesParser::new(Role::CODES).try_map(|r| r.parse::<Role>()))]
    role: Role,
    /// Email address, used to log in
    #[arg(long, value_name = "EMAIL", value_parser = parse_email)]
    email: String,
    /// Password (generated and printed once when absent)
    #[arg(long, value_name = "PASSWORD", allow_hyphen_values = true)]
    password: Option<String>,
    /// Organisation id of a contractor account (required for contractors)
    #[arg(long, value_name = "ID", value_parser = |id: &str| id.parse().map(OrganisationId))]
    organisation: Option<OrganisationId>,
    /// What a funder reads: own structure (default), structures:ID,ID, territory:CODE or all
    #[arg(long, value_name = "SCOPE", value_parser = parse_scope)]
    scope: Option<FunderScope>,
}

fn parse_rfc3339(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-04-10T09:30:00+02:00"))
}

fn parse_email(s: &str) -> Result<String, String> {
    s.parse::<lettre::Address>()
        .map(|_| s.to_string())
        .map_err(|_| "not a valid email address".to_string())
}

fn parse_scope(s: &str) -> Result<FunderScope, String> {
    FunderScope::parse(s)
}

/// Writes one line of a command's report on stdout, as `println!` does, but as an error
/// the command returns rather than a panic when nobody reads any more (`| head -1`).
macro_rules! say {
    ($($line:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($line)*)
    }};
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    clausier::init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        None | Some(Command::Serve) => serve(),
        Some(Command::Migrate) => migrate(),
        Some(Command::CreateUser(args)) => create_user(args),
        Some(Command::Anonymise) => anonymise(),
        Some(Command::Demo) => demo(),
        Some(Command::BenchData(args)) => bench_data(args),
        Some(Command::Reminders {
            command: RemindersCommand::Run { now },
        }) => reminders_run(now),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away: the work is done and what was left to print is for nobody.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
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
        say!("{}: up to date", config.database.redacted())?;
    } else {
        for m in applied {
            say!("applied {m}")?;
        }
    }
    Ok(())
}

fn create_user(args: CreateUserArgs) -> anyhow::Result<()> {
    let CreateUserArgs {
        structure,
        role,
        email,
        password,
        organisation: organisation_id,
        scope,
    } = args;
    let scope = match scope {
        Some(_) if role != Role::Funder => anyhow::bail!("--scope applies to funders only"),
        Some(s) => s,
        None => FunderScope::Own,
    };
    if role == Role::Contractor && organisation_id.is_none() {
        anyhow::bail!("a contractor account needs --organisation ID");
    }
    let (password, generated) = match password {
        Some(p) => (p, false),
        None => (generate_password(), true),
    };
    check_password_strength(&password).map_err(|_| {
        anyhow::anyhow!(
            "--password needs at least {} characters",
            clausier::auth::password::PASSWORD_MIN_CHARS
        )
    })?;
    let hash = hash_password(&password)?;
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let user = db::write_tx(&mut conn, |c| -> anyhow::Result<_> {
        let (structure_id, _) = users::find_or_create_structure(c, structure.trim())?;
        if let Some(org) = organisation_id {
            if users::organisation_kind(c, structure_id, org)?.is_none() {
                anyhow::bail!("organisation: no such organisation in this structure");
            }
        }
        users::insert(
            c,
            NewUser {
                structure_id,
                email: &email,
                password_hash: &hash,
                role,
                organisation_id,
                funder_scope: scope.to_db(),
            },
        )
        .map_err(|e| match e {
            users::CreateUserError::EmailTaken => anyhow::anyhow!("email: already taken"),
            users::CreateUserError::Database(e) => e.into(),
        })
    })?;
    let created = say!(
        "created {} {} in structure {} (id {})",
        user.role,
        user.email,
        structure,
        user.structure_id
    );
    if generated {
        let shown = created.and_then(|()| say!("password (shown once): {password}"));
        needed(shown, "the account was created but its generated password")?;
    } else {
        created?;
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
    say!("{} person(s) anonymised", ids.len())?;
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

/// Fills an empty database with a small realistic territory dated from today, prints the
/// logins, and serves. A database that already holds contracts or placements is served as
/// it is; one made by `create-user` with a single structure gets the demo in that structure;
/// one with several structures and no data is refused (whose would the demo be?).
fn demo() -> anyhow::Result<()> {
    use clausier::seed::{existing, generate, Existing, Scale, SeedOptions};
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let state = existing(&mut conn).map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    if let Existing::SeveralStructures(n) = state {
        anyhow::bail!(
            "demo: the database has {n} structures and no contracts yet, so the demo cannot \
             tell whose it would be; run it on a new database (README.md, \"Try the demo\": \
             start again from scratch)"
        );
    }
    let password = generate_password();
    let options = SeedOptions {
        scale: Scale::Demo,
        years: 2,
        seed: 2026,
        last_month: last_complete_month(),
        today: Clock::system().today(),
        password_hash: hash_password(&password)?,
        open_placements: 0,
    };
    if let Existing::OneEmptyStructure(id) = state {
        needed(
            say!("the demo goes into the database's only structure (id {id}): its accounts see it"),
            "the demo's logins",
        )?;
    }
    match generate(&mut conn, &options) {
        Ok(report) => {
            let year = chrono::Datelike::year(&options.last_month);
            let shown = show_demo(&report, &password, &config.public_url, year);
            needed(shown, "the demo's logins")?
        }
        Err(e) if e.status == 409 => say!("the database already holds data: serving it as it is")?,
        Err(e) => anyhow::bail!("{}", e.detail),
    }
    drop(conn);
    drop(pool);
    serve()
}

/// What the demo made and how to log in: its figures, the logins and the pages to open.
fn show_demo(
    report: &clausier::seed::SeedReport,
    password: &str,
    public_url: &str,
    year: i32,
) -> std::io::Result<()> {
    say!(
        "demo data: {} contracts, {} clauses, {} people, {} placements, {} monthly reports ({} hours validated)",
        report.contracts,
        report.clauses,
        report.persons,
        report.placements,
        report.entries,
        report.validated_hours / 100
    )?;
    say!("logins (password for all: {password}):")?;
    for (role, email) in &report.users {
        say!("  {role:<12} {email}")?;
    }
    say!(
        "pages: {public_url}/ (each login opens its own home: the contractor its sites and \
         monthly hours, the facilitator the hours to validate)"
    )?;
    say!("annual report: {public_url}/reports/annual/{year} (log in as the facilitator or the funder)")
}

/// A line nobody can do without (a password shown once): failing to write it is an error
/// to report, never the quiet end of a report nobody reads any more.
fn needed(written: std::io::Result<()>, what: &str) -> anyhow::Result<()> {
    written.map_err(|e| anyhow::anyhow!("{what} could not be written on stdout: {e}"))
}

/// Whether `error` is a write to a pipe whose reader has closed it.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Generates the benchmark data sets.
fn bench_data(args: BenchDataArgs) -> anyhow::Result<()> {
    use clausier::seed::{generate, Scale, SeedOptions};
    let BenchDataArgs {
        scale: scale_text,
        years,
        seed,
    } = args;
    let scale = Scale::parse(&scale_text)
        .filter(|s| *s != Scale::Demo)
        .ok_or_else(|| {
            anyhow::anyhow!("--scale `{scale_text}`: expected departement or national")
        })?;
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let options = SeedOptions {
        scale,
        years,
        seed,
        last_month: last_complete_month(),
        today: Clock::system().today(),
        password_hash: hash_password(BENCH_PASSWORD)?,
        open_placements: 5000,
    };
    let r = generate(&mut conn, &options).map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    say!(
        "{scale_text}, years {:?}, seed {seed}: {} structures, {} organisations, {} contracts, {} clauses, {} people, {} placements, {} monthly entries, {} validated hours, in {:.1} s",
        r.years, r.structures, r.organisations, r.contracts, r.clauses, r.persons, r.placements, r.entries, r.validated_hours / 100, r.seconds
    )?;
    say!(
        "accounts (password `{BENCH_PASSWORD}`): {}",
        r.users
            .iter()
            .map(|(_, e)| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(())
}

/// The password of generated benchmark accounts (local synthetic data only).
const BENCH_PASSWORD: &str = "bench-password-2026";
/// `clausier reminders run [--now RFC3339]`: runs the reminder job once (queues what is due at
/// `now`, sends what is ready), prints what it did, and exits.
fn reminders_run(now: Option<chrono::DateTime<chrono::Utc>>) -> anyhow::Result<()> {
    let now = now.unwrap_or_else(|| Clock::system().now());
    let config = load_config()?;
    let pool = db::build_pool(&config.database, 2)?;
    {
        let mut conn = pool.get()?;
        db::run_migrations(&mut conn)?;
    }
    let mailer = clausier::reminders::Mailer::from_config(&config)?;
    say!("{}", mailer.describe())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(clausier::reminders::run(&pool, &mailer, &config, now))?;
    say!("reminders at {}", now.to_rfc3339())?;
    for (rule, stage, to, subject) in &report.queued {
        say!("queued {rule}/{stage} to {to}: {subject}")?;
    }
    for (id, to, subject) in &report.sent {
        say!("sent #{id} to {to}: {subject}")?;
    }
    say!(
        "{} queued, {} sent, {} to retry, {} failed",
        report.queued.len(),
        report.sent.len(),
        report.retrying,
        report.failed
    )?;
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
