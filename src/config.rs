//! Typed configuration, read once at start-up from Rocket.toml (profile `default`, then the
//! active profile) and `CLAUSIER_*` environment variables, and validated with messages that
//! name the bad setting. Nothing here is global: the value is handed to whoever needs it.

use std::path::PathBuf;

use rocket::figment::providers::{Env, Format, Toml};
use rocket::figment::{Figment, Profile};
use serde::Deserialize;

/// Where the data lives. Chosen from the URL scheme; anything else is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("CLAUSIER_DATABASE_URL: sqlite:// needs a file path".into());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        let scheme = raw.split("://").next().unwrap_or(raw);
        Err(format!(
            "CLAUSIER_DATABASE_URL: unknown scheme `{scheme}`; use sqlite://PATH or postgres://…"
        ))
    }

    /// The URL without any password, for messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => match url::Url::parse(u) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    let _ = parsed.set_password(Some("***"));
                    parsed.to_string()
                }
                _ => u.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Raw settings as read from the providers; `Config::from_raw` checks them.
#[derive(Debug, Deserialize)]
#[serde(default)]
struct RawConfig {
    database_url: String,
    database_pool_size: u32,
    data_dir: String,
    jwt_secret: Option<String>,
    token_ttl_seconds: i64,
    login_max_failures: i32,
    login_window_seconds: i64,
    login_lockout_seconds: i64,
    eligibility_months: u32,
    retention_months: u32,
    monthly_hours_cap: f64,
    on_track_percent: u32,
    fte_hours: u32,
    suppression_threshold: u32,
    referral_wait_days: u32,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_tls: String,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    mail_from: String,
    reminders_cron: String,
    reminder_hour: u32,
    reminder_max_attempts: i32,
    anonymise_cron: String,
    public_url: String,
    cookie_secure: Option<bool>,
    password_hash_concurrency: usize,
    password_hash_queue: usize,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            database_url: "sqlite://data/clausier.db".into(),
            database_pool_size: 8,
            data_dir: "data".into(),
            jwt_secret: None,
            token_ttl_seconds: 8 * 3600,
            login_max_failures: 5,
            login_window_seconds: 15 * 60,
            login_lockout_seconds: 15 * 60,
            eligibility_months: 6,
            retention_months: 24,
            monthly_hours_cap: 208.0,
            on_track_percent: 80,
            fte_hours: 1607,
            suppression_threshold: 5,
            referral_wait_days: 7,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
            mail_from: "clausier <no-reply@clausier.localhost>".into(),
            reminders_cron: "0 */15 * * * *".into(),
            reminder_hour: 9,
            reminder_max_attempts: 8,
            anonymise_cron: "0 30 3 * * *".into(),
            public_url: "http://127.0.0.1:8000".into(),
            cookie_secure: None,
            password_hash_concurrency: 0,
            password_hash_queue: 64,
        }
    }
}

/// The validated configuration of one running instance.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub database_pool_size: u32,
    pub data_dir: PathBuf,
    pub jwt_secret: Option<String>,
    pub token_ttl_seconds: i64,
    pub login_max_failures: i32,
    pub login_window_seconds: i64,
    pub login_lockout_seconds: i64,
    pub eligibility_months: u32,
    pub retention_months: u32,
    /// Monthly cap on work + training hours per person, in hundredths of an hour.
    pub monthly_hours_cap: i64,
    pub on_track_percent: u32,
    pub fte_hours: u32,
    pub suppression_threshold: u32,
    pub referral_wait_days: u32,
    pub smtp: Option<SmtpConfig>,
    pub mail_from: String,
    /// Six-field cron (seconds first, UTC); None disables the schedule.
    pub reminders_cron: Option<String>,
    pub reminder_hour: u32,
    pub reminder_max_attempts: i32,
    pub anonymise_cron: Option<String>,
    /// Where people reach the service (scheme, host and port, no path): the only `Origin`
    /// accepted on state-changing requests, and the base of links in emails.
    pub public_url: String,
    /// Whether the session cookie is sent over HTTPS only.
    pub cookie_secure: bool,
    /// Password hashes computed at once (each takes about 19 MiB and a CPU); one per CPU
    /// unless set.
    pub password_hash_concurrency: usize,
    /// Password hashes that may wait for one of those; any more are refused with 503.
    pub password_hash_queue: usize,
}

impl Config {
    /// Reads Rocket.toml (or the file named by ROCKET_CONFIG) and CLAUSIER_* variables.
    pub fn load() -> Result<Self, String> {
        Self::from_figment(&Self::figment())
    }

    /// The providers, in order of precedence (last wins).
    pub fn figment() -> Figment {
        let profile = Profile::from_env_or("ROCKET_PROFILE", rocket::Config::DEFAULT_PROFILE);
        let file = Env::var_or("ROCKET_CONFIG", "Rocket.toml");
        Figment::new()
            .merge(Toml::file(file).nested())
            .merge(Env::prefixed("CLAUSIER_").global())
            .select(profile)
    }

    pub fn from_figment(figment: &Figment) -> Result<Self, String> {
        let raw: RawConfig = figment.extract().map_err(|e| {
            let mut msg = String::from("invalid configuration: ");
            for err in e {
                msg.push_str(&err.to_string());
                msg.push_str("; ");
            }
            msg
        })?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawConfig) -> Result<Self, String> {
        let database = DatabaseUrl::parse(&raw.database_url)?;
        if raw.database_pool_size == 0 {
            return Err("CLAUSIER_DATABASE_POOL_SIZE must be at least 1".into());
        }
        if let Some(secret) = &raw.jwt_secret {
            if secret.len() < 32 {
                return Err("CLAUSIER_JWT_SECRET must be at least 32 characters".into());
            }
        }
        positive("CLAUSIER_TOKEN_TTL_SECONDS", raw.token_ttl_seconds)?;
        positive("CLAUSIER_LOGIN_MAX_FAILURES", raw.login_max_failures as i64)?;
        positive("CLAUSIER_LOGIN_WINDOW_SECONDS", raw.login_window_seconds)?;
        positive("CLAUSIER_LOGIN_LOCKOUT_SECONDS", raw.login_lockout_seconds)?;
        positive("CLAUSIER_ELIGIBILITY_MONTHS", raw.eligibility_months as i64)?;
        positive("CLAUSIER_RETENTION_MONTHS", raw.retention_months as i64)?;
        positive("CLAUSIER_FTE_HOURS", raw.fte_hours as i64)?;
        positive(
            "CLAUSIER_SUPPRESSION_THRESHOLD",
            raw.suppression_threshold as i64,
        )?;
        if raw.on_track_percent == 0 || raw.on_track_percent > 100 {
            return Err("CLAUSIER_ON_TRACK_PERCENT must be between 1 and 100".into());
        }
        if raw.reminder_hour > 23 {
            return Err("CLAUSIER_REMINDER_HOUR must be between 0 and 23".into());
        }
        let cap = raw.monthly_hours_cap;
        if !(cap.is_finite() && cap > 0.0 && cap <= 744.0) {
            return Err("CLAUSIER_MONTHLY_HOURS_CAP must be between 0 and 744 hours".into());
        }
        let tls = match raw.smtp_tls.to_ascii_lowercase().as_str() {
            "none" => SmtpTls::None,
            "starttls" => SmtpTls::StartTls,
            "tls" => SmtpTls::Tls,
            other => {
                return Err(format!(
                    "CLAUSIER_SMTP_TLS: `{other}` is not one of none, starttls, tls"
                ))
            }
        };
        let smtp = match raw.smtp_host.filter(|h| !h.trim().is_empty()) {
            Some(host) => Some(SmtpConfig {
                port: raw.smtp_port.unwrap_or(match tls {
                    SmtpTls::None => 25,
                    SmtpTls::StartTls => 587,
                    SmtpTls::Tls => 465,
                }),
                host,
                tls,
                username: raw.smtp_username.filter(|s| !s.is_empty()),
                password: raw.smtp_password.filter(|s| !s.is_empty()),
            }),
            None => None,
        };
        if raw.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "CLAUSIER_MAIL_FROM: `{}` is not an email address",
                raw.mail_from
            ));
        }
        let reminders_cron = non_empty(raw.reminders_cron);
        let anonymise_cron = non_empty(raw.anonymise_cron);
        for (name, cron) in [
            ("CLAUSIER_REMINDERS_CRON", &reminders_cron),
            ("CLAUSIER_ANONYMISE_CRON", &anonymise_cron),
        ] {
            if let Some(expr) = cron {
                if expr.split_whitespace().count() != 6 {
                    return Err(format!(
                        "{name}: `{expr}` must have six fields (seconds first), e.g. `0 */15 * * * *`"
                    ));
                }
            }
        }
        let public_url = public_origin(&raw.public_url)?;
        let cookie_secure = raw
            .cookie_secure
            .unwrap_or_else(|| public_url.starts_with("https://"));
        Ok(Config {
            database,
            database_pool_size: raw.database_pool_size,
            data_dir: PathBuf::from(raw.data_dir),
            jwt_secret: raw.jwt_secret.filter(|s| !s.is_empty()),
            token_ttl_seconds: raw.token_ttl_seconds,
            login_max_failures: raw.login_max_failures,
            login_window_seconds: raw.login_window_seconds,
            login_lockout_seconds: raw.login_lockout_seconds,
            eligibility_months: raw.eligibility_months,
            retention_months: raw.retention_months,
            monthly_hours_cap: (cap * 100.0).round() as i64,
            on_track_percent: raw.on_track_percent,
            fte_hours: raw.fte_hours,
            suppression_threshold: raw.suppression_threshold,
            referral_wait_days: raw.referral_wait_days,
            smtp,
            mail_from: raw.mail_from,
            reminders_cron,
            reminder_hour: raw.reminder_hour,
            reminder_max_attempts: raw.reminder_max_attempts.max(1),
            anonymise_cron,
            public_url,
            cookie_secure,
            password_hash_concurrency: match raw.password_hash_concurrency {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            },
            password_hash_queue: raw.password_hash_queue,
        })
    }

    /// A configuration for tests and tools: defaults with the given database.
    pub fn for_database(url: &str) -> Result<Self, String> {
        let raw = RawConfig {
            database_url: url.to_string(),
            ..RawConfig::default()
        };
        Self::from_raw(raw)
    }
}

/// `CLAUSIER_PUBLIC_URL` as the origin browsers send: scheme, host and port (when not the
/// default), without a trailing slash or path.
fn public_origin(raw: &str) -> Result<String, String> {
    let bad = |why: &str| format!("CLAUSIER_PUBLIC_URL: `{raw}` {why}");
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a path, a query or a fragment"));
    }
    match url.origin() {
        url::Origin::Tuple(..) => Ok(url.origin().ascii_serialization()),
        url::Origin::Opaque(_) => Err(bad("has no host")),
    }
}

fn positive(name: &str, value: i64) -> Result<(), String> {
    if value <= 0 {
        return Err(format!("{name} must be a positive number"));
    }
    Ok(())
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_scheme_picks_the_backend_and_refuses_others() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        let err = DatabaseUrl::parse("mysql://h/db").unwrap_err();
        assert!(
            err.contains("CLAUSIER_DATABASE_URL") && err.contains("mysql"),
            "{err}"
        );
    }

    #[test]
    fn redacted_database_url_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://u:secret@h/db").unwrap();
        assert!(!url.redacted().contains("secret"));
    }

    #[test]
    fn bad_settings_are_named() {
        let err = Config::from_raw(RawConfig {
            smtp_tls: "ssl3".into(),
            ..RawConfig::default()
        })
        .unwrap_err();
        assert!(err.contains("CLAUSIER_SMTP_TLS"), "{err}");
        let err = Config::from_raw(RawConfig {
            reminders_cron: "*/15 * * * *".into(),
            ..RawConfig::default()
        })
        .unwrap_err();
        assert!(err.contains("CLAUSIER_REMINDERS_CRON"), "{err}");
        let err = Config::from_raw(RawConfig {
            public_url: "ftp://clauses.example".into(),
            ..RawConfig::default()
        })
        .unwrap_err();
        assert!(err.contains("CLAUSIER_PUBLIC_URL"), "{err}");
    }

    #[test]
    fn public_url_decides_the_secure_cookie() {
        let with = |url: &str, secure: Option<bool>| {
            Config::from_raw(RawConfig {
                public_url: url.into(),
                cookie_secure: secure,
                ..RawConfig::default()
            })
            .unwrap()
        };
        let local = with("http://127.0.0.1:8000", None);
        assert_eq!(local.public_url, "http://127.0.0.1:8000");
        assert!(!local.cookie_secure);
        let public = with("https://clausier.example.fr/", None);
        assert_eq!(public.public_url, "https://clausier.example.fr");
        assert!(public.cookie_secure);
        assert!(!with("https://clausier.example.fr", Some(false)).cookie_secure);
        assert!(with("http://10.0.0.2:8000", Some(true)).cookie_secure);
        assert!(Config::from_raw(RawConfig {
            public_url: "https://clausier.example.fr/app".into(),
            ..RawConfig::default()
        })
        .is_err());
    }
}
