//! Login and the current user.

use rocket::response::status::Accepted;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::JsonBody;
use crate::api::reply::Answer;
use crate::api::users::LinkQueued;
use crate::app::sessions as app;
use crate::app::AppError;
use crate::auth::login::{end_session, login_with};
use crate::auth::password::HashLimiter;
use crate::auth::{AnyRole, CallerCache, TokenKeys, SESSION_COOKIE};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::{OrganisationId, StructureId, UserId};
use crate::domain::limits::{Email, Password};
use crate::domain::rule::Violation;
use crate::error::{ApiError, ApiResult};
use crate::reminders::Mailer;

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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: Password,
    pub new_password: Password,
}

/// PUT /api/v1/me/password — any authenticated user: changes its own password; its other
/// sessions end, the one of this request goes on.
#[rocket::put("/me/password", data = "<body>")]
pub async fn change_password(
    caller: AnyRole,
    body: JsonBody<PasswordChange>,
    db: &State<Db>,
    hashes: &State<HashLimiter>,
    cache: &State<CallerCache>,
) -> ApiResult<rocket::http::Status> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.0;
    crate::auth::login::change_password(
        db,
        hashes,
        cache,
        &caller,
        current_password.into(),
        new_password.into(),
    )
    .await?;
    Ok(rocket::http::Status::NoContent)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: Email,
}

/// The one answer of a reset request, whether the email has an account or not.
pub const RESET_ANSWER: &str = "Si un compte actif correspond à cette adresse, un lien pour                                 choisir un nouveau mot de passe lui est envoyé par courriel ;                                 il reste valable 48 heures.";

/// POST /api/v1/auth/password-reset — anyone: emails a link to choose a new password to the
/// account of the email, if there is one; the answer is the same either way. Throttled per
/// email like logins (429).
#[rocket::post("/auth/password-reset", data = "<body>")]
pub async fn password_reset(
    body: JsonBody<PasswordResetRequest>,
    db: &State<Db>,
    config: &State<Config>,
    mailer: &State<Mailer>,
) -> ApiResult<Accepted<Json<LinkQueued>>> {
    let email: String = body.0.email.into();
    crate::auth::login::request_password_reset(db, config, mailer.domain(), email)
        .await
        .map_err(reset_refused)?;
    Ok(Accepted(Json(LinkQueued {
        message: RESET_ANSWER.into(),
    })))
}

/// The problem of a refused reset request: a throttled one has its own code
/// (`too_many_reset_requests`), not the login's, whose sentence speaks of failed logins.
pub(crate) fn reset_refused(e: AppError) -> ApiError {
    match e {
        AppError::TooManyAttempts { retry_after } => {
            let mut problem = ApiError::coded(
                429,
                "too-many-attempts",
                Violation::new("", "too_many_reset_requests").with("retry_after", retry_after),
            );
            problem.retry_after = Some(retry_after);
            problem
        }
        other => other.into(),
    }
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![login, logout, me, change_password, password_reset]
}
