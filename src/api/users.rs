//! Accounts of a structure, managed by its administrators.

use rocket::response::status::Accepted;
use rocket::serde::json::Json;
use rocket::State;
use serde::Serialize;

use crate::api::body::JsonBody;
use crate::api::query::{params, Paging};
use crate::api::reply::{self, Answer, Created, IfMatchHeader, Listed, Tagged, TaggedAnswer};
use crate::app::users as app;
pub use crate::app::users::{CreateUser, UserPatch};
use crate::auth::login::forget_sessions;
use crate::auth::password::{hash_password, HashLimiter};
use crate::auth::{AdminOnly, CallerCache};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::UserId;
use crate::error::{ApiError, ApiResult};
use crate::reminders::Mailer;
use crate::store::history::HistoryEntry;
use crate::store::users::UserView;

pub use crate::app::users::valid_email;

/// POST /api/v1/users — admin, in its own structure.
#[rocket::post("/users", data = "<body>")]
pub async fn create(
    admin: AdminOnly,
    body: JsonBody<CreateUser>,
    db: &State<Db>,
    hashes: &State<HashLimiter>,
) -> Created<UserView> {
    let input = body.0;
    app::check_new_user(&input)?;
    let structure_id = admin.structure_id;
    let password = input.password.clone();
    let hash = hashes
        .run(move || hash_password(&password))
        .await?
        .map_err(|_| ApiError::internal())?;
    reply::created(db, move |c| {
        app::create_user(c, structure_id, &input, &hash)
    })
    .await
}

/// GET /api/v1/users — admin, its own structure's accounts.
#[rocket::get("/users?<paging..>")]
pub async fn list(admin: AdminOnly, paging: Paging, db: &State<Db>) -> Listed<UserView> {
    params!(paging);
    let sid = admin.structure_id;
    reply::page(db, move |c| {
        app::list_users(c, sid, paging.limit, paging.offset)
    })
    .await
}

/// GET /api/v1/users/{id} — admin: one account of its structure, with its `ETag`.
#[rocket::get("/users/<id>")]
pub async fn get(admin: AdminOnly, id: UserId, db: &State<Db>) -> TaggedAnswer<UserView> {
    let sid = admin.structure_id;
    reply::tagged(db, move |c| app::get_user(c, sid, id)).await
}

/// PATCH /api/v1/users/{id} — admin: switches an account off or on, changes its role or
/// organisation. An account switched off has its sessions ended at once here, and within
/// the caller cache's lifetime (5 s) on the other instances.
#[rocket::patch("/users/<id>", data = "<body>")]
pub async fn update(
    admin: AdminOnly,
    id: UserId,
    body: JsonBody<UserPatch>,
    if_match: IfMatchHeader,
    db: &State<Db>,
    cache: &State<CallerCache>,
) -> TaggedAnswer<UserView> {
    let (caller, sid, patch, if_match) = (admin.user_id, admin.structure_id, body.0, if_match.0);
    let changed = reply::call(db, move |c| {
        app::update_user(c, caller, sid, id, patch, if_match)
    })
    .await?;
    forget_sessions(cache, &changed.ended_sessions);
    // Its role or organisation may have changed: read again at its next request.
    cache.forget_user(id);
    let user = changed.user;
    Ok(Tagged {
        etag: user.version.etag(),
        body: Json(UserView::from(user.record)),
    })
}

/// GET /api/v1/users/{id}/history — admin: every change of an account.
#[rocket::get("/users/<id>/history")]
pub async fn history(admin: AdminOnly, id: UserId, db: &State<Db>) -> Answer<Vec<HistoryEntry>> {
    let sid = admin.structure_id;
    reply::json(db, move |c| app::user_history(c, sid, id)).await
}

/// What the routes sending a password link answer (202): the email is queued.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkQueued {
    /// What happens next, in French.
    pub message: String,
}

/// POST /api/v1/users/{id}/invitation — admin: emails the account a link to choose its
/// password (valid 48 hours, once; a newer link voids it).
#[rocket::post("/users/<id>/invitation")]
pub async fn invite(
    admin: AdminOnly,
    id: UserId,
    db: &State<Db>,
    config: &State<Config>,
    mailer: &State<Mailer>,
) -> ApiResult<Accepted<Json<LinkQueued>>> {
    let sid = admin.structure_id;
    let target = app::LinkTarget {
        public_url: config.public_url.clone(),
        mail_domain: mailer.domain(),
    };
    reply::call(db, move |c| app::invite(c, sid, id, &target)).await?;
    Ok(Accepted(Json(LinkQueued {
        message: "Un lien pour choisir un mot de passe part par courriel vers l'adresse du                   compte ; il reste valable 48 heures."
            .into(),
    })))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, update, history, invite]
}
