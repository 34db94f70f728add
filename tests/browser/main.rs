//! The annual report page in a real browser: starts the built binary on a free port with a
//! fresh SQLite database, creates an admin with the CLI and data through the API, then
//! drives headless Chromium through chromedriver (WebDriver, spoken with ureq): opens the
//! report page, is sent to the login page, fills in the form, comes back to the report and
//! checks the headline and key figures shown, and that the session cookie is HttpOnly and
//! SameSite=Strict (out of reach of the page's scripts).
//!
//! Needs the Debian packages `chromium` and `chromium-driver`; without them the test prints
//! a skip line and passes, unless CLAUSIER_REQUIRE_BROWSER is set (CI), when it fails. Run
//! it alone with `cargo test --test browser -- --nocapture`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

const PASSWORD: &str = "correct-horse-battery";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVERS: &[&str] = &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];

mod corrections;
mod day;
mod workspace;

#[path = "../support/process.rs"]
mod process;
use process::{create_admin_args, free_port, run_ok, spawn_demo, wait_until, ChildGuard as Guard};

/// The JSON body of a response, whatever its status.
fn body(result: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    match result {
        Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("request failed: {e}"),
    }
}

/// A client of the clausier API.
pub struct Api {
    base: String,
    token: String,
}

impl Api {
    /// Sends a request with the token; the answer must be a success (`expected`, or any 2xx).
    fn send(&self, method: &str, path: &str, value: Option<Value>, expected: Option<u16>) -> Value {
        let request = ureq::request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.token));
        let (status, b) = body(match value {
            Some(v) => request.send_json(v),
            None => request.call(),
        });
        match expected {
            Some(code) => assert_eq!(status, code, "{method} {path}: {b}"),
            None => assert!(
                (200..300).contains(&status),
                "{method} {path}: {status} {b}"
            ),
        }
        b
    }
    fn post(&self, path: &str, value: Value) -> Value {
        self.send("POST", path, Some(value), None)
    }
    fn put(&self, path: &str, value: Value) -> Value {
        self.send("PUT", path, Some(value), None)
    }
    fn get(&self, path: &str) -> Value {
        self.send("GET", path, None, Some(200))
    }
}

/// A WebDriver session.
pub struct Browser {
    base: String,
    session: String,
}

impl Browser {
    fn call(&self, method: &str, path: &str, value: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = ureq::request(method, &url).timeout(Duration::from_secs(60));
        let (status, b) = body(match value {
            Some(v) => req.send_json(v),
            None => req.call(),
        });
        assert_eq!(status, 200, "WebDriver {method} {path}: {b}");
        b["value"].clone()
    }
    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }
    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }
    fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    /// The text of `css` once the page shows it: a click that submits a form returns before
    /// the next page is there, so the element is waited for rather than looked up at once.
    fn wait_for_text(&self, css: &str) -> String {
        let mut text = None;
        wait_until(
            &format!("{css} on the page"),
            Duration::from_secs(20),
            || {
                let found = self.call(
                "POST",
                "/execute/sync",
                Some(json!({
                    "script": "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                    "args": [css]
                })),
            );
                text = found.as_str().map(str::to_string);
                text.is_some()
            },
        );
        text.unwrap_or_default()
    }
    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }
    fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }
    fn script(&self, source: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": source, "args": []})),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
    }
}

/// Spaces of every kind as one plain space, so that rendered text compares with the JSON.
fn squash(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{202F}' || c == '\u{A0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn clausier(dir: &Path, database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clausier"));
    cmd.current_dir(dir)
        .env_remove("ROCKET_CONFIG")
        .env("CLAUSIER_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

/// Builds a small year of data through the API; returns the admin's API client.
fn build_data(base: &str) -> Api {
    let (status, login) = body(
        ureq::post(&format!("{base}/api/v1/auth/login"))
            .send_json(json!({"email": "admin@navigateur.test", "password": PASSWORD})),
    );
    assert_eq!(status, 200, "{login}");
    let api = Api {
        base: base.to_string(),
        token: login["access_token"].as_str().unwrap().to_string(),
    };
    let org = |kind: &str, name: &str, siret: &str| {
        api.post(
            "/api/v1/organisations",
            json!({"kind": kind, "name": name, "siret": siret, "territory": "93"}),
        )["id"]
            .as_i64()
            .unwrap()
    };
    let buyer = org("buyer", "Ville de Saint-Denis", "73282932000074");
    let contractor = org("contractor", "Bâtiment Durable", "55208131766522");
    let contract = api.post(
        "/api/v1/contracts",
        json!({"buyer_id": buyer, "reference": "2026-001", "title": "Groupe scolaire", "kind": "works",
               "cpv_code": "45442100", "amount_eur": 1000000, "notified_on": "2026-01-10",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "social_considerations": ["clause_sociale"],
               "holder_ids": [contractor]}),
    )["id"]
        .as_i64()
        .unwrap();
    let clause = api.post(
        &format!("/api/v1/contracts/{contract}/clauses"),
        json!({"kind": "execution_condition",
               "calibration": {"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                               "insertion_rate_percent": 5, "hourly_cost_eur": 30},
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "reporting_frequency": "monthly"}),
    )["id"]
        .as_i64()
        .unwrap();
    api.post(&format!("/api/v1/clauses/{clause}/activate"), json!({}));
    let assignment = api.post(
        &format!("/api/v1/clauses/{clause}/assignments"),
        json!({"contractor_id": contractor, "role": "holder", "hours_target": 833}),
    )["assignments"][0]["id"]
        .as_i64()
        .unwrap();
    let mut entries = Vec::new();
    for (i, (first, hours)) in [("Awa", 151.5), ("Binta", 140.25), ("Chloé", 120.0)]
        .into_iter()
        .enumerate()
    {
        let p = api.post(
            "/api/v1/participants",
            json!({"first_name": first, "last_name": "Navigateur", "birth_date": "1990-04-02",
                   "sex": if i == 1 { "male" } else { "female" }, "postal_code": "93200", "qpv": true,
                   "qualification_level": "3"}),
        )["id"]
            .as_i64()
            .unwrap();
        api.post(
            &format!("/api/v1/participants/{p}/eligibility"),
            json!({"criteria": ["rsa"], "proof": "caf_certificate", "validated_on": "2026-01-05"}),
        );
        let pl = api.post(
            "/api/v1/placements",
            json!({"participant_id": p, "assignment_id": assignment, "modality": "direct_hire",
                   "employer_id": contractor, "contract_type": "cddi", "job_title": "Peintre",
                   "starts_on": "2026-02-01", "ends_on": "2026-06-30"}),
        )["id"]
            .as_i64()
            .unwrap();
        for month in ["2026-03", "2026-04"] {
            let e = api.put(
                &format!("/api/v1/placements/{pl}/hours/{month}"),
                json!({ "work_hours": hours }),
            );
            entries.push(e["id"].as_i64().unwrap());
        }
    }
    api.post(
        "/api/v1/hours/validation",
        json!({"entry_ids": entries, "decision": "validate"}),
    );
    api
}

fn chromedriver() -> Option<PathBuf> {
    CHROMEDRIVERS.iter().map(PathBuf::from).find(|p| p.exists())
}

/// A running service on a fresh SQLite database with its first admin, chromedriver, and a
/// headless Chromium session driven through it; everything stops when dropped.
pub struct Stage {
    pub base: String,
    pub dir: tempfile::TempDir,
    pub browser: Browser,
    _profile: tempfile::TempDir,
    _driver: Guard,
    _server: Guard,
}

impl Stage {
    /// Starts everything, or `None` (with a skip line) when Chromium or chromedriver is not
    /// installed and CLAUSIER_REQUIRE_BROWSER is not set.
    pub fn start(test: &str) -> Option<Stage> {
        let Some(driver) = chromedriver().filter(|_| Path::new(CHROMIUM).exists()) else {
            assert!(
                std::env::var_os("CLAUSIER_REQUIRE_BROWSER").is_none(),
                "CLAUSIER_REQUIRE_BROWSER is set but {CHROMIUM} or chromedriver is missing"
            );
            println!(
                "{test} skipped: {CHROMIUM} or chromedriver is not installed \
                 (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("clausier.db").display());
        run_ok(
            clausier(dir.path(), &database_url)
                .args(create_admin_args(
                    "PLIE Navigateur",
                    "admin@navigateur.test",
                ))
                .args(["--password", PASSWORD]),
        );
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let server = Guard(
            clausier(dir.path(), &database_url)
                .env("ROCKET_PORT", port.to_string())
                // The address the browser uses: the only Origin its forms may come from.
                .env("CLAUSIER_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
                .env("CLAUSIER_REMINDERS_CRON", "")
                .env("CLAUSIER_ANONYMISE_CRON", "")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
        let base = format!("http://127.0.0.1:{port}");
        wait_until("the server start", Duration::from_secs(30), || {
            ureq::get(&format!("{base}/health")).call().is_ok()
        });
        let driver_port = free_port();
        let driver = Guard(
            Command::new(driver)
                .arg(format!("--port={driver_port}"))
                .arg(format!(
                    "--log-path={}",
                    dir.path().join("chromedriver.log").display()
                ))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let driver_base = format!("http://127.0.0.1:{driver_port}");
        wait_until("chromedriver start", Duration::from_secs(30), || {
            ureq::get(&format!("{driver_base}/status"))
                .call()
                .ok()
                .and_then(|r| r.into_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true)
        });
        let profile = tempfile::tempdir().unwrap();
        let (status, created) = body(
            ureq::post(&format!("{driver_base}/session"))
                .timeout(Duration::from_secs(90))
                .send_json(json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": [
                            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                            "--lang=fr-FR",
                            format!("--user-data-dir={}", profile.path().display()),
                        ]
                    }
                }}})),
        );
        assert_eq!(status, 200, "new WebDriver session: {created}");
        let browser = Browser {
            base: driver_base,
            session: created["value"]["sessionId"]
                .as_str()
                .expect("session id")
                .to_string(),
        };
        // axe runs as an asynchronous script: give it time on a busy machine.
        browser.call("POST", "/timeouts", Some(json!({"script": 60000})));
        Some(Stage {
            base,
            dir,
            browser,
            _profile: profile,
            _driver: driver,
            _server: server,
        })
    }

    /// The full address of a path of the service.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Runs `clausier` with the stage's database (a CLI command: reminders, users...).
    pub fn cli(&self, args: &[&str]) -> String {
        let database_url = format!("sqlite://{}", self.dir.path().join("clausier.db").display());
        let out = run_ok(
            clausier(self.dir.path(), &database_url)
                .env("CLAUSIER_PUBLIC_URL", &self.base)
                .args(args),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Logs in through the login page as `email` and waits to leave it.
    pub fn login(&self, email: &str) {
        let b = &self.browser;
        b.go(&self.at("/login"));
        b.type_into("#email", email);
        b.type_into("#password", PASSWORD);
        b.click("#login-submit");
        wait_until("leaving the login page", Duration::from_secs(20), || {
            !b.url().contains("/login")
        });
    }

    /// Logs out with the header's button.
    pub fn logout(&self) {
        self.browser.click("header form button");
        wait_until("the login page", Duration::from_secs(20), || {
            self.browser.url().contains("/login")
        });
    }
}

#[test]
fn report_page_in_headless_chromium() {
    let Some(stage) = Stage::start("report_page_in_headless_chromium") else {
        return;
    };
    let base = stage.base.clone();
    let api = build_data(&base);
    let report = api.get("/api/v1/reports/annual?year=2026");
    assert_eq!(report["beneficiaries"], 3, "{report}");
    let headline = report["headline"].as_str().unwrap().to_string();
    let browser = &stage.browser;

    // No session: the report page sends to the login form, which comes back to it.
    browser.go(&format!("{base}/reports/annual/2026"));
    let at = browser.url();
    assert!(
        at.starts_with(&format!("{base}/login?next=")),
        "not sent to the login page: {at}"
    );
    check_page(browser, "login");
    browser.type_into("#email", "admin@navigateur.test");
    browser.type_into("#password", "wrong-password-here");
    browser.click("#login-submit");
    assert!(browser.wait_for_text("#login-error").contains("incorrect"));
    browser.type_into("#password", PASSWORD);
    browser.click("#login-submit");
    wait_until("the report page", Duration::from_secs(20), || {
        browser.url() == format!("{base}/reports/annual/2026")
    });

    // The headline and the key figures are on the page.
    let shown = browser.wait_for_text("#headline");
    assert_eq!(squash(&shown), squash(&headline), "headline shown");
    let body_text = squash(&browser.text("main"));
    let hours = clausier::domain::report::format_hundredths_fr(
        (report["hours"].as_f64().unwrap() * 100.0).round() as i64,
    );
    for figure in [
        format!("Heures d'insertion réalisées {} h", squash(&hours)),
        "Personnes bénéficiaires 3".to_string(),
        format!(
            "Équivalents temps plein {} ETP",
            clausier::domain::report::format_hundredths_fr(
                (report["fte"].as_f64().unwrap() * 100.0).round() as i64
            )
        ),
        "Marchés en exécution 1".to_string(),
    ] {
        assert!(body_text.contains(&figure), "{figure:?} not in {body_text}");
    }
    assert!(body_text.contains("Périmètre : PLIE Navigateur"));
    // The charts are inline SVG.
    let bars = browser.script("return document.querySelectorAll('svg.chart rect').length;");
    assert_eq!(bars, json!(5), "one bar per year of the trend");

    // The session cookie is out of the page's reach.
    let cookie = browser.call("GET", "/cookie/clausier_session", None);
    assert_eq!(cookie["httpOnly"], true, "{cookie}");
    assert_eq!(cookie["sameSite"], "Strict", "{cookie}");
    assert_eq!(cookie["path"], "/", "{cookie}");
    assert_eq!(browser.script("return document.cookie;"), json!(""));

    // Sectors are named, not numbered.
    assert!(!body_text.contains("Division CPV"), "{body_text}");

    check_layout(browser, "report");
    check_page(browser, "report");

    // The staff's home: what waits for them.
    browser.go(&format!("{base}/"));
    assert!(browser.wait_for_text("main h1").contains("Accueil"));
    assert!(squash(&browser.text("main")).contains("Aucun chiffre n'attend votre validation."));
    check_page(browser, "home-staff");

    // Logging out leads back to the login page, and the report needs a session again.
    browser.click("header form button");
    wait_until("the login page", Duration::from_secs(20), || {
        browser.url().starts_with(&format!("{base}/login"))
    });
    browser.go(&format!("{base}/reports/annual/2026"));
    assert!(browser.url().starts_with(&format!("{base}/login?next=")));

    // A forgotten password: the login page links to the form, which answers the same for
    // any address.
    browser.click("a[href='/password/forgot']");
    browser.wait_for_text("main h1");
    check_page(browser, "forgot-password");
    browser.type_into("#f-email", "personne@nulle-part.test");
    browser.click("main form button");
    assert!(browser
        .wait_for_text(".notice")
        .contains("Si un compte actif correspond"));

    // The demo's report (a year of a small territory, on today's date): same checks.
    let demo_dir = tempfile::tempdir().unwrap();
    let demo_url = format!("sqlite://{}", demo_dir.path().join("demo.db").display());
    let demo_port = free_port();
    let demo_base = format!("http://127.0.0.1:{demo_port}");
    let mut demo = spawn_demo(
        &mut clausier(demo_dir.path(), &demo_url),
        demo_port,
        &demo_base,
    );
    let mut out = std::io::BufReader::new(demo.stdout.take().unwrap());
    let _demo = Guard(demo);
    let (mut password, mut facilitator, mut report_url) = (None, None, None);
    let mut line = String::new();
    while report_url.is_none() {
        line.clear();
        let read = std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        assert!(
            read > 0,
            "the demo ended before printing its report address"
        );
        if let Some(rest) = line.split("password for all: ").nth(1) {
            password = Some(rest.trim().trim_end_matches("):").to_string());
        } else if let Some(rest) = line.trim().strip_prefix("facilitator") {
            facilitator = Some(rest.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("annual report: ") {
            report_url = rest.split_whitespace().next().map(str::to_string);
        }
    }
    let (password, facilitator, report_url) = (
        password.expect("demo password"),
        facilitator.expect("demo facilitator"),
        report_url.unwrap(),
    );
    wait_until("the demo server", Duration::from_secs(60), || {
        ureq::get(&format!("{demo_base}/health")).call().is_ok()
    });
    browser.go(&report_url);
    browser.type_into("#email", &facilitator);
    browser.type_into("#password", &password);
    browser.click("#login-submit");
    wait_until("the demo report", Duration::from_secs(20), || {
        browser.url() == report_url
    });
    browser.wait_for_text("#headline");
    check_layout(browser, "demo");
    println!("report page checked in headless Chromium: {headline}");
}

/// The report page open in `browser`: at 390 px the text of no two header cells of a table
/// overlaps and the page does not scroll sideways; printed on A4, it takes at most 4 pages.
/// The screenshots (1280 and 390 px) and the PDF are kept in `shots_dir()`, named after `name`.
fn check_layout(browser: &Browser, name: &str) {
    let shots = Some(shots_dir());
    let shoot = |name: &str| {
        if let Some(dir) = &shots {
            let png = browser.call("GET", "/screenshot", None);
            let bytes = base64_decode(png.as_str().unwrap_or_default());
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    };
    let resize = |width: u32| {
        browser.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": 900})),
        );
    };
    resize(1280);
    shoot(&format!("{name}-1280.png"));
    // At 390 px (a phone), the text of no two header cells of a table overlaps, and nothing
    // sticks out of the page sideways but inside a scrolling box.
    resize(390);
    shoot(&format!("{name}-390.png"));
    let overlaps = browser.script(
        "const out = [];
         const box = (el) => { const r = document.createRange(); r.selectNodeContents(el);
                               return r.getBoundingClientRect(); };
         for (const t of document.querySelectorAll('table')) {
           const cells = [...t.querySelectorAll('thead th, thead td')]
             .filter((c) => c.offsetParent !== null && c.textContent.trim() !== '');
           for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) {
             const a = box(cells[i]), b = box(cells[j]);
             if (a.left < b.right - 0.5 && b.left < a.right - 0.5
                 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
               out.push(cells[i].textContent.trim() + ' / ' + cells[j].textContent.trim());
           }
         }
         return out;",
    );
    assert_eq!(
        overlaps,
        json!([]),
        "{name}: header cells overlapping at 390 px"
    );
    browser.script("document.querySelector('#breakdowns').scrollIntoView(); return 0;");
    shoot(&format!("{name}-390-breakdowns.png"));
    let wide =
        browser.script("return document.documentElement.scrollWidth <= window.innerWidth + 1;");
    assert_eq!(
        wide,
        json!(true),
        "{name}: the page scrolls sideways at 390 px"
    );
    resize(1280);
    // Printed on A4, the report takes few pages (five since issue 20 added the situation at
    // six months and the purchasing-plan table by buyer).
    let pdf = browser.call(
        "POST",
        "/print",
        Some(json!({"page": {"width": 21.0, "height": 29.7}, "background": true})),
    );
    let pdf = base64_decode(pdf.as_str().unwrap_or_default());
    if let Some(dir) = &shots {
        std::fs::write(dir.join(format!("{name}.pdf")), &pdf).unwrap();
    }
    let pages = count_pdf_pages(&pdf);
    println!("{name}: printed on {pages} A4 pages");
    assert!(
        (1..=5).contains(&pages),
        "{name}: printed on {pages} A4 pages"
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64 from WebDriver")
}

/// The pages of a PDF written by Chromium: its page objects (`/Type /Page`, not `/Pages`).
fn count_pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    const PAGE: &str = "/Type /Page";
    text.match_indices(PAGE)
        .filter(|(i, _)| {
            !text[i + PAGE.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
        })
        .count()
}

/// Where the screenshots go: `CLAUSIER_BROWSER_SHOTS`, else `screenshots/` at the top of the
/// repository (ignored by git; `.ci/run` leaves it in place to be looked at).
pub fn shots_dir() -> PathBuf {
    let dir = std::env::var_os("CLAUSIER_BROWSER_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// axe-core's script, installed by `npm ci` (package-lock.json); without it the check is
/// skipped with a line, unless CLAUSIER_REQUIRE_BROWSER is set (CI), when the test fails.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let path =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
            match std::fs::read_to_string(&path) {
                Ok(source) => Some(source),
                Err(e) => {
                    assert!(
                        std::env::var_os("CLAUSIER_REQUIRE_BROWSER").is_none(),
                        "{}: {e} (run `npm ci` at the top of the repository)",
                        path.display()
                    );
                    println!("axe-core is not installed (npm ci): accessibility not checked");
                    None
                }
            }
        })
        .as_deref()
}

/// The serious and critical accessibility violations axe-core finds on the page open in
/// `browser` (WCAG 2.1 A and AA rules and axe's best practices), one line each.
fn axe_violations(browser: &Browser) -> Vec<String> {
    let Some(source) = axe_source() else {
        return Vec::new();
    };
    let loaded = browser.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": format!("{source}\nreturn typeof window.axe;"), "args": []})),
    );
    assert_eq!(loaded, json!("object"), "axe-core did not load");
    let found = browser.call(
        "POST",
        "/execute/async",
        Some(
            json!({"script": "const done = arguments[arguments.length - 1];
            window.axe.run(document, {resultTypes: ['violations']})
              .then((r) => done(r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                  + v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', '))))
              .catch((e) => done(['axe failed: ' + e]));", "args": []}),
        ),
    );
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_else(|| vec![format!("axe answered {found}")])
}

/// The page open in `browser`, at 1280 px and at 390 px (a phone): a screenshot of each in
/// `shots_dir()` (`<name>-1280.png`, `<name>-390.png`), no serious or critical axe-core
/// violation at either width, and at 390 px nothing sticks out sideways.
pub fn check_page(browser: &Browser, name: &str) {
    let dir = shots_dir();
    let mut problems = Vec::new();
    for width in [1280u32, 390] {
        browser.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": 900})),
        );
        let png = browser.call("GET", "/screenshot", None);
        std::fs::write(
            dir.join(format!("{name}-{width}.png")),
            base64_decode(png.as_str().unwrap_or_default()),
        )
        .unwrap();
        problems.extend(
            axe_violations(browser)
                .into_iter()
                .map(|v| format!("{width} px: {v}")),
        );
        if width == 390 {
            let fits = browser
                .script("return document.documentElement.scrollWidth <= window.innerWidth + 1;");
            if fits != json!(true) {
                problems.push("390 px: the page scrolls sideways".to_string());
            }
        }
    }
    browser.call(
        "POST",
        "/window/rect",
        Some(json!({"width": 1280, "height": 900})),
    );
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
}

/// An email file as text: quoted-printable decoded (headers and bodies alike), so that
/// French words and links read as they were written.
pub fn decode_email(raw: &[u8]) -> String {
    let decoded = quoted_printable::decode(raw, quoted_printable::ParseMode::Robust)
        .unwrap_or_else(|_| raw.to_vec());
    String::from_utf8_lossy(&decoded).into_owned()
}
