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

use crate::api::body::{Download, JsonBody, ListResponse};
use crate::api::messages::rows_problem;
use crate::api::query::{params, required, Paging, Param};
use crate::api::reply::{self, Answer, Listed};
use crate::app::hours::{self as app, HourRules, MonthFigures};
use crate::auth::{Caller, Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::Db;
use crate::domain::hours::{parse_hours_csv, parse_hours_xlsx, ImportErrors, ImportRow};
use crate::domain::ids::{AssignmentId, ClauseId, HourEntryId, OrganisationId, PlacementId};
use crate::domain::limits::{Code, FreeText};
use crate::domain::period::Month;
use crate::domain::rule::Violation;
use crate::domain::spreadsheet::CsvDialect;
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::error::{ApiError, ApiResult};
use crate::store::hours::{EntryFilter, HourEntryView};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HoursInput {
    pub work_hours: Hundredths,
    pub training_hours: Option<Hundredths>,
    pub amendment_reason: Option<FreeText>,
}

/// PUT /api/v1/placements/{id}/hours/{month} — staff; a contractor for its own placements.
#[rocket::put("/placements/<id>/hours/<month>", data = "<body>")]
pub async fn put_hours(
    caller: StaffOrContractor,
    id: PlacementId,
    month: String,
    body: JsonBody<HoursInput>,
    db: &State<Db>,
    config: &State<Config>,
) -> Answer<HourEntryView> {
    let input = body.0;
    let rules = HourRules {
        today: db.clock.today(),
        monthly_cap: config.monthly_hours_cap,
    };
    let now = db.clock.naive();
    let caller = caller.0;
    reply::json(db, move |c| {
        let figures = MonthFigures {
            work: input.work_hours.0,
            training: input.training_hours.map(|h| h.0).unwrap_or(0),
            amendment_reason: input.amendment_reason.as_deref(),
        };
        app::report_month(c, &caller, id, &month, &figures, &rules, now)
    })
    .await
}

#[derive(Serialize, Default, utoipa::ToSchema)]
#[schema(as = HoursImportSummary)]
pub struct ImportSummary {
    pub accepted: usize,
    pub unchanged: usize,
    pub dry_run: bool,
}

/// The rows of an uploaded file (an XLSX by its signature or content type, else a CSV), or
/// every problem of its lines; shared by the API and the upload page.
pub(crate) fn parse_upload_rows(
    bytes: &[u8],
    content_type: Option<&ContentType>,
) -> Result<Vec<ImportRow>, ImportErrors> {
    let is_xlsx = bytes.starts_with(b"PK\x03\x04")
        || content_type.is_some_and(|ct| ct.sub().as_str().contains("spreadsheetml"));
    if is_xlsx {
        parse_hours_xlsx(bytes)
    } else {
        parse_hours_csv(bytes)
    }
}

fn parse_upload(
    bytes: &[u8],
    content_type: Option<&ContentType>,
) -> Result<Vec<ImportRow>, ApiError> {
    parse_upload_rows(bytes, content_type).map_err(rows_problem)
}

/// The size limit of an import file, for the raw body and (through Rocket's `file` limit,
/// `Rocket.toml`) the multipart forms of the API and of the upload page.
pub const UPLOAD_LIMIT_MIB: u64 = 20;

async fn run_import(
    caller: Caller,
    bytes: Vec<u8>,
    ct: Option<ContentType>,
    dry_run: bool,
    db: &Db,
    cap: i64,
) -> Answer<ImportSummary> {
    // Parsing 50,000 lines (or unzipping a workbook) takes tens of milliseconds: off the
    // async workers, which would otherwise hold every request queued behind them.
    let t = std::time::Instant::now();
    let rows = rocket::tokio::task::spawn_blocking(move || parse_upload(&bytes, ct.as_ref()))
        .await
        .map_err(|e| {
            tracing::error!("import parsing task failed: {e}");
            ApiError::internal()
        })??;
    tracing::debug!(
        "hours import: parsed in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let rules = HourRules {
        today: db.clock.today(),
        monthly_cap: cap,
    };
    let now = db.clock.naive();
    let counts = reply::call(db, move |c| {
        app::import_hours(c, &caller, &rows, dry_run, &rules, now)
    })
    .await?;
    tracing::debug!(
        "hours import: done in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(Json(ImportSummary {
        accepted: counts.accepted,
        unchanged: counts.unchanged,
        dry_run,
    }))
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
) -> Answer<ImportSummary> {
    use rocket::tokio::io::AsyncReadExt;
    params!(dry_run);
    let ct = form.file.content_type().cloned();
    let mut bytes = Vec::new();
    form.file
        .open()
        .await
        .map_err(upload_unreadable)?
        .read_to_end(&mut bytes)
        .await
        .map_err(upload_unreadable)?;
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

/// An upload that could not be read to its end (the cause logged, not shown).
fn upload_unreadable(e: std::io::Error) -> ApiError {
    tracing::info!("cannot read the upload: {e}");
    ApiError::malformed(crate::domain::rule::Violation::new("", "upload_unreadable"))
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
) -> Answer<ImportSummary> {
    params!(dry_run);
    let capped = data
        .open(UPLOAD_LIMIT_MIB.mebibytes())
        .into_bytes()
        .await
        .map_err(upload_unreadable)?;
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

/// GET /api/v1/hours/template?month=&format=csv|xlsx&dialect=fr|standard — staff; a
/// contractor gets its open placements. The CSV is in the French spreadsheet form unless
/// `dialect=standard` (`domain::spreadsheet`); the XLSX has the French columns.
#[rocket::get("/hours/template?<month>&<format>&<dialect>")]
pub async fn template(
    caller: StaffOrContractor,
    month: Param<Month>,
    format: Param<String>,
    dialect: Param<CsvDialect>,
    db: &State<Db>,
) -> ApiResult<Download> {
    params!(month, format, dialect);
    let month = required("month", month)?;
    let format = format.unwrap_or_else(|| "csv".into());
    if format != "csv" && format != "xlsx" {
        return Err(app_invalid(Violation::new("format", "hours_format")));
    }
    let caller = caller.0;
    let rows = reply::call(db, move |c| app::template_rows(c, &caller, month)).await?;
    let name = format!("heures-{month}.{format}");
    let (body, content_type) = if format == "csv" {
        let dialect = dialect.unwrap_or_default();
        (
            crate::domain::hours::template_csv(&rows, dialect).into_bytes(),
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
#[rocket::get("/hours?<status>&<clause_id>&<placement_id>&<month>&<paging..>")]
pub async fn list(
    caller: StaffOrContractor,
    status: Param<String>,
    clause_id: Param<ClauseId>,
    placement_id: Param<PlacementId>,
    month: Param<Month>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<HourEntryView> {
    params!(status, clause_id, placement_id, month, paging);
    let f = EntryFilter {
        status: None,
        clause_id,
        placement_id,
        month,
        contractor: None,
        entry_ids: None,
    };
    let caller = caller.0;
    reply::page(db, move |c| {
        app::list_entries(
            c,
            &caller,
            status.as_deref(),
            f,
            paging.limit,
            paging.offset,
        )
    })
    .await
}

/// GET /api/v1/hours/{id}/history — staff; a contractor for its own entries.
#[rocket::get("/hours/<id>/history")]
pub async fn history(
    caller: StaffOrContractor,
    id: HourEntryId,
    db: &State<Db>,
) -> Answer<Vec<crate::store::history::HistoryEntry>> {
    let caller = caller.0;
    reply::json(db, move |c| app::entry_history(c, &caller, id)).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub entry_ids: Vec<HourEntryId>,
    pub decision: Code,
    pub reason: Option<FreeText>,
}

/// POST /api/v1/hours/validation — staff: validate or reject one entry or a batch.
#[rocket::post("/hours/validation", data = "<body>")]
pub async fn decide(
    caller: Staff,
    body: JsonBody<Decision>,
    db: &State<Db>,
) -> Listed<HourEntryView> {
    let input = body.0;
    let now = db.clock.naive();
    let caller = caller.0;
    let items = reply::call(db, move |c| {
        let reason = input.reason.as_deref();
        app::decide_entries(c, &caller, &input.entry_ids, &input.decision, reason, now)
    })
    .await?;
    let total = items.len() as i64;
    Ok(Json(ListResponse { items, total }))
}

/// One broken rule found while parsing a request, as its problem.
fn app_invalid(v: Violation) -> ApiError {
    crate::app::AppError::invalid(v).into()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentProgress {
    pub assignment_id: AssignmentId,
    pub contractor_id: OrganisationId,
    pub contractor_name: String,
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
    pub clause_id: ClauseId,
    /// The clause's contract reference and title (and lot).
    pub clause_label: String,
    pub on: NaiveDate,
    /// Null for a clause without an hour target (status `no_target`, or an insertion purpose
    /// measured in persons only).
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "crate::domain::units::ser_opt_hundredths")]
    pub required_hours: Option<i64>,
    /// An insertion purpose's target in persons (null for the other kinds).
    pub required_persons: Option<i64>,
    /// Distinct persons placed on an insertion purpose by this date (null for the other
    /// kinds).
    pub persons_placed: Option<i64>,
    /// Persons expected by this date, prorated on the days elapsed (insertion purpose).
    pub expected_persons: Option<i64>,
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

/// The progress of a clause as the route answers it.
impl From<crate::app::progress::ClauseProgressView> for ClauseProgress {
    fn from(view: crate::app::progress::ClauseProgressView) -> ClauseProgress {
        let p = view.progress;
        let name_of =
            |id: OrganisationId| view.contractor_names.get(&id).cloned().unwrap_or_default();
        ClauseProgress {
            clause_id: view.clause.id,
            clause_label: view.clause_label,
            on: p.on,
            required_hours: view.clause.hour_target.then_some(p.required),
            required_persons: view.persons.map(|n| n.required),
            persons_placed: view.persons.map(|n| n.placed),
            expected_persons: view.persons.map(|n| n.expected),
            validated_hours: p.validated,
            pending_hours: p.pending,
            expected_hours: p.progress.expected,
            expected_share: p.expected_share,
            status: p.progress.status.as_str(),
            penalty_exposure_eur: p.progress.penalty_exposure_cents,
            assignments: p
                .assignments
                .iter()
                .map(|a| AssignmentProgress {
                    assignment_id: AssignmentId(a.hours.assignment_id),
                    contractor_id: OrganisationId(a.hours.contractor_id),
                    contractor_name: name_of(OrganisationId(a.hours.contractor_id)),
                    hours_target: a.hours.hours_target,
                    validated_hours: a.hours.validated,
                    pending_hours: a.hours.pending,
                    expected_hours: a.progress.expected,
                    status: a.progress.status.as_str(),
                    penalty_exposure_eur: a.progress.penalty_exposure_cents,
                })
                .collect(),
        }
    }
}

/// GET /api/v1/clauses/{id}/progress?on=DATE — staff; a contractor for its own assignments.
#[rocket::get("/clauses/<id>/progress?<on>")]
pub async fn clause_progress_route(
    caller: StaffOrContractor,
    id: ClauseId,
    on: Param<NaiveDate>,
    db: &State<Db>,
    config: &State<Config>,
) -> Answer<ClauseProgress> {
    params!(on);
    let on = on.unwrap_or_else(|| db.clock.today());
    let pct = config.on_track_percent;
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    reply::json(db, move |c| {
        crate::app::progress::clause_progress(c, sid, org, id, on, pct)
    })
    .await
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

#[cfg(test)]
mod tests {
    #[test]
    fn an_upload_cut_short_is_upload_unreadable() {
        let broken = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "stream ended");
        let e = super::upload_unreadable(broken);
        assert_eq!((e.status, e.code.as_str()), (400, "upload_unreadable"));
        assert!(e.detail.contains("envoyez-le à nouveau"), "{e}");
    }
}
