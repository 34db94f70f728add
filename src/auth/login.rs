//! Logging in and out, shared by the API (`api::auth`) and the pages (`pages::login`): the
//! lockout rule, the password checked under the hash limiter, the session opened or ended
//! (`app::sessions`), the token issued.

use crate::app::sessions as app;
use crate::app::{AppError, AppResult};
use crate::auth::password::{decoy_hash, hash_password, verify_password, HashLimiter};
use crate::auth::token::{random_hex, SessionOf};
use crate::auth::{Caller, CallerCache, TokenKeys};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::SessionId;
use crate::domain::rule::Violation;

/// A token issued by a login, with the session's CSRF secret.
pub struct Issued {
    pub access_token: String,
    /// Seconds the token is valid.
    pub expires_in: i64,
    /// The session's secret, sent back as `X-CSRF-Token` by a browser program.
    pub csrf_token: String,
}

/// Checks the credentials with the lockout rule; returns the token. Shared by the API login
/// and the HTML login form. The password is checked under `hashes` (503 when saturated; a
/// refused attempt is not counted as a failure).
pub async fn login_with(
    db: &Db,
    keys: &TokenKeys,
    config: &Config,
    hashes: &HashLimiter,
    email: String,
    password: String,
) -> AppResult<Issued> {
    let at = db.clock.naive();
    let (max, window, lockout) = (
        config.login_max_failures,
        config.login_window_seconds,
        config.login_lockout_seconds,
    );
    // A place for the hash first: a login refused because hashing is saturated (503) is
    // not counted against the email.
    let admission = hashes.admit()?;
    // The attempt is counted (as a failure, until the password proves right) before the
    // password is checked: parallel guesses cannot all slip in before the lock.
    let e = email.clone();
    let locked = db
        .run(move |c| app::begin_login_attempt(c, &e, at, max, window, lockout))
        .await?;
    if let Some(wait) = locked {
        return Err(AppError::TooManyAttempts { retry_after: wait });
    }
    let e = email.clone();
    let user = db.run(move |c| app::account_of(c, &e)).await?;
    // Argon2 is slow on purpose: verify off the async threads, under the limiter, and against
    // a decoy hash when the email is unknown so both failures cost the same (the decoy itself
    // is hashed once, on first use, under the limiter too).
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let ok = admission
        .run(move || {
            let hash = stored.unwrap_or_else(|| decoy_hash().to_string());
            verify_password(&password, &hash)
        })
        .await?;
    match user {
        Some(u) if ok => {
            let e = email.clone();
            let now = db.clock.now();
            let expires_at = (now + chrono::Duration::seconds(keys.ttl_seconds)).naive_utc();
            let csrf_token = random_hex::<32>();
            let csrf = csrf_token.clone();
            let user_id = u.id;
            let session_id = db
                .run(move |c| app::open_session(c, &e, user_id, &csrf, now.naive_utc(), expires_at))
                .await?;
            let session = SessionOf {
                session_id,
                user_id: u.id,
                structure_id: u.structure_id,
                role: u.role.to_string(),
            };
            let token = keys.issue(&session, now).map_err(|_| AppError::Internal)?;
            Ok(Issued {
                access_token: token,
                expires_in: keys.ttl_seconds,
                csrf_token,
            })
        }
        // Already counted by `begin_attempt`.
        _ => Err(AppError::CredentialsWrong),
    }
}

/// Ends a session: in the database for every instance, and in this instance's cache at once.
pub async fn end_session(db: &Db, cache: &CallerCache, session_id: SessionId) -> AppResult<()> {
    let at = db.clock.naive();
    db.run(move |c| app::end_session(c, session_id, at)).await?;
    cache.forget(session_id);
    Ok(())
}

/// Forgets sessions ended in the database, in this instance's cache.
pub fn forget_sessions(cache: &CallerCache, ended: &[SessionId]) {
    for s in ended {
        cache.forget(*s);
    }
}

/// The caller changes its own password: the current one must be right (checked under the
/// hash limiter), the new one follows the rules of creation; every other session of the
/// account ends, the caller's own goes on.
pub async fn change_password(
    db: &Db,
    hashes: &HashLimiter,
    cache: &CallerCache,
    caller: &Caller,
    current_password: String,
    new_password: String,
) -> AppResult<()> {
    let mut broken = Vec::new();
    if let Err(AppError::Invalid(v)) =
        crate::app::users::check_new_password("new_password", &new_password)
    {
        broken.extend(v);
    }
    let user_id = caller.user_id;
    let user = db
        .run(move |c| app::current_user(c, user_id))
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let stored = user.password_hash;
    let right = hashes
        .run(move || verify_password(&current_password, &stored))
        .await?;
    if !right {
        broken.insert(
            0,
            Violation::new("current_password", "current_password_wrong"),
        );
    }
    if !broken.is_empty() {
        return Err(AppError::Invalid(broken));
    }
    let hash = hashes
        .run(move || hash_password(&new_password))
        .await?
        .map_err(|_| AppError::Internal)?;
    let (keep, at) = (caller.session_id, db.clock.naive());
    let ended = db
        .run(move |c| app::set_password(c, user_id, &hash, keep, at))
        .await?;
    forget_sessions(cache, &ended);
    Ok(())
}

/// Why a password chosen through a link was not set.
pub enum LinkRefused {
    /// The link is unknown, used, voided or expired.
    Invalid,
    /// The request was refused (the passwords, a saturated hasher...).
    Refused(AppError),
}

impl From<AppError> for LinkRefused {
    fn from(e: AppError) -> Self {
        LinkRefused::Refused(e)
    }
}

/// Sets the password chosen on a link's page (`password` twice, the rules of creation) and
/// uses the link up; the account's sessions end.
pub async fn set_password_through_link(
    db: &Db,
    hashes: &HashLimiter,
    cache: &CallerCache,
    token: String,
    password: String,
    confirmation: String,
) -> Result<(), LinkRefused> {
    let at = db.clock.naive();
    let t = token.clone();
    if db
        .run(move |c| crate::app::users::link_account(c, &t, at))
        .await?
        .is_none()
    {
        return Err(LinkRefused::Invalid);
    }
    let mut broken = Vec::new();
    if let Err(AppError::Invalid(v)) = crate::app::users::check_new_password("password", &password)
    {
        broken.extend(v);
    }
    if password != confirmation {
        broken.push(Violation::new("password_confirmation", "password_mismatch"));
    }
    if !broken.is_empty() {
        return Err(AppError::Invalid(broken).into());
    }
    let hash = hashes
        .run(move || hash_password(&password))
        .await
        .map_err(AppError::from)?
        .map_err(|_| AppError::Internal)?;
    let at = db.clock.naive();
    match db
        .run(move |c| crate::app::users::use_link(c, &token, &hash, at))
        .await?
    {
        Some((_, ended)) => {
            forget_sessions(cache, &ended);
            Ok(())
        }
        None => Err(LinkRefused::Invalid),
    }
}

/// A reset asked for with an email, throttled like logins (its own count per email, so that
/// resets never lock the logins out): a link goes to the account of the email, if any; the
/// answer is the same whether there is one or not. Refused with `TooManyAttempts`, which
/// the route answers as `too_many_reset_requests`.
pub async fn request_password_reset(
    db: &Db,
    config: &Config,
    mail_domain: String,
    email: String,
) -> AppResult<()> {
    let at = db.clock.naive();
    let (max, window, lockout) = (
        config.login_max_failures,
        config.login_window_seconds,
        config.login_lockout_seconds,
    );
    let key = format!(
        "password-reset:{}",
        crate::store::users::normalise_email(&email)
    );
    let locked = db
        .run(move |c| app::begin_login_attempt(c, &key, at, max, window, lockout))
        .await?;
    if let Some(wait) = locked {
        return Err(AppError::TooManyAttempts { retry_after: wait });
    }
    let target = crate::app::users::LinkTarget {
        public_url: config.public_url.clone(),
        mail_domain,
    };
    db.run(move |c| crate::app::users::request_reset(c, &email, &target))
        .await
}
