//! Placements of participants on assignments, and their exit.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::Deserialize;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::{now, Conn, Db};
use crate::domain::catalogue::{is_code, CONTRACT_TYPES, MODALITIES, OUTCOMES};
use crate::domain::eligibility::{
    age_band, check_placement_dates, check_weekly_hours, check_weekly_load, valid_on,
    PlannedPlacement, MAX_WEEKLY_HOURS,
};
use crate::domain::limits::{self, Code, FreeText, Label};
use crate::domain::units::Hundredths;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::placements::{self as store, NewPlacement, Placement};
use crate::store::{audit, clauses, contracts, organisations, participants};

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct PlacementInput {
    pub participant_id: i64,
    pub assignment_id: i64,
    pub modality: Code,
    pub employer_id: i64,
    pub contract_type: Code,
    pub job_title: Label,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub ends_on: Option<NaiveDate>,
    pub weekly_hours: Option<Hundredths>,
    pub derogation_reason: Option<FreeText>,
}

/// The CPV division (two digits) that reports call the sector.
fn sector_of(cpv: Option<&str>) -> String {
    match cpv {
        Some(c) if c.len() >= 2 && c[..2].chars().all(|d| d.is_ascii_digit()) => c[..2].to_string(),
        _ => "unknown".into(),
    }
}

/// Checks every rule of a new placement and stores it with its snapshot. Used by this
/// route and by the hire of a referral.
pub fn place(
    conn: &mut Conn,
    sid: i64,
    user_id: i64,
    input: PlacementInput,
) -> Result<Placement, ApiError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            code: crate::error::INVALID.into(),
            message,
        })
    };
    let person = participants::find_in(conn, sid, input.participant_id)?;
    let assignment = clauses::find_assignment(conn, sid, input.assignment_id)?;
    if person.is_none() {
        err(
            "participant_id",
            "no such participant in your structure".into(),
        );
    }
    if assignment.is_none() {
        err(
            "assignment_id",
            "no such assignment in your structure".into(),
        );
    }
    if !is_code(MODALITIES, &input.modality) {
        err(
            "modality",
            format!(
                "must be one of {}",
                crate::domain::catalogue::codes(MODALITIES).join(", ")
            ),
        );
    }
    if !is_code(CONTRACT_TYPES, &input.contract_type) {
        err(
            "contract_type",
            format!(
                "must be one of {}",
                crate::domain::catalogue::codes(CONTRACT_TYPES).join(", ")
            ),
        );
    }
    match organisations::find(conn, sid, input.employer_id)? {
        Some(o) if o.kind == "contractor" || o.kind == "insertion_structure" => {}
        _ => err(
            "employer_id",
            "must be a contractor or insertion structure of your structure".into(),
        ),
    }
    if input.job_title.trim().is_empty() {
        err("job_title", "must not be empty".into());
    }
    if let Err(e) = check_placement_dates(input.starts_on, input.ends_on) {
        errors.push(e);
    }
    let weekly = input.weekly_hours.map(|h| h.0).unwrap_or(3500);
    if let Err(e) = check_weekly_hours(weekly) {
        errors.push(e);
    }
    let derogation = input
        .derogation_reason
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let (Some(person), Some(assignment), true) = (person, assignment, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    if person.anonymised_at.is_some() {
        return Err(ApiError::conflict("this person has been anonymised"));
    }
    let clause = clauses::get(conn, sid, assignment.clause_id)?;
    if clause.status == "completed" || clause.status == "cancelled" {
        return Err(ApiError::conflict(format!(
            "the clause is {}",
            clause.status
        )));
    }
    let history = participants::validations(&participants::eligibility_history(conn, person.id)?);
    let eligibility = valid_on(&history, input.starts_on).cloned();
    if eligibility.is_none() && derogation.is_none() {
        return Err(ApiError::invalid(
            "starts_on",
            format!(
                "the person has no valid eligibility on {}; validate it first or record a derogation_reason",
                input.starts_on
            ),
        ));
    }
    // Two placements of the person checked against the same weekly load take turns.
    crate::lock_rows!(conn, participants, [person.id])?;
    let existing: Vec<PlannedPlacement> = store::of_participant(conn, person.id)?
        .iter()
        .map(|p| PlannedPlacement {
            starts_on: p.starts_on,
            ends_on: p.effective_end(),
            weekly_hours: p.weekly_hours,
        })
        .collect();
    let new_plan = PlannedPlacement {
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        weekly_hours: weekly,
    };
    check_weekly_load(&existing, &new_plan, MAX_WEEKLY_HOURS)
        .map_err(|m| ApiError::invalid("weekly_hours", m))?;
    let birth = person
        .birth_date
        .ok_or_else(|| ApiError::conflict("the person's birth date is unknown"))?;
    let contract = contracts::get(conn, sid, clause.contract_id)?;
    let lot_cpv = match clause.lot_number {
        Some(n) => contracts::lots(conn, contract.id)?
            .into_iter()
            .find(|l| l.number == n)
            .and_then(|l| l.cpv_code),
        None => None,
    };
    let new = NewPlacement {
        participant_id: person.id,
        assignment_id: assignment.id,
        clause_id: clause.id,
        contractor_id: assignment.contractor_id,
        employer_id: input.employer_id,
        modality: input.modality.into(),
        contract_type: input.contract_type.into(),
        job_title: input.job_title.trim().to_string(),
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        weekly_hours: weekly,
        derogation_reason: derogation,
        eligibility_id: eligibility.as_ref().map(|e| e.id),
        age_band: age_band(birth, input.starts_on).as_str().to_string(),
        sex: person.sex.clone(),
        qualification_level: person.qualification_level.clone(),
        qpv: person.qpv,
        criteria: eligibility
            .map(|e| e.criteria.join(","))
            .unwrap_or_default(),
        territory: clause.territory.clone(),
        buyer_id: contract.buyer_id,
        clause_kind: clause.kind.clone(),
        sector: sector_of(lot_cpv.as_deref().or(contract.cpv_code.as_deref())),
        created_by: user_id,
    };
    let id = store::create(conn, sid, &new)?;
    participants::touch(conn, person.id, now().date())?;
    audit::record(
        conn,
        sid,
        Some(user_id),
        "update",
        "participant",
        person.id,
        "placement created",
    )?;
    store::get(conn, sid, id)
}

/// POST /api/v1/placements — staff (a derogation is a facilitator's decision).
#[rocket::post("/placements", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<PlacementInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<Placement>)> {
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let input = body.0;
    let p = db.write(move |c| place(c, sid, uid, input)).await?;
    Ok((Status::Created, Json(p)))
}

/// GET /api/v1/placements — staff; a contractor sees the placements of its organisation.
#[rocket::get("/placements?<participant_id>&<assignment_id>&<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    participant_id: Param<i64>,
    assignment_id: Param<i64>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<Placement>>> {
    params!(participant_id, assignment_id, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let (items, total) = db
        .run(move |c| store::list(c, sid, org, participant_id, assignment_id, limit, offset))
        .await?;
    let items = items.into_iter().map(|p| p.as_seen_by(org)).collect();
    Ok(Json(ListResponse { items, total }))
}

/// GET /api/v1/placements/{id} — staff; a contractor for its own placements.
#[rocket::get("/placements/<id>")]
pub async fn get(caller: StaffOrContractor, id: i64, db: &State<Db>) -> ApiResult<Json<Placement>> {
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let p = db.run(move |c| store::get_visible(c, sid, id, org)).await?;
    Ok(Json(p.as_seen_by(org)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExitInput {
    #[serde(deserialize_with = "limits::date")]
    pub ended_on: NaiveDate,
    pub outcome: Code,
}

/// POST /api/v1/placements/{id}/exit — staff: records the end and its outcome.
#[rocket::post("/placements/<id>/exit", data = "<body>")]
pub async fn exit(
    caller: Staff,
    id: i64,
    body: JsonBody<ExitInput>,
    db: &State<Db>,
) -> ApiResult<Json<Placement>> {
    let input = body.0;
    if !is_code(OUTCOMES, &input.outcome) {
        return Err(ApiError::invalid(
            "outcome",
            "must be one of durable_employment, transitional_employment, positive_exit, other",
        ));
    }
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let p = db
        .write(move |c| {
            let p = store::get(c, sid, id)?;
            if p.exit_outcome.is_some() {
                return Err(ApiError::conflict(
                    "the exit of this placement is already recorded",
                ));
            }
            if input.ended_on < p.starts_on {
                return Err(ApiError::invalid(
                    "ended_on",
                    format!("must not be before the start ({})", p.starts_on),
                ));
            }
            store::set_exit(c, id, input.ended_on, &input.outcome)?;
            participants::touch(c, p.participant_id, now().date())?;
            audit::record(
                c,
                sid,
                Some(uid),
                "update",
                "participant",
                p.participant_id,
                "placement exit",
            )?;
            store::get(c, sid, id)
        })
        .await?;
    Ok(Json(p))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, exit]
}
