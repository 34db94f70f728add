//! The contractor's pages: its home (`/contractor`: its assignments with their progress, the
//! months it owes, the figures refused) and the grid of a month (`/contractor/hours/<month>`:
//! the hours of every person placed with it, saved in one submit by the batch use case of
//! the API import, `app::hours::import_hours`: all stored or nothing).

use std::collections::{BTreeMap, HashMap};

use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::api::messages::{render as message, sentence};
use crate::app::hours::{import_hours, HourRules};
use crate::app::workspace::{self, GridRow, MonthDue, MonthGrid};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::config::Config;
use crate::db::Db;
use crate::domain::hours::{EntryStatus, ImportRow};
use crate::domain::period::Month;
use crate::domain::progress::ProgressStatus;
use crate::domain::rule::Violation;
use crate::domain::vocabulary::AssignmentRole;
use crate::error::ApiError;
use crate::pages::{
    hours_input, notice, parse_hours_input, Exit, FieldErrors, Html, PageView, Visitor,
};

/// The most a grid form may weigh: 2 fields of about 30 bytes for each row of a page, with
/// room to spare.
const GRID_FORM_LIMIT_KIB: u64 = 64;
/// The most characters of a typed cell kept to show it again.
const TYPED_KEPT: usize = 40;

/// The words of an assignment's role.
pub(crate) fn role_words(role: AssignmentRole) -> &'static str {
    match role {
        AssignmentRole::Holder => "Titulaire",
        AssignmentRole::CoContractor => "Cotraitant",
        AssignmentRole::Subcontractor => "Sous-traitant",
    }
}

/// The words of a progress status, and the class of its badge.
pub(crate) fn status_words(status: ProgressStatus) -> (&'static str, &'static str) {
    match status {
        ProgressStatus::NotStarted => ("Pas encore commencée", "waiting"),
        ProgressStatus::OnTrack => ("En bonne voie", "ok"),
        ProgressStatus::AtRisk => ("En retard sur l'attendu", "late"),
        ProgressStatus::Completed => ("Objectif atteint", "ok"),
        ProgressStatus::NoTarget => ("Sans objectif d'heures", "waiting"),
    }
}

#[derive(Serialize)]
struct AssignmentCard {
    clause_label: String,
    buyer_name: String,
    role: &'static str,
    hours_target: i64,
    expected: i64,
    validated: i64,
    pending: i64,
    status: &'static str,
    status_class: &'static str,
}

#[derive(Serialize)]
struct MonthCard {
    /// `YYYY-MM`, for the link and the `month` filter.
    month: String,
    /// "de mars 2026", "d'avril 2026".
    of_month: String,
    due_on: String,
    clauses: Vec<String>,
    people: usize,
}

impl From<MonthDue> for MonthCard {
    fn from(m: MonthDue) -> MonthCard {
        MonthCard {
            month: m.month.to_string(),
            of_month: of_month(m.month),
            due_on: m.due_on.to_string(),
            clauses: m.clauses,
            people: m.people,
        }
    }
}

#[derive(Serialize)]
struct RejectedCard {
    person: String,
    month: String,
    work: i64,
    training: i64,
    reason: String,
    clause_label: String,
}

#[derive(Serialize)]
struct HomePage {
    assignments: Vec<AssignmentCard>,
    assignments_total: i64,
    page: i64,
    pages: i64,
    late: Vec<MonthCard>,
    next: Vec<MonthCard>,
    rejected: Vec<RejectedCard>,
    rejected_total: i64,
    /// The month whose grid the home offers first: the last one ended.
    current_month: String,
    current_of_month: String,
}

/// A month as French writes it after "heures": "de mars 2026", "d'avril 2026".
fn of_month(month: Month) -> String {
    crate::domain::french::de_period(&crate::domain::next_action::period_label_fr(
        &month.to_string(),
    ))
}

/// How a person is named on a page (a name erased by anonymisation is said so).
fn person_or_erased(name: Option<String>) -> String {
    name.unwrap_or_else(|| "Personne anonymisée".to_string())
}

/// The page number asked for (1-based), kept in range.
fn page_index(page: Option<i64>) -> i64 {
    page.unwrap_or(1).clamp(1, 100_000)
}

/// GET /contractor — a contractor: its home.
#[rocket::get("/contractor?<fait>&<page>")]
pub async fn home(
    visitor: Visitor,
    fait: Option<&str>,
    page: Option<i64>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller = visitor.contractor()?;
    let page = page_index(page);
    let today = db.clock.today();
    let on_track = config.on_track_percent;
    let reader = caller.clone();
    let home = db
        .run(move |c| workspace::contractor_home(c, &reader, today, on_track, page - 1))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let assignments = home
        .assignments
        .into_iter()
        .map(|a| {
            let (status, status_class) = status_words(a.status);
            AssignmentCard {
                clause_label: a.clause_label,
                buyer_name: a.buyer_name,
                role: role_words(a.role),
                hours_target: a.hours_target,
                expected: a.expected,
                validated: a.validated,
                pending: a.pending,
                status,
                status_class,
            }
        })
        .collect();
    let rejected = home
        .rejected
        .into_iter()
        .map(|e| RejectedCard {
            person: person_or_erased(e.participant_name),
            month: e.entry.month.to_string(),
            work: e.entry.work_hours,
            training: e.entry.training_hours,
            reason: e.entry.rejection_reason.unwrap_or_default(),
            clause_label: e.clause_label,
        })
        .collect();
    let per_page = workspace::ASSIGNMENTS_PAGE;
    let data = HomePage {
        assignments,
        assignments_total: home.assignments_total,
        page,
        pages: (home.assignments_total + per_page - 1) / per_page,
        late: home.late.into_iter().map(MonthCard::from).collect(),
        next: home.next.into_iter().map(MonthCard::from).collect(),
        rejected,
        rejected_total: home.rejected_total,
        current_month: Month::of(today).plus(-1).to_string(),
        current_of_month: of_month(Month::of(today).plus(-1)),
    };
    let view = PageView::new("contractor_home.html", "Mes chantiers", "/contractor", data);
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

/// One row of the grid as the page shows it.
#[derive(Serialize)]
struct GridLine {
    placement_id: i64,
    person: String,
    job_title: String,
    /// The value of the work input: what was sent, or what was typed.
    work: String,
    training: String,
    /// `todo`, `sent`, `validated`, `rejected`.
    state: &'static str,
    state_label: &'static str,
    state_class: &'static str,
    /// The facilitator's reason, for a refused figure.
    reason: Option<String>,
    /// A validated figure: shown, not editable here (the facilitator corrects it).
    read_only: bool,
}

#[derive(Serialize)]
struct GridPage {
    month: String,
    /// "d'octobre 2026".
    of_month: String,
    previous: String,
    next: String,
    /// The month has begun: its hours may be reported.
    open: bool,
    rows: Vec<GridLine>,
    rows_total: i64,
    page: i64,
    pages: i64,
    errors: FieldErrors,
}

/// The state of a grid row, in words, and whether it is read-only.
fn row_state(row: &GridRow) -> (&'static str, &'static str, &'static str, bool) {
    let Some(e) = &row.entry else {
        return ("todo", "À saisir", "waiting", false);
    };
    let locked = e.validated_work.is_some();
    match e.status {
        EntryStatus::Validated => ("validated", "Validé", "ok", true),
        EntryStatus::Submitted if locked => (
            "validated",
            "Validé ; correction en attente du facilitateur",
            "ok",
            true,
        ),
        EntryStatus::Submitted => ("sent", "Envoyé, en attente de validation", "waiting", false),
        EntryStatus::Rejected => ("rejected", "Refusé", "rejected", false),
    }
}

/// The grid page's rows, with what was typed where there is some.
fn grid_page(
    month: Month,
    today_month: Month,
    grid: MonthGrid,
    typed: &HashMap<String, String>,
    errors: FieldErrors,
) -> GridPage {
    let MonthGrid {
        rows,
        total,
        page,
        pages,
    } = grid;
    let lines = rows
        .into_iter()
        .map(|r| {
            let (state, state_label, state_class, read_only) = row_state(&r);
            let id = r.row.placement_id;
            let sent = |h: Option<i64>| h.map(hours_input).unwrap_or_default();
            let shown = |name: String, h: Option<i64>| match typed.get(&name) {
                Some(t) if !read_only => t.clone(),
                _ => sent(h),
            };
            let work = shown(format!("work_{id}"), r.entry.as_ref().map(|e| e.work_hours));
            let training = shown(
                format!("training_{id}"),
                r.entry.as_ref().map(|e| e.training_hours),
            );
            let reason = r
                .entry
                .as_ref()
                .filter(|e| e.status == EntryStatus::Rejected)
                .and_then(|e| e.rejection_reason.clone());
            GridLine {
                placement_id: id,
                person: if r.row.participant.is_empty() {
                    person_or_erased(None)
                } else {
                    r.row.participant
                },
                job_title: r.row.job_title,
                work,
                training,
                state,
                state_label,
                state_class,
                reason,
                read_only,
            }
        })
        .collect();
    GridPage {
        month: month.to_string(),
        of_month: of_month(month),
        previous: month.plus(-1).to_string(),
        next: month.plus(1).to_string(),
        open: month <= today_month,
        rows: lines,
        rows_total: total,
        page,
        pages,
        errors,
    }
}

/// The month of the path, or the page saying it is not one (422).
fn month_of(visitor: &Visitor, text: &str) -> Result<Month, Exit> {
    Month::parse(text).ok_or_else(|| {
        let e: ApiError =
            AppError::Invalid(vec![Violation::new("month", "month_malformed")]).into();
        visitor.problem(e)
    })
}

/// The grid page of `month` with `status`.
#[allow(clippy::too_many_arguments)]
fn grid_view(
    visitor: &Visitor,
    caller: &Caller,
    month: Month,
    today_month: Month,
    grid: MonthGrid,
    typed: &HashMap<String, String>,
    errors: FieldErrors,
    fait: Option<&str>,
    status: Status,
) -> Html {
    let data = grid_page(month, today_month, grid, typed, errors);
    let title = format!("Heures {}", of_month(month));
    PageView::new("contractor_month.html", &title, "/contractor", data)
        .notice(notice(fait))
        .render(visitor, caller, status)
}

/// A page of the grid of a month the caller reports on.
async fn load_grid(
    visitor: &Visitor,
    db: &Db,
    caller: &Caller,
    month: Month,
    page: i64,
) -> Result<MonthGrid, Exit> {
    let reader = caller.clone();
    db.run(move |c| workspace::month_grid(c, &reader, month, page))
        .await
        .map_err(|e| visitor.problem(e.into()))
}

/// GET /contractor/hours/<month> — a contractor: the grid of the month's hours.
#[rocket::get("/contractor/hours/<month>?<fait>&<page>")]
pub async fn month_form(
    visitor: Visitor,
    month: &str,
    fait: Option<&str>,
    page: Option<i64>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.contractor()?;
    let month = month_of(&visitor, month)?;
    let grid = load_grid(&visitor, db, &caller, month, page_index(page)).await?;
    let today_month = Month::of(db.clock.today());
    Ok(grid_view(
        &visitor,
        &caller,
        month,
        today_month,
        grid,
        &HashMap::new(),
        FieldErrors::default(),
        fait,
        Status::Ok,
    ))
}

/// The fields of a posted grid: its secret, and the cells typed for each placement (by id).
#[derive(Default)]
struct GridForm {
    csrf_token: Option<String>,
    /// placement id -> (work, training) as typed.
    cells: BTreeMap<i64, (Option<String>, Option<String>)>,
    /// Every cell by its field name, to show them again.
    typed: HashMap<String, String>,
}

/// What a person typed, made safe to show again: control characters replaced, cut short.
fn kept(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(TYPED_KEPT)
        .collect()
}

/// Reads the url-encoded grid: `work_<placement id>`, `training_<placement id>`, `csrf_token`;
/// other fields are ignored.
fn parse_grid(body: &str) -> GridForm {
    let mut form = GridForm::default();
    for (name, value) in url::form_urlencoded::parse(body.as_bytes()) {
        if name == "csrf_token" {
            form.csrf_token = Some(value.into_owned());
            continue;
        }
        let (is_work, id) = match (name.strip_prefix("work_"), name.strip_prefix("training_")) {
            (Some(id), _) => (true, id),
            (_, Some(id)) => (false, id),
            _ => continue,
        };
        let Ok(id) = id.parse::<i64>() else { continue };
        let cell = form.cells.entry(id).or_default();
        let slot = if is_work { &mut cell.0 } else { &mut cell.1 };
        *slot = Some(value.to_string());
        form.typed.insert(name.into_owned(), kept(&value));
    }
    form
}

/// The rows to send from the cells typed: a cell that is not a number is refused beside
/// itself; empty rows and rows equal to the figure already sent are left out. `line` of
/// each row is its index in the returned ids + 1.
fn grid_rows(
    form: &GridForm,
    month: Month,
    sent: &HashMap<i64, (i64, i64)>,
) -> Result<(Vec<ImportRow>, Vec<i64>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut rows = Vec::new();
    let mut ids = Vec::new();
    for (&id, (work, training)) in &form.cells {
        let mut parse = |name: String, field: &str, text: &Option<String>| match parse_hours_input(
            text.as_deref().unwrap_or(""),
        ) {
            Ok(h) => h,
            Err(code) => {
                // What was typed is shown again in the cell itself.
                errors.add(name, &Violation::new(field, code));
                None
            }
        };
        let w = parse(format!("work_{id}"), "work_hours", work);
        let t = parse(format!("training_{id}"), "training_hours", training);
        if w.is_none() && t.is_none() {
            continue;
        }
        let figures = (w.unwrap_or(0), t.unwrap_or(0));
        if sent.get(&id) == Some(&figures) {
            continue;
        }
        ids.push(id);
        rows.push(ImportRow {
            line: ids.len(),
            placement_id: id,
            month: month.to_string(),
            work_hours: figures.0,
            training_hours: figures.1,
        });
    }
    if errors.is_empty() {
        Ok((rows, ids))
    } else {
        Err(errors)
    }
}

/// The refusals of the batch use case, each beside its cell: a line's error goes to the
/// training cell when it is about training hours, else to the work cell of its row; an
/// error on a placement not on the page goes to the whole form.
fn errors_by_cell(
    e: &crate::domain::hours::ImportErrors,
    ids: &[i64],
    shown: &[i64],
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for err in e.iter() {
        let id = err.line.checked_sub(1).and_then(|i| ids.get(i)).copied();
        let field = match id {
            Some(id) if shown.contains(&id) && err.field == "training_hours" => {
                format!("training_{id}")
            }
            Some(id) if shown.contains(&id) => format!("work_{id}"),
            _ => String::new(),
        };
        errors
            .0
            .entry(field)
            .or_insert_with(|| sentence(&message(&err.rule)));
    }
    errors
}

/// POST /contractor/hours/<month> — a contractor: saves the grid's figures in one batch (all
/// or nothing); refused cells are shown beside themselves with what was typed (422).
#[rocket::post("/contractor/hours/<month>?<page>", data = "<data>")]
#[allow(clippy::too_many_arguments)]
pub async fn month_submit(
    visitor: Visitor,
    month: &str,
    page: Option<i64>,
    data: Data<'_>,
    origin: RequestOrigin,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller = visitor.contractor()?;
    // A grid bigger than the limit is cut there: its secret is still checked first.
    let (body, complete) = match data
        .open(GRID_FORM_LIMIT_KIB.kibibytes())
        .into_string()
        .await
    {
        Ok(b) => {
            let complete = b.is_complete();
            (b.into_inner(), complete)
        }
        Err(_) => (String::new(), false),
    };
    let form = parse_grid(&body);
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    if !complete {
        let v = Violation::new("", "body_too_large")
            .with("limit", format!("{GRID_FORM_LIMIT_KIB} Kio"));
        return Err(visitor.problem(ApiError::coded(413, "too-large", v)));
    }
    let month = month_of(&visitor, month)?;
    let grid = load_grid(&visitor, db, &caller, month, page_index(page)).await?;
    let page_number = grid.page;
    let today = db.clock.today();
    let refused = |grid: MonthGrid, errors: FieldErrors| {
        grid_view(
            &visitor,
            &caller,
            month,
            Month::of(today),
            grid,
            &form.typed,
            errors,
            None,
            Status::UnprocessableEntity,
        )
    };
    let sent: HashMap<i64, (i64, i64)> = grid
        .rows
        .iter()
        .filter_map(|r| {
            let e = r.entry.as_ref()?;
            // A refused figure sent again as it was is not a change: it stays refused.
            Some((r.row.placement_id, (e.work_hours, e.training_hours)))
        })
        .collect();
    let (rows, ids) = match grid_rows(&form, month, &sent) {
        Ok(found) => found,
        Err(errors) => return Ok(refused(grid, errors)),
    };
    let back = format!("/contractor/hours/{month}?fait=heures-enregistrees&page={page_number}");
    if rows.is_empty() {
        return Err(Exit::see_other(back));
    }
    let rules = HourRules {
        today,
        monthly_cap: config.monthly_hours_cap,
    };
    let now = db.clock.naive();
    let writer = caller.clone();
    match db
        .run(move |c| import_hours(c, &writer, &rows, false, &rules, now))
        .await
    {
        Ok(_) => Err(Exit::see_other(back)),
        Err(AppError::InvalidRows(e)) => {
            let shown: Vec<i64> = grid.rows.iter().map(|r| r.row.placement_id).collect();
            let errors = errors_by_cell(&e, &ids, &shown);
            Ok(refused(grid, errors))
        }
        Err(e) => Err(visitor.problem(e.into())),
    }
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![home, month_form, month_submit]
}
