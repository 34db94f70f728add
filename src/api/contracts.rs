//! Contracts with their lots and holders.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::Deserialize;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::{Conn, Db};
use crate::domain::limits::{self, Code, Label, Title};
use crate::domain::units::Hundredths;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::contracts::{self as store, ContractView, NewContract, NewLot};
use crate::store::organisations;

pub const SOCIAL_CONSIDERATIONS: &[&str] = &["clause_sociale", "critere_social", "marche_reserve"];
const CONTRACT_KINDS: &[&str] = &["works", "services", "supplies"];

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LotInput {
    pub number: i32,
    pub title: Option<Label>,
    pub amount_eur: Option<Hundredths>,
    pub cpv_code: Option<Code>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContractInput {
    pub buyer_id: i64,
    pub reference: Code,
    pub title: Title,
    pub kind: Code,
    pub cpv_code: Option<Code>,
    pub amount_eur: Option<Hundredths>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub notified_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    #[serde(default)]
    pub social_considerations: Vec<Code>,
    #[serde(default)]
    pub lots: Vec<LotInput>,
    #[serde(default)]
    pub holder_ids: Vec<i64>,
}

/// A CPV code: eight digits, optionally followed by `-` and a check digit.
pub fn is_cpv(code: &str) -> bool {
    let (main, check) = match code.split_once('-') {
        Some((m, c)) => (m, Some(c)),
        None => (code, None),
    };
    main.len() == 8
        && main.chars().all(|c| c.is_ascii_digit())
        && check.is_none_or(|c| c.len() == 1 && c.chars().all(|d| d.is_ascii_digit()))
}

/// The last day of a contract that starts on `start` and lasts `months` months.
pub fn end_from_duration(start: NaiveDate, months: i32) -> Option<NaiveDate> {
    start
        .checked_add_months(chrono::Months::new(u32::try_from(months).ok()?))
        .and_then(|d| d.pred_opt())
}

fn validate(
    conn: &mut Conn,
    structure_id: i64,
    input: ContractInput,
) -> Result<NewContract, ApiError> {
    let mut errors = Vec::new();
    let mut err = |field: String, message: &str| {
        errors.push(FieldError {
            field,
            code: crate::error::INVALID.into(),
            message: message.to_string(),
        })
    };
    match organisations::find(conn, structure_id, input.buyer_id)? {
        Some(o) if o.kind == "buyer" => {}
        Some(_) => err("buyer_id".into(), "the organisation is not a buyer"),
        None => err("buyer_id".into(), "no such organisation in your structure"),
    }
    let reference = input.reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 64 {
        err("reference".into(), "must have 1 to 64 characters");
    }
    if input.title.trim().is_empty() {
        err("title".into(), "must not be empty");
    }
    if !CONTRACT_KINDS.contains(&input.kind.as_str()) {
        err("kind".into(), "must be one of works, services, supplies");
    }
    if let Some(cpv) = &input.cpv_code {
        if !is_cpv(cpv) {
            err(
                "cpv_code".into(),
                "must be eight digits, optionally followed by -N",
            );
        }
    }
    if input.amount_eur.is_some_and(|a| a.0 <= 0) {
        err("amount_eur".into(), "must be greater than 0");
    }
    if input.duration_months.is_some_and(|m| m <= 0 || m > 600) {
        err("duration_months".into(), "must be between 1 and 600");
    }
    let ends_on = match (input.starts_on, input.ends_on, input.duration_months) {
        (Some(s), Some(e), _) if e < s => {
            err("ends_on".into(), "must not be before starts_on");
            None
        }
        (_, Some(e), _) => Some(e),
        (Some(s), None, Some(m)) if m > 0 => end_from_duration(s, m),
        _ => None,
    };
    if input.ends_on.is_none() && ends_on.is_some_and(|e| e > limits::MAX_DATE) {
        err(
            "duration_months".into(),
            &format!(
                "la fin calculée du marché dépasserait le {}",
                limits::MAX_DATE
            ),
        );
    }
    for (i, code) in input.social_considerations.iter().enumerate() {
        if !SOCIAL_CONSIDERATIONS.contains(&code.as_str()) {
            err(
                format!("social_considerations[{i}]"),
                "must be one of clause_sociale, critere_social, marche_reserve",
            );
        }
    }
    let mut numbers = std::collections::HashSet::new();
    let mut lots = Vec::new();
    for (i, lot) in input.lots.iter().enumerate() {
        if lot.number <= 0 || !numbers.insert(lot.number) {
            err(
                format!("lots[{i}].number"),
                "must be a positive number, unique in the contract",
            );
        }
        if lot.amount_eur.is_some_and(|a| a.0 <= 0) {
            err(format!("lots[{i}].amount_eur"), "must be greater than 0");
        }
        if lot.cpv_code.as_deref().is_some_and(|c| !is_cpv(c)) {
            err(
                format!("lots[{i}].cpv_code"),
                "must be eight digits, optionally followed by -N",
            );
        }
        lots.push(NewLot {
            number: lot.number,
            title: lot
                .title
                .clone()
                .map(Into::into)
                .unwrap_or_else(|| format!("Lot {}", lot.number)),
            amount_cents: lot.amount_eur.map(|a| a.0),
            cpv_code: lot.cpv_code.clone().map(Into::into),
        });
    }
    for (i, id) in input.holder_ids.iter().enumerate() {
        match organisations::find(conn, structure_id, *id)? {
            Some(o) if o.kind == "contractor" || o.kind == "insertion_structure" => {}
            _ => err(
                format!("holder_ids[{i}]"),
                "must be a contractor or insertion structure of your structure",
            ),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut social: Vec<String> = input
        .social_considerations
        .into_iter()
        .map(Into::into)
        .collect();
    social.sort();
    social.dedup();
    Ok(NewContract {
        buyer_id: input.buyer_id,
        reference,
        title: input.title.trim().to_string(),
        kind: input.kind.into(),
        cpv_code: input.cpv_code.map(Into::into),
        amount_cents: input.amount_eur.map(|a| a.0),
        notified_on: input.notified_on,
        starts_on: input.starts_on,
        ends_on,
        duration_months: input.duration_months,
        social_considerations: social,
        environmental_considerations: Vec::new(),
        lots,
        holder_ids: input.holder_ids,
        source: "manual",
        fingerprint: None,
    })
}

/// POST /api/v1/contracts — staff.
#[rocket::post("/contracts", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ContractInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<ContractView>)> {
    let sid = caller.structure_id;
    let input = body.0;
    let view = db
        .write(move |c| {
            let new = validate(c, sid, input)?;
            let id = store::create(c, sid, &new)?;
            let contract = store::get(c, sid, id)?;
            store::view(c, contract)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

/// GET /api/v1/contracts — staff; a contractor sees the contracts it holds or works on.
#[rocket::get("/contracts?<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<ContractView>>> {
    params!(limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let contractor = caller.contractor_org();
    let (items, total) = db
        .run(move |c| {
            let (rows, total) = store::list(c, sid, contractor, limit, offset)?;
            let items = rows
                .into_iter()
                .map(|r| store::view(c, r))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((items, total))
        })
        .await?;
    Ok(Json(ListResponse { items, total }))
}

/// GET /api/v1/contracts/{id} — staff; a contractor only for a contract it holds or works on.
#[rocket::get("/contracts/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<ContractView>> {
    let sid = caller.structure_id;
    let contractor = caller.contractor_org();
    let view = db
        .run(move |c| {
            let contract = store::get(c, sid, id)?;
            if let Some(org) = contractor {
                if !store::contractor_sees(c, id, org)? {
                    return Err(ApiError::not_found("contract"));
                }
            }
            store::view(c, contract)
        })
        .await?;
    Ok(Json(view))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get]
}
