//! Login and the current user.

use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::JsonBody;
use crate::auth::password::{decoy_hash, verify_password, HashLimiter};
use crate::auth::token::{random_hex, SessionOf};
use crate::auth::{AnyRole, CallerCache, TokenKeys, SESSION_COOKIE};
use crate::config::Config;
use crate::db::Db;
use crate::domain::limits::{Email, Password};
use crate::error::{ApiError, ApiResult};
use crate::store::{sessions, users};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: Email,
    pub password: Password,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// The session's secret, for a browser program that works with the session cookie: it
    /// sends it back as `X-CSRF-Token` on state-changing requests.
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
) -> ApiResult<TokenResponse> {
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
        .write(move |c| users::begin_attempt(c, &e, at, max, window, lockout))
        .await?;
    if let Some(wait) = locked {
        return Err(ApiError::too_many_attempts(wait));
    }
    let e = email.clone();
    let user = db.run(move |c| users::find_by_email(c, &e)).await?;
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
                .write(move |c| {
                    users::clear_failures(c, &e)?;
                    sessions::purge(c, now.naive_utc())?;
                    sessions::open(c, user_id, &csrf, now.naive_utc(), expires_at)
                })
                .await?;
            let session = SessionOf {
                session_id,
                user_id: u.id,
                structure_id: u.structure_id,
                role: u.role.clone(),
            };
            let token = keys
                .issue(&session, now)
                .map_err(|_| ApiError::internal())?;
            Ok(TokenResponse {
                access_token: token,
                token_type: "Bearer",
                expires_in: keys.ttl_seconds,
                csrf_token,
            })
        }
        // Already counted by `begin_attempt`.
        _ => Err(ApiError::unauthorized("wrong email or password")),
    }
}

/// POST /api/v1/auth/login — anyone.
#[rocket::post("/auth/login", data = "<body>")]
pub async fn login(
    body: JsonBody<LoginRequest>,
    db: &State<Db>,
    keys: &State<TokenKeys>,
    config: &State<Config>,
    hashes: &State<HashLimiter>,
) -> ApiResult<Json<TokenResponse>> {
    let LoginRequest { email, password } = body.0;
    login_with(db, keys, config, hashes, email.into(), password.into())
        .await
        .map(Json)
}

/// Ends a session: in the database for every instance, and in this instance's cache at once.
pub async fn end_session(db: &Db, cache: &CallerCache, session_id: i64) -> ApiResult<()> {
    let at = db.clock.naive();
    db.write(move |c| sessions::revoke(c, session_id, at).map(|_| ()))
        .await?;
    cache.forget(session_id);
    Ok(())
}

/// POST /api/v1/auth/logout — any authenticated user: ends the session of the token (or
/// cookie) presented; the token is refused from then on.
#[rocket::post("/auth/logout")]
pub async fn logout(
    caller: AnyRole,
    db: &State<Db>,
    cache: &State<CallerCache>,
    cookies: &rocket::http::CookieJar<'_>,
) -> ApiResult<rocket::http::Status> {
    end_session(db, cache, caller.session_id).await?;
    cookies.remove(rocket::http::Cookie::build(SESSION_COOKIE).path("/"));
    Ok(rocket::http::Status::NoContent)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub structure_id: i64,
    pub organisation_id: Option<i64>,
}

/// GET /api/v1/me — any authenticated user.
#[rocket::get("/me")]
pub async fn me(caller: AnyRole, db: &State<Db>) -> ApiResult<Json<Me>> {
    let id = caller.user_id;
    let u = db
        .run(move |c| users::find_active(c, id))
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?;
    Ok(Json(Me {
        id: u.id,
        email: u.email,
        role: u.role,
        structure_id: u.structure_id,
        organisation_id: u.organisation_id,
    }))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![login, logout, me]
}
