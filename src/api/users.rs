//! Accounts of a structure, managed by its administrators.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::users as app;
pub use crate::app::users::CreateUser;
use crate::auth::password::{hash_password, HashLimiter};
use crate::auth::AdminOnly;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::store::users::UserView;

pub use crate::app::users::valid_email;

/// POST /api/v1/users — admin, in its own structure.
#[rocket::post("/users", data = "<body>")]
pub async fn create(
    admin: AdminOnly,
    body: JsonBody<CreateUser>,
    db: &State<Db>,
    hashes: &State<HashLimiter>,
) -> ApiResult<(Status, Json<UserView>)> {
    let input = body.0;
    app::check_new_user(&input)?;
    let structure_id = admin.structure_id;
    let password = input.password.clone();
    let hash = hashes
        .run(move || hash_password(&password))
        .await?
        .map_err(|_| ApiError::internal())?;
    let user = db
        .run(move |c| app::create_user(c, structure_id, &input, &hash))
        .await?;
    Ok((Status::Created, Json(user.into())))
}

/// GET /api/v1/users — admin, its own structure's accounts.
#[rocket::get("/users?<limit>&<offset>")]
pub async fn list(
    admin: AdminOnly,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<UserView>>> {
    params!(limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = admin.structure_id;
    let (items, total) = db
        .run(move |c| app::list_users(c, sid, limit, offset))
        .await?;
    Ok(Json(ListResponse {
        items: items.into_iter().map(Into::into).collect(),
        total,
    }))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list]
}
