//! The reference lists of codes and French labels, readable by every role.

use rocket::serde::json::Json;

use crate::app::reference::{self as app, ReferenceItem};
use crate::auth::AnyRole;
use crate::error::ApiResult;

/// GET /api/v1/reference/{list} — every authenticated role; an unknown list is not found.
#[rocket::get("/reference/<list>")]
pub fn get_list(_caller: AnyRole, list: &str) -> ApiResult<Json<Vec<ReferenceItem>>> {
    Ok(Json(app::reference_list(list)?))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![get_list]
}
