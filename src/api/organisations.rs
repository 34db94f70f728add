//! Organisations: buyers, contractors, insertion structures and funders of a structure.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::Deserialize;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::auth::Staff;
use crate::db::Db;
use crate::domain::catalogue::{is_code, ORGANISATION_KINDS, SIAE_KINDS};
use crate::domain::limits::{Code, Email, Label, List, Name, MAX_CONTACTS};
use crate::domain::siret::check_identifier;
use crate::domain::territory::is_valid_departement;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::organisations::{self as store, Contact, NewOrganisation, OrganisationView};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OrganisationInput {
    pub kind: Code,
    pub name: Label,
    pub siret: Option<Code>,
    pub identifier_type: Option<Code>,
    pub identifier: Option<Code>,
    pub territory: Option<Code>,
    pub siae_kind: Option<Code>,
}

/// Checks an organisation's fields; every broken rule is reported.
pub fn validate(input: OrganisationInput) -> Result<NewOrganisation, ApiError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            code: crate::error::INVALID.into(),
            message,
        })
    };
    if !is_code(ORGANISATION_KINDS, &input.kind) {
        err(
            "kind",
            "must be one of buyer, contractor, insertion_structure, funder".into(),
        );
    }
    let name = input.name.trim().to_string();
    if name.is_empty() {
        err("name", "must not be empty".into());
    }
    let siret = input
        .siret
        .map(|s| s.split_whitespace().collect::<String>());
    let (identifier_type, identifier) = match (siret, input.identifier_type, input.identifier) {
        (Some(s), None, None) => match check_identifier("SIRET", &s) {
            Ok(()) => (Some("SIRET".to_string()), Some(s)),
            Err(m) => {
                err("siret", m);
                (None, None)
            }
        },
        (Some(_), _, _) => {
            err(
                "siret",
                "give either siret or identifier_type and identifier".into(),
            );
            (None, None)
        }
        (None, Some(t), Some(i)) => {
            let t = t.trim().to_uppercase();
            let i = i.trim().to_string();
            match check_identifier(&t, &i) {
                Ok(()) => (Some(t), Some(i)),
                Err(m) => {
                    err("identifier", m);
                    (None, None)
                }
            }
        }
        (None, Some(_), None) => {
            err("identifier", "is required with identifier_type".into());
            (None, None)
        }
        (None, None, Some(_)) => {
            err("identifier_type", "is required with identifier".into());
            (None, None)
        }
        (None, None, None) => (None, None),
    };
    if let Some(t) = &input.territory {
        if !is_valid_departement(t) {
            err(
                "territory",
                format!("`{t}` is not a département code (01 to 95, 2A, 2B, 971 to 974, 976)"),
            );
        }
    }
    if let Some(k) = &input.siae_kind {
        if !is_code(SIAE_KINDS, k) {
            err(
                "siae_kind",
                "must be one of EI, AI, ACI, ETTI, EITI, GEIQ, EA, ESAT".into(),
            );
        } else if input.kind != "insertion_structure" && input.kind != "contractor" {
            err(
                "siae_kind",
                "applies to insertion structures and contractors only".into(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(NewOrganisation {
        kind: input.kind.into(),
        name,
        identifier_type,
        identifier,
        territory: input.territory.map(Into::into),
        siae_kind: input.siae_kind.map(Into::into),
    })
}

/// POST /api/v1/organisations — staff.
#[rocket::post("/organisations", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<OrganisationInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<OrganisationView>)> {
    let new = validate(body.0)?;
    let sid = caller.structure_id;
    let org = db.write(move |c| store::create(c, sid, new)).await?;
    Ok((Status::Created, Json(org.into())))
}

/// GET /api/v1/organisations — staff.
#[rocket::get("/organisations?<kind>&<limit>&<offset>")]
pub async fn list(
    caller: Staff,
    kind: Param<String>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<OrganisationView>>> {
    params!(kind, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let (items, total) = db
        .run(move |c| store::list(c, sid, kind.as_deref(), limit, offset))
        .await?;
    Ok(Json(ListResponse {
        items: items.into_iter().map(Into::into).collect(),
        total,
    }))
}

/// GET /api/v1/organisations/{id} — staff.
#[rocket::get("/organisations/<id>")]
pub async fn get(caller: Staff, id: i64, db: &State<Db>) -> ApiResult<Json<OrganisationView>> {
    let sid = caller.structure_id;
    let org = db.run(move |c| store::get(c, sid, id)).await?;
    Ok(Json(org.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    pub email: Email,
    pub name: Option<Name>,
}

/// PUT /api/v1/organisations/{id}/contacts — staff: who receives a contractor's reminders.
#[rocket::put("/organisations/<id>/contacts", data = "<body>")]
pub async fn put_contacts(
    caller: Staff,
    id: i64,
    body: JsonBody<List<ContactInput, { MAX_CONTACTS }>>,
    db: &State<Db>,
) -> ApiResult<Json<Vec<Contact>>> {
    let mut list = Vec::new();
    for (i, c) in body.0.into_vec().into_iter().enumerate() {
        let email = c.email.trim().to_lowercase();
        if email.parse::<lettre::Address>().is_err() {
            return Err(ApiError::invalid(
                &format!("[{i}].email"),
                "is not a valid email address",
            ));
        }
        list.push(Contact {
            email,
            name: c.name.map(Into::into),
        });
    }
    let sid = caller.structure_id;
    let saved = db
        .write(move |c| {
            store::get(c, sid, id)?;
            store::replace_contacts(c, id, &list)?;
            store::contacts(c, id)
        })
        .await?;
    Ok(Json(saved))
}

/// GET /api/v1/organisations/{id}/contacts — staff.
#[rocket::get("/organisations/<id>/contacts")]
pub async fn get_contacts(caller: Staff, id: i64, db: &State<Db>) -> ApiResult<Json<Vec<Contact>>> {
    let sid = caller.structure_id;
    let list = db
        .run(move |c| {
            store::get(c, sid, id)?;
            store::contacts(c, id)
        })
        .await?;
    Ok(Json(list))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, put_contacts, get_contacts]
}
