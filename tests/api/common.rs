#![allow(dead_code)]
//! Test harness: each test builds the real application on a fresh database, on SQLite
//! always and on PostgreSQL when CLAUSIER_TEST_POSTGRES_URL is set, and talks to it through
//! HTTP requests (Rocket's local client: routing, guards, catchers and all).

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use clausier::clock::Clock;
use clausier::config::Config;
use diesel::{Connection, PgConnection, RunQueryDsl};
use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The instant every test application's clock starts at: the suite runs on this date
/// whatever the calendar says (the fixtures' clauses run through 2026).
pub fn test_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0)
        .single()
        .expect("a valid instant")
}

/// A new clock at `test_start()`.
pub fn test_clock() -> Clock {
    Clock::starting_at(test_start())
}

pub struct TestApp {
    pub client: Client,
    /// The application's clock: tests move it instead of waiting.
    pub clock: Clock,
    pub backend: Backend,
    pub database_url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
    /// The served OpenAPI document, fetched at the first request: every JSON answer is
    /// checked against it.
    openapi: std::sync::OnceLock<OpenApiCheck>,
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Fails unless the answer is a validation problem (422) naming exactly these fields.
    pub fn assert_refused_on(&self, fields: &[&str]) {
        assert_eq!(self.status, 422, "{}", self.text);
        assert_eq!(self.error_fields(), fields, "{}", self.text);
    }

    /// The fields named in a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn postgres_url() -> Option<String> {
    std::env::var("CLAUSIER_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Creates a fresh PostgreSQL database; returns (its URL, (server URL, name)).
pub fn fresh_postgres_database(server_url: &str) -> (String, (String, String)) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!(
        "clausier_test_{}_{}_{}",
        std::process::id(),
        n,
        rand_suffix()
    );
    let mut admin = PgConnection::establish(server_url)
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {server_url}: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    let mut url = url::Url::parse(server_url).expect("postgres url");
    url.set_path(&name);
    (url.to_string(), (server_url.to_string(), name))
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

pub fn drop_postgres_database(server_url: &str, name: &str) {
    if let Ok(mut admin) = PgConnection::establish(server_url) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
    }
}

impl TestApp {
    pub fn sqlite() -> TestApp {
        Self::sqlite_with(|_| {})
    }

    /// The application's database opened directly, with the service's own kind of
    /// connection whichever the backend: for what a client cannot reach through the API
    /// (rows as stored, a row the API would never write).
    pub fn database(&self) -> clausier::db::PooledConn {
        let url = clausier::config::DatabaseUrl::parse(&self.database_url).expect("database url");
        clausier::db::build_pool(&url, 1)
            .expect("database pool")
            .get()
            .expect("database connection")
    }

    pub fn sqlite_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let clock = test_clock();
        let client = build_client_on(&url, clock.clone(), tweak);
        TestApp {
            client,
            clock,
            backend: Backend::Sqlite,
            database_url: url,
            _sqlite_dir: Some(dir),
            pg_admin: None,
            openapi: Default::default(),
        }
    }

    pub fn postgres() -> Option<TestApp> {
        Self::postgres_with(|_| {})
    }

    pub fn postgres_with(tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let server = postgres_url()?;
        let (url, admin) = fresh_postgres_database(&server);
        let clock = test_clock();
        let client = build_client_on(&url, clock.clone(), tweak);
        Some(TestApp {
            client,
            clock,
            backend: Backend::Postgres,
            database_url: url,
            _sqlite_dir: None,
            pg_admin: Some(admin),
            openapi: Default::default(),
        })
    }

    /// Another application on the same database and clock, for an asynchronous client whose
    /// requests are really in flight together.
    pub fn second_rocket(&self) -> rocket::Rocket<rocket::Build> {
        let figment = clausier::rocket_figment().merge(("log_level", "off"));
        clausier::build_rocket_with(test_config(&self.database_url), figment, self.clock.clone())
            .expect("second app")
    }

    /// The PostgreSQL application of a test compiled for PostgreSQL (see build.rs): its
    /// server must be configured, or the test fails rather than passing untested.
    pub fn postgres_required(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::postgres_with(tweak).expect(
            "CLAUSIER_TEST_POSTGRES_URL was set when the tests were built but is not set now",
        )
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<ContentType>,
        body: Option<Vec<u8>>,
    ) -> Resp {
        self.request_with(method, path, token, content_type, body, &[])
    }

    /// A request with more headers (`If-Match`...).
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<ContentType>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = match method {
            "GET" => self.client.get(path.to_string()),
            "POST" => self.client.post(path.to_string()),
            "PUT" => self.client.put(path.to_string()),
            "DELETE" => self.client.delete(path.to_string()),
            "PATCH" => self.client.patch(path.to_string()),
            other => panic!("method {other}"),
        };
        if let Some(t) = token {
            req = req.header(Header::new("Authorization", format!("Bearer {t}")));
        }
        if let Some(ct) = content_type {
            req = req.header(ct);
        }
        for (name, value) in headers {
            // The local client reads cookies from its own jar, not from a raw header.
            if name.eq_ignore_ascii_case("Cookie") {
                for pair in value.split("; ") {
                    if let Some((n, v)) = pair.split_once('=') {
                        req = req.cookie(rocket::http::Cookie::new(n.to_string(), v.to_string()));
                    }
                }
                continue;
            }
            req = req.header(Header::new(name.to_string(), value.to_string()));
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let res = req.dispatch();
        let status = res.status().code;
        let content_type = res.content_type().map(|c| c.to_string());
        let headers = res
            .headers()
            .iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect();
        let bytes = res.into_bytes().unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        self.check_response(method, path, status, content_type.as_deref(), &bytes);
        Resp {
            status,
            body,
            text,
            content_type,
            headers,
        }
    }

    /// The served OpenAPI document (fetched once per application).
    pub fn openapi(&self) -> &OpenApiCheck {
        self.openapi.get_or_init(|| {
            let r = self.client.get("/api/v1/openapi.json").dispatch();
            assert_eq!(r.status(), Status::Ok, "the OpenAPI document is served");
            let doc: Value = r.into_json().expect("the OpenAPI document is JSON");
            OpenApiCheck::new(doc)
        })
    }

    /// Panics when a JSON answer does not match the document's schema for its method, path
    /// template and status (or when that status or media type is not described at all).
    fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        bytes: &[u8],
    ) {
        let media = content_type
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if media != "application/json" && media != "application/problem+json" {
            return;
        }
        let path = path.split('?').next().unwrap_or(path);
        if path == "/api/v1/openapi.json" {
            return;
        }
        let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
            panic!(
                "{method} {path} answered {status} with {media} that is not JSON: {}",
                String::from_utf8_lossy(bytes)
            );
        };
        if let Err(why) = self.openapi().check(method, path, status, &media, &body) {
            panic!("{why}\nbody: {body}");
        }
    }

    pub fn get(&self, path: &str, token: &str) -> Resp {
        self.request("GET", path, Some(token), None, None)
    }

    fn send_json(&self, method: &str, path: &str, token: &str, body: Value) -> Resp {
        let json = Some(body.to_string().into_bytes());
        self.request(method, path, Some(token), Some(ContentType::JSON), json)
    }

    pub fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send_json("POST", path, token, body)
    }

    pub fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send_json("PUT", path, token, body)
    }

    /// A correction (`PATCH`, JSON merge patch), with the `If-Match` given if any.
    pub fn patch(&self, path: &str, token: &str, body: Value, if_match: Option<&str>) -> Resp {
        let ct = ContentType::new("application", "merge-patch+json");
        let headers: Vec<(&str, &str)> = if_match.map(|t| ("If-Match", t)).into_iter().collect();
        let json = Some(body.to_string().into_bytes());
        self.request_with("PATCH", path, Some(token), Some(ct), json, &headers)
    }

    /// A POST with the `If-Match` given if any (a cancellation, a withdrawal...).
    pub fn post_if_match(
        &self,
        path: &str,
        token: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> Resp {
        let headers: Vec<(&str, &str)> = if_match.map(|t| ("If-Match", t)).into_iter().collect();
        let json = Some(body.to_string().into_bytes());
        self.request_with(
            "POST",
            path,
            Some(token),
            Some(ContentType::JSON),
            json,
            &headers,
        )
    }

    pub fn delete(&self, path: &str, token: &str) -> Resp {
        self.request("DELETE", path, Some(token), None, None)
    }

    /// A GET that must answer 200; the failure names the path and shows the answer.
    pub fn get_ok(&self, path: &str, token: &str) -> Resp {
        let r = self.get(path, token);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        r
    }

    /// Imports an hours CSV file (POST /api/v1/hours/import).
    pub fn import_hours_csv(&self, token: &str, csv: impl Into<Vec<u8>>) -> Resp {
        let (path, csv_type) = ("/api/v1/hours/import", Some(ContentType::CSV));
        self.request("POST", path, Some(token), csv_type, Some(csv.into()))
    }

    pub fn login(&self, email: &str, password: &str) -> Resp {
        self.request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(ContentType::JSON),
            Some(
                json!({"email": email, "password": password})
                    .to_string()
                    .into_bytes(),
            ),
        )
    }

    /// The login page's secret, as a browser gets it: the `clausier_login` cookie, also in the
    /// form's hidden `csrf_token` field.
    pub fn login_form_secret(&self) -> String {
        let r = self.client.get("/login").dispatch();
        let secret = r
            .cookies()
            .get("clausier_login")
            .map(|c| c.value().to_string())
            .expect("the login page sets its secret");
        let body = r.into_string().unwrap_or_default();
        assert!(
            body.contains(&format!("name=\"csrf_token\" value=\"{secret}\"")),
            "the form carries the secret: {body}"
        );
        secret
    }

    /// Posts the login form as a browser does, with the page's secret; `fields` is the
    /// url-encoded form without it.
    pub fn submit_login_form(&self, fields: &str) -> rocket::local::blocking::LocalResponse<'_> {
        let secret = self.login_form_secret();
        self.client
            .post("/login")
            .header(ContentType::Form)
            .cookie(rocket::http::Cookie::new("clausier_login", secret.clone()))
            .body(format!("{fields}&csrf_token={secret}"))
            .dispatch()
    }

    /// Creates a structure and its first admin as the CLI does; returns the admin's token.
    pub fn structure_admin(&self, structure: &str) -> String {
        let email = format!("admin@{}.test", structure.to_lowercase().replace(' ', "-"));
        self.cli_user(structure, "admin", &email, None, None);
        self.token(&email)
    }

    /// Creates a user the way `clausier create-user` does (same store functions).
    pub fn cli_user(
        &self,
        structure: &str,
        role: &str,
        email: &str,
        organisation_id: Option<i64>,
        scope: Option<&str>,
    ) {
        use clausier::domain::ids::OrganisationId;
        use clausier::store::users::{self, NewUser};
        let pool = clausier::db::build_pool(
            &clausier::config::DatabaseUrl::parse(&self.database_url).expect("url"),
            1,
        )
        .expect("pool");
        let mut conn = pool.get().expect("conn");
        let hash = clausier::auth::password::hash_password(PASSWORD).expect("hash");
        self.clock
            .scope(|| {
                clausier::db::write_tx(&mut conn, |c| {
                    let (sid, _) = users::find_or_create_structure(c, structure)?;
                    users::insert(
                        c,
                        NewUser {
                            structure_id: sid,
                            email,
                            password_hash: &hash,
                            role: role.parse().expect("a role"),
                            organisation_id: organisation_id.map(OrganisationId),
                            funder_scope: scope.map(|s| s.to_string()),
                        },
                    )
                })
            })
            .expect("create user");
    }

    /// POSTs a new record that must be created (201); returns its id. `what` names it in
    /// the failure message.
    pub fn create(&self, path: &str, token: &str, body: Value, what: &str) -> i64 {
        let r = self.post(path, token, body);
        assert_eq!(r.status, 201, "{what}: {}", r.text);
        r.body["id"].as_i64().expect("the id of the new record")
    }

    /// Runs `requests` with an asynchronous client of a second application on the same
    /// database, on a multi-threaded runtime, so that the requests it sends together are
    /// really in flight together.
    pub fn in_parallel<T, F>(
        &self,
        requests: impl FnOnce(rocket::local::asynchronous::Client) -> F,
    ) -> T
    where
        F: std::future::Future<Output = T>,
    {
        let rocket = self.second_rocket();
        rocket::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async move {
                let client = rocket::local::asynchronous::Client::untracked(rocket)
                    .await
                    .expect("client");
                requests(client).await
            })
    }

    pub fn token(&self, email: &str) -> String {
        let r = self.login(email, PASSWORD);
        assert_eq!(r.status, 200, "login {email}: {}", r.text);
        r.body["access_token"].as_str().expect("token").to_string()
    }

    /// Creates a user through the API as `admin_token`; returns the new user's token.
    pub fn api_user(
        &self,
        admin_token: &str,
        role: &str,
        email: &str,
        organisation_id: Option<i64>,
    ) -> String {
        let r = self.post(
            "/api/v1/users",
            admin_token,
            json!({"email": email, "password": PASSWORD, "role": role, "organisation_id": organisation_id}),
        );
        assert_eq!(r.status, 201, "create {role} {email}: {}", r.text);
        self.token(email)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_admin.take() {
            // The client holds the pool: replace it so connections close before the drop.
            let dummy = tempfile::tempdir().expect("tmp");
            let url = format!("sqlite://{}", dummy.path().join("x.db").display());
            let old = std::mem::replace(&mut self.client, build_client(&url, |_| {}));
            drop(old);
            drop_postgres_database(&server, &name);
        }
    }
}

/// An application on `url` with its own clock at `test_start()`.
pub fn build_client(url: &str, tweak: impl FnOnce(&mut Config)) -> Client {
    build_client_on(url, test_clock(), tweak)
}

/// The configuration every test application starts from.
pub fn test_config(url: &str) -> Config {
    let mut config = Config::for_database(url).expect("config");
    config.jwt_secret = Some("test-secret-test-secret-test-secret-0123".into());
    config.database_pool_size = 4;
    // Scheduled jobs stay off in tests: they call the jobs with a chosen clock instead.
    config.reminders_cron = None;
    config.anonymise_cron = None;
    config
}

pub fn build_client_on(url: &str, clock: Clock, tweak: impl FnOnce(&mut Config)) -> Client {
    let mut config = test_config(url);
    tweak(&mut config);
    let figment = clausier::rocket_figment().merge(("log_level", "off"));
    let rocket = clausier::build_rocket_with(config, figment, clock).expect("build app");
    Client::untracked(rocket).expect("client")
}

/// Declares one test that runs on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let app = $crate::common::TestApp::sqlite();
                let f: fn(&$crate::common::TestApp) = $body;
                f(&app);
            }
            #[test]
            #[cfg_attr(not(postgres_tests), ignore = "CLAUSIER_TEST_POSTGRES_URL is not set")]
            fn postgres() {
                let app = $crate::common::TestApp::postgres_required(|_| {});
                let f: fn(&$crate::common::TestApp) = $body;
                f(&app);
            }
        }
    };
}

/// The served OpenAPI document and the validators of its response schemas.
pub struct OpenApiCheck {
    pub doc: Value,
    validators:
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

impl OpenApiCheck {
    pub fn new(doc: Value) -> OpenApiCheck {
        OpenApiCheck {
            doc,
            validators: Default::default(),
        }
    }

    /// The document's path template for a request path: the one whose literal segments
    /// match, the most literal one when several do (`/reports/annual.csv` before
    /// `/reports/{year}`). None for a path the document does not describe.
    pub fn template(&self, method: &str, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let method = method.to_ascii_lowercase();
        self.doc["paths"]
            .as_object()?
            .iter()
            .filter(|(_, item)| item.get(&method).is_some())
            .filter_map(|(template, _)| {
                let parts: Vec<&str> = template.split('/').collect();
                if parts.len() != segments.len() {
                    return None;
                }
                let mut literal = 0;
                for (p, s) in parts.iter().zip(&segments) {
                    if p.starts_with('{') && p.ends_with('}') {
                        if s.is_empty() {
                            return None;
                        }
                    } else if p == s {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, template.clone()))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, t)| t)
    }

    /// Checks one answer; the error names the route, the status and what does not match.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        media: &str,
        body: &Value,
    ) -> Result<(), String> {
        let Some(template) = self.template(method, path) else {
            // Not a route of the document (an unknown path answered 404).
            return Ok(());
        };
        let route = format!("{method} {template}");
        let op = &self.doc["paths"][&template][method.to_ascii_lowercase()];
        let Some(response) = op["responses"].get(status.to_string()) else {
            return Err(format!(
                "{route} answered {status}, a status the OpenAPI document does not describe"
            ));
        };
        let Some(schema) = response["content"].get(media).map(|c| &c["schema"]) else {
            return Err(format!(
                "{route} answered {status} as {media}, which the OpenAPI document does not describe"
            ));
        };
        if schema.is_null() {
            return Ok(());
        }
        let key = format!("{route} {status} {media}");
        let validator = {
            let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .entry(key)
                .or_insert_with(|| {
                    let mut root = schema.clone();
                    if let Value::Object(map) = &mut root {
                        map.insert("components".into(), self.doc["components"].clone());
                    }
                    std::sync::Arc::new(jsonschema::draft202012::new(&root).unwrap_or_else(|e| {
                        panic!("{route} {status}: the document's schema does not compile: {e}")
                    }))
                })
                .clone()
        };
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{route} answered {status} with a body that does not match the OpenAPI document: {}",
                errors.join("; ")
            ))
        }
    }
}

pub fn status_of(r: &Resp) -> Status {
    Status::from_code(r.status).unwrap_or(Status::InternalServerError)
}

/// The session id a `Set-Cookie: clausier_session=…; …` header carries.
pub fn session_cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap_or_default()
        .trim_start_matches("clausier_session=")
        .to_string()
}

/// The rows of a CSV file (the header row first) split on `delimiter`, every row as wide as
/// the first.
pub fn csv_rows(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The header of the report CSV in its `standard` form: the old columns, then `label`.
pub const STANDARD_REPORT_HEADER: &str = "breakdown,key,persons,hours,suppressed,label";

/// A browser's session on the pages: the session cookie (the user's token) and the secret
/// its forms carry (read from a page, as a browser gets it).
pub struct PageSession {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// Logs `email` in (password `PASSWORD` of the fixtures) and reads its forms' secret from
    /// the home page's logout form.
    pub fn page_session(&self, token: &str) -> PageSession {
        let mut s = PageSession {
            cookie: token.to_string(),
            csrf: String::new(),
        };
        let home = self.page_get("/", &s);
        let page = if home.status == 303 {
            let to = home.header("Location").unwrap_or("/").to_string();
            self.page_get(&to, &s)
        } else {
            home
        };
        s.csrf = hidden_value(&page.text, "csrf_token")
            .unwrap_or_else(|| panic!("no csrf_token on the home page: {}", page.text));
        s
    }

    /// GET of a page with the session cookie (no Bearer token), as a browser sends it.
    pub fn page_get(&self, path: &str, s: &PageSession) -> Resp {
        let cookie = format!("clausier_session={}", s.cookie);
        self.request_with("GET", path, None, None, None, &[("Cookie", &cookie)])
    }

    /// POST of a page form (url-encoded `fields`), with the session's secret added.
    pub fn page_post(&self, path: &str, s: &PageSession, fields: &[(&str, &str)]) -> Resp {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("csrf_token", &s.csrf);
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        self.page_post_raw(path, s, form.finish())
    }

    /// POST of a url-encoded body as is (no secret added: a forged form).
    pub fn page_post_raw(&self, path: &str, s: &PageSession, body: String) -> Resp {
        let cookie = format!("clausier_session={}", s.cookie);
        self.request_with(
            "POST",
            path,
            None,
            Some(ContentType::Form),
            Some(body.into_bytes()),
            &[("Cookie", &cookie)],
        )
    }
}

/// The page without the values of its CSRF tokens: random hex, which may hold any short run
/// of digits a test looks for (a token once held "1990").
pub fn without_tokens(html: &str) -> String {
    const FIELD: &str = "name=\"csrf_token\" value=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(FIELD) {
        let value = &rest[at + FIELD.len()..];
        out.push_str(&rest[..at + FIELD.len()]);
        rest = &value[value.find('"').unwrap_or(value.len())..];
    }
    out.push_str(rest);
    out
}

/// The value of the first hidden input named `name` in an HTML page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}
