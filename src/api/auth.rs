//! Login and the current user.

use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::JsonBody;
use crate::api::reply::Answer;
use crate::app::sessions as app;
use crate::auth::login::{end_session, login_with};
use crate::auth::password::HashLimiter;
use crate::auth::{AnyRole, CallerCache, TokenKeys, SESSION_COOKIE};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::{OrganisationId, StructureId, UserId};
use crate::domain::limits::{Email, Password};
use crate::error::{ApiError, ApiResult};

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

/// POST /api/v1/auth/login — anyone.
#[rocket::post("/auth/login", data = "<body>")]
pub async fn login(
    body: JsonBody<LoginRequest>,
    db: &State<Db>,
    keys: &State<TokenKeys>,
    config: &State<Config>,
    hashes: &State<HashLimiter>,
) -> Answer<TokenResponse> {
    let LoginRequest { email, password } = body.0;
    let issued = login_with(db, keys, config, hashes, email.into(), password.into()).await?;
    Ok(Json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        csrf_token: issued.csrf_token,
    }))
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
    pub id: UserId,
    pub email: String,
    pub role: crate::auth::Role,
    pub structure_id: StructureId,
    pub organisation_id: Option<OrganisationId>,
}

/// GET /api/v1/me — any authenticated user.
#[rocket::get("/me")]
pub async fn me(caller: AnyRole, db: &State<Db>) -> Answer<Me> {
    let id = caller.user_id;
    let u = db
        .run(move |c| app::current_user(c, id))
        .await?
        // Authentication has just read the account: gone since, it is a session that ended.
        .ok_or_else(|| ApiError::unauthorized("session_ended"))?;
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
