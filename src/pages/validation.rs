//! The facilitator's validation queue: the entries waiting for validation (or validated, to
//! find one to amend), filtered by clause, contractor and month, each with the month's
//! context; a batch decision (validate, or reject with a reason) through
//! `app::hours::decide_entries`; one entry with its history and, once validated, the form
//! amending its figure with a reason through `app::hours::report_month`, as the API does.

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;
use serde_json::Value;

use crate::api::reply;
use crate::app::hours::{decide_entries, report_month, HourRules, MonthFigures};
use crate::app::validation::{self as app, EntryDetail, QueueFilter, QueueRow};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::config::Config;
use crate::db::Db;
use crate::domain::hours::{excerpt, EntryStatus};
use crate::domain::ids::{ClauseId, HourEntryId, OrganisationId};
use crate::domain::limits::FreeText;
use crate::domain::period::Month;
use crate::domain::rule::Violation;
use crate::domain::vocabulary::HistoryAction;
use crate::error::ApiError;
use crate::pages::{notice, parse_hours_input, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::history::HistoryEntry;

/// The most entries one decision may name (a page shows `PAGE_SIZE`).
const MAX_DECIDED: usize = 500;

/// The queue's filters as the address carries them (text, so a bad value is dropped rather
/// than refused: they come from the page's own choices).
#[derive(Debug, Clone, Default, Serialize)]
struct Filters {
    status: &'static str,
    clause_id: Option<i64>,
    contractor_id: Option<i64>,
    month: Option<String>,
    page: i64,
}

impl Filters {
    /// The filters of a request: unknown or malformed values fall back to "all".
    fn parse(
        status: Option<&str>,
        clause_id: Option<&str>,
        contractor_id: Option<&str>,
        month: Option<&str>,
        page: Option<&str>,
    ) -> Filters {
        let id = |t: Option<&str>| {
            t.and_then(|t| t.trim().parse::<i64>().ok())
                .filter(|i| *i > 0)
        };
        Filters {
            status: match status.map(str::trim) {
                Some("validated") => "validated",
                Some("rejected") => "rejected",
                _ => "submitted",
            },
            clause_id: id(clause_id),
            contractor_id: id(contractor_id),
            month: month.and_then(Month::parse).map(|m| m.to_string()),
            page: page
                .and_then(|p| p.trim().parse::<i64>().ok())
                .unwrap_or(1)
                .clamp(1, 1_000_000),
        }
    }

    /// The use case's filter.
    fn use_case(&self) -> QueueFilter {
        QueueFilter {
            status: EntryStatus::parse(self.status).unwrap_or(EntryStatus::Submitted),
            clause_id: self.clause_id.map(ClauseId),
            contractor_id: self.contractor_id.map(OrganisationId),
            month: self.month.as_deref().and_then(Month::parse),
            page: self.page,
        }
    }

    /// The query string of these filters on page `page` (the default status and page left
    /// out), without the `?`.
    fn query(&self, page: i64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if self.status != "submitted" {
            q.append_pair("status", self.status);
        }
        if let Some(c) = self.clause_id {
            q.append_pair("clause_id", &c.to_string());
        }
        if let Some(c) = self.contractor_id {
            q.append_pair("contractor_id", &c.to_string());
        }
        if let Some(m) = &self.month {
            q.append_pair("month", m);
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        q.finish()
    }

    /// The queue's address with these filters, `fait` added for a notice.
    fn href(&self, page: i64, fait: Option<&str>) -> String {
        let mut query = self.query(page);
        if let Some(f) = fait {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str("fait=");
            query.push_str(f);
        }
        if query.is_empty() {
            "/validation".into()
        } else {
            format!("/validation?{query}")
        }
    }
}

/// A choice of a filter.
#[derive(Serialize)]
struct Choice {
    id: i64,
    name: String,
}

/// A figure of the month before, as the page shows it.
#[derive(Serialize)]
struct PreviousView {
    work: i64,
    training: i64,
    total: i64,
    status: &'static str,
}

/// An entry as a row of the queue (hours in hundredths, for the `hours` filter).
#[derive(Serialize)]
struct RowView {
    id: i64,
    person: String,
    contractor: String,
    clause: String,
    month: String,
    work: i64,
    training: i64,
    total: i64,
    status: &'static str,
    status_label: &'static str,
    validated_work: Option<i64>,
    validated_training: Option<i64>,
    amendment_reason: Option<String>,
    rejection_reason: Option<String>,
    /// The person's cap for the month, and whether this figure alone passes it.
    cap: i64,
    over_cap: bool,
    previous: Option<PreviousView>,
}

/// The word of an entry's status.
fn status_label(status: EntryStatus) -> &'static str {
    match status {
        EntryStatus::Submitted => "En attente",
        EntryStatus::Validated => "Validée",
        EntryStatus::Rejected => "Refusée",
    }
}

/// How a person is named on the page (an anonymised person has no name any more).
fn person_label(name: Option<String>) -> String {
    name.unwrap_or_else(|| "Personne anonymisée".into())
}

impl From<QueueRow> for RowView {
    fn from(r: QueueRow) -> RowView {
        let e = r.entry.entry;
        let total = e.work_hours + e.training_hours;
        RowView {
            id: e.id.0,
            person: person_label(r.entry.participant_name),
            contractor: r.entry.contractor_name,
            clause: r.entry.clause_label,
            month: e.month.to_string(),
            work: e.work_hours,
            training: e.training_hours,
            total,
            status: e.status.as_str(),
            status_label: status_label(e.status),
            validated_work: e.validated_work,
            validated_training: e.validated_training,
            amendment_reason: e.amendment_reason,
            rejection_reason: e.rejection_reason,
            cap: r.month_cap,
            over_cap: total > r.month_cap,
            previous: r.previous.map(|p| PreviousView {
                work: p.work,
                training: p.training,
                total: p.work + p.training,
                status: status_label(p.status),
            }),
        }
    }
}

/// The queue page's data.
#[derive(Serialize)]
struct QueuePage {
    filters: Filters,
    /// The filters without the page (hidden fields of the decision form keep them).
    rows: Vec<RowView>,
    total: i64,
    /// More than `total` entries match: the page says so and points to the filters.
    more: bool,
    page: i64,
    pages: i64,
    previous_href: Option<String>,
    next_href: Option<String>,
    clauses: Vec<Choice>,
    contractors: Vec<Choice>,
    months: Vec<String>,
    /// What the decision form sent back with its errors: the entries checked, the reason.
    checked: Vec<i64>,
    reason: String,
    errors: FieldErrors,
}

/// The monthly cap setting the page reads.
fn cap_setting(config: &Config) -> i64 {
    config.monthly_hours_cap
}

/// Renders the queue for `filters`, with a decision form's values and errors if any.
#[allow(clippy::too_many_arguments)]
async fn render_queue(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    config: &Config,
    filters: Filters,
    fait: Option<&str>,
    sent: (Vec<i64>, String, FieldErrors),
    status: Status,
) -> Result<Html, Exit> {
    let reader = caller.clone();
    let wanted = filters.use_case();
    let cap = cap_setting(config);
    let queue = reply::call(db, move |c| app::queue(c, &reader, wanted, cap))
        .await
        .map_err(|e| visitor.problem(e))?;
    let mut filters = filters;
    filters.page = queue.page;
    let page = QueuePage {
        previous_href: (queue.page > 1).then(|| filters.href(queue.page - 1, None)),
        next_href: (queue.page < queue.pages).then(|| filters.href(queue.page + 1, None)),
        rows: queue.rows.into_iter().map(RowView::from).collect(),
        total: queue.total,
        more: queue.more,
        page: queue.page,
        pages: queue.pages,
        clauses: choices(queue.choices.clauses),
        contractors: choices(queue.choices.contractors),
        months: queue.choices.months.iter().map(Month::to_string).collect(),
        checked: sent.0,
        reason: sent.1,
        errors: sent.2,
        filters,
    };
    let view = PageView::new("validation.html", "Heures à valider", "/validation", page);
    Ok(view.notice(notice(fait)).render(visitor, caller, status))
}

fn choices(list: Vec<(i64, String)>) -> Vec<Choice> {
    list.into_iter()
        .map(|(id, name)| Choice { id, name })
        .collect()
}

/// GET /validation — staff: the entries of the structure waiting for validation (or of
/// another status), filtered, paginated, each with its month's context.
#[rocket::get("/validation?<status>&<clause_id>&<contractor_id>&<month>&<page>&<fait>")]
#[allow(clippy::too_many_arguments)]
pub async fn queue_page(
    visitor: Visitor,
    status: Option<&str>,
    clause_id: Option<&str>,
    contractor_id: Option<&str>,
    month: Option<&str>,
    page: Option<&str>,
    fait: Option<&str>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let filters = Filters::parse(status, clause_id, contractor_id, month, page);
    let sent = (Vec::new(), String::new(), FieldErrors::default());
    render_queue(
        &visitor,
        &caller,
        db,
        config,
        filters,
        fait,
        sent,
        Status::Ok,
    )
    .await
}

/// The decision form of the queue (the filters ride along, to come back to the same list).
#[derive(FromForm, Default)]
pub struct DecisionForm {
    csrf_token: Option<String>,
    entry: Vec<String>,
    decision: Option<String>,
    reason: Option<String>,
    status: Option<String>,
    clause_id: Option<String>,
    contractor_id: Option<String>,
    month: Option<String>,
    page: Option<String>,
}

/// The errors of a refused use case beside the fields of the form that has them (`fields`);
/// any other field's error goes to the top of the form.
fn errors_on(e: &ApiError, fields: &[&str]) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, message) in FieldErrors::of_problem(e).0 {
        let key = if fields.contains(&field.as_str()) {
            field
        } else {
            String::new()
        };
        out.0.entry(key).or_insert(message);
    }
    out
}

/// A refused decision's problem with each entry it names (`entry_ids[i]`) named by its
/// person and month when it is the structure's: "Awa Diallo, mars 2026 : …".
async fn named_problem(
    db: &Db,
    caller: &Caller,
    mut e: ApiError,
    asked: &[HourEntryId],
) -> ApiError {
    let index = |field: &str| {
        field
            .strip_prefix("entry_ids[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|i| i.parse::<usize>().ok())
    };
    let named: Vec<HourEntryId> = e
        .errors
        .iter()
        .filter_map(|f| asked.get(index(&f.field)?).copied())
        .collect();
    if named.is_empty() {
        return e;
    }
    let reader = caller.clone();
    let names = reply::call(db, move |c| app::entry_names(c, &reader, &named))
        .await
        .unwrap_or_default();
    for f in e.errors.iter_mut() {
        let Some(id) = index(&f.field).and_then(|i| asked.get(i)) else {
            continue;
        };
        if let Some((person, month)) = names.get(id) {
            f.message = format!(
                "{}, {} : {}",
                person_label(person.clone()),
                crate::domain::next_action::period_label_fr(&month.to_string()),
                f.message
            );
        }
    }
    e
}

/// The entry ids of the form, or the error of the first that is not one.
fn entry_ids(texts: &[String]) -> Result<Vec<HourEntryId>, Violation> {
    if texts.len() > MAX_DECIDED {
        return Err(Violation::new("entry", "list_too_long").with("max", MAX_DECIDED));
    }
    texts
        .iter()
        .map(|t| {
            t.trim().parse::<i64>().map(HourEntryId).map_err(|_| {
                // Quoted as typed, control characters shown as `?`.
                let shown: String = excerpt(t)
                    .chars()
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect();
                Violation::new("entry", "entry_unknown").with("entry_id", shown)
            })
        })
        .collect()
}

/// POST /validation — staff: validates the checked entries, or rejects them with a reason,
/// in one transaction (`app::hours::decide_entries`); back to the same list (303), or the
/// list again with the errors beside their fields (nothing done).
#[rocket::post("/validation", data = "<form>")]
pub async fn decide(
    visitor: Visitor,
    origin: RequestOrigin,
    form: Option<Form<DecisionForm>>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let filters = Filters::parse(
        form.status.as_deref(),
        form.clause_id.as_deref(),
        form.contractor_id.as_deref(),
        form.month.as_deref(),
        form.page.as_deref(),
    );
    let reason_text = form.reason.clone().unwrap_or_default();
    let checked: Vec<i64> = form
        .entry
        .iter()
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    let mut errors = FieldErrors::default();
    let ids = entry_ids(&form.entry).unwrap_or_else(|v| {
        errors.add("", &v);
        Vec::new()
    });
    let reason = match FreeText::new(reason_text.clone()) {
        Ok(r) => Some(r.into_string()),
        Err(why) => {
            errors.add("reason", &why.violation("reason"));
            None
        }
    };
    let decision = form.decision.clone().unwrap_or_default();
    if errors.is_empty() {
        let now = db.clock.naive();
        let decider = caller.clone();
        let asked = ids.clone();
        let decided = reply::call(db, move |c| {
            decide_entries(c, &decider, &ids, &decision, reason.as_deref(), now)
        })
        .await;
        match decided {
            Ok(_) => {
                let fait = if form.decision.as_deref() == Some("reject") {
                    "refusees"
                } else {
                    "validees"
                };
                if !visitor.htmx {
                    return Ok(Exit::see_other(filters.href(filters.page, Some(fait))));
                }
                // htmx swaps the list in place: the list as it is now, with the notice.
                let sent = (Vec::new(), String::new(), FieldErrors::default());
                let page = render_queue(
                    &visitor,
                    &caller,
                    db,
                    config,
                    filters,
                    Some(fait),
                    sent,
                    Status::Ok,
                )
                .await?;
                return Ok(Exit::Page(page));
            }
            Err(e) if matches!(e.status, 409 | 422) => {
                errors = errors_on(&named_problem(db, &caller, e, &asked).await, &["reason"])
            }
            Err(e) => return Err(visitor.problem(e)),
        }
    }
    let sent = (checked, reason_text, errors);
    let status = refused_status(&visitor);
    let page = render_queue(&visitor, &caller, db, config, filters, None, sent, status).await?;
    Ok(Exit::Page(page))
}

/// The status of a form sent back with its errors: 422, or 200 for htmx, which swaps only
/// a successful answer into the page.
fn refused_status(visitor: &Visitor) -> Status {
    if visitor.htmx {
        Status::Ok
    } else {
        Status::UnprocessableEntity
    }
}

/// A line of an entry's history as the page shows it.
#[derive(Serialize)]
struct HistoryLine {
    at: String,
    by: String,
    action: &'static str,
    reason: Option<String>,
    changes: Vec<String>,
}

/// What the page calls each action of an entry's history.
fn action_label(action: HistoryAction) -> &'static str {
    match action {
        HistoryAction::Submit => "Déclaration",
        HistoryAction::Replace => "Nouvelle déclaration",
        HistoryAction::Amend => "Correction d'un chiffre validé",
        HistoryAction::Validate => "Validation",
        HistoryAction::Reject => "Refus",
        _ => "Modification",
    }
}

/// A value of an entry's history in French: hours (written in hours by the history, read
/// back as hundredths without floating point), a status in words, nothing as a dash.
fn history_value(field: &str, value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::Number(n) if field != "status" => match parse_hours_input(&n.to_string()) {
            Ok(Some(h)) => format!("{} h", crate::domain::next_action::format_hours_fr(h)),
            _ => n.to_string(),
        },
        Value::String(s) => EntryStatus::parse(s)
            .map(|st| status_label(st).to_lowercase())
            .unwrap_or_else(|| s.clone()),
        other => other.to_string(),
    }
}

/// The label of a field of an entry's history.
fn field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "work_hours" => "Heures de travail",
        "training_hours" => "Heures de formation",
        "validated_work" => "Travail validé",
        "validated_training" => "Formation validée",
        "status" => "Statut",
        _ => return None,
    })
}

impl From<HistoryEntry> for HistoryLine {
    fn from(h: HistoryEntry) -> HistoryLine {
        let at = format!(
            "{} à {}",
            crate::domain::next_action::format_date_fr(h.at.date()),
            h.at.format("%H:%M")
        );
        let changes = h
            .changes
            .iter()
            .filter_map(|c| {
                let label = field_label(&c.field)?;
                Some(format!(
                    "{label} : {} → {}",
                    history_value(&c.field, &c.before),
                    history_value(&c.field, &c.after)
                ))
            })
            .collect();
        HistoryLine {
            at,
            by: h.by.name,
            action: action_label(h.action),
            reason: h.reason,
            changes,
        }
    }
}

/// The values of the amendment form, as typed.
#[derive(Serialize, Default)]
struct AmendValues {
    work_hours: String,
    training_hours: String,
    amendment_reason: String,
}

/// The entry page's data.
#[derive(Serialize)]
struct EntryPage {
    row: RowView,
    history: Vec<HistoryLine>,
    /// A validated figure may be amended (with a reason).
    amendable: bool,
    form: AmendValues,
    errors: FieldErrors,
}

/// The entry `text` names, or the not-found page (ids of another structure included).
fn entry_id(visitor: &Visitor, text: &str) -> Result<HourEntryId, Exit> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .map(HourEntryId)
        .ok_or_else(|| visitor.problem(AppError::NotFound("hour entry").into()))
}

/// The entry with its context and history, or the page saying why not.
async fn load_entry(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    config: &Config,
    id: HourEntryId,
) -> Result<EntryDetail, Exit> {
    let reader = caller.clone();
    let cap = cap_setting(config);
    reply::call(db, move |c| app::entry_detail(c, &reader, id, cap))
        .await
        .map_err(|e| visitor.problem(e))
}

/// Renders an entry's page.
fn render_entry(
    visitor: &Visitor,
    caller: &Caller,
    detail: EntryDetail,
    form: Option<AmendValues>,
    errors: FieldErrors,
    fait: Option<&str>,
    status: Status,
) -> Html {
    let row = RowView::from(detail.row);
    let amendable = row.status == "validated";
    let form = form.unwrap_or_else(|| AmendValues {
        work_hours: crate::pages::hours_input(row.work),
        training_hours: crate::pages::hours_input(row.training),
        amendment_reason: String::new(),
    });
    let title = format!("{}, {}", row.person, month_title(&row.month));
    let page = EntryPage {
        row,
        history: detail.history.into_iter().map(HistoryLine::from).collect(),
        amendable,
        form,
        errors,
    };
    PageView::new("validation_entry.html", &title, "/validation", page)
        .notice(notice(fait))
        .render(visitor, caller, status)
}

/// A month in French for a title: "mars 2026".
fn month_title(month: &str) -> String {
    crate::domain::next_action::period_label_fr(month)
}

/// GET /validation/entries/{id} — staff: one entry of the structure, its figures, its month
/// context and its history; the amendment form once it is validated.
#[rocket::get("/validation/entries/<id>?<fait>")]
pub async fn entry_page(
    visitor: Visitor,
    id: &str,
    fait: Option<&str>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let id = entry_id(&visitor, id)?;
    let detail = load_entry(&visitor, &caller, db, config, id).await?;
    let errors = FieldErrors::default();
    Ok(render_entry(
        &visitor,
        &caller,
        detail,
        None,
        errors,
        fait,
        Status::Ok,
    ))
}

/// The amendment form of a validated entry.
#[derive(FromForm, Default)]
pub struct AmendForm {
    csrf_token: Option<String>,
    work_hours: Option<String>,
    training_hours: Option<String>,
    amendment_reason: Option<String>,
}

/// POST /validation/entries/{id} — staff: amends the entry's figure with a reason
/// (`app::hours::report_month`, as `PUT /api/v1/placements/{id}/hours/{month}` does for
/// staff); back to the entry (303), or its page with the errors beside their fields.
#[rocket::post("/validation/entries/<id>", data = "<form>")]
pub async fn amend(
    visitor: Visitor,
    origin: RequestOrigin,
    id: &str,
    form: Option<Form<AmendForm>>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let id = entry_id(&visitor, id)?;
    let detail = load_entry(&visitor, &caller, db, config, id).await?;
    let typed = AmendValues {
        work_hours: form.work_hours.clone().unwrap_or_default(),
        training_hours: form.training_hours.clone().unwrap_or_default(),
        amendment_reason: form.amendment_reason.clone().unwrap_or_default(),
    };
    let mut errors = FieldErrors::default();
    let mut hours = |field: &str, text: &str, required: bool| match parse_hours_input(text) {
        Ok(Some(h)) => h,
        Ok(None) => {
            if required {
                errors.add(field, &Violation::new(field, "required"));
            }
            0
        }
        Err(_) => {
            errors.add(field, &Violation::new(field, "hours_input_invalid"));
            0
        }
    };
    let work = hours("work_hours", &typed.work_hours, true);
    let training = hours("training_hours", &typed.training_hours, false);
    let reason = match FreeText::new(typed.amendment_reason.clone()) {
        Ok(r) if r.as_str().trim().is_empty() => {
            let v = Violation::new("amendment_reason", "amendment_reason_required");
            errors.add("amendment_reason", &v);
            None
        }
        Ok(r) => Some(r.into_string()),
        Err(why) => {
            errors.add("amendment_reason", &why.violation("amendment_reason"));
            None
        }
    };
    let fields = ["work_hours", "training_hours", "amendment_reason"];
    if errors.is_empty() {
        let rules = HourRules {
            today: db.clock.today(),
            monthly_cap: config.monthly_hours_cap,
        };
        let now = db.clock.naive();
        let (placement, month) = (
            detail.row.entry.entry.placement_id,
            detail.row.entry.entry.month.to_string(),
        );
        let writer = caller.clone();
        let amended = reply::call(db, move |c| {
            let figures = MonthFigures {
                work,
                training,
                amendment_reason: reason.as_deref(),
            };
            report_month(c, &writer, placement, &month, &figures, &rules, now)
        })
        .await;
        match amended {
            Ok(_) if visitor.htmx => {
                // htmx swaps the page in place: the entry as it is now, with the notice.
                let detail = load_entry(&visitor, &caller, db, config, id).await?;
                let errors = FieldErrors::default();
                let fait = Some("corrigee");
                let page = render_entry(&visitor, &caller, detail, None, errors, fait, Status::Ok);
                return Ok(Exit::Page(page));
            }
            Ok(_) => {
                return Ok(Exit::see_other(format!(
                    "/validation/entries/{}?fait=corrigee",
                    id.0
                )))
            }
            Err(e) if matches!(e.status, 409 | 422) => errors = errors_on(&e, &fields),
            Err(e) => return Err(visitor.problem(e)),
        }
    }
    let status = refused_status(&visitor);
    Ok(Exit::Page(render_entry(
        &visitor,
        &caller,
        detail,
        Some(typed),
        errors,
        None,
        status,
    )))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![queue_page, decide, entry_page, amend]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_what_they_understand() {
        let f = Filters::parse(
            Some("validated"),
            Some("12"),
            Some("x"),
            Some("2026-03"),
            Some("-4"),
        );
        assert_eq!(f.status, "validated");
        assert_eq!(f.clause_id, Some(12));
        assert_eq!(f.contractor_id, None);
        assert_eq!(f.month.as_deref(), Some("2026-03"));
        assert_eq!(f.page, 1);
        assert_eq!(
            f.href(2, Some("validees")),
            "/validation?status=validated&clause_id=12&month=2026-03&page=2&fait=validees"
        );
        let all = Filters::parse(Some("\0"), None, None, Some("2026-13"), None);
        assert_eq!(all.status, "submitted");
        assert_eq!(all.month, None);
        assert_eq!(all.href(1, None), "/validation");
    }

    #[test]
    fn history_values_in_french() {
        assert_eq!(
            history_value("work_hours", &serde_json::json!(12.5)),
            "12,50 h"
        );
        assert_eq!(
            history_value("status", &serde_json::json!("validated")),
            "validée"
        );
        assert_eq!(history_value("validated_work", &Value::Null), "—");
    }
}
