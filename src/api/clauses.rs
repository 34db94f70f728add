//! Calibration previews, the labour-share reference table, clauses and their assignments.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::auth::{AdminOnly, Staff, StaffOrContractor};
use crate::db::{Conn, Db};
use crate::domain::calibration::{
    calibrate, required_hours, CalibrationRequest, CalibrationResult, LabourShareRef,
};
use crate::domain::catalogue::{is_code, CLAUSE_KINDS};
use crate::domain::limits::{self, check_clause_span, Code, FreeText, Label};
use crate::domain::territory::{is_valid_departement, time_zone};
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::clauses::{self as store, ClauseView, NewClause};
use crate::store::{contracts, organisations};

/// POST /api/v1/calibrations — staff: computes the hours of a clause, stores nothing.
#[rocket::post("/calibrations", data = "<body>")]
pub async fn preview(
    caller: Staff,
    body: JsonBody<CalibrationRequest>,
    db: &State<Db>,
) -> ApiResult<Json<CalibrationResult>> {
    let sid = caller.structure_id;
    let shares = db.run(move |c| store::labour_shares(c, sid)).await?;
    let result = calibrate(&body.0, &shares, None).map_err(ApiError::validation)?;
    Ok(Json(result))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LabourShareItem {
    pub cpv_prefix: Code,
    pub labour_share_percent: Hundredths,
    pub label: Label,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LabourShareOut {
    pub cpv_prefix: String,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub labour_share_percent: i64,
    pub label: String,
}

fn shares_out(rows: Vec<LabourShareRef>) -> Vec<LabourShareOut> {
    rows.into_iter()
        .map(|r| LabourShareOut {
            cpv_prefix: r.cpv_prefix,
            labour_share_percent: r.share_bp,
            label: r.label,
        })
        .collect()
}

/// GET /api/v1/reference/labour-shares — staff.
#[rocket::get("/reference/labour-shares")]
pub async fn get_labour_shares(
    caller: Staff,
    db: &State<Db>,
) -> ApiResult<Json<Vec<LabourShareOut>>> {
    let sid = caller.structure_id;
    let rows = db.run(move |c| store::labour_shares(c, sid)).await?;
    Ok(Json(shares_out(rows)))
}

/// PUT /api/v1/reference/labour-shares — admin: replaces the structure's table.
#[rocket::put("/reference/labour-shares", data = "<body>")]
pub async fn put_labour_shares(
    caller: AdminOnly,
    body: JsonBody<Vec<LabourShareItem>>,
    db: &State<Db>,
) -> ApiResult<Json<Vec<LabourShareOut>>> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for (i, item) in body.0.into_iter().enumerate() {
        let prefix = item.cpv_prefix.trim().to_string();
        if prefix.is_empty() || prefix.len() > 8 || !prefix.chars().all(|c| c.is_ascii_digit()) {
            errors.push(FieldError {
                field: format!("[{i}].cpv_prefix"),
                code: crate::error::INVALID.into(),
                message: "must be 1 to 8 digits".into(),
            });
        } else if !seen.insert(prefix.clone()) {
            errors.push(FieldError {
                field: format!("[{i}].cpv_prefix"),
                code: crate::error::INVALID.into(),
                message: "appears twice".into(),
            });
        }
        let share = item.labour_share_percent.0;
        if share <= 0 || share > 10_000 {
            errors.push(FieldError {
                field: format!("[{i}].labour_share_percent"),
                code: crate::error::INVALID.into(),
                message: "must be greater than 0 and at most 100".into(),
            });
        }
        if item.label.trim().is_empty() {
            errors.push(FieldError {
                field: format!("[{i}].label"),
                code: crate::error::INVALID.into(),
                message: "must not be empty".into(),
            });
        }
        rows.push(LabourShareRef {
            cpv_prefix: prefix,
            share_bp: share,
            label: item.label.trim().to_string(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let sid = caller.structure_id;
    let saved = db
        .write(move |c| {
            store::replace_labour_shares(c, sid, &rows)?;
            store::labour_shares(c, sid)
        })
        .await?;
    Ok(Json(shares_out(saved)))
}

fn default_frequency() -> Code {
    // A constant of the class: it cannot be refused (the empty default would be, later).
    Code::try_from("monthly").unwrap_or_default()
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClauseInput {
    pub kind: Code,
    pub lot_number: Option<i32>,
    pub calibration: CalibrationRequest,
    pub hours_override: Option<Hundredths>,
    pub override_justification: Option<FreeText>,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "limits::date")]
    pub ends_on: NaiveDate,
    #[serde(default = "default_frequency")]
    pub reporting_frequency: Code,
    pub penalty_per_missing_hour_eur: Option<Hundredths>,
    pub referent_id: Option<i64>,
    pub territory: Option<Code>,
}

fn method_name(req: &CalibrationRequest) -> String {
    serde_json::to_value(req)
        .ok()
        .and_then(|v| v.get("method").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn build_clause(
    conn: &mut Conn,
    sid: i64,
    contract_id: i64,
    input: ClauseInput,
) -> Result<NewClause, ApiError> {
    let contract = contracts::get(conn, sid, contract_id)?;
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            code: crate::error::INVALID.into(),
            message,
        })
    };
    if !is_code(CLAUSE_KINDS, &input.kind) {
        err(
            "kind",
            "must be one of execution_condition, award_criterion, reserved_contract, insertion_purpose".into(),
        );
    }
    let mut cpv = contract.cpv_code.clone();
    if let Some(n) = input.lot_number {
        match contracts::lots(conn, contract_id)?
            .into_iter()
            .find(|l| l.number == n)
        {
            Some(lot) => cpv = lot.cpv_code.or(cpv),
            None => err("lot_number", format!("the contract has no lot {n}")),
        }
    }
    if input.ends_on < input.starts_on {
        err("ends_on", "must not be before starts_on".into());
    } else if let Err(e) = check_clause_span(input.starts_on, input.ends_on) {
        err(&e.field, e.message);
    }
    if !["monthly", "quarterly"].contains(&input.reporting_frequency.as_str()) {
        err("reporting_frequency", "must be monthly or quarterly".into());
    }
    if input.penalty_per_missing_hour_eur.is_some_and(|p| p.0 < 0) {
        err(
            "penalty_per_missing_hour_eur",
            "must not be negative".into(),
        );
    }
    let justification = input
        .override_justification
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(h) = input.hours_override {
        if h.0 < 0 {
            err("hours_override", "must be greater than 0".into());
        }
        if justification.is_none() {
            err(
                "override_justification",
                "a justification is required to override the computed hours".into(),
            );
        }
    }
    if let Some(r) = input.referent_id {
        if !store::is_staff_user(conn, sid, r)? {
            err(
                "referent_id",
                "must be a facilitator or admin of your structure".into(),
            );
        }
    }
    let territory = match input.territory.map(String::from) {
        Some(t) if is_valid_departement(&t) => Some(t),
        Some(t) => {
            err("territory", format!("`{t}` is not a département code"));
            None
        }
        None => {
            let from_buyer = store::organisation_territory(conn, contract.buyer_id)?;
            if from_buyer.is_none() {
                err(
                    "territory",
                    "is required when the buyer has no territory".into(),
                );
            }
            from_buyer
        }
    };
    let shares = store::labour_shares(conn, sid)?;
    let calibration = match calibrate(&input.calibration, &shares, cpv.as_deref()) {
        Ok(c) => Some(c),
        Err(list) => {
            for e in list {
                err(&format!("calibration.{}", e.field), e.message);
            }
            None
        }
    };
    let required = match &calibration {
        Some(c) if input.hours_override.is_none_or(|h| h.0 >= 0) => {
            match required_hours(c.hours, input.hours_override) {
                Ok(r) => Some(r),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        }
        _ => None,
    };
    let (Some(calibration), Some(territory), Some(required), true) =
        (calibration, territory, required, errors.is_empty())
    else {
        return Err(ApiError::validation(errors));
    };
    let computed = calibration.hours * 100;
    Ok(NewClause {
        contract_id,
        lot_number: input.lot_number,
        kind: input.kind.into(),
        method: method_name(&input.calibration),
        calibration: serde_json::to_string(&input.calibration).unwrap_or_default(),
        explanation: calibration.explanation,
        computed_hours: computed,
        hours_override: input.hours_override.map(|h| h.0),
        override_justification: justification,
        required_hours: required,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        reporting_frequency: input.reporting_frequency.into(),
        penalty_per_hour_cents: input.penalty_per_missing_hour_eur.map(|p| p.0),
        referent_id: input.referent_id,
        time_zone: time_zone(&territory).name().to_string(),
        territory,
    })
}

/// POST /api/v1/contracts/{id}/clauses — staff.
#[rocket::post("/contracts/<contract_id>/clauses", data = "<body>")]
pub async fn create(
    caller: Staff,
    contract_id: i64,
    body: JsonBody<ClauseInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<ClauseView>)> {
    let sid = caller.structure_id;
    let input = body.0;
    let view = db
        .write(move |c| {
            let new = build_clause(c, sid, contract_id, input)?;
            let id = store::create(c, sid, &new)?;
            let clause = store::get(c, sid, id)?;
            store::view(c, clause)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

/// GET /api/v1/clauses — staff; a contractor sees the clauses it has an assignment on.
#[rocket::get("/clauses?<status>&<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    status: Param<String>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<ClauseView>>> {
    params!(status, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let contractor = caller.contractor_org();
    let (items, total) = db
        .run(move |c| {
            let (rows, total) = store::list(c, sid, contractor, status.as_deref(), limit, offset)?;
            let items = rows
                .into_iter()
                .map(|r| store::view_for(c, r, contractor))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((items, total))
        })
        .await?;
    Ok(Json(ListResponse { items, total }))
}

/// GET /api/v1/clauses/{id} — staff; a contractor only for its own clauses.
#[rocket::get("/clauses/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<ClauseView>> {
    let sid = caller.structure_id;
    let contractor = caller.contractor_org();
    let view = db
        .run(move |c| {
            let clause = store::get_visible(c, sid, id, contractor)?;
            store::view_for(c, clause, contractor)
        })
        .await?;
    Ok(Json(view))
}

/// Moves a clause from one of `from` to `to`; any other current status is a 409.
async fn transition(
    db: &Db,
    sid: i64,
    id: i64,
    from: &'static [&'static str],
    to: &'static str,
) -> ApiResult<Json<ClauseView>> {
    let view = db
        .write(move |c| {
            let clause = store::get(c, sid, id)?;
            if !from.contains(&clause.status.as_str()) {
                return Err(ApiError::conflict(format!(
                    "a {} clause cannot become {to}",
                    clause.status
                )));
            }
            store::set_status(c, id, to)?;
            crate::store::milestones::on_clause_status(c, sid, id)?;
            let clause = store::get(c, sid, id)?;
            store::view(c, clause)
        })
        .await?;
    Ok(Json(view))
}

/// POST /api/v1/clauses/{id}/activate — staff: draft -> active.
#[rocket::post("/clauses/<id>/activate")]
pub async fn activate(caller: Staff, id: i64, db: &State<Db>) -> ApiResult<Json<ClauseView>> {
    transition(db, caller.structure_id, id, &["draft"], "active").await
}

/// POST /api/v1/clauses/{id}/complete — staff: active -> completed.
#[rocket::post("/clauses/<id>/complete")]
pub async fn complete(caller: Staff, id: i64, db: &State<Db>) -> ApiResult<Json<ClauseView>> {
    transition(db, caller.structure_id, id, &["active"], "completed").await
}

/// POST /api/v1/clauses/{id}/cancel — staff: draft or active -> cancelled.
#[rocket::post("/clauses/<id>/cancel")]
pub async fn cancel(caller: Staff, id: i64, db: &State<Db>) -> ApiResult<Json<ClauseView>> {
    transition(
        db,
        caller.structure_id,
        id,
        &["draft", "active"],
        "cancelled",
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AssignmentInput {
    pub contractor_id: i64,
    pub role: Code,
    pub hours_target: Hundredths,
}

/// POST /api/v1/clauses/{id}/assignments — staff: gives part of the hours to a contractor.
#[rocket::post("/clauses/<id>/assignments", data = "<body>")]
pub async fn add_assignment(
    caller: Staff,
    id: i64,
    body: JsonBody<AssignmentInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<ClauseView>)> {
    let sid = caller.structure_id;
    let input = body.0;
    let view = db
        .write(move |c| {
            // Two assignments checked against the same remainder take turns.
            crate::lock_rows!(c, clauses, [id])?;
            let clause = store::get(c, sid, id)?;
            if clause.status == "completed" || clause.status == "cancelled" {
                return Err(ApiError::conflict(format!("the clause is {}", clause.status)));
            }
            let mut errors = Vec::new();
            match organisations::find(c, sid, input.contractor_id)? {
                Some(o) if o.kind == "contractor" || o.kind == "insertion_structure" => {}
                _ => errors.push(FieldError {
                    field: "contractor_id".into(),
                    code: crate::error::INVALID.into(),
                    message: "must be a contractor or insertion structure of your structure".into(),
                }),
            }
            if !["holder", "co_contractor", "subcontractor"].contains(&input.role.as_str()) {
                errors.push(FieldError {
                    field: "role".into(),
                    code: crate::error::INVALID.into(),
                    message: "must be holder, co_contractor or subcontractor".into(),
                });
            }
            let assigned: i64 = store::assignments_of(c, id)?.iter().map(|a| a.hours_target).sum();
            if input.hours_target.0 <= 0 {
                errors.push(FieldError {
                    field: "hours_target".into(),
                    code: crate::error::INVALID.into(),
                    message: "must be greater than 0".into(),
                });
            } else if assigned + input.hours_target.0 > clause.required_hours {
                errors.push(FieldError {
                    field: "hours_target".into(),
                    code: crate::error::INVALID.into(),
                    message: format!(
                        "the targets would total {} h, more than the clause's {} h ({} h left to assign)",
                        crate::domain::units::hundredths_to_json(assigned + input.hours_target.0),
                        crate::domain::units::hundredths_to_json(clause.required_hours),
                        crate::domain::units::hundredths_to_json(clause.required_hours - assigned),
                    ),
                });
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            if store::assignments_of(c, id)?.iter().any(|a| a.contractor_id == input.contractor_id) {
                return Err(ApiError::conflict("this contractor already has an assignment on the clause"));
            }
            store::add_assignment(c, sid, id, input.contractor_id, &input.role, input.hours_target.0)?;
            let clause = store::get(c, sid, id)?;
            store::view(c, clause)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        preview,
        get_labour_shares,
        put_labour_shares,
        create,
        list,
        get,
        activate,
        complete,
        cancel,
        add_assignment
    ]
}
