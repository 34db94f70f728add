//! Accounts of a structure, managed by its administrators.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::Deserialize;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::auth::password::{check_password_strength, hash_password, HashLimiter};
use crate::auth::{AdminOnly, Role};
use crate::db::Db;
use crate::domain::limits::{Email, Password};
use crate::error::{ApiError, ApiResult};
use crate::store::users::{self, NewUser, UserView};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateUser {
    pub email: Email,
    pub password: Password,
    pub role: Role,
    pub organisation_id: Option<i64>,
}

pub fn valid_email(email: &str) -> bool {
    email.parse::<lettre::Address>().is_ok()
}

/// POST /api/v1/users — admin, in its own structure.
#[rocket::post("/users", data = "<body>")]
pub async fn create(
    admin: AdminOnly,
    body: JsonBody<CreateUser>,
    db: &State<Db>,
    hashes: &State<HashLimiter>,
) -> ApiResult<(Status, Json<UserView>)> {
    let input = body.0;
    if !valid_email(input.email.trim()) {
        return Err(ApiError::invalid("email", "is not a valid email address"));
    }
    check_password_strength(&input.password).map_err(|m| ApiError::invalid("password", m))?;
    let structure_id = admin.structure_id;
    let needs_org = input.role == Role::Contractor;
    match (needs_org, input.organisation_id) {
        (true, None) => {
            return Err(ApiError::invalid(
                "organisation_id",
                "a contractor account needs the id of its contractor or insertion structure",
            ))
        }
        (false, Some(_)) if input.role != Role::Funder => {
            return Err(ApiError::invalid(
                "organisation_id",
                "only contractor and funder accounts belong to an organisation",
            ))
        }
        _ => {}
    }
    let password = input.password.clone();
    let hash = hashes
        .run(move || hash_password(&password))
        .await?
        .map_err(|_| ApiError::internal())?;
    let user = db
        .write(move |c| {
            if let Some(org) = input.organisation_id {
                let kind = users::organisation_kind(c, structure_id, org)?.ok_or_else(|| {
                    ApiError::invalid("organisation_id", "no such organisation in your structure")
                })?;
                let expected: &[&str] = match input.role {
                    Role::Contractor => &["contractor", "insertion_structure"],
                    _ => &["funder"],
                };
                if !expected.contains(&kind.as_str()) {
                    return Err(ApiError::invalid(
                        "organisation_id",
                        format!(
                            "the organisation is a {kind}, not one of {}",
                            expected.join(", ")
                        ),
                    ));
                }
            }
            users::create(
                c,
                NewUser {
                    structure_id,
                    email: &input.email,
                    password_hash: &hash,
                    role: input.role.as_str(),
                    organisation_id: input.organisation_id,
                    funder_scope: None,
                },
            )
        })
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
    let (items, total) = db.run(move |c| users::list(c, sid, limit, offset)).await?;
    Ok(Json(ListResponse {
        items: items.into_iter().map(Into::into).collect(),
        total,
    }))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list]
}
