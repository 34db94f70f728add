//! Login and the current user.

use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::JsonBody;
use crate::auth::password::{decoy_hash, verify_password, HashLimiter};
use crate::auth::{AnyRole, TokenKeys};
use crate::config::Config;
use crate::db::{now, Db};
use crate::error::{ApiError, ApiResult};
use crate::store::users;

#[derive(Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
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
    let at = now();
    let (max, window, lockout) = (
        config.login_max_failures,
        config.login_window_seconds,
        config.login_lockout_seconds,
    );
    let e = email.clone();
    if let Some(wait) = db.run(move |c| users::lockout_remaining(c, &e, at)).await? {
        return Err(ApiError::too_many_attempts(wait));
    }
    let e = email.clone();
    let user = db.run(move |c| users::find_by_email(c, &e)).await?;
    // Argon2 is slow on purpose: verify off the async threads, under the limiter, and against
    // a decoy hash when the email is unknown so both failures cost the same (the decoy itself
    // is hashed once, on first use, under the limiter too).
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let ok = hashes
        .run(move || {
            let hash = stored.unwrap_or_else(|| decoy_hash().to_string());
            verify_password(&password, &hash)
        })
        .await?;
    match user {
        Some(u) if ok => {
            let e = email.clone();
            db.run(move |c| users::clear_failures(c, &e)).await?;
            let token = keys
                .issue(u.id, u.structure_id, &u.role)
                .map_err(|_| ApiError::internal())?;
            Ok(TokenResponse {
                access_token: token,
                token_type: "Bearer",
                expires_in: keys.ttl_seconds,
            })
        }
        _ => {
            db.write(move |c| users::record_failure(c, &email, at, max, window, lockout))
                .await?;
            Err(ApiError::unauthorized("wrong email or password"))
        }
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
    login_with(db, keys, config, hashes, email, password)
        .await
        .map(Json)
}

#[derive(Serialize)]
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
    rocket::routes![login, me]
}
