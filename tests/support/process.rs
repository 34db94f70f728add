//! Child processes for the tests that run the built binary (and a browser driver): shared
//! by the `api` and `browser` test targets, each of which includes this file as a module.

use std::process::Child;
use std::time::{Duration, Instant};

/// A child process killed (and reaped) when dropped, even when the test fails.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port free on 127.0.0.1 at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `ready` every 100 ms; fails the test when `what` has not happened in `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < timeout,
            "{what} did not happen in {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs a command to its end; fails the test with its stderr unless it succeeded.
pub fn run_ok(command: &mut std::process::Command) -> std::process::Output {
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    out
}

/// The `create-user` arguments for an administrator of a new structure.
pub fn create_admin_args<'a>(structure: &'a str, email: &'a str) -> [&'a str; 7] {
    [
        "create-user",
        "--structure",
        structure,
        "--role",
        "admin",
        "--email",
        email,
    ]
}

/// Spawns `clausier demo` on a port, with its public URL and no scheduled jobs; its stdout
/// is piped for the caller to read the addresses it prints.
pub fn spawn_demo(clausier: &mut std::process::Command, port: u16, public_url: &str) -> Child {
    use std::process::Stdio;
    clausier
        .arg("demo")
        .env("ROCKET_PORT", port.to_string())
        .env("CLAUSIER_PUBLIC_URL", public_url)
        .env("CLAUSIER_REMINDERS_CRON", "")
        .env("CLAUSIER_ANONYMISE_CRON", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}
