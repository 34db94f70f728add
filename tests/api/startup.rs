//! The binary itself: configuration errors at start-up, `migrate`, `create-user`, and a real
//! server on a TCP port, run from a folder that has no Rocket.toml.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{drop_postgres_database, fresh_postgres_database, postgres_url};

#[path = "../support/process.rs"]
mod process;
use process::{create_admin_args, free_port, run_ok, spawn_demo, wait_until, ChildGuard};

/// Runs `check` with the URL of a fresh PostgreSQL database, dropped afterwards; skipped
/// (with a line saying so) when CLAUSIER_TEST_POSTGRES_URL is not set.
fn on_fresh_postgres(variant: &str, check: impl FnOnce(&str)) {
    let Some(server) = postgres_url() else {
        eprintln!("postgres variant of {variant} skipped: CLAUSIER_TEST_POSTGRES_URL is not set");
        return;
    };
    let (url, (server, name)) = fresh_postgres_database(&server);
    check(&url);
    drop_postgres_database(&server, &name);
}

fn clausier(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clausier"));
    cmd.current_dir(dir)
        .env_remove("ROCKET_CONFIG")
        .env_remove("CLAUSIER_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

/// Starts the binary with one setting; it must refuse to start. Returns what it printed on
/// stderr.
fn start_refused_with(dir: &std::path::Path, setting: &str, value: &str) -> String {
    let out = clausier(dir).env(setting, value).output().unwrap();
    assert!(!out.status.success(), "{setting}={value} was accepted");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn unknown_database_scheme_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let err = start_refused_with(
        dir.path(),
        "CLAUSIER_DATABASE_URL",
        "mysql://localhost/clausier",
    );
    assert!(
        err.contains("CLAUSIER_DATABASE_URL") && err.contains("mysql"),
        "{err}"
    );
    // No stray database file was created.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn bad_setting_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = start_refused_with(dir.path(), "CLAUSIER_SMTP_TLS", "ssl2");
    assert!(err.contains("CLAUSIER_SMTP_TLS"), "{err}");
    let err = start_refused_with(dir.path(), "CLAUSIER_TOKEN_TTL_SECONDS", "soon");
    assert!(err.to_lowercase().contains("token_ttl_seconds"), "{err}");
}

fn migrate_twice(dir: &std::path::Path, url: &str) {
    let migrate = || {
        let out = clausier(dir)
            .arg("migrate")
            .env("CLAUSIER_DATABASE_URL", url)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let first = migrate();
    assert!(first.contains("applied"), "{first}");
    let second = migrate();
    assert!(second.contains("up to date"), "{second}");
}

#[test]
fn migrations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    migrate_twice(dir.path(), "sqlite://nested/folder/c.db");
    assert!(dir.path().join("nested/folder/c.db").exists());
}

#[test]
fn migrations_on_postgres() {
    on_fresh_postgres("migrations", |url| {
        let dir = tempfile::tempdir().unwrap();
        migrate_twice(dir.path(), url);
    });
}

/// Runs `clausier ARGS` on `dir/c.db` with its stdout a pipe whose reader has already gone
/// (`| head -0`); returns whether it succeeded and what it printed on stderr.
fn run_unread(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = clausier(dir)
        .args(args)
        .env("CLAUSIER_DATABASE_URL", "sqlite://c.db")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.success(), stderr)
}

/// `clausier migrate | head -0`: the reader gone before the first line, the migrations are
/// still applied and the command ends quietly, without a panic.
#[test]
fn a_command_whose_reader_has_gone_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (succeeded, stderr) = run_unread(dir.path(), &["migrate"]);
    assert!(succeeded, "{stderr}");
    let again = clausier(dir.path())
        .arg("migrate")
        .env("CLAUSIER_DATABASE_URL", "sqlite://c.db")
        .output()
        .unwrap();
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(again.contains("up to date"), "{again}");
}

/// `clausier create-user … | head -0` without --password: the password generated and shown
/// once could not be shown, which is said and fails the command (the account exists: its
/// email is taken).
#[test]
fn a_generated_password_nobody_reads_fails_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let args = create_admin_args("PLIE Tuyau", "tuyau@example.org");
    let (succeeded, stderr) = run_unread(dir.path(), &args);
    assert!(!succeeded, "{stderr}");
    assert!(
        stderr.contains("generated password could not be written"),
        "{stderr}"
    );
    let again = clausier(dir.path())
        .args(args)
        .env("CLAUSIER_DATABASE_URL", "sqlite://c.db")
        .output()
        .unwrap();
    let again = String::from_utf8_lossy(&again.stderr);
    assert!(again.contains("already taken"), "{again}");
}

/// create-user, then serve on a real port, log in, and read /me.
fn serve_and_login(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let with_db = |mut c: Command| {
        if let Some(u) = database_url {
            c.env("CLAUSIER_DATABASE_URL", u);
        }
        c
    };
    let mut cmd = with_db(clausier(dir.path()));
    let out = run_ok(cmd.args(create_admin_args("PLIE Nord", "boss@plie.test")));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("generated password printed")
        .to_string();
    let port = free_port();
    let mut cmd = with_db(clausier(dir.path()));
    let child = cmd
        .env("ROCKET_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = ChildGuard(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_until("the server start", Duration::from_secs(20), || {
        ureq::get(&format!("{base}/health")).call().is_ok()
    });
    let login: serde_json::Value = ureq::post(&format!("{base}/api/v1/auth/login"))
        .send_json(serde_json::json!({"email": "boss@plie.test", "password": password}))
        .unwrap()
        .into_json()
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let me: serde_json::Value = ureq::get(&format!("{base}/api/v1/me"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(me["email"], "boss@plie.test");
    assert_eq!(me["role"], "admin");
    if database_url.is_none() {
        assert!(dir.path().join("data/clausier.db").exists());
    }
}

#[test]
fn serve_on_sqlite_from_any_folder() {
    serve_and_login(None);
}

#[test]
fn serve_on_postgres() {
    on_fresh_postgres("serve", |url| serve_and_login(Some(url)));
}

/// `clausier --help` lists every command with its description, and exits 0.
#[test]
fn help_lists_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(clausier(dir.path()).arg("--help"));
    let help = String::from_utf8_lossy(&out.stdout);
    let commands = "serve migrate anonymise demo bench-data reminders create-user help";
    for command in commands.split_whitespace() {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "{command} missing from:\n{help}"
        );
    }
    assert!(
        help.contains("Apply the database migrations and exit"),
        "{help}"
    );
    assert!(help.contains("CLAUSIER_"), "{help}");
    // Nothing was started: no database was created.
    assert!(!dir.path().join("data").exists());
}

/// A command's `--help` lists each of its options with a description.
#[test]
fn a_command_help_lists_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(clausier(dir.path()).args(["create-user", "--help"]));
    let help = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--structure <NAME>",
        "--role <ROLE>",
        "--email <EMAIL>",
        "--password <PASSWORD>",
        "--organisation <ID>",
        "--scope <SCOPE>",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    assert!(
        help.contains("admin, facilitator, contractor, funder"),
        "{help}"
    );

    let out = clausier(dir.path())
        .args(["reminders", "run", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--now <RFC3339>"), "{help}");

    let out = clausier(dir.path())
        .args(["bench-data", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for option in ["--scale <SCALE>", "--years <YEARS>", "--seed <SEED>"] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    assert!(!dir.path().join("data").exists());
}

/// An unknown option, a bad value or a missing required option is refused by the parser with
/// a message naming it and a non-zero exit, before anything is opened.
#[test]
fn bad_options_are_refused_with_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |args: &[&str], expected: &str| {
        let out = clausier(dir.path()).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
    };
    refused(&["bench-data", "--colour", "blue"], "--colour");
    refused(&["bench-data", "--scale", "planet"], "planet");
    refused(&["bench-data", "--years", "11"], "--years");
    refused(&["migrate", "--now", "2026-04-10T09:05:00Z"], "--now");
    refused(&["reminders"], "run");
    refused(&["reminders", "run", "--now", "le 10 avril"], "--now");
    refused(&["create-user", "--role", "admin"], "--structure");
    refused(
        &[
            "create-user",
            "--structure",
            "PLIE",
            "--role",
            "boss",
            "--email",
            "a@plie.test",
        ],
        "boss",
    );
    refused(&["frobnicate"], "frobnicate");
    assert!(!dir.path().join("data").exists());
}

/// `clausier demo` prints the report's address at the configured public URL, then serves.
#[test]
fn demo_prints_the_public_url() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let public_url = "https://clauses.example.test:8443";
    let mut server = ChildGuard(spawn_demo(&mut clausier(dir.path()), port, public_url));
    let stdout = server.0.stdout.take().unwrap();
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("annual report: "))
        .expect("the report's address is printed");
    assert!(
        line.starts_with("annual report: https://clauses.example.test:8443/reports/annual/"),
        "{line}"
    );
}

/// What `clausier demo` prints before serving: the shared password and each role's email.
struct DemoLogins {
    password: String,
    emails: Vec<(String, String)>,
}

fn read_demo_logins(stdout: std::process::ChildStdout) -> DemoLogins {
    use std::io::{BufRead, BufReader};
    let mut password = None;
    let mut emails = Vec::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix("logins (password for all: ") {
            password = Some(rest.trim_end_matches("):").to_string());
        } else if let Some((role, email)) = line.trim().split_once(char::is_whitespace) {
            if email.trim().ends_with("@demo.clausier.fr") {
                emails.push((role.to_string(), email.trim().to_string()));
            }
        }
        if line.starts_with("annual report: ") {
            break;
        }
    }
    DemoLogins {
        password: password.expect("the demo prints its password"),
        emails,
    }
}

/// Every record the data generator writes reads back through the API: each role's lists,
/// and the first record of each list, answer 200 (a code the typed vocabulary did not know,
/// such as the generator's contract source, made every contract a 500).
fn demo_data_reads_back(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = clausier(dir.path());
    if let Some(url) = database_url {
        cmd.env("CLAUSIER_DATABASE_URL", url);
    }
    let mut server = ChildGuard(spawn_demo(&mut cmd, port, "http://127.0.0.1"));
    let logins = read_demo_logins(server.0.stdout.take().unwrap());
    let base = format!("http://127.0.0.1:{port}");
    wait_until("the demo server answering", Duration::from_secs(60), || {
        ureq::get(&format!("{base}/health")).call().is_ok()
    });
    let lists = [
        "contracts",
        "clauses",
        "organisations",
        "participants",
        "placements",
        "hours",
        "needs",
        "referrals",
        "users",
        "notifications",
        "worklist",
    ];
    assert_eq!(logins.emails.len(), 4, "one login per role");
    for (role, email) in &logins.emails {
        let login: serde_json::Value = ureq::post(&format!("{base}/api/v1/auth/login"))
            .send_json(serde_json::json!({"email": email, "password": logins.password}))
            .unwrap_or_else(|e| panic!("{role} login: {e}"))
            .into_json()
            .unwrap();
        let token = login["access_token"].as_str().unwrap().to_string();
        let get = |path: &str| match ureq::get(&format!("{base}/api/v1/{path}"))
            .set("Authorization", &format!("Bearer {token}"))
            .call()
        {
            Ok(r) => (r.status(), r.into_json::<serde_json::Value>().ok()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json::<serde_json::Value>().ok()),
            Err(e) => panic!("{role} GET {path}: {e}"),
        };
        for list in lists {
            let (status, body) = get(list);
            // Refused lists (a funder's, a contractor's users...) are 403/404, never 5xx.
            assert!(status < 500, "{role} GET {list}: {status} {body:?}");
            let first = body
                .as_ref()
                .and_then(|b| b["items"].as_array())
                .and_then(|items| items.first())
                .and_then(|item| item["id"].as_i64());
            if let (200, Some(id)) = (status, first) {
                let (status, body) = get(&format!("{list}/{id}"));
                assert!(status < 500, "{role} GET {list}/{id}: {status} {body:?}");
            }
        }
        if role == "admin" {
            let (status, body) = get("contracts");
            let total = body.as_ref().and_then(|b| b["total"].as_i64());
            assert_eq!(status, 200, "{body:?}");
            assert!(total.unwrap_or(0) > 0, "the demo has contracts: {body:?}");
        }
    }
}

#[test]
fn demo_data_reads_back_through_the_api_on_sqlite() {
    demo_data_reads_back(None);
}

#[test]
fn demo_data_reads_back_through_the_api_on_postgres() {
    on_fresh_postgres("demo_data_reads_back", |url| {
        demo_data_reads_back(Some(url))
    });
}
