//! Accounts of a structure, managed by its administrators.

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::query::{params, Paging};
use crate::api::reply::{self, Created, Listed};
use crate::app::users as app;
pub use crate::app::users::CreateUser;
use crate::auth::password::{hash_password, HashLimiter};
use crate::auth::AdminOnly;
use crate::db::Db;
use crate::error::ApiError;
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

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list]
}
