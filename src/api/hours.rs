//! Hours: monthly reports by contractors, bulk imports, validation by facilitators, and the
//! progress of clauses and assignments.

use chrono::NaiveDate;
use rocket::data::{Data, ToByteUnit};
use rocket::form::Form;
use rocket::fs::TempFile;
use rocket::http::{ContentType, Status};
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, Download, JsonBody, ListResponse};
use crate::api::query::{params, required, Param};
use crate::auth::{Caller, Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::{now, write_tx, Conn, Db};
use crate::domain::hours::{
    month_of, parse_hours_csv, parse_hours_xlsx, parse_month, ImportErrors, ImportRow,
    MAX_REPORTED_ERRORS,
};
use crate::domain::limits::{Code, FreeText};
use crate::domain::period::Month;
use crate::domain::progress::{progress, ProgressInput};
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::error::{ApiError, ApiResult};
use crate::store::hours::{self as store, EntryFilter, HourEntry, Submission};
use crate::store::placements;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HoursInput {
    pub work_hours: Hundredths,
    pub training_hours: Option<Hundredths>,
    pub amendment_reason: Option<FreeText>,
}

fn valid_month(month: &str) -> Result<(), ApiError> {
    match parse_month(month) {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid(
            "month",
            "must be a month written YYYY-MM",
        )),
    }
}

/// PUT /api/v1/placements/{id}/hours/{month} — staff; a contractor for its own placements.
#[rocket::put("/placements/<id>/hours/<month>", data = "<body>")]
pub async fn put_hours(
    caller: StaffOrContractor,
    id: i64,
    month: String,
    body: JsonBody<HoursInput>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Json<HourEntry>> {
    valid_month(&month)?;
    let input = body.0;
    let cap = config.monthly_hours_cap;
    let caller = caller.0;
    let entry = db
        .write(move |c| {
            let p = placements::get_visible(c, caller.structure_id, id, caller.contractor_org())?;
            let s = Submission {
                month: &month,
                work: input.work_hours.0,
                training: input.training_hours.map(|h| h.0).unwrap_or(0),
                amendment_reason: input.amendment_reason.as_deref(),
                user_id: caller.user_id,
                today: now().date(),
                monthly_cap: cap,
                disclose_other_placements: caller.is_staff(),
            };
            store::submit(c, &p, &s).map(|(_, e)| e)
        })
        .await?;
    Ok(Json(entry))
}

#[derive(Serialize, Default, utoipa::ToSchema)]
#[schema(as = HoursImportSummary)]
pub struct ImportSummary {
    pub accepted: usize,
    pub unchanged: usize,
    pub dry_run: bool,
}

/// Why an import transaction was rolled back.
enum ImportAbort {
    Rows(ImportErrors),
    DryRun(ImportSummary),
    Failed(ApiError),
}

impl From<diesel::result::Error> for ImportAbort {
    fn from(e: diesel::result::Error) -> Self {
        ImportAbort::Failed(e.into())
    }
}

impl From<ApiError> for ImportAbort {
    fn from(e: ApiError) -> Self {
        ImportAbort::Failed(e)
    }
}

/// 422 with the first errors of the file (at most `MAX_REPORTED_ERRORS`) and how many there
/// are in all.
fn rows_problem(errors: ImportErrors) -> ApiError {
    let count = errors.count();
    let mut e = ApiError::validation(Vec::new());
    e.detail = match count {
        1 => "1 erreur ; rien n'a été enregistré".to_string(),
        n if n > MAX_REPORTED_ERRORS => format!(
            "{n} erreurs, dont les {MAX_REPORTED_ERRORS} premières sont listées ; rien n'a été \
             enregistré"
        ),
        n => format!("{n} erreurs ; rien n'a été enregistré"),
    };
    e.with_extra(
        "errors",
        serde_json::to_value(errors.into_first()).unwrap_or_default(),
    )
    .with_extra("error_count", count.into())
}

/// Applies every row in one transaction: all stored, or nothing.
fn import_rows(
    conn: &mut Conn,
    caller: &Caller,
    rows: &[ImportRow],
    dry_run: bool,
    cap: i64,
) -> Result<ImportSummary, ApiError> {
    let ctx = store::ImportContext {
        structure_id: caller.structure_id,
        contractor: caller.contractor_org(),
        user_id: caller.user_id,
        today: now().date(),
        monthly_cap: cap,
    };
    let outcome = write_tx(conn, |c| {
        let counts = store::import_rows(c, &ctx, rows)?.map_err(ImportAbort::Rows)?;
        let summary = ImportSummary {
            accepted: counts.accepted,
            unchanged: counts.unchanged,
            dry_run,
        };
        if dry_run {
            return Err(ImportAbort::DryRun(summary));
        }
        Ok(summary)
    });
    match outcome {
        Ok(s) | Err(ImportAbort::DryRun(s)) => Ok(s),
        Err(ImportAbort::Rows(errors)) => Err(rows_problem(errors)),
        Err(ImportAbort::Failed(e)) => Err(e),
    }
}

fn parse_upload(
    bytes: &[u8],
    content_type: Option<&ContentType>,
) -> Result<Vec<ImportRow>, ApiError> {
    let is_xlsx = bytes.starts_with(b"PK\x03\x04")
        || content_type.is_some_and(|ct| ct.sub().as_str().contains("spreadsheetml"));
    let parsed = if is_xlsx {
        parse_hours_xlsx(bytes)
    } else {
        parse_hours_csv(bytes)
    };
    parsed.map_err(rows_problem)
}

async fn run_import(
    caller: Caller,
    bytes: Vec<u8>,
    ct: Option<ContentType>,
    dry_run: bool,
    db: &Db,
    cap: i64,
) -> ApiResult<Json<ImportSummary>> {
    // Parsing 50,000 lines (or unzipping a workbook) takes tens of milliseconds: off the
    // async workers, which would otherwise hold every request queued behind them.
    let rows = rocket::tokio::task::spawn_blocking(move || parse_upload(&bytes, ct.as_ref()))
        .await
        .map_err(|e| {
            tracing::error!("import parsing task failed: {e}");
            ApiError::internal()
        })??;
    let summary = db
        .run(move |c| import_rows(c, &caller, &rows, dry_run, cap))
        .await?;
    Ok(Json(summary))
}

#[derive(rocket::FromForm)]
pub struct Upload<'r> {
    pub file: TempFile<'r>,
}

/// POST /api/v1/hours/import (multipart, field `file`) — staff; a contractor for its placements.
#[rocket::post(
    "/hours/import?<dry_run>",
    format = "multipart/form-data",
    data = "<form>",
    rank = 1
)]
pub async fn import_multipart(
    caller: StaffOrContractor,
    dry_run: Param<bool>,
    form: Form<Upload<'_>>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Json<ImportSummary>> {
    use rocket::tokio::io::AsyncReadExt;
    params!(dry_run);
    let ct = form.file.content_type().cloned();
    let mut bytes = Vec::new();
    form.file
        .open()
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read the file: {e}")))?
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read the file: {e}")))?;
    run_import(
        caller.0,
        bytes,
        ct,
        dry_run.unwrap_or(false),
        db,
        config.monthly_hours_cap,
    )
    .await
}

/// POST /api/v1/hours/import (CSV or XLSX body) — staff; a contractor for its placements.
#[rocket::post("/hours/import?<dry_run>", data = "<data>", rank = 2)]
pub async fn import_raw(
    caller: StaffOrContractor,
    dry_run: Param<bool>,
    ct: Option<&ContentType>,
    data: Data<'_>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Json<ImportSummary>> {
    params!(dry_run);
    let capped = data
        .open(20.mebibytes())
        .into_bytes()
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
    if !capped.is_complete() {
        return Err(ApiError::from_status(Status::PayloadTooLarge));
    }
    run_import(
        caller.0,
        capped.into_inner(),
        ct.cloned(),
        dry_run.unwrap_or(false),
        db,
        config.monthly_hours_cap,
    )
    .await
}

/// GET /api/v1/hours/template?month=&format=csv|xlsx — staff; a contractor gets its open placements.
#[rocket::get("/hours/template?<month>&<format>")]
pub async fn template(
    caller: StaffOrContractor,
    month: Param<Month>,
    format: Param<String>,
    db: &State<Db>,
) -> ApiResult<Download> {
    params!(month, format);
    let month = required("month", month)?;
    let (y, m) = month.tuple();
    let format = format.unwrap_or_else(|| "csv".into());
    if format != "csv" && format != "xlsx" {
        return Err(ApiError::invalid("format", "must be csv or xlsx"));
    }
    let caller = caller.0;
    let rows = db
        .run(move |c| {
            placements::template_rows(c, caller.structure_id, caller.contractor_org(), y, m)
        })
        .await?;
    let name = format!("heures-{month}.{format}");
    let (body, content_type) = if format == "csv" {
        (
            crate::domain::hours::template_csv(&rows).into_bytes(),
            ContentType::CSV,
        )
    } else {
        let bytes = crate::domain::hours::template_xlsx(&rows).map_err(|e| {
            tracing::error!("xlsx template: {e}");
            ApiError::internal()
        })?;
        (
            bytes,
            ContentType::new(
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        )
    };
    Ok(Download::new(body, content_type, &name))
}

/// GET /api/v1/hours — staff; a contractor sees the entries of its placements.
#[rocket::get("/hours?<status>&<clause_id>&<placement_id>&<month>&<limit>&<offset>")]
#[allow(clippy::too_many_arguments)]
pub async fn list(
    caller: StaffOrContractor,
    status: Param<String>,
    clause_id: Param<i64>,
    placement_id: Param<i64>,
    month: Param<Month>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<HourEntry>>> {
    params!(status, clause_id, placement_id, month, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    if let Some(s) = &status {
        if !["submitted", "validated", "rejected"].contains(&s.as_str()) {
            return Err(ApiError::invalid(
                "status",
                "must be submitted, validated or rejected",
            ));
        }
    }
    let month = month.map(|m| m.to_string());
    let f = EntryFilter {
        status,
        clause_id,
        placement_id,
        month,
        contractor: caller.contractor_org(),
    };
    let sid = caller.structure_id;
    let (items, total) = db
        .run(move |c| store::list(c, sid, &f, limit, offset))
        .await?;
    Ok(Json(ListResponse { items, total }))
}

/// GET /api/v1/hours/{id}/history — staff; a contractor for its own entries.
#[rocket::get("/hours/<id>/history")]
pub async fn history(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<Vec<store::Change>>> {
    let caller = caller.0;
    let changes = db
        .run(move |c| {
            let e = store::get(c, caller.structure_id, id)?;
            placements::get_visible(
                c,
                caller.structure_id,
                e.placement_id,
                caller.contractor_org(),
            )
            .map_err(|_| ApiError::not_found("hour entry"))?;
            store::changes(c, id)
        })
        .await?;
    Ok(Json(changes))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub entry_ids: Vec<i64>,
    pub decision: Code,
    pub reason: Option<FreeText>,
}

/// POST /api/v1/hours/validation — staff: validate or reject one entry or a batch.
#[rocket::post("/hours/validation", data = "<body>")]
pub async fn decide(
    caller: Staff,
    body: JsonBody<Decision>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<HourEntry>>> {
    let input = body.0;
    let validate = match input.decision.as_str() {
        "validate" => true,
        "reject" => false,
        _ => return Err(ApiError::invalid("decision", "must be validate or reject")),
    };
    if input.entry_ids.is_empty() {
        return Err(ApiError::invalid(
            "entry_ids",
            "at least one entry is required",
        ));
    }
    let reason = input
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if !validate && reason.is_none() {
        return Err(ApiError::invalid(
            "reason",
            "a reason is required to reject",
        ));
    }
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let items = db
        .write(move |c| store::decide(c, sid, uid, &input.entry_ids, validate, reason.as_deref()))
        .await?;
    let total = items.len() as i64;
    Ok(Json(ListResponse { items, total }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentProgress {
    pub assignment_id: i64,
    pub contractor_id: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub hours_target: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub validated_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub pending_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub expected_hours: i64,
    pub status: &'static str,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub penalty_exposure_eur: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClauseProgress {
    pub clause_id: i64,
    pub on: NaiveDate,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub required_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub validated_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub pending_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub expected_hours: i64,
    /// Expected share of the required hours at this date, percent with one decimal.
    pub expected_share: f64,
    pub status: &'static str,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub penalty_exposure_eur: i64,
    pub assignments: Vec<AssignmentProgress>,
}

/// Progress of a clause at a date from the maintained totals; a contractor sees only its
/// own assignments, and the top-level figures are then those of its assignments.
pub fn clause_progress(
    conn: &mut Conn,
    caller: &Caller,
    clause_id: i64,
    on: NaiveDate,
    on_track_percent: u32,
) -> Result<ClauseProgress, ApiError> {
    let org = caller.contractor_org();
    let (clause, assignments) =
        store::clause_with_totals(conn, caller.structure_id, clause_id, &month_of(on))?
            .ok_or_else(|| ApiError::not_found("clause"))?;
    if let Some(o) = org {
        // A contractor sees a clause it has an assignment on only (holding the contract
        // gives no obligation on the clause).
        if !assignments.iter().any(|(a, _, _)| a.contractor_id == o) {
            return Err(ApiError::not_found("clause"));
        }
    }
    let assignments: Vec<_> = assignments
        .into_iter()
        .filter(|(a, _, _)| org.is_none_or(|o| a.contractor_id == o))
        .collect();
    let compute = |required: i64, validated: i64, pending: i64| {
        progress(&ProgressInput {
            required,
            validated,
            pending,
            starts_on: clause.starts_on,
            ends_on: clause.ends_on,
            on,
            on_track_percent,
            penalty_per_hour_cents: clause.penalty_per_hour_cents,
        })
    };
    let mut items = Vec::new();
    let (mut validated, mut pending) = (0, 0);
    for &(ref a, v, p) in &assignments {
        validated += v;
        pending += p;
        let pr = compute(a.hours_target, v, p);
        items.push(AssignmentProgress {
            assignment_id: a.id,
            contractor_id: a.contractor_id,
            hours_target: a.hours_target,
            validated_hours: v,
            pending_hours: p,
            expected_hours: pr.expected,
            status: pr.status.as_str(),
            penalty_exposure_eur: pr.penalty_exposure_cents,
        });
    }
    let required = match org {
        Some(_) => assignments.iter().map(|(a, _, _)| a.hours_target).sum(),
        None => clause.required_hours,
    };
    let pr = compute(required, validated, pending);
    let expected_share = if required > 0 {
        ((pr.expected * 1000 + required / 2) / required) as f64 / 10.0
    } else {
        0.0
    };
    Ok(ClauseProgress {
        clause_id: clause.id,
        on,
        required_hours: required,
        validated_hours: validated,
        pending_hours: pending,
        expected_hours: pr.expected,
        expected_share,
        status: pr.status.as_str(),
        penalty_exposure_eur: pr.penalty_exposure_cents,
        assignments: items,
    })
}

/// GET /api/v1/clauses/{id}/progress?on=DATE — staff; a contractor for its own assignments.
#[rocket::get("/clauses/<id>/progress?<on>")]
pub async fn clause_progress_route(
    caller: StaffOrContractor,
    id: i64,
    on: Param<NaiveDate>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Json<ClauseProgress>> {
    params!(on);
    let on = on.unwrap_or_else(|| db.clock.today());
    let pct = config.on_track_percent;
    let caller = caller.0;
    let p = db
        .run(move |c| clause_progress(c, &caller, id, on, pct))
        .await?;
    Ok(Json(p))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        put_hours,
        import_multipart,
        import_raw,
        template,
        list,
        history,
        decide,
        clause_progress_route
    ]
}
