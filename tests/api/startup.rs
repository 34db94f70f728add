//! The binary itself: configuration errors at start-up, `migrate`, `create-user`, and a real
//! server on a TCP port, run from a folder that has no Rocket.toml.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{drop_postgres_database, fresh_postgres_database, postgres_url};

fn clausier(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clausier"));
    cmd.current_dir(dir)
        .env_remove("ROCKET_CONFIG")
        .env_remove("CLAUSIER_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

#[test]
fn unknown_database_scheme_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = clausier(dir.path())
        .env("CLAUSIER_DATABASE_URL", "mysql://localhost/clausier")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
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
    let out = clausier(dir.path())
        .env("CLAUSIER_SMTP_TLS", "ssl2")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CLAUSIER_SMTP_TLS"));
    let out = clausier(dir.path())
        .env("CLAUSIER_TOKEN_TTL_SECONDS", "soon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .to_lowercase()
        .contains("token_ttl_seconds"));
}

fn migrate_twice(dir: &std::path::Path, url: &str) {
    let out = clausier(dir)
        .arg("migrate")
        .env("CLAUSIER_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(first.contains("applied"), "{first}");
    let out = clausier(dir)
        .arg("migrate")
        .env("CLAUSIER_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
}

#[test]
fn migrations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    migrate_twice(dir.path(), "sqlite://nested/folder/c.db");
    assert!(dir.path().join("nested/folder/c.db").exists());
}

#[test]
fn migrations_on_postgres() {
    let Some(server) = postgres_url() else {
        eprintln!("postgres variant of migrations skipped: CLAUSIER_TEST_POSTGRES_URL is not set");
        return;
    };
    let (url, (server, name)) = fresh_postgres_database(&server);
    let dir = tempfile::tempdir().unwrap();
    migrate_twice(dir.path(), &url);
    drop_postgres_database(&server, &name);
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
    let out = cmd
        .args([
            "create-user",
            "--structure",
            "PLIE Nord",
            "--role",
            "admin",
            "--email",
            "boss@plie.test",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    let _server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while ureq::get(&format!("{base}/health")).call().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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
    let Some(server) = postgres_url() else {
        eprintln!("postgres variant of serve skipped: CLAUSIER_TEST_POSTGRES_URL is not set");
        return;
    };
    let (url, (server, name)) = fresh_postgres_database(&server);
    serve_and_login(Some(&url));
    drop_postgres_database(&server, &name);
}

/// `clausier --help` lists every command with its description, and exits 0.
#[test]
fn help_lists_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = clausier(dir.path()).arg("--help").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = String::from_utf8_lossy(&out.stdout);
    for command in [
        "serve",
        "migrate",
        "anonymise",
        "demo",
        "bench-data",
        "reminders",
        "create-user",
        "help",
    ] {
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
    let out = clausier(dir.path())
        .args(["create-user", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
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
    let child = clausier(dir.path())
        .arg("demo")
        .env("ROCKET_PORT", port.to_string())
        .env("CLAUSIER_PUBLIC_URL", "https://clauses.example.test:8443")
        .env("CLAUSIER_REMINDERS_CRON", "")
        .env("CLAUSIER_ANONYMISE_CRON", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
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
