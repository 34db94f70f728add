//! The contractor's upload of the hours template (`/contractor/import`): a form to send the
//! CSV or XLSX file of a month, checked first (a dry run of the API's import: every refused
//! line listed with the person and the catalogue's sentence, nothing stored) or imported at
//! once (all lines or none). The file is parsed by the API's parser and stored by the same
//! use case as `POST /api/v1/hours/import` (`app::hours::import_hours`).
//!
//! After a check without refusal, the page asks for the same file again with the button
//! « Importer ces N lignes ». Chosen over carrying the file in the page (a hidden field of
//! its content, base64): nothing of the file lives between two requests, each send is held
//! to the same size limit (a carried 20 Mo file would be 27 Mo of base64, over the form
//! limit), and the import checks every line again anyway, so a file changed in between is
//! judged on what is sent.

use std::collections::{BTreeSet, HashMap};

use rocket::data::Limits;
use rocket::form::{Errors, Form, FromForm};
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::api::hours::{parse_upload_rows, UPLOAD_LIMIT_MIB};
use crate::api::messages::{render as message, sentence};
use crate::app::hours::{import_hours, people_of_lines, HourRules};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::config::Config;
use crate::db::Db;
use crate::domain::hours::{ImportErrors, ImportRow, MAX_REPORTED_ERRORS};
use crate::domain::period::Month;
use crate::domain::rule::Violation;
use crate::error::ApiError;
use crate::pages::{notice, Exit, FieldErrors, Html, PageView, Visitor};

const TEMPLATE: &str = "upload.html";
const TITLE: &str = "Importer un fichier d'heures";
const HERE: &str = "/contractor";

/// One refused line of a file, as the page lists it.
#[derive(Serialize)]
struct RefusedLine {
    line: usize,
    /// The person (and job) of the line's placement, when the caller may see it.
    person: Option<String>,
    message: String,
}

/// What a check (or a refused import) of a file found.
#[derive(Serialize, Default)]
struct Outcome {
    /// The file was only checked (nothing would be stored anyway).
    dry_run: bool,
    /// Lines that would be stored (new or changed figures).
    accepted: usize,
    /// Lines equal to what is already stored.
    unchanged: usize,
    /// Refused lines, the first `MAX_REPORTED_ERRORS` of them, in line order.
    refused: Vec<RefusedLine>,
    /// Every refused line, listed or not.
    refused_count: usize,
}

/// The page's own data.
#[derive(Serialize)]
struct UploadPage {
    /// `YYYY-MM`: the month whose template the page offers.
    month: String,
    /// The size limit in words ("20 Mo").
    limit: String,
    most_listed: usize,
    errors: FieldErrors,
    outcome: Option<Outcome>,
}

impl UploadPage {
    fn new(month: Month) -> UploadPage {
        UploadPage {
            month: month.to_string(),
            limit: format!("{UPLOAD_LIMIT_MIB} Mo"),
            most_listed: MAX_REPORTED_ERRORS,
            errors: FieldErrors::default(),
            outcome: None,
        }
    }

    fn render(self, visitor: &Visitor, caller: &Caller, status: Status) -> Html {
        PageView::new(TEMPLATE, TITLE, HERE, self).render(visitor, caller, status)
    }
}

/// The month a contractor reports by default: the previous one (reports are made after the
/// month's end).
fn default_month(visitor: &Visitor) -> Month {
    Month::of(visitor.clock.today()).plus(-1)
}

/// GET /contractor/import?month=YYYY-MM — a contractor: the form to send the month's file,
/// with the links to its template. A month that does not read as one is the default month.
#[rocket::get("/contractor/import?<month>&<fait>")]
pub fn form(visitor: Visitor, month: Option<&str>, fait: Option<&str>) -> Result<Html, Exit> {
    let caller = visitor.contractor()?;
    let month = month
        .and_then(Month::parse)
        .unwrap_or_else(|| default_month(&visitor));
    Ok(PageView::new(TEMPLATE, TITLE, HERE, UploadPage::new(month))
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

/// The upload form: its secret, the button pressed (`verifier` or `importer`), the file.
#[derive(FromForm)]
pub struct UploadForm<'r> {
    csrf_token: Option<String>,
    action: Option<String>,
    month: Option<String>,
    file: Option<TempFile<'r>>,
}

/// POST /contractor/import (multipart) — a contractor: `verifier` checks the file and lists
/// every refused line, storing nothing; `importer` stores all its lines, or none and lists
/// the refused ones. Success: back to the month's hours (or the home) with a notice.
#[rocket::post("/contractor/import", data = "<form>")]
pub async fn submit(
    visitor: Visitor,
    origin: RequestOrigin,
    // `None`: not a form at all (another content type), read like a broken form.
    form: Option<Result<Form<UploadForm<'_>>, Errors<'_>>>,
    limits: &Limits,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller = visitor.contractor()?;
    let form = match form.ok_or_else(Errors::new).and_then(|f| f) {
        Ok(form) => form.into_inner(),
        // The form could not be read (a file over the limit, a broken multipart): its secret
        // is unknown, so nothing is done; the form comes back with the reason.
        Err(errors) => {
            let mut page = UploadPage::new(default_month(&visitor));
            let too_big = errors
                .iter()
                .any(|e| matches!(e.kind, rocket::form::error::ErrorKind::InvalidLength { .. }));
            let (violation, status) = if too_big {
                let limit = limits
                    .get("file")
                    .map(|l| format!("{} Mo", l.as_u64() / (1024 * 1024)))
                    .unwrap_or_else(|| page.limit.clone());
                (
                    Violation::new("file", "body_too_large").with("limit", limit),
                    Status::PayloadTooLarge,
                )
            } else {
                tracing::info!("upload form unreadable: {errors}");
                (
                    Violation::new("file", "upload_unreadable"),
                    Status::BadRequest,
                )
            };
            page.errors.add("file", &violation);
            return Ok(page.render(&visitor, &caller, status));
        }
    };
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let month = form
        .month
        .as_deref()
        .and_then(Month::parse)
        .unwrap_or_else(|| default_month(&visitor));
    let mut page = UploadPage::new(month);
    let dry_run = form.action.as_deref() != Some("importer");
    // A browser with no file chosen sends an empty part without a name; an empty file
    // chosen is the parser's to refuse.
    let Some(file) = form.file.filter(|f| f.len() > 0 || f.name().is_some()) else {
        page.errors.add("file", &Violation::new("file", "required"));
        return Ok(page.render(&visitor, &caller, Status::UnprocessableEntity));
    };
    let bytes = match read_file(&file).await {
        Ok(bytes) => bytes,
        Err(v) => {
            page.errors.add("file", &v);
            return Ok(page.render(&visitor, &caller, Status::BadRequest));
        }
    };
    let content_type = file.content_type().cloned();
    // Parsing a large file (or unzipping a workbook) is kept off the async workers.
    let parsed = rocket::tokio::task::spawn_blocking(move || {
        parse_upload_rows(&bytes, content_type.as_ref())
    })
    .await
    .map_err(|e| {
        tracing::error!("upload parsing task failed: {e}");
        visitor.problem(ApiError::internal())
    })?;
    let rows = match parsed {
        Ok(rows) => rows,
        Err(errors) => {
            let refused = refused_lines(db, &caller, &[], errors).await;
            return Ok(refused.show(page, &visitor, &caller, dry_run));
        }
    };
    let rules = HourRules {
        today: db.clock.today(),
        monthly_cap: config.monthly_hours_cap,
    };
    let now = db.clock.naive();
    let importer = caller.clone();
    let lines: std::sync::Arc<Vec<ImportRow>> = std::sync::Arc::new(rows);
    let sent = lines.clone();
    let result = db
        .run(move |c| import_hours(c, &importer, &sent, dry_run, &rules, now))
        .await;
    match result {
        Ok(counts) if dry_run => {
            page.outcome = Some(Outcome {
                dry_run,
                accepted: counts.accepted,
                unchanged: counts.unchanged,
                ..Outcome::default()
            });
            Ok(page.render(&visitor, &caller, Status::Ok))
        }
        Ok(_) => Err(Exit::see_other(after_import(&lines))),
        Err(AppError::InvalidRows(errors)) => {
            let refused = refused_lines(db, &caller, &lines, errors).await;
            Ok(refused.show(page, &visitor, &caller, dry_run))
        }
        Err(e) => Err(visitor.problem(e.into())),
    }
}

/// The content of an uploaded file, or why it could not be read (the cause logged).
async fn read_file(file: &TempFile<'_>) -> Result<Vec<u8>, Violation> {
    use rocket::tokio::io::AsyncReadExt;
    let unreadable = |e: std::io::Error| {
        tracing::info!("cannot read the upload: {e}");
        Violation::new("file", "upload_unreadable")
    };
    let mut bytes = Vec::new();
    file.open()
        .await
        .map_err(unreadable)?
        .read_to_end(&mut bytes)
        .await
        .map_err(unreadable)?;
    Ok(bytes)
}

/// Where a stored file sends the contractor: the month of its lines when they are all of
/// one month, else the home.
fn after_import(rows: &[ImportRow]) -> String {
    let months: BTreeSet<&str> = rows.iter().map(|r| r.month.as_str()).collect();
    match months.into_iter().collect::<Vec<_>>().as_slice() {
        [one] if Month::parse(one).is_some() => {
            format!("/contractor/hours/{one}?fait=import-enregistre")
        }
        _ => "/contractor?fait=import-enregistre".to_string(),
    }
}

/// The refusals of a file: problems of the whole file (shown beside the file field) or of
/// its lines (listed).
struct Refused {
    file: Option<String>,
    lines: Vec<RefusedLine>,
    count: usize,
}

impl Refused {
    fn show(self, mut page: UploadPage, visitor: &Visitor, caller: &Caller, dry_run: bool) -> Html {
        if let Some(why) = self.file {
            page.errors.0.insert("file".into(), why);
        }
        if !self.lines.is_empty() {
            page.outcome = Some(Outcome {
                dry_run,
                refused: self.lines,
                refused_count: self.count,
                ..Outcome::default()
            });
        }
        page.render(visitor, caller, Status::UnprocessableEntity)
    }
}

/// The refused lines of a file with their French sentences and, when the caller may see
/// them, the people they name.
async fn refused_lines(
    db: &Db,
    caller: &Caller,
    rows: &[ImportRow],
    errors: ImportErrors,
) -> Refused {
    let count = errors.count();
    let errors = errors.into_first();
    let file_problem = errors
        .iter()
        .find(|e| e.field == "file")
        .map(|e| sentence(&message(&e.rule)));
    if let Some(file) = file_problem {
        return Refused {
            file: Some(file),
            lines: Vec::new(),
            count,
        };
    }
    let by_line: HashMap<usize, (i64, String)> = rows
        .iter()
        .map(|r| (r.line, (r.placement_id, r.month.clone())))
        .collect();
    let wanted: Vec<(i64, String)> = errors
        .iter()
        .filter_map(|e| by_line.get(&e.line).cloned())
        .collect();
    let reader = caller.clone();
    let people = if wanted.is_empty() {
        HashMap::new()
    } else {
        // Names are a help: without them, the lines are still listed.
        db.run(move |c| people_of_lines(c, &reader, &wanted))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!("names of refused lines: {e}");
                HashMap::new()
            })
    };
    let lines = errors
        .iter()
        .map(|e| RefusedLine {
            line: e.line,
            person: by_line
                .get(&e.line)
                .and_then(|key| people.get(key).cloned()),
            message: sentence(&message(&e.rule)),
        })
        .collect();
    Refused {
        file: None,
        lines,
        count,
    }
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![form, submit]
}
