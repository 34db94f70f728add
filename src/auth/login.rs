//! Logging in and out, shared by the API (`api::auth`) and the pages (`api::pages`): the
//! lockout rule, the password checked under the hash limiter, the session opened or ended
//! (`app::sessions`), the token issued.

use crate::app::sessions as app;
use crate::app::{AppError, AppResult};
use crate::auth::password::{decoy_hash, verify_password, HashLimiter};
use crate::auth::token::{random_hex, SessionOf};
use crate::auth::{CallerCache, TokenKeys};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::SessionId;

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
